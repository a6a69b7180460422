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
 * syn_retries N: the SYN goes at most 1 + N times.  retries N: the
 * connection ends when the same segment has timed out N times in a row.
 */
static bool ttp_out_of_retries(struct sock *sk)
{
	const struct ttp_sysctl *sysctl = ttp_sysctl(sk);
	u8 timeouts = inet_csk(sk)->icsk_retransmits;

	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		return timeouts >= READ_ONCE(sysctl->syn_retries);
	return timeouts + 1 >= READ_ONCE(sysctl->retries);
}

static void ttp_retransmit_timer(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct ttp_sock *ts = ttp_sk(sk);

	if (ts->snd_una == ts->snd_nxt)
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
	icsk->icsk_backoff++;
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
	/* any ACK resets probes_out: only a silent peer is given up on */
	if (icsk->icsk_probes_out >= READ_ONCE(ttp_sysctl(sk)->retries)) {
		ttp_give_up(sk);
		return;
	}
	icsk->icsk_probes_out++;
	icsk->icsk_backoff++;
	ttp_send_probe(sk);
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_PROBE0,
				  min_t(u32, icsk->icsk_rto << icsk->icsk_backoff,
					ttp_rto_max(sk)),
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
		ttp_mtu_reduced(sk);
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
