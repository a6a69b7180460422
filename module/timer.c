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

#include "seq.h"
#include "ttp.h"

#define TTP_KEEPALIVE_TIME	(120 * 60 * HZ)	/* TCP's defaults */
#define TTP_KEEPALIVE_INTVL	(75 * HZ)
#define TTP_KEEPALIVE_PROBES	9
#define TTP_MAX_KEEPIDLE	32767		/* TCP's limits, seconds */

/*
 * Microseconds since stamp, an earlier ttp_clock_us(), as an RTT sample:
 * at least 1, and never the huge unsigned value of a difference below 0.
 */
u32 ttp_us_since(u64 stamp)
{
	s64 us = ttp_clock_us() - stamp;

	return clamp_t(s64, us, 1, U32_MAX);
}
EXPORT_SYMBOL_IF_KUNIT(ttp_us_since);

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

	if (ts->snd_una == ts->snd_nxt && !ts->fin_unqueued) {
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

/* TTP_USER_TIMEOUT in jiffies; 0: none. */
static u32 ttp_user_timeout(const struct sock *sk)
{
	return msecs_to_jiffies(READ_ONCE(inet_csk(sk)->icsk_user_timeout));
}

/*
 * syn_retries N: the SYN goes at most 1 + N times.  retries N: the
 * connection ends when the same segment has timed out N times in a row;
 * an orphan, which no application waits for, gives up after
 * orphan_retries if that is fewer, as TCP's tcp_orphan_retries.  With
 * TTP_USER_TIMEOUT, a connection (a SYN too, as in TCP) ends once its
 * oldest unacknowledged segment has waited that long since it was first
 * sent, and retries no longer counts; orphan_retries still does, so that
 * no orphan outlives its bound.
 */
static bool ttp_out_of_retries(struct sock *sk)
{
	const struct ttp_sysctl *sysctl = ttp_sysctl(sk);
	u8 timeouts = inet_csk(sk)->icsk_retransmits;
	int retries = READ_ONCE(sysctl->retries);
	u32 user_timeout = ttp_user_timeout(sk);

	if (user_timeout && ttp_sk(sk)->retrans_stamp &&
	    (s32)(tcp_jiffies32 - ttp_sk(sk)->retrans_stamp) >=
	    (s32)user_timeout)
		return true;
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		return timeouts >= READ_ONCE(sysctl->syn_retries);
	if (sock_flag(sk, SOCK_DEAD))
		return timeouts + 1 >= min(retries,
					   READ_ONCE(sysctl->orphan_retries));
	return !user_timeout && timeouts + 1 >= retries;
}

/* The next RTO, but no later than TTP_USER_TIMEOUT ends the connection. */
static u32 ttp_rto_within_user_timeout(const struct sock *sk)
{
	u32 user_timeout = ttp_user_timeout(sk);
	s32 left;

	if (!user_timeout || !ttp_sk(sk)->retrans_stamp)
		return inet_csk(sk)->icsk_rto;
	left = user_timeout - (tcp_jiffies32 - ttp_sk(sk)->retrans_stamp);
	if (left <= 0)
		return 1;
	return min_t(u32, inet_csk(sk)->icsk_rto, left);
}

static void ttp_retransmit_timer(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct ttp_sock *ts = ttp_sk(sk);
	bool in_flight = ts->snd_una != ts->snd_nxt;

	if (!in_flight && !ts->fin_unqueued)
		return;
	TTP_INC_STATS(sock_net(sk), TTP_MIB_TIMEOUTS);
	if (sock_flag(sk, SOCK_DEAD) && ttp_orphan_drop_if_too_many(sk))
		return;
	if (ttp_out_of_retries(sk)) {
		ttp_give_up(sk);
		return;
	}
	/*
	 * A FIN whose skb could not be had is tried again here, counted and
	 * backed off as a retransmission, and TTP_USER_TIMEOUT counts from
	 * the first try; data in flight is retransmitted all the same.
	 */
	if (ts->fin_unqueued) {
		if (!ts->retrans_stamp)
			ts->retrans_stamp = tcp_jiffies32 ?: 1;
		ttp_send_fin(sk);
	}
	if (in_flight) {
		/*
		 * Go back: the window falls to one segment and what was in
		 * flight goes again as ACKs return (cong.c).  A lost SYN
		 * says nothing of what the path holds, and changes nothing.
		 */
		ts->dupacks = 0;
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV)) {
			ttp_retransmit_head(sk);
		} else {
			ttp_sack_reset(sk);
			ttp_cong_timeout(sk);
			ts->retransmit_high = ts->snd_una;
			ttp_retransmit_lost(sk);
		}
	}
	/* with TTP_USER_TIMEOUT, retries no longer stops the count */
	if (icsk->icsk_retransmits < U8_MAX)
		icsk->icsk_retransmits++;
	ttp_inc_backoff(sk);
	icsk->icsk_rto = min_t(u32, icsk->icsk_rto * 2, ttp_rto_max(sk));
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS,
				  ttp_rto_within_user_timeout(sk),
				  ttp_rto_max(sk));
}

