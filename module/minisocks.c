// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: the minisocks: request socks for connections in SYN_RCVD and
 * TIME_WAIT socks for connections that closed first.
 *
 * A SYN to a listener makes only a request sock, no full socket; the
 * generic inet code keeps it in the established hash and repeats the
 * SYN+ACK from its timer.  The full socket is made when the final ACK
 * arrives, and waits in the accept queue.  A connection entering TIME_WAIT
 * swaps its full socket for a small inet_timewait_sock that remembers just
 * enough to acknowledge a retransmitted FIN.
 */
#include <linux/random.h>
#include <net/inet_connection_sock.h>
#include <net/inet_timewait_sock.h>
#include <net/route.h>
#include <net/tcp_states.h>

#include "ttp.h"
#include "trace.h"
#include "seq.h"
#include "wire.h"

/* The end of TIME_WAIT, by its timer, a RST, a reused 4-tuple or netns exit */
static void ttp_twsk_destructor(struct sock *sk)
{
	trace_ttp_set_state(sk, TCP_TIME_WAIT, TCP_CLOSE);
}

struct timewait_sock_ops ttp_timewait_sock_ops = {
	.twsk_obj_size	= sizeof(struct ttp_timewait_sock),
	.twsk_destructor = ttp_twsk_destructor,
};

/*
 * The window scale our receive buffer needs (RFC 7323 2.3), sized for the
 * largest buffer it may have later (SO_RCVBUF up to rmem_max, or rmem[2]),
 * as TCP sizes it.
 */
static u8 ttp_rcv_wscale(const struct sock *sk)
{
	u32 space = max3((u32)READ_ONCE(sk->sk_rcvbuf),
			 (u32)READ_ONCE(sysctl_rmem_max),
			 (u32)READ_ONCE(ttp_sysctl(sk)->rmem[2]));
	u8 wscale = 0;

	while (wscale < TTP_MAX_WSCALE && (U16_MAX << wscale) < space)
		wscale++;
	return wscale;
}

void ttp_init_wscale(struct sock *sk)
{
	ttp_sk(sk)->rcv_wscale = ttp_rcv_wscale(sk);
}

/*
 * A request sock for the connection that skb's SYN asked for (h: its
 * header and options; irs its sequence number), answered with iss.  The
 * same for a SYN that arrives and for one that a SYN cookie brings back in
 * the handshake's last ACK (skb then; the 4-tuple is the same).  A request
 * that goes into the listener's queue holds a reference on the listener.
 */
struct request_sock *ttp_reqsk_make(const struct ttp_request_af_ops *af,
				    struct sock *sk, struct sk_buff *skb,
				    const struct ttp_hdr *h, u32 irs, u32 iss,
				    bool attach_listener)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct inet_request_sock *ireq;
	struct ttp_request_sock *treq;
	struct request_sock *req;

	req = inet_reqsk_alloc(&ttp_request_sock_ops, sk, attach_listener);
	if (!req)
		return NULL;
	ireq = inet_rsk(req);
	treq = ttp_rsk(req);
	af->init_req(req, skb);
	ireq->ir_rmt_port = th->source;
	ireq->ir_num = ntohs(th->dest);
	ireq->ir_mark = inet_request_mark(sk, skb);
	ireq->acked = 0;
	ireq->ir_iif = inet_request_bound_dev_if(sk, skb);
	RCU_INIT_POINTER(ireq->ireq_opt, NULL);

	treq->iss = iss;
	treq->irs = irs;
	treq->snd_wnd = h->window;
	treq->last_oow_ack = 0;
	treq->synack_sent_us = 0;
	req->mss = h->mss;	/* 0: none */
	ireq->wscale_ok = h->has_wscale;
	ireq->snd_wscale = h->wscale;
	ireq->tstamp_ok = h->has_ts && READ_ONCE(ttp_sysctl(sk)->timestamps);
	ireq->sack_ok = h->sack_ok && READ_ONCE(ttp_sysctl(sk)->sack);
	treq->ts_recent = h->tsval;
	treq->ts_off = get_random_u32();
	ireq->rcv_wscale = h->has_wscale ? ttp_rcv_wscale(sk) : 0;
	req->rsk_rcv_wnd = min_t(u32, READ_ONCE(sk->sk_rcvbuf) / 2,
				 (u32)U16_MAX << ireq->rcv_wscale);
	req->rsk_rcv_wnd = round_down(req->rsk_rcv_wnd, 1U << ireq->rcv_wscale);
	req->timeout = ttp_jiffies(&ttp_sysctl(sk)->rto_initial_ms);
	return req;
}

