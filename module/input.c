// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: receiving segments on a full socket (RFC 9293 3.10.7).
 *
 * The checks run in the RFC's order: sequence number, RST, SYN, ACK, data,
 * FIN.  Every change of state goes through ttp_step(), which looks it up in
 * the table of state.c; this file only decides which event a segment is.
 * The caller holds the socket (bh_lock_sock or the owner's backlog) and a
 * reference, so a connection that ends here is still safe to return from.
 */
#include <linux/random.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "ttp.h"
#include "trace.h"
#include "seq.h"
#include "wire.h"

/*
 * As tcp_oow_rate_limited(): answers to segments that carry no data (out
 * of window ACKs, RSTs, SYNs) go out at most twice a second for each
 * socket, request or TIME_WAIT sock (*last, in jiffies), so that two
 * confused ends, or a spoofer, cannot make an ACK storm.  A skipped
 * answer counts in mib.  Request and TIME_WAIT socks have no lock, so
 * *last is read and written once.
 */
bool ttp_oow_rate_limited(struct net *net, const struct sk_buff *skb,
			  int mib, u32 *last)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	u32 then = READ_ONCE(*last), now = (u32)jiffies;

	if (cb->seq != cb->end_seq && !(cb->flags & TCPHDR_SYN))
		return false;
	if (then && (s32)(now - then) >= 0 && (s32)(now - then) < HZ / 2) {
		TTP_INC_STATS(net, mib);
		return true;
	}
	WRITE_ONCE(*last, now ?: 1);
	return false;
}

/* Tell the peer where we are, after an unacceptable segment. */
static void ttp_send_dupack(struct sock *sk, const struct sk_buff *skb)
{
	if (!ttp_oow_rate_limited(sock_net(sk), skb, TTP_MIB_ACKSKIPPEDSEQ,
				  &ttp_sk(sk)->last_oow_ack))
		ttp_send_ack(sk);
}

/*
 * RFC 5961 7: a challenge ACK, for a RST or SYN that is in the window but
 * not exact and for an ACK too old to be real.  Besides the socket's own
 * limit there is one per namespace, challenge_ack_limit a second, drawn
 * at random around that number each second as TCP does, so that counting
 * the answers tells an off-path attacker nothing (CVE-2016-5696).
 */
static void ttp_send_challenge_ack(struct sock *sk, const struct sk_buff *skb)
{
	struct net *net = sock_net(sk);
	struct ttp_net *tn = ttp_pernet(net);
	u32 limit, now, count;

	if (ttp_oow_rate_limited(net, skb, TTP_MIB_ACKSKIPPEDCHALLENGE,
				 &ttp_sk(sk)->last_oow_ack))
		return;
	limit = READ_ONCE(tn->sysctl.challenge_ack_limit);
	now = jiffies / HZ;
	if (now != READ_ONCE(tn->challenge_ts)) {
		u32 half = (limit + 1) >> 1;

		WRITE_ONCE(tn->challenge_ts, now);
		WRITE_ONCE(tn->challenge_count, limit ?
			   get_random_u32_inclusive(half, limit + half - 1) : 0);
	}
	count = READ_ONCE(tn->challenge_count);
	if (!count) {
		TTP_INC_STATS(net, TTP_MIB_ACKSKIPPEDCHALLENGE);
		return;
	}
	WRITE_ONCE(tn->challenge_count, count - 1);
	TTP_INC_STATS(net, TTP_MIB_CHALLENGEACKS);
	ttp_send_ack(sk);
}

/* RFC 9293 3.10.7.4, with the zero-window allowance for valid ACKs. */
static bool ttp_sequence_ok(const struct ttp_sock *ts,
			    const struct ttp_skb_cb *cb)
{
	s32 wnd = ts->rcv_wup + ts->rcv_wnd - ts->rcv_nxt;

	if (wnd <= 0)
		return cb->seq == ts->rcv_nxt;
	return ttp_seq_acceptable(cb->seq, cb->end_seq - cb->seq, ts->rcv_nxt,
				  wnd);
}

