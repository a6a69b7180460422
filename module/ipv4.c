// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: the IPv4 glue: the protocol handler for IPPROTO_TTP, connect(),
 * and the per-namespace control socket that answers segments for which
 * there is no full socket (RSTs, ACKs from TIME_WAIT and request socks,
 * SYN+ACKs).
 *
 * Segments are validated and counted as tcp_v4_rcv() does, then looked up
 * in TTP's own hash tables: established (full, request and TIME_WAIT
 * socks) first, then listeners.
 */
#include <linux/icmp.h>
#include <linux/ip.h>
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/icmp.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/protocol.h>
#include <net/route.h>
#include <net/tcp_states.h>

#include "ttp.h"
#include "trace.h"
#include "wire.h"

/* Build a header-only segment in reply to rxskb and send it. */
static void ttp_v4_send_ctl(struct net *net, struct sk_buff *rxskb,
			    struct ttp_hdr *h)
{
	struct sock *ctl_sk = ttp_pernet(net)->ctl_sk;
	const struct iphdr *rxiph = ip_hdr(rxskb);
	const struct tcphdr *rxth = tcp_hdr(rxskb);
	struct flowi4 fl4 = {
		.flowi4_oif	= inet_iif(rxskb),
		.daddr		= rxiph->saddr,
		.saddr		= rxiph->daddr,
		.flowi4_proto	= ttp_ipproto,
		.fl4_sport	= rxth->dest,
		.fl4_dport	= rxth->source,
	};
	unsigned int len = ttp_hdr_len(h);
	struct sk_buff *skb;
	struct rtable *rt;
	int err;

	rt = ip_route_output_flow(net, &fl4, ctl_sk);
	if (IS_ERR(rt))
		return;
	skb = alloc_skb(MAX_TTP_HEADER, GFP_ATOMIC);
	if (!skb) {
		ip_rt_put(rt);
		return;
	}
	skb_reserve(skb, MAX_TTP_HEADER);
	skb_dst_set(skb, &rt->dst);

	h->sport = ntohs(rxth->dest);
	h->dport = ntohs(rxth->source);
	if (h->flags & TCPHDR_RST)
		trace_ttp_send_reset(NULL, rxskb, true, h->seq, h->ack,
				     TCP_CLOSE);
	skb_push(skb, len);
	skb_reset_transport_header(skb);
	ttp_hdr_write(skb->data, h);
	tcp_hdr(skb)->check = ttp_checksum(rxiph->daddr, rxiph->saddr,
					   ttp_ipproto, skb->data, len);

	local_bh_disable();
	bh_lock_sock(ctl_sk);
	err = ip_build_and_send_pkt(skb, ctl_sk, rxiph->daddr, rxiph->saddr,
				    NULL, 0);
	bh_unlock_sock(ctl_sk);
	if (!net_xmit_eval(err)) {
		TTP_INC_STATS(net, TTP_MIB_OUTSEGS);
		if (h->flags & TCPHDR_RST)
			TTP_INC_STATS(net, TTP_MIB_OUTRSTS);
	}
	local_bh_enable();
}

/* RFC 9293 3.10.7.1: the RST for a segment that has no connection. */
static void ttp_v4_send_reset(struct net *net, struct sk_buff *rxskb)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(rxskb);
	struct ttp_hdr h = {};

	if (cb->flags & TCPHDR_RST)
		return;
	/*
	 * Never to a broadcast or multicast: only unicast to us.  A segment
	 * that waited on a socket's backlog may have lost its route; a socket
	 * took it, so it was unicast.
	 */
	if (skb_rtable(rxskb) && skb_rtable(rxskb)->rt_type != RTN_LOCAL)
		return;
	if (cb->flags & TCPHDR_ACK) {
		h.seq = cb->ack_seq;
		h.flags = TCPHDR_RST;
	} else {
		h.ack = cb->end_seq;
		h.flags = TCPHDR_RST | TCPHDR_ACK;
	}
	ttp_v4_send_ctl(net, rxskb, &h);
}

