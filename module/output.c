// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: building and sending segments.
 *
 * Everything that takes sequence space (SYN, data, FIN) sits in
 * sk_write_queue until it is acknowledged; send_head marks the first skb
 * not yet sent.  A transmission sends a clone, so the queued skb stays for
 * a retransmission.  Bare ACKs, probes and RSTs are built fresh and
 * forgotten.  What may be in flight is the lesser of the peer's window
 * and the congestion window (cong.c).
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "ttp.h"
#include "trace.h"
#include "wire.h"

/*
 * The payload that fits in a packet of mtu bytes after the network header
 * (IP options included) and ours, within what a header field can say and
 * no less than TTP_MIN_MSS.
 */
u16 ttp_mtu_to_mss(const struct sock *sk, u32 mtu)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	int mss = (int)mtu - (int)icsk->icsk_af_ops->net_header_len -
		  (int)sizeof(struct tcphdr) - icsk->icsk_ext_hdr_len;

	return clamp_t(int, mss, TTP_MIN_MSS, U16_MAX);
}

/* The MSS we announce on a path of mtu bytes: what fits, and no more than
 * TTP_MAXSEG asks.  A child has its listener's TTP_MAXSEG.
 */
u16 ttp_advmss(const struct sock *sk, u32 mtu)
{
	u16 user_mss = READ_ONCE(ttp_sk(sk)->user_mss);
	u16 mss = ttp_mtu_to_mss(sk, mtu);

	return user_mss ? min(mss, user_mss) : mss;
}

/*
 * The MSS for path MTU pmtu, as tcp_sync_mss(): what fits in the packet,
 * but no more than the peer announced or TTP_MAXSEG allows (TCP's
 * mss_clamp).  This is also the socket's
 * icsk_sync_mss, which the IP layer calls when IP_OPTIONS or CIPSO change
 * the size of the IP header.
 */
unsigned int ttp_sync_mss(struct sock *sk, u32 pmtu)
{
	struct ttp_sock *ts = ttp_sk(sk);
	u16 clamp = max_t(u16, ts->peer_mss ?: TTP_DEFAULT_MSS, TTP_MIN_MSS);

	if (ts->user_mss)
		clamp = min(clamp, ts->user_mss);
	inet_csk(sk)->icsk_pmtu_cookie = pmtu;
	ts->mss = min(ttp_mtu_to_mss(sk, pmtu), clamp);
	/*
	 * An MSS counts no options (RFC 6691): those every segment carries
	 * come out of the payload, after the clamp, as in tcp_mtu_to_mss().
	 */
	if (ts->ts_ok)
		ts->mss -= TTP_OLEN_TS_ALIGNED;
	return ts->mss;
}

/*
 * A router said a segment was too big for the path (ICMP "fragmentation
 * needed", mtu_info): lower the route's MTU and the MSS with it, and send
 * the head again at once in pieces that fit, as tcp_v4_mtu_reduced() does.
 * Without this, segments sent with DF set would vanish on such a path.
 */
void ttp_mtu_reduced(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct dst_entry *dst;
	u16 old_mss = ts->mss;

	if ((1 << sk->sk_state) & (TCPF_LISTEN | TCPF_CLOSE))
		return;
	dst = inet_csk_update_pmtu(sk, READ_ONCE(ts->mtu_info));
	if (!dst || inet_sk(sk)->pmtudisc == IP_PMTUDISC_DONT ||
	    !ip_sk_accept_pmtu(sk))
		return;
	if (ttp_sync_mss(sk, dst_mtu(dst)) >= old_mss)
		return;
	ttp_retransmit_head(sk);
}

/*
 * The window to announce, as the raw header field.  Half the free receive
 * buffer leaves room for the skb overhead, as TCP's tcp_adv_win_scale does;
 * a window too small to be worth a segment is announced as 0 (RFC 1122
 * 4.2.3.3, receiver-side SWS avoidance); the right edge never moves left
 * (RFC 9293 3.8.6.2.2).
 */