/*
 * The window update rule of RFC 9293 3.10.7.4 as tcp_may_update_window()
 * has it: also take the window of any ACK that moves SND.UNA.  The right
 * edge is SND.UNA + SND.WND, so a retransmitted segment (an old SEG.SEQ)
 * carrying a new ACK would otherwise move that edge past what the peer
 * offered; both ends then sent beyond the other's window and dropped each
 * other's ACKs as out of window.
 */
static bool ttp_update_window(struct ttp_sock *ts, const struct ttp_skb_cb *cb)
{
	/* RFC 7323 2.2: the window of a SYN is never scaled */
	u32 wnd = (u32)cb->window <<
		  (cb->flags & TCPHDR_SYN ? 0 : ts->snd_wscale);

	if (!(after(cb->ack_seq, ts->snd_una) || after(cb->seq, ts->snd_wl1) ||
	      (cb->seq == ts->snd_wl1 && (wnd > ts->snd_wnd || !wnd))))
		return false;
	ts->snd_wl1 = cb->seq;
	ts->max_window = max(ts->max_window, wnd);
	if (wnd == ts->snd_wnd)
		return false;
	ts->snd_wnd = wnd;
	return true;
}

/*
 * Free what ack covers, counting the segments in *acked; returns an RTT
 * sample or 0.  Karn's rule: an ACK
 * that covers any retransmitted segment gives no sample, for it may have
 * waited for that retransmission to fill a hole.
 */
static u32 ttp_clean_rtx_queue(struct sock *sk, u32 ack, u32 *acked)
{
	struct ttp_sock *ts = ttp_sk(sk);
	bool retransmitted = false;
	struct sk_buff *skb;
	u64 first_sent = 0;

	while ((skb = skb_peek(&sk->sk_write_queue)) && skb != ts->send_head) {
		const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);

		if (after(cb->end_seq, ack))
			break;
		if (!cb->sent_us)
			retransmitted = true;
		else if (!first_sent)
			first_sent = cb->sent_us;
		__skb_unlink(skb, &sk->sk_write_queue);
		ttp_wmem_free_skb(sk, skb);
		(*acked)++;
	}
	if (retransmitted || !first_sent)
		return 0;
	return ttp_us_since(first_sent);
}

/*
 * Fast retransmit, and with SACK a partial ACK in fast recovery: the head
 * goes again at once whatever the window says (RFC 5681 3.2, RFC 6582's
 * partial ACK), unless SACK recovery sent it already; then the other
 * holes the pipe has room for.  Without it the head of a burst of losses
 * would wait for the pipe, which still counts the rest of the burst, and
 * for a timeout.
 */
static void ttp_fast_retransmit(struct sock *sk)
{
	struct sk_buff *head = skb_peek(&sk->sk_write_queue);

	ttp_sack_mark_head_lost(sk);
	if (!ttp_sk(sk)->sack_ok || !head ||
	    !(TTP_SKB_CB(head)->sacked & TTP_RETRANS))
		ttp_retransmit_head(sk);
	ttp_retransmit_sack_holes(sk);
}

/*
 * Give a writer back the default send buffer (wmem[1]) that memory
 * pressure took from it: a send charge over TTP's limits cuts sk_sndbuf to
 * half of what the socket has queued (sk_stream_moderate_sndbuf()), and
 * nothing else restores it.  As tcp_should_expand_sndbuf() does, not for a
 * buffer the user set with SO_SNDBUF, not under pressure, and not while
 * TTP's memory is at or above mem's first threshold.  The caller holds
 * the socket's lock, as every writer of sk_sndbuf does: it owns the socket,
 * or holds its spinlock in softirq while no user owns it.
 */