/* The SYN+ACK of a request sock: first answer and retransmissions. */
static int ttp_v4_send_synack(const struct sock *sk,
			      struct request_sock *req)
{
	const struct inet_request_sock *ireq = inet_rsk(req);
	const struct ttp_request_sock *treq = ttp_rsk(req);
	struct ttp_hdr h = {
		.sport	= ireq->ir_num,
		.dport	= ntohs(ireq->ir_rmt_port),
		.seq	= treq->iss,
		.ack	= treq->irs + 1,
		.flags	= TCPHDR_SYN | TCPHDR_ACK,
		.window	= min_t(u32, req->rsk_rcv_wnd, U16_MAX),
		.has_wscale = ireq->wscale_ok,
		.wscale	= ireq->rcv_wscale,
		.sack_ok = ireq->sack_ok,
	};
	struct dst_entry *dst;
	struct sk_buff *skb;
	struct flowi4 fl4;
	unsigned int len;
	int err;

	dst = inet_csk_route_req(sk, &fl4, req);
	if (!dst)
		return -EHOSTUNREACH;
	skb = alloc_skb(MAX_TTP_HEADER, GFP_ATOMIC);
	if (!skb) {
		dst_release(dst);
		return -ENOMEM;
	}
	skb_reserve(skb, MAX_TTP_HEADER);
	skb_dst_set(skb, dst);

	h.mss = ttp_advmss(sk, dst_mtu(dst));
	ttp_ts_fill_req(req, &h);
	len = ttp_hdr_len(&h);
	skb_push(skb, len);
	skb_reset_transport_header(skb);
	ttp_hdr_write(skb->data, &h);
	tcp_hdr(skb)->check = ttp_checksum(ireq->ir_loc_addr,
					   ireq->ir_rmt_addr, ttp_ipproto,
					   skb->data, len);
	err = ip_build_and_send_pkt(skb, sk, ireq->ir_loc_addr,
				    ireq->ir_rmt_addr, NULL, inet_sk(sk)->tos);
	err = net_xmit_eval(err);
	if (!err)
		TTP_INC_STATS(sock_net(sk), TTP_MIB_OUTSEGS);
	return err;
}

static siphash_aligned_key_t ttp_isn_key;

/*
 * RFC 6528's ISN, as secure_tcp_seq() makes it: a keyed hash of the
 * 4-tuple plus a clock that ticks every 64 ns, but with a key of TTP's
 * own, so that TTP's sequence numbers say nothing of TCP's on the same
 * addresses and ports, nor TCP's of TTP's.
 */
static u32 ttp_v4_isn(__be32 saddr, __be32 daddr, __be16 sport, __be16 dport)
{
	u32 hash = siphash_3u32((__force u32)saddr, (__force u32)daddr,
				(__force u32)sport << 16 | (__force u32)dport,
				&ttp_isn_key);

	return hash + (u32)(ktime_get_real_ns() >> 6);
}

/* The ISN of our answer to skb's SYN: its 4-tuple seen from our side. */
static u32 ttp_v4_init_seq(const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);

	return ttp_v4_isn(ip_hdr(skb)->daddr, ip_hdr(skb)->saddr, th->dest,
			  th->source);
}

static void ttp_v4_init_req(struct request_sock *req,
			    const struct sk_buff *skb)
{
	sk_rcv_saddr_set(req_to_sk(req), ip_hdr(skb)->daddr);
	sk_daddr_set(req_to_sk(req), ip_hdr(skb)->saddr);
	inet_rsk(req)->ireq_family = AF_INET;
}

const struct ttp_request_af_ops ttp_v4_request_af_ops = {
	.init_req	= ttp_v4_init_req,
	.init_seq	= ttp_v4_init_seq,
	.cookie_init_seq = ttp_syncookie_isn,
	.send_synack	= ttp_v4_send_synack,
};