u16 ttp_select_window(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);
	int rcvbuf = READ_ONCE(sk->sk_rcvbuf);
	int free = rcvbuf - atomic_read(&sk->sk_rmem_alloc);
	s32 cur = ts->rcv_wup + ts->rcv_wnd - ts->rcv_nxt;
	u32 win = max(free, 0) / 2;

	if (win < min_t(u32, ts->rcv_mss ?: TTP_DEFAULT_MSS, rcvbuf / 4))
		win = 0;
	/* under memory pressure the window stops growing, as TCP's does */
	if (sk_under_memory_pressure(sk))
		win = min_t(u32, win, 4 * (ts->rcv_mss ?: TTP_DEFAULT_MSS));
	if (cur > 0 && win < cur)
		win = round_up(cur, 1U << ts->rcv_wscale);
	/* the header field has 16 bits, whatever the rounding did */
	win = min_t(u32, win, (u32)U16_MAX << ts->rcv_wscale);
	win = round_down(win, 1U << ts->rcv_wscale);
	ts->rcv_wnd = win;
	ts->rcv_wup = ts->rcv_nxt;
	return win >> ts->rcv_wscale;
}

/* An ACK goes out: whatever the delayed-ACK timer waited for is done. */
static void ttp_ack_sent(struct sock *sk)
{
	inet_csk_clear_xmit_timer(sk, ICSK_TIME_DACK);
}

static void ttp_fill_header(struct sock *sk, struct sk_buff *skb,
			    const struct ttp_hdr *h)
{
	unsigned int hlen = ttp_hdr_len(h);

	skb_push(skb, hlen);
	skb_reset_transport_header(skb);
	ttp_hdr_write(skb->data, h);
	/* the address family's pseudo-header goes into the checksum */
	inet_csk(sk)->icsk_af_ops->send_check(sk, skb);
}

static int ttp_xmit(struct sock *sk, struct sk_buff *skb, u8 flags)
{
	struct ttp_sock *ts = ttp_sk(sk);
	int err;

	if (flags & TCPHDR_ACK)
		ttp_ack_sent(sk);
	if (flags & TCPHDR_RST)
		TTP_INC_STATS(sock_net(sk), TTP_MIB_OUTRSTS);
	TTP_INC_STATS(sock_net(sk), TTP_MIB_OUTSEGS);
	ts->segs_out++;
	err = inet_csk(sk)->icsk_af_ops->queue_xmit(sk, skb,
						    &inet_sk(sk)->cork.fl);
	return net_xmit_eval(err);
}

/* Send a clone of a queued segment with the current ack and window. */
int ttp_transmit_skb(struct sock *sk, struct sk_buff *skb, gfp_t gfp)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct ttp_sock *ts = ttp_sk(sk);
	struct ttp_hdr h = {};

	/* an earlier clone may still be queued below us, with our header */
	if (skb_cloned(skb))
		skb = pskb_copy(skb, gfp);
	else
		skb = skb_clone(skb, gfp);
	if (!skb)
		return -ENOBUFS;

	h.sport = ntohs(inet_sk(sk)->inet_sport);
	h.dport = ntohs(inet_sk(sk)->inet_dport);
	h.seq = cb->seq;
	h.flags = cb->flags;
	if (sk->sk_state != TCP_SYN_SENT)
		h.flags |= TCPHDR_ACK;
	h.ack = h.flags & TCPHDR_ACK ? ts->rcv_nxt : 0;
	if (h.flags & TCPHDR_SYN) {
		/* RFC 7323 2.2: the window of a SYN is never scaled */
		h.mss = ts->advmss;
		h.has_wscale = true;
		h.wscale = ts->rcv_wscale;
		h.window = min_t(u32, ttp_select_window(sk) << ts->rcv_wscale,
				 U16_MAX);
	} else {
		h.window = ttp_select_window(sk);
	}
	if (skb->len && !(h.flags & TCPHDR_SYN))
		h.flags |= TCPHDR_PSH;
	/* offered in a SYN; a SYN+ACK answers a SYN that offered it */
	h.sack_ok = (h.flags & TCPHDR_SYN) && ts->sack_ok;
	/* a first transmission's send time, 0 for a retransmission */
	ttp_ts_fill(sk, &h, cb->sent_us);

	skb_set_owner_w(skb, sk);
	ttp_fill_header(sk, skb, &h);
	return ttp_xmit(sk, skb, h.flags);
}