static void ttp_regrow_sndbuf(struct sock *sk)
{
	int full = READ_ONCE(ttp_sysctl(sk)->wmem[1]);

	sock_owned_by_me(sk);
	if ((sk->sk_userlocks & SOCK_SNDBUF_LOCK) ||
	    READ_ONCE(sk->sk_sndbuf) >= full)
		return;
	if (sk_under_memory_pressure(sk) ||
	    sk_memory_allocated(sk) >= sk_prot_mem_limits(sk, 0))
		return;
	WRITE_ONCE(sk->sk_sndbuf, full);
}

/*
 * Wake a writer once an ACK made room, but only one that ran out of it, as
 * tcp_check_space() does: sendmsg() and poll() set SOCK_NOSPACE before they
 * give up, and a reader asleep in recvmsg() must not be woken for nothing
 * by every ACK that comes with the data it waits for.
 */
static void ttp_check_space(struct sock *sk)
{
	/* pairs with smp_mb__after_atomic() after set_bit() in ttp_poll() */
	smp_mb();
	if (sk->sk_socket && test_bit(SOCK_NOSPACE, &sk->sk_socket->flags)) {
		ttp_regrow_sndbuf(sk);
		sk->sk_write_space(sk);
	}
}

/*
 * Process the ACK field.  Returns false when the segment must be dropped:
 * it acknowledges something never sent, or something so old that no peer
 * could have sent it (RFC 5961 5.2).
 */
static bool ttp_ack(struct sock *sk, const struct sk_buff *skb)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct ttp_sock *ts = ttp_sk(sk);
	u32 ack = cb->ack_seq, rtt_us, prior_in_flight, acked = 0;
	bool window_changed;

	if (after(ack, ts->snd_nxt)) {
		ttp_send_dupack(sk, skb);
		return false;
	}
	if (before(ack, ts->snd_una)) {
		/*
		 * Older than SND.UNA - MAX.SND.WND, the oldest ACK the peer can
		 * still be sending: a blind attacker guessed, and its data must
		 * not get in.  Within that it is an old ACK; the data may be new.
		 */
		if (before(ack, ts->snd_una - ts->max_window)) {
			ttp_send_challenge_ack(sk, skb);
			return false;
		}
		return true;
	}

	/*
	 * An acceptable ACK shows the peer alive: probes and keepalive count
	 * from here, as in tcp_ack() (the keepalive timer reads rcv_tstamp
	 * when it fires, so no timer is touched per segment).  One that fails
	 * the checks above may come from a blind attacker, and does not.
	 */
	icsk->icsk_probes_out = 0;
	WRITE_ONCE(ts->rcv_tstamp, tcp_jiffies32);
	/* the path works again: forget what ICMP said of it */
	WRITE_ONCE(sk->sk_err_soft, 0);
	window_changed = ttp_update_window(ts, cb);
	if (ack == ts->snd_una) {
		ttp_sack_rcv(sk, skb);
		/*
		 * A duplicate ACK (RFC 5681 2): the third starts recovery, or
		 * with SACK a segment with three SACKed above it.  In SACK
		 * recovery each may let a hole go again.
		 */
		if (cb->seq == cb->end_seq && !window_changed &&
		    ts->snd_nxt != ts->snd_una) {
			if (ts->dupacks < U8_MAX)
				ts->dupacks++;
			if (ttp_cong_dupack(sk)) {
				ttp_fast_retransmit(sk);
				return true;
			}
		}
		/* holes before new data, whatever else the ACK says */
		if (ts->ca_state == TTP_CA_RECOVERY)
			ttp_retransmit_sack_holes(sk);
		/*
		 * After a timeout the go-back stops at the peer's window: a
		 * window update lets it go on, as an ACK in TCP's Loss state
		 * sends the retransmit queue (tcp_process_loss()), or it
		 * would wait for the next timeout.
		 */
		if (window_changed && ts->ca_state == TTP_CA_LOSS)
			ttp_retransmit_lost(sk);
		return true;
	}

	prior_in_flight = ts->snd_nxt - ts->snd_una;
	rtt_us = ttp_clean_rtx_queue(sk, ack, &acked);
	ts->bytes_acked += ack - ts->snd_una;
	WRITE_ONCE(ts->snd_una, ack);
	ttp_sack_rcv(sk, skb);
	/* the user timeout starts again with the next retransmission */
	if (ts->snd_una == ts->snd_nxt ||
	    TTP_SKB_CB(skb_peek(&sk->sk_write_queue))->sent_us)
		ts->retrans_stamp = 0;
	ts->dupacks = 0;
	icsk->icsk_retransmits = 0;
	icsk->icsk_backoff = 0;
	if (!rtt_us)
		rtt_us = ttp_ts_rtt_us(sk);
	if (rtt_us)
		ttp_rtt_sample(sk, rtt_us);
	else
		ttp_set_rto(sk);

	ttp_cong_ack(sk, ack, prior_in_flight, acked,
		     rtt_us ? min_t(u32, rtt_us, S32_MAX) : -1);
	/*
	 * Still recovering, so the ACK shows a hole: NewReno (RFC 6582) sends
	 * it, once an ACK freed a segment (one of a sliver of the head shows
	 * no new hole, and each would draw a retransmission); with SACK it
	 * goes too unless it went already, and the other holes as the pipe
	 * allows.  After a timeout, the go-back sends what the window has
	 * room for.
	 */
	if (ts->ca_state == TTP_CA_RECOVERY && acked)
		ttp_fast_retransmit(sk);
	else if (ts->ca_state == TTP_CA_LOSS)
		ttp_retransmit_lost(sk);
	ttp_rearm_rto(sk);
	ttp_check_space(sk);
	return true;
}