/*
 * A SYN on a listener: a request sock and a SYN+ACK.  With its queue of
 * requests full, or syncookies at 2, the answer is a SYN cookie instead
 * of a request sock: what the connection needs is in the SYN+ACK's
 * sequence number, and the listener keeps nothing, so a flood of spoofed
 * SYNs cannot lock real clients out.
 */
int ttp_conn_request(const struct ttp_request_af_ops *af, struct sock *sk,
		     struct sk_buff *skb)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	const struct tcphdr *th = tcp_hdr(skb);
	struct net *net = sock_net(sk);
	int syncookies = READ_ONCE(ttp_pernet(net)->sysctl.syncookies);
	struct ttp_fsm f = { .state = TCP_LISTEN };
	struct ttp_fsm_out out;
	struct request_sock *req;
	bool want_cookie;
	struct ttp_hdr h;

	if (sk_acceptq_is_full(sk)) {
		TTP_INC_STATS(net, TTP_MIB_LISTENOVERFLOWS);
		goto drop;
	}
	want_cookie = syncookies == 2;
	if (inet_csk_reqsk_queue_len(sk) >=
	    READ_ONCE(ttp_pernet(net)->sysctl.max_syn_backlog)) {
		if (!syncookies)
			goto drop;
		want_cookie = true;
	}
	/* a listener takes cookies back only for a while after it sent one */
	if (want_cookie)
		ttp_syncookie_overflow(sk);
	if (ttp_hdr_parse(th, th->doff * 4, &h))
		return -EINVAL;

	/* the state machine says what to answer: SYN+ACK, ack = x + 1 */
	f.iss = want_cookie ? af->cookie_init_seq(skb, &h) : af->init_seq(skb);
	if (ttp_fsm_step(&f, TTP_EV_RCV_SYN, cb->seq, &out))
		return -EINVAL;
	req = ttp_reqsk_make(af, sk, skb, &h, out.ack - 1, out.seq,
			     !want_cookie);
	if (!req)
		return -ENOMEM;
	if (want_cookie) {
		af->send_synack(sk, req);
		reqsk_free(req);
		TTP_INC_STATS(net, TTP_MIB_SYNCOOKIESSENT);
		return 0;
	}

	if (!inet_csk_reqsk_queue_hash_add(sk, req, req->timeout)) {
		reqsk_free(req);
		return -EEXIST;
	}
	trace_ttp_set_state(req_to_sk(req), TCP_LISTEN, f.state);
	ttp_rsk(req)->synack_sent_us = ttp_clock_us();
	af->send_synack(sk, req);
	reqsk_put(req);
	return 0;

drop:
	TTP_INC_STATS(net, TTP_MIB_SYNDROPS);
	TTP_INC_STATS(net, TTP_MIB_LISTENDROPS);
	return -ENOBUFS;
}