/* A bare segment that takes no sequence space: ACK, probe or RST. */
static void ttp_send_bare(struct sock *sk, u32 seq, u8 flags, gfp_t gfp)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct ttp_hdr h = {};
	struct sk_buff *skb;

	skb = alloc_skb(MAX_TTP_HEADER, gfp);
	if (!skb)
		return;
	skb_reserve(skb, MAX_TTP_HEADER);
	h.sport = ntohs(inet_sk(sk)->inet_sport);
	h.dport = ntohs(inet_sk(sk)->inet_dport);
	h.seq = seq;
	h.ack = ts->rcv_nxt;
	h.flags = flags;
	if (flags & TCPHDR_RST) {
		trace_ttp_send_reset(sk, NULL, false, seq, h.ack,
				     sk->sk_state);
	} else {
		h.window = ttp_select_window(sk);
		ttp_sack_fill(sk, &h);
	}
	ttp_ts_fill(sk, &h, 0);
	skb_set_owner_w(skb, sk);
	ttp_fill_header(sk, skb, &h);
	ttp_xmit(sk, skb, flags);
}

/*
 * The seq of a bare ACK, as tcp_acceptable_seq(): SND.NXT, unless the peer
 * shrank its window below it, where SND.NXT would fail its window check
 * and the ACK be dropped.
 */
static u32 ttp_acceptable_seq(const struct ttp_sock *ts)
{
	u32 wnd_end = ts->snd_una + ts->snd_wnd;

	return after(ts->snd_nxt, wnd_end) ? wnd_end : ts->snd_nxt;
}

void ttp_send_ack(struct sock *sk)
{
	if (sk->sk_state == TCP_CLOSE)
		return;
	ttp_send_bare(sk, ttp_acceptable_seq(ttp_sk(sk)), TCPHDR_ACK,
		      GFP_ATOMIC);
}

/*
 * Delayed ACK: wait up to delayed_ack_ms for data or a FIN to carry
 * the ACK.  A delay of 0 acknowledges at once.
 */
void ttp_send_delayed_ack(struct sock *sk)
{
	unsigned long delay = ttp_jiffies(&ttp_sysctl(sk)->delayed_ack_ms);
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (!delay) {
		ttp_send_ack(sk);
		return;
	}
	if (icsk->icsk_ack.pending & ICSK_ACK_TIMER)
		return;		/* the first delayed segment sets the deadline */
	icsk->icsk_ack.pending |= ICSK_ACK_SCHED;
	inet_csk_reset_xmit_timer(sk, ICSK_TIME_DACK, delay, delay);
}

/*
 * A zero-window probe (and keepalive): an ACK for an old sequence number,
 * which the peer must answer with its current window (RFC 9293 3.8.6.1).
 */
void ttp_send_probe(struct sock *sk)
{
	ttp_send_bare(sk, ttp_sk(sk)->snd_una - 1, TCPHDR_ACK, GFP_ATOMIC);
}

void ttp_send_active_reset(struct sock *sk, gfp_t gfp)
{
	ttp_send_bare(sk, ttp_sk(sk)->snd_nxt, TCPHDR_RST | TCPHDR_ACK, gfp);
}

struct sk_buff *ttp_alloc_skb(struct sock *sk, gfp_t gfp)
{
	struct sk_buff *skb = alloc_skb_fclone(MAX_TTP_HEADER, gfp);