/*
 * Data waits with nothing in flight: the peer's window stayed shut, or a
 * cork held the data.  Ask for the window again (or send the data, if the
 * window is open), backing off; both count as probes, so that neither a
 * peer that keeps its window shut nor a send that keeps failing holds the
 * socket for ever.
 */
static void ttp_probe_timer(struct sock *sk)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct ttp_sock *ts = ttp_sk(sk);

	if (!ts->send_head || ts->snd_nxt != ts->snd_una) {
		icsk->icsk_probes_tstamp = 0;
		return;
	}
	/* TTP_USER_TIMEOUT counts from the first probe, as in TCP */
	if (!icsk->icsk_probes_tstamp) {
		icsk->icsk_probes_tstamp = tcp_jiffies32;
	} else if (ttp_user_timeout(sk) &&
		   (s32)(tcp_jiffies32 - icsk->icsk_probes_tstamp) >=
		   (s32)ttp_user_timeout(sk)) {
		ttp_give_up(sk);
		return;
	}
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
	if (before(TTP_SKB_CB(ts->send_head)->seq, ts->snd_una + ts->snd_wnd) &&
	    ttp_write_wakeup(sk)) {
		/* in flight: the RTO timer runs now */
		icsk->icsk_probes_out = 0;
		icsk->icsk_backoff = 0;
		icsk->icsk_probes_tstamp = 0;
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

/* TTP_KEEPIDLE, TTP_KEEPINTVL and TTP_KEEPCNT, or TCP's defaults. */
u32 ttp_keepalive_time(const struct sock *sk)
{
	return READ_ONCE(ttp_sk(sk)->keepalive_time) ?: TTP_KEEPALIVE_TIME;
}

u32 ttp_keepalive_intvl(const struct sock *sk)
{
	return READ_ONCE(ttp_sk(sk)->keepalive_intvl) ?: TTP_KEEPALIVE_INTVL;
}

u8 ttp_keepalive_probes(const struct sock *sk)
{
	return READ_ONCE(ttp_sk(sk)->keepalive_probes) ?: TTP_KEEPALIVE_PROBES;
}

/* How long the peer has been silent. */
static u32 ttp_idle_time(const struct sock *sk)
{
	return tcp_jiffies32 - READ_ONCE(ttp_sk(sk)->rcv_tstamp);
}

/*
 * icsk_keepalive_timer: an orphan in FIN_WAIT_2 is reaped after fin_timeout;
 * otherwise it is keepalive, as tcp_keepalive_timer(): after keepalive_time
 * of silence a probe every keepalive_intvl, and after keepalive_probes
 * unanswered ones (or, with TTP_USER_TIMEOUT, that long a silence) the
 * connection is given up.
 */
static void ttp_keepalive_timer(struct timer_list *t)
{
	struct inet_connection_sock *icsk =
			from_timer(icsk, t, icsk_keepalive_timer);
	struct sock *sk = &icsk->icsk_inet.sk;
	struct ttp_sock *ts = ttp_sk(sk);
	u32 user_timeout = ttp_user_timeout(sk);
	u32 idle;

	bh_lock_sock(sk);
	if (sock_owned_by_user(sk)) {
		inet_csk_reset_keepalive_timer(sk, HZ / 20);
		goto out;
	}
	if (sk->sk_state == TCP_FIN_WAIT2 && sock_flag(sk, SOCK_DEAD)) {
		ttp_step(sk, TTP_EV_FIN_WAIT2_TIMEOUT, 0);
		goto out;
	}
	/* as tcp_keepalive_timer(): every state with a peer to ask */
	if (!sock_flag(sk, SOCK_KEEPOPEN) ||
	    !((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				     TCPF_FIN_WAIT2)))
		goto out;
	/* keepalive is for idle connections: data in flight has its RTO */
	if (ts->snd_una != ts->snd_nxt || ts->send_head) {
		inet_csk_reset_keepalive_timer(sk, ttp_keepalive_time(sk));
		goto out;
	}
	idle = ttp_idle_time(sk);
	if (idle < ttp_keepalive_time(sk)) {
		inet_csk_reset_keepalive_timer(sk,
					       ttp_keepalive_time(sk) - idle);
		goto out;
	}
	if (user_timeout ? idle >= user_timeout && icsk->icsk_probes_out :
	    icsk->icsk_probes_out >= ttp_keepalive_probes(sk)) {
		ttp_step(sk, TTP_EV_KEEPALIVE_GIVE_UP, 0);
		goto out;
	}
	icsk->icsk_probes_out++;
	ttp_send_probe(sk);
	inet_csk_reset_keepalive_timer(sk, ttp_keepalive_intvl(sk));
out:
	bh_unlock_sock(sk);
	sock_put(sk);
}

/*
 * A connection is established: the peer was heard now, and SO_KEEPALIVE
 * set before starts its timer, as tcp_finish_connect() and
 * tcp_create_openreq_child() do.  Later segments only move rcv_tstamp
 * (ttp_ack()); the timer reschedules itself from that.
 */
void ttp_start_keepalive(struct sock *sk)
{
	WRITE_ONCE(ttp_sk(sk)->rcv_tstamp, tcp_jiffies32);
	if (sock_flag(sk, SOCK_KEEPOPEN) && !sock_flag(sk, SOCK_DEAD))
		inet_csk_reset_keepalive_timer(sk, ttp_keepalive_time(sk));
}

/* SO_KEEPALIVE */
void ttp_set_keepalive(struct sock *sk, int val)
{
	if ((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
		return;
	if (val)
		inet_csk_reset_keepalive_timer(sk, ttp_keepalive_time(sk));
	else if (sk->sk_state != TCP_FIN_WAIT2)
		inet_csk_delete_keepalive_timer(sk);
}

/*
 * TTP_KEEPIDLE, as tcp_sock_set_keepidle_locked(): a running timer is
 * moved to keepalive_time after the peer last spoke.
 */
int ttp_set_keepidle(struct sock *sk, int secs)
{
	u32 idle;

	sock_owned_by_me(sk);
	if (secs < 1 || secs > TTP_MAX_KEEPIDLE)
		return -EINVAL;
	WRITE_ONCE(ttp_sk(sk)->keepalive_time, secs * HZ);
	if (sock_flag(sk, SOCK_KEEPOPEN) &&
	    !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))) {
		idle = ttp_idle_time(sk);
		inet_csk_reset_keepalive_timer(sk, secs * HZ > idle ?
					       secs * HZ - idle : 0);
	}
	return 0;
}

void ttp_init_xmit_timers(struct sock *sk)
{
	inet_csk_init_xmit_timers(sk, ttp_write_timer, ttp_delack_timer,
				  ttp_keepalive_timer);
}