static int ttp_v4_conn_request(struct sock *sk, struct sk_buff *skb)
{
	/*
	 * Never answer a SYN sent to a broadcast or multicast address; one
	 * that lost its route on the way is dropped.
	 */
	if (!skb_rtable(skb) ||
	    skb_rtable(skb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST))
		return -EINVAL;
	return ttp_conn_request(&ttp_v4_request_af_ops, sk, skb);
}

/*
 * icsk_af_ops->send_check: the IPv4 pseudo-header's sum goes into the
 * checksum field; the device or the stack adds the segment's own
 * (CHECKSUM_PARTIAL).
 */
static void ttp_v4_send_check(struct sock *sk, struct sk_buff *skb)
{
	const struct inet_sock *inet = inet_sk(sk);

	tcp_hdr(skb)->check = ~csum_tcpudp_magic(inet->inet_saddr,
						 inet->inet_daddr, skb->len,
						 sk->sk_protocol, 0);
	skb->ip_summed = CHECKSUM_PARTIAL;
	skb->csum_start = skb_transport_header(skb) - skb->head;
	skb->csum_offset = offsetof(struct tcphdr, check);
}

/*
 * What the request socks' timer and ttp_check_req() call: SYN+ACK
 * retransmissions, ACKs and RSTs, all sent by this address family.
 */
static int ttp_rtx_synack(const struct sock *sk, struct request_sock *req)
{
	TTP_INC_STATS(sock_net(sk), TTP_MIB_RETRANSSEGS);
	trace_ttp_retransmit(req_to_sk(req), TCP_SYN_RECV, ttp_rsk(req)->iss,
			     0, req->num_timeout);
	return ttp_v4_send_synack(sk, req);
}

/* Called on every SYN+ACK timeout; the retransmission is counted above. */
static void ttp_syn_ack_timeout(const struct request_sock *req)
{
}

/* 6.10 added the reason for the RST, which TTP's tracepoint does not show */
#if TTP_LINUX_GEQ(6, 10, 0)
static void ttp_reqsk_send_reset(const struct sock *sk, struct sk_buff *skb,
				 enum sk_rst_reason reason)
#else
static void ttp_reqsk_send_reset(const struct sock *sk, struct sk_buff *skb)
#endif
{
	ttp_v4_send_reset(sock_net(sk), skb);
}

static void ttp_reqsk_send_ack(const struct sock *sk, struct sk_buff *skb,
			       struct request_sock *req)
{
	const struct ttp_request_sock *treq = ttp_rsk(req);
	struct ttp_hdr h = {
		.seq	= treq->iss + 1,
		.ack	= treq->irs + 1,
		.flags	= TCPHDR_ACK,
		/* not a SYN: scaled, as tcp_v4_reqsk_send_ack() sends it */
		.window	= min_t(u32, req->rsk_rcv_wnd >>
				     inet_rsk(req)->rcv_wscale, U16_MAX),
	};

	ttp_ts_fill_req(req, &h);
	ttp_v4_send_ctl(sock_net(sk), skb, &h);
}

/* reqsk_free() calls it unconditionally; TTP keeps no IP options. */
static void ttp_reqsk_destructor(struct request_sock *req)
{
}

struct request_sock_ops ttp_request_sock_ops __read_mostly = {
	.family		= PF_INET,
	.obj_size	= sizeof(struct ttp_request_sock),
	.rtx_syn_ack	= ttp_rtx_synack,
	.send_ack	= ttp_reqsk_send_ack,
	.send_reset	= ttp_reqsk_send_reset,
	.destructor	= ttp_reqsk_destructor,
	.syn_ack_timeout = ttp_syn_ack_timeout,
};

/* TIME_WAIT's answer: an ACK of where it stands.  Puts tw. */
static void ttp_v4_timewait_ack(struct inet_timewait_sock *tw,
				struct sk_buff *skb)
{
	const struct ttp_timewait_sock *ttw = ttp_twsk((struct sock *)tw);
	struct ttp_hdr h = {
		.seq	= ttw->snd_nxt,
		.ack	= ttw->rcv_nxt,
		.flags	= TCPHDR_ACK,
		.window	= ttw->rcv_wnd,
	};

