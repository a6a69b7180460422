// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: timers.
 *
 * icsk_retransmit_timer runs the retransmission timeout (SYN, data and FIN
 * alike) and the zero-window probe, icsk_delack_timer the delayed ACK, and
 * icsk_keepalive_timer keepalive or, for an orphan, the FIN_WAIT_2 reaper.
 * Each armed timer holds a reference on its socket (sk_reset_timer()).  A timer that
 * fires while the application owns the socket leaves its work to
 * ttp_release_cb(), as TCP's do; so does an ICMP "fragmentation needed".
 */
#include <linux/jiffies.h>
#include <linux/sched/clock.h>
#include <kunit/visibility.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "ttp.h"

#define TTP_KEEPALIVE_TIME	(120 * 60 * HZ)	/* TCP's defaults */
#define TTP_KEEPALIVE_INTVL	(75 * HZ)
#define TTP_KEEPALIVE_PROBES	9

u64 ttp_clock_us(void)
{
	return div_u64(local_clock(), NSEC_PER_USEC);
}

u32 ttp_rto_min(const struct sock *sk)
{
	return ttp_jiffies(&ttp_sysctl(sk)->rto_min_ms);
}

u32 ttp_rto_max(const struct sock *sk)
{
	return ttp_jiffies(&ttp_sysctl(sk)->rto_max_ms);
}

/* RFC 6298 2.2 and 2.4: RTO from SRTT and RTTVAR, or the initial one. */
void ttp_set_rto(struct sock *sk)
{
	const struct ttp_sock *ts = ttp_sk(sk);
	u32 rto_us;

	if (!ts->srtt_us) {
		inet_csk(sk)->icsk_rto = ttp_jiffies(&ttp_sysctl(sk)->rto_initial_ms);
		return;
	}
	/* G, the clock granularity, is one jiffy */
	rto_us = ts->srtt_us + max_t(u32, jiffies_to_usecs(1),
				     4 * ts->rttvar_us);
	inet_csk(sk)->icsk_rto = clamp_t(u32, usecs_to_jiffies(rto_us),
					 ttp_rto_min(sk), ttp_rto_max(sk));
}

/* RFC 6298 2.2 and 2.3: fold one RTT measurement into SRTT and RTTVAR. */
void ttp_rtt_sample(struct sock *sk, u32 rtt_us)
{
	struct ttp_sock *ts = ttp_sk(sk);

	if (!ts->srtt_us) {
		ts->srtt_us = rtt_us;
		ts->rttvar_us = rtt_us / 2;
	} else {
		u32 delta = abs((s32)(ts->srtt_us - rtt_us));

		ts->rttvar_us = ts->rttvar_us - ts->rttvar_us / 4 + delta / 4;
		ts->srtt_us = ts->srtt_us - ts->srtt_us / 8 + rtt_us / 8;
	}
	ttp_set_rto(sk);
}

/* RFC 6298 5.1 and 5.3: the timer runs while anything is unacknowledged. */
void ttp_rearm_rto(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);

	if (ts->snd_una == ts->snd_nxt) {
		inet_csk_clear_xmit_timer(sk, ICSK_TIME_RETRANS);
		return;
	}
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, inet_csk(sk)->icsk_rto,
				  ttp_rto_max(sk));
}

/* Give up on the connection: the state machine reports ETIMEDOUT. */
static void ttp_give_up(struct sock *sk)
{
	ttp_step(sk, TTP_EV_GIVE_UP, 0);
}

/*
 * rto doubled backoff times, as inet_csk_rto_backoff(), but never above
 * max: a zero window probed for long would otherwise shift by 32 or more,
 * which C leaves undefined.
 */
u32 ttp_rto_backoff(u32 rto, unsigned int backoff, u32 max)
{
	if (backoff >= 32)
		return max;
	return min_t(u64, (u64)rto << backoff, max);
}
EXPORT_SYMBOL_IF_KUNIT(ttp_rto_backoff);

static u32 ttp_backoff_rto(const struct sock *sk)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);

	return ttp_rto_backoff(icsk->icsk_rto, icsk->icsk_backoff,
			       ttp_rto_max(sk));
}