	if (!skb)
		return NULL;
	skb_reserve(skb, MAX_TTP_HEADER);
	memset(TTP_SKB_CB(skb), 0, sizeof(struct ttp_skb_cb));
	return skb;
}

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
/*
 * /sys/kernel/debug/fail_ttp_fin makes the FIN's own skb fail on demand
 * (probability, times, interval, as failslab's knobs), so that a test can
 * show the FIN still goes: the failure is rare and hard to bring about
 * otherwise.  (fail_function would need no code here, but in 6.1 its
 * kprobe handler draws a random number in int3 context, which lockdep
 * reports.)
 */
static DECLARE_FAULT_ATTR(ttp_fail_fin);
static struct dentry *ttp_fail_fin_dir;

void ttp_fail_fin_init(void)
{
	ttp_fail_fin_dir = fault_create_debugfs_attr("fail_ttp_fin", NULL,
						     &ttp_fail_fin);
	if (IS_ERR(ttp_fail_fin_dir))
		ttp_fail_fin_dir = NULL;
}

void ttp_fail_fin_exit(void)
{
	debugfs_remove_recursive(ttp_fail_fin_dir);
}

static bool ttp_fin_should_fail(void)
{
	return should_fail(&ttp_fail_fin, 1);
}
#else
static bool ttp_fin_should_fail(void)
{
	return false;
}
#endif

static struct sk_buff *ttp_alloc_fin_skb(struct sock *sk, gfp_t gfp)
{
	return ttp_fin_should_fail() ? NULL : ttp_alloc_skb(sk, gfp);
}

/* Append skb to the write queue at write_seq, charged to the socket. */
void ttp_queue_skb(struct sock *sk, struct sk_buff *skb)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct ttp_skb_cb *cb = TTP_SKB_CB(skb);

	cb->seq = ts->write_seq;
	cb->end_seq = ts->write_seq + skb->len +
		      !!(cb->flags & (TCPHDR_SYN | TCPHDR_FIN));
	WRITE_ONCE(ts->write_seq, cb->end_seq);
	/*
	 * sendmsg() scheduled the memory first; a SYN or FIN must go
	 * whatever the pressure, as TCP forces its charge.
	 */
	sk_wmem_queued_add(sk, skb->truesize);
	sk_mem_charge(sk, skb->truesize);
	__skb_queue_tail(&sk->sk_write_queue, skb);
	if (!ts->send_head)
		ts->send_head = skb;
}

void ttp_write_queue_purge(struct sock *sk)
{
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&sk->sk_write_queue)))
		ttp_wmem_free_skb(sk, skb);
	ttp_sk(sk)->send_head = NULL;
}

/*
 * A queued skb shared with a clone still on its way out gets a head of
 * its own before it is cut.  Its truesize stays what the socket was
 * charged, as skb_unclone_keeptruesize() keeps it (which 6.1 does not
 * export): pskb_expand_head() adds the new head's slack to the truesize
 * of an skb no socket owns, and the charge would no longer match what
 * ttp_wmem_free_skb() gives back.
 */
static int ttp_skb_unclone(struct sk_buff *skb)
{
	unsigned int truesize = skb->truesize;

	if (skb_unclone(skb, GFP_ATOMIC))
		return -ENOMEM;
	skb->truesize = truesize;
	return 0;
}

/*
 * Split a queued skb so that its first len bytes fit the window or the
 * MSS.  The skb must not be shared with a clone still on its way out.
 */
static int ttp_fragment(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct ttp_skb_cb *cb = TTP_SKB_CB(skb), *ncb;
	struct sk_buff *buff;

	buff = ttp_alloc_skb(sk, GFP_ATOMIC);
	if (!buff)
		return -ENOMEM;
	skb_split(skb, buff, len);
	/* skb_split() moves the data; the memory follows it */
	buff->truesize += buff->data_len;
	skb->truesize -= buff->data_len;
	sk_wmem_queued_add(sk, buff->truesize - buff->data_len);
	sk_mem_charge(sk, buff->truesize - buff->data_len);

	ncb = TTP_SKB_CB(buff);
	ncb->seq = cb->seq + len;
	ncb->end_seq = cb->end_seq;
	ncb->flags = cb->flags;
	/* the tail piece has not gone at its new size: not RETRANS */
	ncb->sacked = cb->sacked & ~TTP_RETRANS;
	cb->end_seq = ncb->seq;
	cb->flags &= ~TCPHDR_FIN;
	__skb_queue_after(&sk->sk_write_queue, skb, buff);
	return 0;
}