	ttp_ts_fill_tw(tw, &h);
	ttp_v4_send_ctl(twsk_net(tw), skb, &h);
	inet_twsk_put(tw);
}

/* As dccp_v4_connect(): route, pick a port, hash, send the SYN. */
int ttp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len)
{
	const struct sockaddr_ttp *usin = (struct sockaddr_ttp *)uaddr;
	struct ttp_net *tn = ttp_pernet(sock_net(sk));
	struct inet_sock *inet = inet_sk(sk);
	struct ttp_sock *ts = ttp_sk(sk);
	struct ip_options_rcu *inet_opt;
	__be16 orig_sport, orig_dport;
	struct flowi4 *fl4;
	struct rtable *rt;
	int err;

	if (addr_len < sizeof(struct sockaddr_ttp))
		return -EINVAL;
	if (usin->sttp_family != AF_TTP)
		return -EAFNOSUPPORT;

	orig_sport = inet->inet_sport;
	orig_dport = usin->sttp_port;
	fl4 = &inet->cork.fl.u.ip4;
	rt = ip_route_connect(fl4, usin->sttp_addr, inet->inet_saddr,
			      sk->sk_bound_dev_if, sk->sk_protocol, orig_sport,
			      orig_dport, sk);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	if (rt->rt_flags & (RTCF_MULTICAST | RTCF_BROADCAST)) {
		ip_rt_put(rt);
		return -ENETUNREACH;
	}

	if (!inet->inet_saddr) {
		err = inet_bhash2_update_saddr(sk, &fl4->saddr, AF_INET);
		if (err) {
			ip_rt_put(rt);
			return err;
		}
	} else {
		sk_rcv_saddr_set(sk, inet->inet_saddr);
	}
	inet->inet_dport = usin->sttp_port;
	sk_daddr_set(sk, fl4->daddr);

	/* ephemeral port from the local range, as TCP picks it */
	err = inet_hash_connect(&tn->tw_row, sk);
	if (err)
		goto failure;
	rt = ip_route_newports(fl4, rt, orig_sport, orig_dport,
			       inet->inet_sport, inet->inet_dport, sk);
	if (IS_ERR(rt)) {
		err = PTR_ERR(rt);
		rt = NULL;
		goto failure;
	}
	sk_setup_caps(sk, &rt->dst);
	/* IP options set before connect() take room from every segment */
	inet_opt = rcu_dereference_protected(inet->inet_opt,
					     lockdep_sock_is_held(sk));
	inet_csk(sk)->icsk_ext_hdr_len = inet_opt ? inet_opt->opt.optlen : 0;
	ts->advmss = ttp_advmss(sk, dst_mtu(&rt->dst));
	ttp_sync_mss(sk, dst_mtu(&rt->dst));
	rt = NULL;

	ts->iss = ttp_v4_isn(inet->inet_saddr, inet->inet_daddr,
			     inet->inet_sport, inet->inet_dport);
	atomic_set(&inet->inet_id, get_random_u16());
	ttp_init_wscale(sk);
	err = ttp_step(sk, TTP_EV_CONNECT, 0);
	if (err)
		goto failure;
	return 0;

failure:
	/* unhashes the socket and gives the port back */
	ttp_set_state(sk, TCP_CLOSE);
	inet_bhash2_reset_saddr(sk);
	ip_rt_put(rt);
	sk->sk_route_caps = 0;
	inet->inet_dport = 0;
	return err;
}

/* A verdict of the core: the segment deserves a RST, sent from here. */
static void ttp_v4_reset_and_free(struct net *net, struct sk_buff *skb)
{
	ttp_v4_send_reset(net, skb);
	kfree_skb(skb);
}

/*
 * A segment for a full socket, as tcp_v4_do_rcv(): the core says whether
 * it deserves a RST, and the IPv4 glue sends it.  Also the socket's
 * backlog_rcv, for segments that waited while the owner held it.
 */