static void ttp_queue_tail(struct sock *sk, struct sk_buff *skb)
{
	struct sk_buff *tail = skb_peek_tail(&sk->sk_receive_queue);
	bool fragstolen;
	int delta;

	/* as tcp_try_coalesce(): small segments share one skb */
	if (tail && TTP_SKB_CB(tail)->end_seq == TTP_SKB_CB(skb)->seq &&
	    skb_try_coalesce(tail, skb, &fragstolen, &delta)) {
		TTP_SKB_CB(tail)->end_seq = TTP_SKB_CB(skb)->end_seq;
		atomic_add(delta, &sk->sk_rmem_alloc);
		sk_mem_charge(sk, delta);
		kfree_skb_partial(skb, fragstolen);
		return;
	}
	if (!skb->sk)
		skb_set_owner_r(skb, sk);
	__skb_queue_tail(&sk->sk_receive_queue, skb);
}

/*
 * No room for skb: the socket's receive buffer is full, or TTP's memory
 * (ttp_mem) allows no more.
 */
static bool ttp_rmem_full(struct sock *sk, const struct sk_buff *skb)
{
	return atomic_read(&sk->sk_rmem_alloc) + skb->truesize >
	       READ_ONCE(sk->sk_rcvbuf) ||
	       !__sk_rmem_schedule(sk, skb->truesize, skb_pfmemalloc(skb));
}

/*
 * Make room for skb, whose data starts at seq, by dropping out-of-order data
 * from the far end, as tcp_prune_ofo_queue() does.  The sender sends that
 * data again; the segment that fills a hole must get in, or with the buffer
 * full of data above the hole both ends would wait for each other forever.
 */
static bool ttp_prune_ooo(struct sock *sk, const struct sk_buff *skb, u32 seq)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct sk_buff *tail;

	while (ttp_rmem_full(sk, skb)) {
		tail = skb_peek_tail(&ts->ooo_queue);
		if (!tail || !after(TTP_SKB_CB(tail)->seq, seq))
			return false;
		__skb_unlink(tail, &ts->ooo_queue);
		kfree_skb(tail);
		TTP_INC_STATS(sock_net(sk), TTP_MIB_OFOPRUNED);
	}
	return true;
}