/* Does the short segment skb wait for more data? */
static bool ttp_short_segment_waits(const struct sock *sk,
				    const struct sk_buff *skb,
				    enum ttp_push_mode mode)
{
	const struct ttp_sock *ts = ttp_sk(sk);

	if (mode == TTP_PUSH_NOW || mode == TTP_PUSH_PROBE ||
	    skb->len >= ts->mss ||
	    (TTP_SKB_CB(skb)->flags & TCPHDR_FIN) ||
	    !skb_queue_is_last(&sk->sk_write_queue, skb))
		return false;
	/*
	 * MSG_MORE and TTP_CORK send full segments only.  What stays behind
	 * with nothing in flight goes when the probe timer finds the window
	 * open (ttp_probe_timer()), as TCP's corked data does.
	 */
	if (mode == TTP_PUSH_MORE || ts->cork)
		return true;
	/* RFC 9293 3.7.4: a small segment waits while data is unacknowledged */
	return !ts->nodelay && ts->snd_nxt != ts->snd_una;
}

/*
 * The least part of a window worth sending on its own: a full segment,
 * or half the largest window the peer offered when that is smaller
 * (tcp_bound_to_half_wnd()).
 */
static u32 ttp_sws_mss(const struct ttp_sock *ts)
{
	u32 cutoff = ts->max_window > 536 ? ts->max_window / 2 :
		     ts->max_window;

	return cutoff ? min_t(u32, ts->mss, cutoff) : ts->mss;
}

/*
 * Send what the peer's window and the congestion window allow and mode
 * does not hold back.
 */
static void ttp_write_xmit(struct sock *sk, enum ttp_push_mode mode)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct ttp_sock *ts = ttp_sk(sk);
	bool cwnd_blocked = false;
	struct sk_buff *skb;

	while ((skb = ts->send_head)) {
		struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
		u32 wnd_end = ts->snd_una + ts->snd_wnd;

		/* queued before the path MTU went down */
		if (skb->len > ts->mss && ttp_fragment(sk, skb, ts->mss))
			break;
		if (skb->len && !before(cb->seq, wnd_end))
			break;
		if (skb->len && after(cb->seq + skb->len, wnd_end)) {
			u32 fits = wnd_end - cb->seq;

			/*
			 * Only a part fits: wait for more while data is in
			 * flight; with none, send it only if it is worth a
			 * segment (sender-side SWS avoidance, RFC 1122
			 * 4.2.3.4, as tcp_snd_wnd_test() with
			 * tcp_bound_to_half_wnd()).  A smaller part waits for
			 * the probe timer, which sends it (tcp_write_wakeup()).
			 */
			if (ts->snd_nxt != ts->snd_una ||
			    (mode != TTP_PUSH_PROBE && fits < ttp_sws_mss(ts)) ||
			    ttp_fragment(sk, skb, fits))
				break;
		}
		if (ttp_short_segment_waits(sk, skb, mode))
			break;
		if (!ttp_cwnd_allows(sk, skb->len)) {
			cwnd_blocked = true;
			break;
		}
		if (skb->len && ts->snd_nxt == ts->snd_una)
			ttp_cong_tx_start(sk);

		cb->sent_us = ttp_clock_us();
		if (ttp_transmit_skb(sk, skb, sk_gfp_mask(sk, GFP_ATOMIC)) ==
		    -ENOBUFS)
			break;
		if (skb->len)
			ts->lsndtime = tcp_jiffies32 ?: 1;
		ts->snd_nxt = cb->end_seq;
		ts->send_head = skb_queue_is_last(&sk->sk_write_queue, skb) ?
				NULL : skb->next;
		if (icsk->icsk_pending != ICSK_TIME_RETRANS)
			ttp_rearm_rto(sk);
	}
	ttp_cong_sent(sk, cwnd_blocked);
}