int ttp_v4_do_rcv(struct sock *sk, struct sk_buff *skb)
{
	if (ttp_rcv_state_process(sk, skb))
		ttp_v4_reset_and_free(sock_net(sk), skb);
	return 0;
}

static int ttp_v4_rcv_sock(struct sock *sk, struct sk_buff *skb,
			   unsigned int doff, bool refcounted)
{
	if (sk_filter_trim_cap(sk, skb, doff))
		goto discard;
	nf_reset_ct(skb);

	if (sk->sk_state == TCP_LISTEN) {
		if (ttp_listen_rcv(sk, skb))
			ttp_v4_reset_and_free(sock_net(sk), skb);
		goto put;
	}
	bh_lock_sock_nested(sk);
	if (!sock_owned_by_user(sk)) {
		ttp_v4_do_rcv(sk, skb);
	} else if (sk_add_backlog(sk, skb, READ_ONCE(sk->sk_rcvbuf) +
				  READ_ONCE(sk->sk_sndbuf))) {
		bh_unlock_sock(sk);
		atomic_inc(&sk->sk_drops);
		goto discard;
	}
	bh_unlock_sock(sk);
put:
	if (refcounted)
		sock_put(sk);
	return 0;

discard:
	kfree_skb(skb);
	if (refcounted)
		sock_put(sk);
	return 0;
}

static void ttp_fill_cb(struct sk_buff *skb, const struct tcphdr *th)
{
	struct ttp_skb_cb *cb = TTP_SKB_CB(skb);

	BUILD_BUG_ON(sizeof(struct ttp_skb_cb) > sizeof_field(struct sk_buff, cb));
	/* the IP layer's inet_skb_parm stays at the start of cb */
	cb->seq = ntohl(th->seq);
	cb->end_seq = cb->seq + th->syn + th->fin + skb->len - th->doff * 4;
	cb->ack_seq = ntohl(th->ack_seq);
	cb->flags = tcp_flag_byte(th);
	cb->window = ntohs(th->window);
	cb->sent_us = 0;
}

static int ttp_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	const struct tcphdr *th;
	const struct iphdr *iph;
	unsigned int doff;
	bool refcounted;
	struct sock *sk;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;

	TTP_INC_STATS(net, TTP_MIB_INSEGS);
	if (!pskb_may_pull(skb, sizeof(struct tcphdr)))
		goto discard;
	th = (const struct tcphdr *)skb->data;
	if (th->doff < sizeof(struct tcphdr) / 4)
		goto bad_packet;
	if (!pskb_may_pull(skb, th->doff * 4))
		goto discard;
	if (skb_checksum_validate(skb, ttp_ipproto, inet_compute_pseudo))
		goto csum_error;

	th = (const struct tcphdr *)skb->data;
	iph = ip_hdr(skb);
	doff = th->doff * 4;
	ttp_fill_cb(skb, th);

lookup:
	sk = __inet_lookup_skb(&ttp_hashinfo, skb, doff, th->source, th->dest,
			       0, &refcounted);
	if (!sk)
		goto no_socket;

	if (sk->sk_state == TCP_TIME_WAIT) {
		switch (ttp_timewait_process(inet_twsk(sk), skb)) {
		case TTP_TW_ACK:
			ttp_v4_timewait_ack(inet_twsk(sk), skb);
			goto discard;
		case TTP_TW_DROP:
			goto discard;
		case TTP_TW_SYN:
			break;
		}
		/* TIME_WAIT gave way to a new SYN: it goes to the listener */
		sk = inet_lookup_listener(net, &ttp_hashinfo, skb, doff,
					  iph->saddr, th->source, iph->daddr,
					  th->dest, inet_iif(skb), 0);
		if (!sk)
			goto no_socket;
		refcounted = false;
	} else if (sk->sk_state == TCP_NEW_SYN_RECV) {
		struct request_sock *req = inet_reqsk(sk);
		struct sock *nsk;

		sk = req->rsk_listener;
		if (unlikely(sk->sk_state != TCP_LISTEN)) {
			inet_csk_reqsk_queue_drop_and_put(sk, req);
			goto lookup;
		}
		sock_hold(sk);
		nsk = ttp_check_req(sk, skb, req);
		if (!nsk) {
			reqsk_put(req);
			sock_put(sk);
			goto discard;
		}
		if (nsk != sk) {
			if (ttp_child_process(sk, nsk, skb))
				ttp_v4_reset_and_free(net, skb);
			sock_put(sk);
			return 0;
		}
		/* the listener answers it with a RST */
		reqsk_put(req);
		refcounted = true;
	}
	return ttp_v4_rcv_sock(sk, skb, doff, refcounted);