/* The parts of a new connection that do not come from its listener. */
static void ttp_init_child(struct sock *newsk, const struct request_sock *req)
{
	const struct inet_request_sock *ireq = inet_rsk(req);
	const struct ttp_request_sock *treq = ttp_rsk(req);
	struct ttp_sock *nts = ttp_sk(newsk);

	/*
	 * A listener orphaned by close() while its child was being copied
	 * passes on SOCK_DEAD: ttp_disconnect() from inet_child_forget()
	 * would then destroy the child, and inet_child_forget() again.
	 */
	sock_reset_flag(newsk, SOCK_DEAD);
	/* what the application set on the listener stays */
	memset_startat(nts, 0, iss);
	nts->deferred = 0;
	nts->synq_overflow = 0;
	nts->iss = treq->iss;
	nts->snd_una = treq->iss + 1;
	nts->snd_nxt = treq->iss + 1;
	nts->write_seq = treq->iss + 1;
	nts->rcv_nxt = treq->irs + 1;
	nts->copied_seq = treq->irs + 1;
	nts->rcv_wup = treq->irs + 1;
	nts->rcv_wnd = req->rsk_rcv_wnd;
	nts->snd_wnd = treq->snd_wnd;
	nts->max_window = treq->snd_wnd;
	nts->snd_wl1 = treq->irs;
	nts->snd_wscale = ireq->wscale_ok ? ireq->snd_wscale : 0;
	nts->rcv_wscale = ireq->wscale_ok ? ireq->rcv_wscale : 0;
	nts->wscale_ok = ireq->wscale_ok;
	nts->ts_ok = ireq->tstamp_ok;
	nts->sack_ok = ireq->sack_ok;
	if (nts->ts_ok) {
		nts->ts_off = treq->ts_off;
		nts->ts_recent = treq->ts_recent;
		nts->ts_recent_stamp = ktime_get_seconds();
	}
	ttp_cong_inherit(newsk);
	/* the SYN+ACK's retransmissions, as tcp_create_openreq_child() */
	nts->total_retrans = req->num_retrans;
	ttp_cong_established(newsk);
	skb_queue_head_init(&nts->ooo_queue);
	/*
	 * The handshake's ACK times the SYN+ACK, as tcp_synack_rtt_meas()
	 * does, unless the SYN+ACK was sent again (Karn: which one the ACK
	 * answers is unknown) or a SYN cookie made the request: without it
	 * the child's first RTO would be rto_initial_ms, not one from the
	 * path, and so would a corked tail's wait.
	 */
	if (treq->synack_sent_us && !req->num_retrans)
		ttp_rtt_sample(newsk, ttp_us_since(treq->synack_sent_us));
	else
		ttp_set_rto(newsk);
	ttp_init_xmit_timers(newsk);
}

/*
 * As tcp_create_openreq_child(): the child of req, locked, with what it
 * takes from its listener and the handshake.  Its addresses and route are
 * the address family's (icsk_af_ops->syn_recv_sock), which then hands it
 * to ttp_openreq_child_finish().  NULL if the accept queue is full or
 * memory short.
 */
struct sock *ttp_create_openreq_child(const struct sock *sk,
				      struct request_sock *req)
{
	struct sock *newsk;

	if (sk_acceptq_is_full(sk)) {
		TTP_INC_STATS(sock_net(sk), TTP_MIB_LISTENOVERFLOWS);
		TTP_INC_STATS(sock_net(sk), TTP_MIB_LISTENDROPS);
		return NULL;
	}
	newsk = inet_csk_clone_lock(sk, req, GFP_ATOMIC);
	if (newsk)
		ttp_init_child(newsk, req);
	return newsk;
}

/*
 * The rest of a child once its family set its addresses and found dst,
 * its route (NULL: none): the MSS, congestion control, its port and the
 * established hash, where it replaces req_unhash.  Returns the child, or
 * NULL after closing it.
 */
struct sock *ttp_openreq_child_finish(const struct sock *sk,
				      struct sock *newsk,
				      struct request_sock *req,
				      struct request_sock *req_unhash,
				      struct dst_entry *dst, bool *own_req)
{
	struct ttp_sock *nts = ttp_sk(newsk);

	if (!dst)
		goto put_and_exit;
	sk_setup_caps(newsk, dst);
	nts->peer_mss = req->mss;
	nts->advmss = ttp_advmss(newsk, dst_mtu(dst));
	ttp_sync_mss(newsk, dst_mtu(dst));
	nts->rcv_mss = min_t(u32, nts->advmss, TTP_DEFAULT_MSS);
	ttp_cong_start(newsk);
	if (__inet_inherit_port(sk, newsk) < 0)
		goto put_and_exit;
	/* a SYN cookie's child replaces nothing: ttp_syncookie_check() */
	*own_req = inet_ehash_nolisten(newsk, req_to_sk(req_unhash), NULL);
	ttp_start_keepalive(newsk);
	TTP_INC_STATS(sock_net(sk), TTP_MIB_PASSIVEOPENS);
	return newsk;

put_and_exit:
	inet_csk_prepare_forced_close(newsk);
	ttp_done(newsk);
	return NULL;
}