/*
 * Queue a segment that starts at or before rcv_nxt.  Returns true when its
 * FIN is now next in sequence.  Consumes skb.
 */
static bool ttp_rcv_in_order(struct sock *sk, struct sk_buff *skb)
{
	struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct ttp_sock *ts = ttp_sk(sk);
	bool fin = cb->flags & TCPHDR_FIN;
	u32 data_end = cb->end_seq - fin;

	if (!after(data_end, ts->rcv_nxt)) {
		kfree_skb(skb);
		return fin && data_end == ts->rcv_nxt;
	}
	/*
	 * An empty receive queue takes the segment past sk_rcvbuf, as TCP's
	 * does, but not past what ttp_mem allows all sockets together.
	 */
	if (!skb->sk && !ttp_prune_ooo(sk, skb, cb->seq) &&
	    (!skb_queue_empty(&sk->sk_receive_queue) ||
	     !__sk_rmem_schedule(sk, skb->truesize, skb_pfmemalloc(skb)))) {
		kfree_skb(skb);
		TTP_INC_STATS(sock_net(sk), TTP_MIB_RCVQDROP);
		return false;
	}
	ts->bytes_received += data_end - ts->rcv_nxt;
	WRITE_ONCE(ts->rcv_nxt, data_end);
	/* the FIN is not data: recvmsg() must not count it */
	cb->end_seq = data_end;
	ttp_queue_tail(sk, skb);
	return fin;
}

/* Keep a segment that arrived ahead of a hole, sorted by seq. */
static void ttp_ooo_insert(struct sock *sk, struct sk_buff *skb)
{
	struct ttp_sock *ts = ttp_sk(sk);
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct sk_buff *prev;

	/* from the tail: most segments land there */
	skb_queue_reverse_walk(&ts->ooo_queue, prev) {
		if (!after(TTP_SKB_CB(prev)->seq, cb->seq))
			break;
	}
	if (prev != (struct sk_buff *)&ts->ooo_queue &&
	    !after(cb->end_seq, TTP_SKB_CB(prev)->end_seq)) {
		kfree_skb(skb);		/* a duplicate */
		return;
	}
	/* pruning takes only segments above this one, never prev */
	if (!ttp_prune_ooo(sk, skb, cb->seq)) {
		kfree_skb(skb);
		TTP_INC_STATS(sock_net(sk), TTP_MIB_OFODROP);
		return;
	}
	skb_set_owner_r(skb, sk);
	__skb_queue_after(&ts->ooo_queue, prev, skb);
}

/*
 * Queue the data of a segment.  Returns true when the connection's FIN is
 * now next in sequence.  Consumes skb.
 */
static bool ttp_data_queue(struct sock *sk, struct sk_buff *skb)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	u32 wnd_end = ts->rcv_wup + ts->rcv_wnd;
	bool fin, filled = false;

	if (cb->seq == cb->end_seq) {
		__kfree_skb(skb);
		return false;
	}
	skb_dst_drop(skb);
	ts->rcv_mss = clamp_t(u32, skb->len, ts->rcv_mss, ts->advmss);

	if (after(cb->seq, ts->rcv_nxt)) {
		if (before(cb->seq, wnd_end)) {
			/* its SACK block goes first in the ACK below */
			ts->sack_recent = cb->seq;
			ttp_ooo_insert(sk, skb);
		} else {
			kfree_skb(skb);
		}
		/* RFC 5681 4.2: out of order data is acknowledged at once */
		ttp_send_ack(sk);
		return false;
	}

	fin = ttp_rcv_in_order(sk, skb);
	while (!fin && (skb = skb_peek(&ts->ooo_queue)) &&
	       !after(TTP_SKB_CB(skb)->seq, ts->rcv_nxt)) {
		__skb_unlink(skb, &ts->ooo_queue);
		fin = ttp_rcv_in_order(sk, skb);
		filled = true;
	}

	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_data_ready(sk);
	/*
	 * Delayed ACK: more than one full segment unacknowledged, or a
	 * filled hole, is acknowledged at once; else the timer waits.
	 */
	if (filled || ts->rcv_nxt - ts->rcv_wup > ts->rcv_mss)
		ttp_send_ack(sk);
	else if (!fin)
		ttp_send_delayed_ack(sk);
	return fin;
}