no_socket:
	/* a segment for no connection draws a RST (none answers a RST) */
	ttp_v4_send_reset(net, skb);
	goto discard;
csum_error:
	TTP_INC_STATS(net, TTP_MIB_INCSUMERRORS);
bad_packet:
	TTP_INC_STATS(net, TTP_MIB_INERRS);
discard:
	kfree_skb(skb);
	return 0;
}

/*
 * The error an ICMP message stands for, as tcp_v4_err() reads it, as a
 * negative errno; 0 for messages that say nothing about the connection.
 */
static int ttp_icmp_errno(int type, int code)
{
	switch (type) {
	case ICMP_PARAMETERPROB:
		return -EPROTO;
	case ICMP_DEST_UNREACH:
		return code <= NR_ICMP_UNREACH ? -icmp_err_convert[code].errno : 0;
	case ICMP_TIME_EXCEEDED:
		return -EHOSTUNREACH;
	default:	/* source quench, redirect: nothing to act on */
		return 0;
	}
}

/*
 * An ICMP error about a segment we sent: skb->data is that segment's IP
 * header and at least its first eight bytes, the ports and the sequence
 * number.  Only an error quoting a sequence number in flight counts, so a
 * blind attacker has to guess one (RFC 5927).  As TCP: a connection still
 * opening fails at once; an open one only keeps the error, to report it
 * instead of ETIMEDOUT if it times out; "fragmentation needed" lowers the
 * path MTU.  Request socks and TIME_WAIT ignore ICMP.
 */
static int ttp_v4_err(struct sk_buff *skb, u32 info)
{
	const struct iphdr *iph = (const struct iphdr *)skb->data;
	const struct tcphdr *th = (const struct tcphdr *)(skb->data +
							  iph->ihl * 4);
	int type = icmp_hdr(skb)->type, code = icmp_hdr(skb)->code;
	struct net *net = dev_net(skb->dev);
	u32 seq = ntohl(th->seq);
	struct ttp_sock *ts;
	struct sock *sk;
	int err;

	sk = __inet_lookup_established(net, &ttp_hashinfo, iph->daddr,
				       th->dest, iph->saddr, ntohs(th->source),
				       inet_iif(skb), 0);
	if (!sk) {
		__ICMP_INC_STATS(net, ICMP_MIB_INERRORS);
		return -ENOENT;
	}
	if (sk->sk_state == TCP_TIME_WAIT) {
		inet_twsk_put(inet_twsk(sk));
		return 0;
	}
	if (sk->sk_state == TCP_NEW_SYN_RECV) {
		reqsk_put(inet_reqsk(sk));
		return 0;
	}

	bh_lock_sock(sk);
	ts = ttp_sk(sk);
	if (sk->sk_state == TCP_CLOSE)
		goto out;
	if (!between(seq, ts->snd_una, ts->snd_nxt)) {
		TTP_INC_STATS(net, TTP_MIB_OUTOFWINDOWICMPS);
		goto out;
	}

	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED) {
		WRITE_ONCE(ts->mtu_info, info);
		if (!sock_owned_by_user(sk))
			ttp_mtu_reduced(sk);
		else if (!test_and_set_bit(TTP_MTU_REDUCED_DEFERRED,
					   &ts->deferred))
			sock_hold(sk);
		goto out;
	}
	err = ttp_icmp_errno(type, code);
	if (!err)
		goto out;

	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV) &&
	    !sock_owned_by_user(sk)) {
		WRITE_ONCE(sk->sk_err, -err);
		sk_error_report(sk);
		ttp_done(sk);
	} else {
		WRITE_ONCE(sk->sk_err_soft, -err);
	}