/*
 * A segment for a request sock (RFC 9293 3.10.7.4 in SYN_RCVD).  Returns
 * the new child, locked, when the final ACK completes the handshake; the
 * listener when the segment deserves a RST; NULL when it is dealt with.
 */
struct sock *ttp_check_req(struct sock *sk, struct sk_buff *skb,
			   struct request_sock *req)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct ttp_request_sock *treq = ttp_rsk(req);
	struct net *net = sock_net(sk);
	struct sock *child;
	bool own_req;

	/*
	 * The same SYN again: our SYN+ACK was lost.  Answers to a request
	 * are rate-limited, or spoofed copies of one SYN would have us send
	 * a SYN+ACK for each.
	 */
	if ((cb->flags & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST)) ==
	    TCPHDR_SYN && cb->seq == treq->irs) {
		if (!ttp_oow_rate_limited(net, skb, TTP_MIB_ACKSKIPPEDSYNRECV,
					  &treq->last_oow_ack))
			inet_rtx_syn_ack(sk, req);
		return NULL;
	}
	if ((cb->flags & TCPHDR_ACK) && cb->ack_seq != treq->iss + 1)
		return sk;
	if (ttp_req_paws_reject(req, skb) ||
	    !ttp_seq_acceptable(cb->seq, cb->end_seq - cb->seq, treq->irs + 1,
				req->rsk_rcv_wnd)) {
		if (!(cb->flags & TCPHDR_RST) &&
		    !ttp_oow_rate_limited(net, skb, TTP_MIB_ACKSKIPPEDSYNRECV,
					  &treq->last_oow_ack))
			req->rsk_ops->send_ack(sk, skb, req);
		return NULL;
	}
	if (cb->flags & TCPHDR_RST) {
		if (cb->seq == treq->irs + 1) {
			ttp_trace_rcv_reset(skb, TCP_SYN_RECV);
			inet_csk_reqsk_queue_drop(sk, req);
		}
		return NULL;
	}
	if (cb->flags & TCPHDR_SYN) {
		/* a new SYN in the window: the peer restarted (RFC 9293) */
		ttp_req_send_reset(sk, skb, req);
		inet_csk_reqsk_queue_drop(sk, req);
		return NULL;
	}
	if (!(cb->flags & TCPHDR_ACK))
		return NULL;

	child = inet_csk(sk)->icsk_af_ops->syn_recv_sock(sk, skb, req, NULL, req,
							 &own_req, NULL);
	if (!child) {
		/* accept queue full: the SYN+ACK timer asks for the ACK again */
		inet_rsk(req)->acked = 1;
		return NULL;
	}
	return inet_csk_complete_hashdance(sk, child, req, own_req);
}

/*
 * Run the final ACK through the new child, as tcp_child_process() does,
 * and tell the listener it has a connection to accept.  The child comes
 * locked and referenced from ttp_check_req() or a SYN cookie.  Returns
 * TTP_RESET as ttp_rcv_state_process(), with skb left to the caller.
 */
int ttp_child_process(struct sock *parent, struct sock *child,
		      struct sk_buff *skb)
	__releases(&child->sk_lock.slock)
{
	int verdict = 0;

	if (!sock_owned_by_user(child)) {
		verdict = ttp_rcv_state_process(child, skb);
		parent->sk_data_ready(parent);
	} else if (sk_add_backlog(child, skb, READ_ONCE(child->sk_rcvbuf))) {
		kfree_skb(skb);
	}
	bh_unlock_sock(child);
	sock_put(child);
	return verdict;
}

/*
 * TIME_WAIT (the side that closed first) for 2 MSL: the full socket gives
 * way to a minisock that answers the peer's retransmitted FIN.
 */