static bool ttp_may_send_data(const struct sock *sk)
{
	return !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT |
					TCPF_SYN_RECV | TCPF_LISTEN));
}

/*
 * Send what the window and mode allow; what stays with nothing in flight
 * waits on the probe timer, which asks for a shut window or sends what a
 * cork held (ttp_write_wakeup()).
 */
void ttp_push(struct sock *sk, enum ttp_push_mode mode)
{
	struct inet_connection_sock *icsk = inet_csk(sk);
	struct ttp_sock *ts = ttp_sk(sk);

	if (!ttp_may_send_data(sk))
		return;
	ttp_write_xmit(sk, mode);

	/* data waits, for a window or a cork, with nothing in flight */
	if (ts->send_head && ts->snd_nxt == ts->snd_una &&
	    icsk->icsk_pending != ICSK_TIME_PROBE0) {
		icsk->icsk_backoff = 0;
		icsk->icsk_probes_out = 0;
		icsk->icsk_probes_tstamp = 0;
		inet_csk_reset_xmit_timer(sk, ICSK_TIME_PROBE0, icsk->icsk_rto,
					  ttp_rto_max(sk));
	}
}

/*
 * The probe timer found the window open with nothing in flight: send what
 * waits (MSG_MORE or TTP_CORK held it, or a send failed), as
 * tcp_write_wakeup() does, so a cork holds data for an RTO at most.
 * Whether anything is in flight now; the caller keeps the probe timer
 * and its counts otherwise.
 */
bool ttp_write_wakeup(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);

	if (ttp_may_send_data(sk))
		ttp_write_xmit(sk, TTP_PUSH_PROBE);
	return ts->snd_nxt != ts->snd_una;
}

/* Queue and send the SYN of an active open; the RTO timer repeats it. */
int ttp_send_syn(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct sk_buff *skb;

	/*
	 * An error of an earlier connection on this socket (connect() after
	 * connect(AF_UNSPEC) leaves ECONNRESET) is not this one's: POLLERR
	 * and SO_ERROR start clear, as tcp_connect_init() leaves them.
	 */
	WRITE_ONCE(sk->sk_err, 0);
	ttp_ts_init(sk);
	ts->sack_ok = !!READ_ONCE(ttp_sysctl(sk)->sack);
	skb = ttp_alloc_skb(sk, sk->sk_allocation);
	if (!skb)
		return -ENOBUFS;
	TTP_SKB_CB(skb)->flags = TCPHDR_SYN;
	ts->write_seq = ts->iss;
	ts->snd_una = ts->iss;
	ts->snd_nxt = ts->iss;
	ttp_queue_skb(sk, skb);

	TTP_SKB_CB(skb)->sent_us = ttp_clock_us();
	ttp_transmit_skb(sk, skb, sk->sk_allocation);
	ts->snd_nxt = TTP_SKB_CB(skb)->end_seq;
	ts->send_head = NULL;
	inet_csk(sk)->icsk_rto = ttp_jiffies(&ttp_sysctl(sk)->rto_initial_ms);
	ttp_rearm_rto(sk);
	TTP_INC_STATS(sock_net(sk), TTP_MIB_ACTIVEOPENS);
	return 0;
}

/* Simultaneous open: the queued SYN goes again, now with an ACK. */
void ttp_send_synack(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (!skb || !(TTP_SKB_CB(skb)->flags & TCPHDR_SYN))
		return;
	TTP_SKB_CB(skb)->sent_us = 0;
	ttp_transmit_skb(sk, skb, GFP_ATOMIC);
}