/* The application reads EOF from now on. */
static void ttp_fin(struct sock *sk)
{
	WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | RCV_SHUTDOWN);
	sock_set_flag(sk, SOCK_DONE);
	__skb_queue_purge(&ttp_sk(sk)->ooo_queue);
	if (!sock_flag(sk, SOCK_DEAD)) {
		sk->sk_state_change(sk);
		if (sk->sk_shutdown == SHUTDOWN_MASK ||
		    sk->sk_state == TCP_CLOSE)
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_HUP);
		else
			sk_wake_async(sk, SOCK_WAKE_WAITD, POLL_IN);
	}
}

/* A RST that passed its checks: for the tracepoint, by its own header. */
void ttp_trace_rcv_reset(const struct sk_buff *skb, int state)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);

	trace_ttp_receive_reset(NULL, skb, false, cb->seq, cb->ack_seq, state);
}

static void ttp_rcv_reset(struct sock *sk, const struct sk_buff *skb)
{
	TTP_INC_STATS(sock_net(sk), TTP_MIB_INRSTS);
	ttp_trace_rcv_reset(skb, sk->sk_state);
	ttp_step(sk, TTP_EV_RCV_RST, 0);
}

/* Options of a SYN: the peer's MSS, window scale (RFC 7323 2.2), timestamps. */
static void ttp_rcv_syn_options(struct sock *sk, const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct ttp_sock *ts = ttp_sk(sk);
	struct ttp_hdr h;

	if (ttp_hdr_parse(th, th->doff * 4, &h))
		memset(&h, 0, sizeof(h));
	/*
	 * The route may be gone (IP_TOS, SO_MARK and others reset it), so the
	 * path MTU is the one the MSS was last synced to, as in TCP.
	 */
	ts->peer_mss = h.mss;
	ttp_ts_synced(sk, &h);
	/* RFC 2018 2: only if both SYNs carried SACK-permitted */
	ts->sack_ok = ts->sack_ok && h.sack_ok;
	ttp_sync_mss(sk, inet_csk(sk)->icsk_pmtu_cookie);
	ts->wscale_ok = h.has_wscale;
	if (h.has_wscale) {
		ts->snd_wscale = h.wscale;
	} else {
		ts->snd_wscale = 0;
		ts->rcv_wscale = 0;
	}
	ts->rcv_mss = min_t(u32, ts->advmss, TTP_DEFAULT_MSS);
	ts->snd_wnd = h.window;		/* never scaled in a SYN */
	ts->max_window = h.window;
	ts->snd_wl1 = h.seq;
}

/* RFC 9293 3.10.7.3: SYN_SENT.  Returns TTP_RESET as ttp_rcv_state_process(). */
static int ttp_rcv_synsent(struct sock *sk, struct sk_buff *skb)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct ttp_sock *ts = ttp_sk(sk);
	bool ack = cb->flags & TCPHDR_ACK;

	if (ack && (!after(cb->ack_seq, ts->iss) ||
		    after(cb->ack_seq, ts->snd_nxt)))
		return TTP_RESET;
	if (cb->flags & TCPHDR_RST) {
		if (ack)
			ttp_rcv_reset(sk, skb);
		goto discard;
	}
	if (!(cb->flags & TCPHDR_SYN))
		goto discard;

	ttp_rcv_syn_options(sk, skb);
	if (ack) {
		ttp_ack(sk, skb);
		ttp_cong_established(sk);
		ttp_step(sk, TTP_EV_RCV_SYNACK, cb->seq);
		ttp_start_keepalive(sk);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	} else {
		/* simultaneous open: both ends sent a SYN */
		ttp_step(sk, TTP_EV_RCV_SYN, cb->seq);
	}
