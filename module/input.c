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
 * of window ACKs, RSTs, SYNs) go out at most twice a second, so that two
 * confused ends, or a spoofer, cannot make an ACK storm.
 */
static bool ttp_oow_rate_limited(struct sock *sk, const struct sk_buff *skb)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct ttp_sock *ts = ttp_sk(sk);

	if (cb->seq != cb->end_seq && !(cb->flags & TCPHDR_SYN))
		return false;
	if (ts->last_oow_ack && time_before(jiffies, ts->last_oow_ack + HZ / 2))
		return true;
	ts->last_oow_ack = jiffies ?: 1;
	return false;
}

/* Tell the peer where we are: for unacceptable and RFC 5961 segments. */
static void ttp_send_dupack(struct sock *sk, const struct sk_buff *skb)
{
	if (!ttp_oow_rate_limited(sk, skb))
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
	if (wnd == ts->snd_wnd)
		return false;
	ts->snd_wnd = wnd;
	return true;
}

/*
 * Free what ack covers; returns an RTT sample or 0.  Karn's rule: an ACK
 * that covers any retransmitted segment gives no sample, for it may have
 * waited for that retransmission to fill a hole.
 */
static u32 ttp_clean_rtx_queue(struct sock *sk, u32 ack)
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
	}
	if (retransmitted || !first_sent)
		return 0;
	return max_t(u64, ttp_clock_us() - first_sent, 1);
}

/*
 * Process the ACK field.  Returns false when the segment must be dropped
 * because it acknowledges something never sent.
 */
static bool ttp_ack(struct sock *sk, const struct sk_buff *skb)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct ttp_sock *ts = ttp_sk(sk);
	u32 ack = cb->ack_seq, rtt_us;
	bool window_changed;

	if (after(ack, ts->snd_nxt)) {
		ttp_send_dupack(sk, skb);
		return false;
	}
	if (before(ack, ts->snd_una))
		return true;	/* an old ACK; the segment's data may be new */

	icsk->icsk_probes_out = 0;
	/* the path works again: forget what ICMP said of it */
	WRITE_ONCE(sk->sk_err_soft, 0);
	window_changed = ttp_update_window(ts, cb);
	if (ack == ts->snd_una) {
		/* three duplicate ACKs: the head was lost (RFC 5681 3.2) */
		if (cb->seq == cb->end_seq && !window_changed &&
		    ts->snd_nxt != ts->snd_una && ++ts->dupacks == 3 &&
		    !ts->in_recovery) {
			ts->in_recovery = 1;
			ts->recover = ts->snd_nxt;
			ttp_retransmit_head(sk);
		}
		return true;
	}

	rtt_us = ttp_clean_rtx_queue(sk, ack);
	ts->bytes_acked += ack - ts->snd_una;
	WRITE_ONCE(ts->snd_una, ack);
	ts->dupacks = 0;
	icsk->icsk_retransmits = 0;
	icsk->icsk_backoff = 0;
	if (rtt_us)
		ttp_rtt_sample(sk, rtt_us);
	else
		ttp_set_rto(sk);

	/* NewReno (RFC 6582): a partial ACK shows the next hole */
	if (ts->in_recovery) {
		if (!before(ack, ts->recover))
			ts->in_recovery = 0;
		else
			ttp_retransmit_head(sk);
	}
	ttp_rearm_rto(sk);
	sk->sk_write_space(sk);
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

static bool ttp_rmem_full(const struct sock *sk, const struct sk_buff *skb)
{
	return atomic_read(&sk->sk_rmem_alloc) + skb->truesize >
	       READ_ONCE(sk->sk_rcvbuf);
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
	/* an empty receive queue takes the segment anyway, as TCP's does */
	if (!skb->sk && !ttp_prune_ooo(sk, skb, cb->seq) &&
	    !skb_queue_empty(&sk->sk_receive_queue)) {
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
		if (before(cb->seq, wnd_end))
			ttp_ooo_insert(sk, skb);
		else
			kfree_skb(skb);
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
	/* behaviour item 11; a filled hole is acknowledged at once too */
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
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th = tcp_hdr(skb);

	trace_ttp_receive_reset(iph->saddr, th->source, iph->daddr, th->dest,
				cb->seq, cb->ack_seq, state);
}

static void ttp_rcv_reset(struct sock *sk, const struct sk_buff *skb)
{
	TTP_INC_STATS(sock_net(sk), TTP_MIB_INRSTS);
	ttp_trace_rcv_reset(skb, sk->sk_state);
	ttp_step(sk, TTP_EV_RCV_RST, 0);
}

/* Options of a SYN: the peer's MSS and window scale (RFC 7323 2.2). */
static void ttp_rcv_syn_options(struct sock *sk, const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct ttp_sock *ts = ttp_sk(sk);
	struct ttp_hdr h;

	if (ttp_hdr_parse(th, th->doff * 4, &h))
		memset(&h, 0, sizeof(h));
	ttp_sync_mss(sk, dst_mtu(__sk_dst_get(sk)), h.mss);
	if (h.has_wscale) {
		ts->snd_wscale = h.wscale;
	} else {
		ts->snd_wscale = 0;
		ts->rcv_wscale = 0;
	}
	ts->rcv_mss = min_t(u32, ts->advmss, TTP_DEFAULT_MSS);
	ts->snd_wnd = h.window;		/* never scaled in a SYN */
	ts->snd_wl1 = h.seq;
}

/* RFC 9293 3.10.7.3: SYN_SENT. */
static void ttp_rcv_synsent(struct sock *sk, struct sk_buff *skb)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct ttp_sock *ts = ttp_sk(sk);
	bool ack = cb->flags & TCPHDR_ACK;

	if (ack && (!after(cb->ack_seq, ts->iss) ||
		    after(cb->ack_seq, ts->snd_nxt))) {
		if (!(cb->flags & TCPHDR_RST))
			ttp_v4_send_reset(sock_net(sk), skb);
		goto discard;
	}
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
		ttp_step(sk, TTP_EV_RCV_SYNACK, cb->seq);
		sk_wake_async(sk, SOCK_WAKE_IO, POLL_OUT);
	} else {
		/* simultaneous open: both ends sent a SYN */
		ttp_step(sk, TTP_EV_RCV_SYN, cb->seq);
	}
	ts->copied_seq = ts->rcv_nxt;
	ts->rcv_wup = ts->rcv_nxt;