out:
	bh_unlock_sock(sk);
	sock_put(sk);
	return 0;
}

/*
 * icsk_af_ops->syn_recv_sock, as tcp_v4_syn_recv_sock(): the full socket
 * after the final ACK, with its IPv4 addresses and route.  TTP passes no
 * route, no request to unhash but req itself, and no child initialiser.
 */
static struct sock *ttp_v4_syn_recv_sock(const struct sock *sk,
					 struct sk_buff *skb,
					 struct request_sock *req,
					 struct dst_entry *dst,
					 struct request_sock *req_unhash,
					 bool *own_req,
					 void (*opt_child_init)(struct sock *newsk,
								const struct sock *sk))
{
	struct inet_request_sock *ireq = inet_rsk(req);
	struct inet_sock *newinet;
	struct sock *newsk;

	newsk = ttp_create_openreq_child(sk, req);
	if (!newsk)
		return NULL;
	newinet = inet_sk(newsk);
	sk_daddr_set(newsk, ireq->ir_rmt_addr);
	sk_rcv_saddr_set(newsk, ireq->ir_loc_addr);
	newinet->inet_saddr = ireq->ir_loc_addr;
	RCU_INIT_POINTER(newinet->inet_opt, NULL);
	newinet->mc_index = inet_iif(skb);
	newinet->mc_ttl = ip_hdr(skb)->ttl;
	atomic_set(&newinet->inet_id, get_random_u16());
	/* IP options are not inherited: the child's header has none */
	inet_csk(newsk)->icsk_ext_hdr_len = 0;
	dst = inet_csk_route_child_sock(sk, newsk, req);
	return ttp_openreq_child_finish(sk, newsk, req, req_unhash, dst,
					own_req);
}

/*
 * What the shared inet code may call through a TTP socket.  Of these the
 * IP layer itself uses only the MSS hook (icsk_sync_mss, set beside this);
 * TTP goes through the rest so that another address family could plug in.
 */
const struct inet_connection_sock_af_ops ttp_ipv4_af_ops = {
	.queue_xmit	= ip_queue_xmit,
	.rebuild_header	= inet_sk_rebuild_header,
	.send_check	= ttp_v4_send_check,
	.conn_request	= ttp_v4_conn_request,
	.syn_recv_sock	= ttp_v4_syn_recv_sock,
	.net_header_len	= sizeof(struct iphdr),
	.sockaddr_len	= sizeof(struct sockaddr_ttp),
	.setsockopt	= ip_setsockopt,
	.getsockopt	= ip_getsockopt,
	.mtu_reduced	= ttp_mtu_reduced,
};

static const struct net_protocol ttp_net_protocol = {
	.handler	= ttp_v4_rcv,
	.err_handler	= ttp_v4_err,
	.no_policy	= 1,
};

int ttp_ctl_net_init(struct net *net)
{
	struct ttp_net *tn = ttp_pernet(net);

	return inet_ctl_sock_create(&tn->ctl_sk, PF_INET, SOCK_RAW,
				    ttp_ipproto, net);
}

void ttp_ctl_net_exit(struct net *net)
{
	inet_ctl_sock_destroy(ttp_pernet(net)->ctl_sk);
}

int ttp_ipv4_init(void)
{
	get_random_bytes(&ttp_isn_key, sizeof(ttp_isn_key));
	ttp_syncookie_init();
	if (inet_add_protocol(&ttp_net_protocol, ttp_ipproto) < 0) {
		pr_err("ttp: IP protocol %d is taken\n", ttp_ipproto);
		return -EBUSY;
	}
	return 0;
}

void ttp_ipv4_exit(void)
{
	inet_del_protocol(&ttp_net_protocol, ttp_ipproto);
	synchronize_net();
}