discard:
	kfree_skb(skb);
	return 0;
}

static int __ttp_listen_rcv(struct sock *sk, struct sk_buff *skb)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct sock *child;
	bool valid;

	if (cb->flags & TCPHDR_RST)
		goto discard;
	if (cb->flags & TCPHDR_ACK) {
		/* the last ACK of a handshake that a SYN cookie answered? */
		child = ttp_syncookie_check(sk, skb, &valid);
		if (child)
			return ttp_child_process(sk, child, skb);
		if (!valid)
			return TTP_RESET;
		goto discard;
	}
	if (cb->flags & TCPHDR_SYN) {
		inet_csk(sk)->icsk_af_ops->conn_request(sk, skb);
		consume_skb(skb);
		return 0;
	}
discard:
	kfree_skb(skb);
	return 0;
}

/*
 * A segment for a listener.  It runs without the listener's lock, in
 * softirq, as TCP's does: request socks and the accept queue have locks of
 * their own, and a listener's segments must not wait on its backlog while
 * the application holds it.  The one way here from process context is the
 * backlog of a socket that became a listener while segments waited, so
 * BHs are off, as the ehash locks need, and RCU held, as for a lookup.
 * Returns TTP_RESET as ttp_rcv_state_process().
 */
int ttp_listen_rcv(struct sock *sk, struct sk_buff *skb)
{
	int verdict;

	local_bh_disable();
	rcu_read_lock();
	verdict = __ttp_listen_rcv(sk, skb);
	rcu_read_unlock();
	local_bh_enable();
	return verdict;
}

/* Has everything we sent, our FIN included, been acknowledged? */
static bool ttp_fin_acked(const struct sock *sk)
{
	const struct ttp_sock *ts = ttp_sk(sk);

	return ((1 << sk->sk_state) &
		(TCPF_FIN_WAIT1 | TCPF_CLOSING | TCPF_LAST_ACK)) &&
	       ts->snd_una == ts->write_seq && !ts->fin_unqueued;
}

/*
 * After close() (or shutdown(SHUT_RD) with SHUT_WR) new
 * data has no reader, and the peer learns so by a RST, as RFC 1122 4.2.2.13
 * and Linux say.
 */
static bool ttp_data_after_close(const struct sock *sk,
				 const struct sk_buff *skb)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);

	return ((1 << sk->sk_state) & (TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)) &&
	       (sk->sk_shutdown & RCV_SHUTDOWN) && skb->len &&
	       after(cb->seq + skb->len, ttp_sk(sk)->rcv_nxt);
}

/*
 * A segment for sk, in RFC 9293's order.  Returns 0 when the segment was
 * dealt with (and freed), or TTP_RESET when it deserves a RST that the
 * address family's glue sends, as tcp_rcv_state_process() returns to
 * tcp_v4_do_rcv(); skb is then the caller's to free.
 */