/*
 * The FIN goes after all queued data: on the last unsent skb if there is
 * one, else on an empty skb of its own.  That allocation may sleep only
 * in process context: the table also asks for a FIN from softirq (a
 * simultaneous open after shutdown()).  A FIN whose skb cannot be had is
 * not lost, as tcp_send_fin()'s can be: fin_unqueued keeps
 * ttp_fin_acked() false and the retransmission timer tries again, so the
 * attempts count and back off as retransmissions do.
 */
void ttp_send_fin(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct sk_buff *tail = skb_peek_tail(&sk->sk_write_queue);

	if (tail && ts->send_head) {
		TTP_SKB_CB(tail)->flags |= TCPHDR_FIN;
		TTP_SKB_CB(tail)->end_seq++;
		WRITE_ONCE(ts->write_seq, ts->write_seq + 1);
	} else {
		struct sk_buff *skb;

		skb = ttp_alloc_fin_skb(sk, in_softirq() ?
					GFP_ATOMIC | __GFP_NOWARN :
					sk->sk_allocation);
		if (!skb) {
			ts->fin_unqueued = 1;
			inet_csk_reset_xmit_timer(sk, ICSK_TIME_RETRANS,
						  inet_csk(sk)->icsk_rto,
						  ttp_rto_max(sk));
			return;
		}
		TTP_SKB_CB(skb)->flags = TCPHDR_FIN;
		ttp_queue_skb(sk, skb);
	}
	ts->fin_unqueued = 0;
	ttp_push(sk, TTP_PUSH_NOW);
}

/*
 * Drop the first len bytes of a queued skb, which the peer acknowledged,
 * without copying: as tcp_trim_head() with __pskb_trim_head(), the head
 * is pulled and the page fragments are cut, and the paged bytes let go
 * leave the socket's charge.
 */
static int ttp_trim_head(struct sock *sk, struct sk_buff *skb, u32 len)
{
	struct skb_shared_info *shinfo;
	int i, k = 0;
	u32 eat;

	if (ttp_skb_unclone(skb))
		return -ENOMEM;
	shinfo = skb_shinfo(skb);
	TTP_SKB_CB(skb)->seq += len;
	eat = min_t(u32, len, skb_headlen(skb));
	__skb_pull(skb, eat);
	len -= eat;
	if (!len)
		return 0;
	eat = len;
	for (i = 0; i < shinfo->nr_frags; i++) {
		u32 size = skb_frag_size(&shinfo->frags[i]);

		if (size <= eat) {
			skb_frag_unref(skb, i);
			eat -= size;
			continue;
		}
		shinfo->frags[k] = shinfo->frags[i];
		if (eat) {
			skb_frag_off_add(&shinfo->frags[k], eat);
			skb_frag_size_sub(&shinfo->frags[k], eat);
			eat = 0;
		}
		k++;
	}
	shinfo->nr_frags = k;
	skb->data_len -= len;
	skb->len = skb->data_len;
	/* paged data is charged byte for byte, as ttp_fragment() moves it */
	skb->truesize -= len;
	sk_wmem_queued_add(sk, -len);
	sk_mem_uncharge(sk, len);
	return 0;
}

/*
 * Send skb, which was sent before and is not yet acknowledged, again.  A
 * part the peer acknowledged already is cut off first, as
 * tcp_retransmit_skb() trims the head: a data+FIN segment whose data
 * alone was acknowledged goes as a bare FIN, not as data the peer
 * answers with a duplicate ACK.
 */