void ttp_time_wait(struct sock *sk)
{
	struct ttp_net *tn = ttp_pernet(sock_net(sk));
	struct inet_timewait_sock *tw;

	tw = inet_twsk_alloc(sk, &tn->tw_row, TCP_TIME_WAIT);
	if (tw) {
		struct ttp_timewait_sock *ttw = ttp_twsk((struct sock *)tw);
		const struct ttp_sock *ts = ttp_sk(sk);

		ttw->snd_nxt = ts->snd_nxt;
		ttw->rcv_nxt = ts->rcv_nxt;
		ttw->rcv_wnd = ttp_select_window(sk);
		ttw->last_oow_ack = 0;
		ttw->ts_ok = ts->ts_ok;
		ttw->ts_off = ts->ts_off;
		ttw->ts_recent = ts->ts_recent;
		ttp_twsk_hashdance_schedule(tw, sk, &ttp_hashinfo,
					    2 * ttp_jiffies(&ttp_sysctl(sk)->msl_ms));
		TTP_INC_STATS(sock_net(sk), TTP_MIB_TIMEWAITS);
	}
	/* the TIME_WAIT sock carries on; the trace shows the connection's state */
	ttp_set_state(sk, TCP_TIME_WAIT);
	ttp_done(sk);
}

/*
 * A segment for a connection in TIME_WAIT.  Returns what the address
 * family's glue does next, as tcp_timewait_state_process(): TTP_TW_SYN
 * when a new SYN may reuse the 4-tuple (its sequence number is beyond
 * the old connection's), and the TIME_WAIT sock is gone; TTP_TW_ACK when
 * the segment is answered with an ACK from tw's sequence numbers, and the
 * caller's reference on tw is the caller's to put after; TTP_TW_DROP
 * otherwise.
 */
enum ttp_tw_verdict ttp_timewait_process(struct inet_timewait_sock *tw,
					 struct sk_buff *skb)
{
	struct ttp_timewait_sock *ttw = ttp_twsk((struct sock *)tw);
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct net *net = twsk_net(tw);
	struct ttp_fsm f = {
		.state = TCP_TIME_WAIT,
		.snd_nxt = ttw->snd_nxt,
		.rcv_nxt = ttw->rcv_nxt,
	};
	struct ttp_fsm_out out;
	u8 flags = cb->flags;

	if (flags & TCPHDR_RST) {
		/* RFC 5961 3.2: only an exact RST; it ends TIME_WAIT */
		if (cb->seq == ttw->rcv_nxt &&
		    !ttp_fsm_step(&f, TTP_EV_RCV_RST, cb->seq, &out)) {
			ttp_trace_rcv_reset(skb, TCP_TIME_WAIT);
			inet_twsk_deschedule_put(tw);
			return TTP_TW_DROP;
		}
		goto put;
	}
	if ((flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN &&
	    after(cb->seq, ttw->rcv_nxt)) {
		inet_twsk_deschedule_put(tw);
		return TTP_TW_SYN;
	}
	/* the peer's FIN again: our last ACK was lost, so ACK and restart 2MSL */
	if ((flags & TCPHDR_FIN) && cb->end_seq == ttw->rcv_nxt &&
	    !ttp_fsm_step(&f, TTP_EV_RCV_FIN, cb->end_seq - 1, &out)) {
		inet_twsk_reschedule(tw,
				     2 * ttp_jiffies(&ttp_pernet(net)->sysctl.msl_ms));
		return TTP_TW_ACK;
	}
	/*
	 * A bare in-window ACK needs nothing; anything else is answered, but
	 * at a limited rate, or anyone could make us send an ACK per segment.
	 */
	if (!(cb->seq == ttw->rcv_nxt && cb->seq == cb->end_seq) &&
	    !ttp_oow_rate_limited(net, skb, TTP_MIB_ACKSKIPPEDTIMEWAIT,
				  &ttw->last_oow_ack))
		return TTP_TW_ACK;
put:
	inet_twsk_put(tw);
	return TTP_TW_DROP;
}