/* One more backoff; the count stops at its type's limit, not wraps. */
static void ttp_inc_backoff(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (icsk->icsk_backoff < U8_MAX)
		icsk->icsk_backoff++;
}

/*
 * syn_retries N: the SYN goes at most 1 + N times.  retries N: the
 * connection ends when the same segment has timed out N times in a row;
 * an orphan, which no application waits for, gives up after
 * orphan_retries if that is fewer, as TCP's tcp_orphan_retries.
 */
static bool ttp_out_of_retries(struct sock *sk)
{
	const struct ttp_sysctl *sysctl = ttp_sysctl(sk);
	u8 timeouts = inet_csk(sk)->icsk_retransmits;
	int retries = READ_ONCE(sysctl->retries);

	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		return timeouts >= READ_ONCE(sysctl->syn_retries);
	if (sock_flag(sk, SOCK_DEAD))
		retries = min(retries, READ_ONCE(sysctl->orphan_retries));
	return timeouts + 1 >= retries;
}

static void ttp_retransmit_timer(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct ttp_sock *ts = ttp_sk(sk);

	if (ts->snd_una == ts->snd_nxt)
		return;
	TTP_INC_STATS(sock_net(sk), TTP_MIB_TIMEOUTS);
	if (sock_flag(sk, SOCK_DEAD) && ttp_orphan_drop_if_too_many(sk))
		return;
	if (ttp_out_of_retries(sk)) {
		ttp_give_up(sk);
		return;
	}
	/* go back: everything after the head is sent again as ACKs return */
	ts->in_recovery = 1;
	ts->recover = ts->snd_nxt;
	ts->dupacks = 0;
	ttp_retransmit_head(sk);
	icsk->icsk_retransmits++;
	ttp_inc_backoff(sk);
	icsk->icsk_rto = min_t(u32, icsk->icsk_rto * 2, ttp_rto_max(sk));
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS, icsk->icsk_rto,
				  ttp_rto_max(sk));
}

/* The peer's window stayed shut: ask for it again, backing off. */
static void ttp_probe_timer(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct ttp_sock *ts = ttp_sk(sk);

	if (!ts->send_head || ts->snd_nxt != ts->snd_una)
		return;
	/*
	 * An orphan has no application to wait for, and a peer that answers
	 * every probe with a zero window would keep it and its send buffer
	 * for ever: it gives up after orphan_retries probes, answered or not
	 * (icsk_backoff, which ACKs do not reset), and is reset at once when
	 * there are too many orphans.
	 */
	if (sock_flag(sk, SOCK_DEAD)) {
		if (ttp_orphan_drop_if_too_many(sk))
			return;
		if (icsk->icsk_backoff >=
		    READ_ONCE(ttp_sysctl(sk)->orphan_retries)) {
			ttp_give_up(sk);
			return;
		}
	}
	/* any ACK resets probes_out: only a silent peer is given up on */
	if (icsk->icsk_probes_out >= READ_ONCE(ttp_sysctl(sk)->retries)) {
		ttp_give_up(sk);
		return;
	}
	icsk->icsk_probes_out++;
	ttp_inc_backoff(sk);
	ttp_send_probe(sk);
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_PROBE0, ttp_backoff_rto(sk),
				  ttp_rto_max(sk));
}

static void ttp_write_timer_handler(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	int event;

	if (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)) ||
	    !icsk->icsk_pending)
		return;
	if (time_after(icsk->icsk_timeout, jiffies)) {
		sk_reset_timer(sk, &icsk->icsk_retransmit_timer,
			       icsk->icsk_timeout);
		return;
	}
	event = icsk->icsk_pending;
	icsk->icsk_pending = 0;
	if (event == ICSK_TIME_RETRANS)
		ttp_retransmit_timer(sk);
	else if (event == ICSK_TIME_PROBE0)
		ttp_probe_timer(sk);
}