static int ttp_retransmit_skb(struct sock *sk, struct sk_buff *skb)
{
	struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct ttp_sock *ts = ttp_sk(sk);
	int err;

	if (before(cb->seq, ts->snd_una) &&
	    ttp_trim_head(sk, skb, min(ts->snd_una - cb->seq, skb->len)))
		return -ENOMEM;
	/* sent before the path MTU went down */
	if (skb->len > ts->mss &&
	    (ttp_skb_unclone(skb) || ttp_fragment(sk, skb, ts->mss)))
		return -ENOMEM;
	/*
	 * TTP_USER_TIMEOUT counts from when the oldest segment still to be
	 * acknowledged was first sent, as TCP's retrans_stamp; ttp_ack()
	 * clears it when no retransmitted segment is left.
	 */
	if (!ts->retrans_stamp) {
		u64 sent_us = TTP_SKB_CB(skb)->sent_us;
		u32 waited_us = sent_us ? ttp_us_since(sent_us) : 0;

		ts->retrans_stamp = (tcp_jiffies32 -
				     usecs_to_jiffies(waited_us)) ?: 1;
	}
	/* Karn: no RTT sample from a retransmitted segment */
	TTP_SKB_CB(skb)->sent_us = 0;
	err = ttp_transmit_skb(sk, skb, GFP_ATOMIC);
	if (err)
		return err;
	/* a retransmission is a send: the idle restart counts from it */
	if (skb->len)
		ts->lsndtime = tcp_jiffies32 ?: 1;
	ttp_sack_retransmitted(sk, skb);
	ts->total_retrans++;
	TTP_INC_STATS(sock_net(sk), TTP_MIB_RETRANSSEGS);
	trace_ttp_retransmit(sk, sk->sk_state, TTP_SKB_CB(skb)->seq,
			     TTP_SKB_CB(skb)->end_seq - TTP_SKB_CB(skb)->seq,
			     inet_csk(sk)->icsk_retransmits);
	return 0;
}

/* Send the oldest unacknowledged segment again. */
void ttp_retransmit_head(struct sock *sk)
{
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);

	if (skb && skb != ttp_sk(sk)->send_head)
		ttp_retransmit_skb(sk, skb);
}

/*
 * After a timeout all that was in flight is presumed lost, as TCP without
 * SACK presumes it: send it again from the head up to recover, no more
 * segments beyond SND.UNA than the congestion window allows, so that slow
 * start paces the go-back as it paces new data (as
 * tcp_xmit_retransmit_queue() in the Loss state).  retransmit_high is
 * where the last of them ended; the timeout set it back to SND.UNA.
 */
void ttp_retransmit_lost(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
		u32 resent;

		if (skb == ts->send_head || !before(cb->seq, ts->recover))
			break;
		/* the peer's window holds, but for the head (as TCP's) */
		if (after(cb->seq, ts->snd_una) &&
		    !before(cb->seq, ts->snd_una + ts->snd_wnd))
			break;
		/* what the peer SACKed since the timeout stays where it is */
		if (!after(cb->end_seq, ts->retransmit_high) ||
		    (cb->sacked & TTP_SACKED))
			continue;
		resent = after(ts->retransmit_high, ts->snd_una) ?
			 DIV_ROUND_UP(ts->retransmit_high - ts->snd_una,
				      ts->mss) : 0;
		if (resent >= ts->snd_cwnd || ttp_retransmit_skb(sk, skb))
			break;
		/* the skb may have been cut to the MSS: cb says where */
		ts->retransmit_high = cb->end_seq;
	}
}

/*
 * Fast recovery with SACK (RFC 6675 NextSeg() rule 1): send again the
 * segments presumed lost that have not gone again yet, from the lowest,
 * while the pipe leaves room.  The caller then sends new data in what
 * room is left.
 */
void ttp_retransmit_sack_holes(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct sk_buff *skb;

	skb_queue_walk(&sk->sk_write_queue, skb) {
		const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);

		if (skb == ts->send_head || !ts->lost_out)
			break;
		if ((cb->sacked & (TTP_SACKED | TTP_LOST | TTP_RETRANS)) !=
		    TTP_LOST)
			continue;
		/* the peer's window holds, but for the head (as TCP's) */
		if (after(cb->seq, ts->snd_una) &&
		    !before(cb->seq, ts->snd_una + ts->snd_wnd))
			break;
		if (!ttp_cwnd_allows(sk, skb->len) ||
		    ttp_retransmit_skb(sk, skb))
			break;
	}
}