int ttp_rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct ttp_sock *ts = ttp_sk(sk);
	bool fin_acked, fin = false, opened = false;
	u32 fin_seq;

	switch (sk->sk_state) {
	case TCP_CLOSE:
		return TTP_RESET;
	case TCP_LISTEN:
		return ttp_listen_rcv(sk, skb);
	}
	ts->segs_in++;
	if (sk->sk_state == TCP_SYN_SENT)
		return ttp_rcv_synsent(sk, skb);

	ttp_ts_parse(sk, skb);
	if (ttp_paws_reject(sk, skb)) {
		ttp_send_dupack(sk, skb);
		goto discard;
	}
	if (!ttp_sequence_ok(ts, cb)) {
		if (!(cb->flags & TCPHDR_RST))
			ttp_send_dupack(sk, skb);
		goto discard;
	}
	/* RFC 5961 3.2: only a RST at exactly rcv_nxt is believed */
	if (cb->flags & TCPHDR_RST) {
		if (cb->seq == ts->rcv_nxt)
			ttp_rcv_reset(sk, skb);
		else
			ttp_send_challenge_ack(sk, skb);
		goto discard;
	}
	/* RFC 5961 4.2: a SYN on a synchronized connection: challenge ACK */
	if (cb->flags & TCPHDR_SYN) {
		ttp_send_challenge_ack(sk, skb);
		goto discard;
	}
	if (!(cb->flags & TCPHDR_ACK))
		goto discard;

	if (sk->sk_state == TCP_SYN_RECV) {
		if (before(cb->ack_seq, ts->snd_una) ||
		    after(cb->ack_seq, ts->snd_nxt))
			return TTP_RESET;
		ttp_step(sk, TTP_EV_RCV_ACK_OF_SYN, 0);
		/* a simultaneous open is established here */
		ttp_cong_established(sk);
		ttp_start_keepalive(sk);
		opened = true;
	}
	if (!ttp_ack(sk, skb))
		goto discard;
	ttp_ts_store_recent(sk, cb->seq);
	/*
	 * shutdown() before connect() fails with ENOTCONN but is remembered
	 * (inet_shutdown()); as TCP's, a simultaneous open then sends its FIN
	 * as soon as it is established.  This may run in softirq:
	 * ttp_send_fin() does not sleep there.
	 */
	if (opened && (sk->sk_shutdown & SEND_SHUTDOWN))
		ttp_step(sk, TTP_EV_CLOSE, 0);

	fin_acked = ttp_fin_acked(sk);
	if (fin_acked && sk->sk_state != TCP_FIN_WAIT1) {
		/* CLOSING -> TIME_WAIT, LAST_ACK -> CLOSED: nothing follows */
		ttp_step(sk, TTP_EV_RCV_ACK_OF_FIN, 0);
		goto discard;
	}

	__skb_pull(skb, tcp_hdr(skb)->doff * 4);
	if (ttp_data_after_close(sk, skb)) {
		ttp_step(sk, TTP_EV_RCV_DATA_AFTER_CLOSE, 0);
		goto discard;
	}
	if ((1 << sk->sk_state) &
	    (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)) {
		fin = ttp_data_queue(sk, skb);
		skb = NULL;
	}
	fin_seq = ts->rcv_nxt;

	if (fin && fin_acked) {
		/* the peer's FIN acks ours: FIN_WAIT_1 -> TIME_WAIT in one step */
		ttp_fin(sk);
		ttp_step(sk, TTP_EV_RCV_FIN_ACK_OF_FIN, fin_seq);
		goto discard;
	}
	if (fin_acked)
		ttp_step(sk, TTP_EV_RCV_ACK_OF_FIN, 0);
	if (fin) {
		ttp_fin(sk);
		ttp_step(sk, TTP_EV_RCV_FIN, fin_seq);
	}
	if (sk->sk_state != TCP_CLOSE)
		ttp_push(sk, TTP_PUSH_NAGLE);
discard:
	kfree_skb(skb);
	return 0;
}

/*
 * After the application read: announce a window that has grown a lot, as
 * tcp_cleanup_rbuf() does, or the peer may sit on a closed one.
 */
void ttp_cleanup_rbuf(struct sock *sk, int copied)
{
	struct ttp_sock *ts = ttp_sk(sk);
	s32 cur = ts->rcv_wup + ts->rcv_wnd - ts->rcv_nxt;
	int free;

	if (copied <= 0 || (sk->sk_shutdown & RCV_SHUTDOWN) ||
	    !((1 << sk->sk_state) &
	      (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)))
		return;
	free = (READ_ONCE(sk->sk_rcvbuf) -
		atomic_read(&sk->sk_rmem_alloc)) / 2;
	if (free >= 2 * max(cur, 0) && free - max(cur, 0) >= ts->rcv_mss)
		ttp_send_ack(sk);
}