discard:
	kfree_skb(skb);
}

static void ttp_rcv_listen(struct sock *sk, struct sk_buff *skb)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);

	if (cb->flags & TCPHDR_RST)
		goto discard;
	if (cb->flags & TCPHDR_ACK) {
		ttp_v4_send_reset(sock_net(sk), skb);
		goto discard;
	}
	if (cb->flags & TCPHDR_SYN) {
		ttp_conn_request(sk, skb);
		consume_skb(skb);
		return;
	}
discard:
	kfree_skb(skb);
}

/* Has everything we sent, our FIN included, been acknowledged? */
static bool ttp_fin_acked(const struct sock *sk)
{
	const struct ttp_sock *ts = ttp_sk(sk);

	return ((1 << sk->sk_state) &
		(TCPF_FIN_WAIT1 | TCPF_CLOSING | TCPF_LAST_ACK)) &&
	       ts->snd_una == ts->write_seq;
}

/*
 * Behaviour item 24: after close() (or shutdown(SHUT_RD) with SHUT_WR) new
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

int ttp_rcv_state_process(struct sock *sk, struct sk_buff *skb)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct ttp_sock *ts = ttp_sk(sk);
	bool fin_acked, fin = false;
	u32 fin_seq;

	ts->segs_in++;
	switch (sk->sk_state) {
	case TCP_CLOSE:
		if (!(cb->flags & TCPHDR_RST))
			ttp_v4_send_reset(sock_net(sk), skb);
		kfree_skb(skb);
		return 0;
	case TCP_LISTEN:
		ttp_rcv_listen(sk, skb);
		return 0;
	case TCP_SYN_SENT:
		ttp_rcv_synsent(sk, skb);
		return 0;
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
			ttp_send_dupack(sk, skb);
		goto discard;
	}
	/* RFC 5961 4.2: a SYN on a synchronized connection: challenge ACK */
	if (cb->flags & TCPHDR_SYN) {
		ttp_send_dupack(sk, skb);
		goto discard;
	}
	if (!(cb->flags & TCPHDR_ACK))
		goto discard;

	ttp_reset_keepalive(sk);
	if (sk->sk_state == TCP_SYN_RECV) {
		if (before(cb->ack_seq, ts->snd_una) ||
		    after(cb->ack_seq, ts->snd_nxt)) {
			ttp_v4_send_reset(sock_net(sk), skb);
			goto discard;
		}
		ttp_step(sk, TTP_EV_RCV_ACK_OF_SYN, 0);
	}
	if (!ttp_ack(sk, skb))
		goto discard;

	fin_acked = ttp_fin_acked(sk);
	if (fin_acked && sk->sk_state != TCP_FIN_WAIT1) {
		/* CLOSING -> TIME_WAIT, LAST_ACK -> CLOSED: nothing follows */
		ttp_step(sk, TTP_EV_RCV_ACK_OF_FIN, 0);
		goto discard;
	}

	__skb_pull(skb, tcp_hdr(skb)->doff * 4);
	if (ttp_data_after_close(sk, skb)) {
		ttp_step(sk, TTP_EV_ABORT, 0);
		goto discard;
	}
	if ((1 << sk->sk_state) &
	    (TCPF_ESTABLISHED | TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2)) {
		fin = ttp_data_queue(sk, skb);
		skb = NULL;
	}
	fin_seq = ts->rcv_nxt;

	if (fin && fin_acked) {
		/* behaviour item 16: FIN_WAIT_1 -> TIME_WAIT in one step */
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
		ttp_push(sk, true);
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