static void ttp_delack_timer_handler(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)) ||
	    !(icsk->icsk_ack.pending & ICSK_ACK_TIMER))
		return;
	if (time_after(icsk->icsk_ack.timeout, jiffies)) {
		sk_reset_timer(sk, &icsk->icsk_delack_timer,
			       icsk->icsk_ack.timeout);
		return;
	}
	icsk->icsk_ack.pending &= ~ICSK_ACK_TIMER;
	TTP_INC_STATS(sock_net(sk), TTP_MIB_DELAYEDACKS);
	ttp_send_ack(sk);
}

/* Run now, or leave to release_sock() with a reference for the wait. */
static void ttp_timer_run(struct sock *sk, int bit,
			  void (*handler)(struct sock *sk))
{
	bh_lock_sock(sk);
	if (!sock_owned_by_user(sk))
		handler(sk);
	else if (!test_and_set_bit(bit, &ttp_sk(sk)->deferred))
		sock_hold(sk);
	bh_unlock_sock(sk);
	sock_put(sk);
}

static void ttp_write_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk =
			from_timer(icsk, t, icsk_retransmit_timer);

	ttp_timer_run(&icsk->icsk_inet.sk, TTP_WRITE_TIMER_DEFERRED,
		      ttp_write_timer_handler);
}

static void ttp_delack_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk =
			from_timer(icsk, t, icsk_delack_timer);

	ttp_timer_run(&icsk->icsk_inet.sk, TTP_DELACK_TIMER_DEFERRED,
		      ttp_delack_timer_handler);
}

void ttp_release_cb(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);
	unsigned long flags = xchg(&ts->deferred, 0);

	if (test_bit(TTP_WRITE_TIMER_DEFERRED, &flags)) {
		ttp_write_timer_handler(sk);
		__sock_put(sk);
	}
	if (test_bit(TTP_DELACK_TIMER_DEFERRED, &flags)) {
		ttp_delack_timer_handler(sk);
		__sock_put(sk);
	}
	if (test_bit(TTP_MTU_REDUCED_DEFERRED, &flags)) {
		inet_csk(sk)->icsk_af_ops->mtu_reduced(sk);
		__sock_put(sk);
	}
}

/*
 * icsk_keepalive_timer: an orphan in FIN_WAIT_2 is reaped (behaviour item 20);
 * otherwise it is keepalive, with TCP's default times.
 */
static void ttp_keepalive_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk =
			from_timer(icsk, t, icsk_keepalive_timer);
	struct sock *sk = &icsk->icsk_inet.sk;
	struct ttp_sock *ts = ttp_sk(sk);

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		inet_csk_reset_keepalive_timer(sk, HZ / 20);
		goto out;
	}
	if (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)) {
		ttp_step(sk, TTP_EV_FIN_WAIT2_TIMEOUT, 0);
		goto out;
	}
	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    !((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)))
		goto out;
	/* keepalive is for idle connections: data in flight has its RTO */
	if (ts->snd_una != ts->snd_nxt || ts->send_head) {
		inet_csk_reset_keepalive_timer(sk, TTP_KEEPALIVE_TIME);
		goto out;
	}
	if (icsk->icsk_probes_out >= TTP_KEEPALIVE_PROBES) {
		ttp_give_up(sk);
		goto out;
	}
	icsk->icsk_probes_out++;
	ttp_send_probe(sk);
	inet_csk_reset_keepalive_timer(sk, TTP_KEEPALIVE_INTVL);
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

/* Any segment from the peer shows it is alive. */
void ttp_reset_keepalive(struct sock *sk)
{
	if (sock_flag(sk, SOCK_KEEPOPEN) && !sock_flag(sk, SOCK_DEAD)) {
		inet_csk(sk)->icsk_probes_out = 0;
		inet_csk_reset_keepalive_timer(sk, TTP_KEEPALIVE_TIME);
	}
}

/* SO_KEEPALIVE */
void ttp_set_keepalive(struct sock *sk, int val)
{
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (val)
		inet_csk_reset_keepalive_timer(sk, TTP_KEEPALIVE_TIME);
	else if (sk->sk_state != TCP_FIN_WAIT2)
		inet_csk_delete_keepalive_timer(sk);
}

void ttp_init_xmit_timers(struct sock *sk)
{
	inet_csk_init_xmit_timers(sk, ttp_write_timer, ttp_delack_timer,
				  ttp_keepalive_timer);
}
