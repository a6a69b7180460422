/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TTP's tracepoints, under events/ttp/ in tracefs: what a connection does,
 * as tcp's are under events/tcp/.  Every event names the connection by its
 * four-tuple, so a reader can follow one connection among many.  The
 * events take a socket (full, request and TIME_WAIT socks all fit: only
 * sock_common is read) or a segment, never addresses: which IP version
 * the addresses have is this file's business, as in TCP's events, so the
 * protocol's core stays free of it.  An address is kept as the sockaddr
 * of its family and printed with %pISc: 127.0.0.1, or ::1.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ttp

#if !defined(_TTP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TTP_TRACE_H

#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/tracepoint.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "wire.h"

#ifndef _TTP_TRACE_ADDRS
#define _TTP_TRACE_ADDRS
/* Room for the sockaddr of either family. */
#define TTP_TRACE_ADDR_SIZE	sizeof(struct sockaddr_in6)

static inline void ttp_trace_addr4(u8 *to, __be32 addr)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)to;

	memset(to, 0, TTP_TRACE_ADDR_SIZE);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
}

static inline void ttp_trace_addr6(u8 *to, const struct in6_addr *addr)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)to;

	memset(to, 0, TTP_TRACE_ADDR_SIZE);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = *addr;
}

/*
 * A socket's local and remote addresses.  A TTP socket over IPv6 would
 * have sk_family AF_INET6, as TCP's; every other one is over IPv4.
 */
static inline void ttp_trace_sk_addrs(u8 *saddr, u8 *daddr,
				      const struct sock *sk)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		ttp_trace_addr6(saddr, &sk->sk_v6_rcv_saddr);
		ttp_trace_addr6(daddr, &sk->sk_v6_daddr);
		return;
	}
#endif
	ttp_trace_addr4(saddr, sk->sk_rcv_saddr);
	ttp_trace_addr4(daddr, sk->sk_daddr);
}

/*
 * A received segment's addresses and ports, by the version in its IP
 * header; reply swaps them, for a segment sent in answer to it.
 */
static inline void ttp_trace_skb_addrs(u8 *saddr, u8 *daddr, u16 *sport,
				       u16 *dport, const struct sk_buff *skb,
				       bool reply)
{
	const struct tcphdr *th = tcp_hdr(skb);

	if (IS_ENABLED(CONFIG_IPV6) && ip_hdr(skb)->version == 6) {
		ttp_trace_addr6(reply ? daddr : saddr, &ipv6_hdr(skb)->saddr);
		ttp_trace_addr6(reply ? saddr : daddr, &ipv6_hdr(skb)->daddr);
	} else {
		ttp_trace_addr4(reply ? daddr : saddr, ip_hdr(skb)->saddr);
		ttp_trace_addr4(reply ? saddr : daddr, ip_hdr(skb)->daddr);
	}
	*(reply ? dport : sport) = ntohs(th->source);
	*(reply ? sport : dport) = ntohs(th->dest);
}
#endif /* _TTP_TRACE_ADDRS */

/* The names of /proc/net/ttp. */
#define ttp_show_state(state)					\
	__print_symbolic(state,					\
			 { TCP_ESTABLISHED,	"ESTABLISHED" },	\
			 { TCP_SYN_SENT,	"SYN_SENT" },		\
			 { TCP_SYN_RECV,	"SYN_RCVD" },		\
			 { TCP_FIN_WAIT1,	"FIN_WAIT_1" },		\
			 { TCP_FIN_WAIT2,	"FIN_WAIT_2" },		\
			 { TCP_TIME_WAIT,	"TIME_WAIT" },		\
			 { TCP_CLOSE,		"CLOSED" },		\
			 { TCP_CLOSE_WAIT,	"CLOSE_WAIT" },		\
			 { TCP_LAST_ACK,	"LAST_ACK" },		\
			 { TCP_LISTEN,		"LISTEN" },		\
			 { TCP_CLOSING,		"CLOSING" })

TRACE_EVENT(ttp_set_state,

	TP_PROTO(const struct sock *sk, int oldstate, int newstate),

	TP_ARGS(sk, oldstate, newstate),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__array(__u8, saddr, TTP_TRACE_ADDR_SIZE)
		__array(__u8, daddr, TTP_TRACE_ADDR_SIZE)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(int, oldstate)
		__field(int, newstate)
	),

	TP_fast_assign(
		__entry->skaddr = sk;
		ttp_trace_sk_addrs(__entry->saddr, __entry->daddr, sk);
		__entry->sport = sk->sk_num;
		__entry->dport = ntohs(sk->sk_dport);
		__entry->oldstate = oldstate;
		__entry->newstate = newstate;
	),

	TP_printk("saddr=%pISc sport=%hu daddr=%pISc dport=%hu oldstate=%s newstate=%s",
		  __entry->saddr, __entry->sport,
		  __entry->daddr, __entry->dport,
		  ttp_show_state(__entry->oldstate),
		  ttp_show_state(__entry->newstate))
);

TRACE_EVENT(ttp_retransmit,

	TP_PROTO(const struct sock *sk, int state, u32 seq, u32 len,
		 u8 retransmits),

	TP_ARGS(sk, state, seq, len, retransmits),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__array(__u8, saddr, TTP_TRACE_ADDR_SIZE)
		__array(__u8, daddr, TTP_TRACE_ADDR_SIZE)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(int, state)
		__field(u32, seq)
		__field(u32, len)
		__field(u8, retransmits)
	),

	TP_fast_assign(
		__entry->skaddr = sk;
		ttp_trace_sk_addrs(__entry->saddr, __entry->daddr, sk);
		__entry->sport = sk->sk_num;
		__entry->dport = ntohs(sk->sk_dport);
		__entry->state = state;
		__entry->seq = seq;
		__entry->len = len;
		__entry->retransmits = retransmits;
	),

	TP_printk("saddr=%pISc sport=%hu daddr=%pISc dport=%hu state=%s seq=%u len=%u retransmits=%u",
		  __entry->saddr, __entry->sport,
		  __entry->daddr, __entry->dport,
		  ttp_show_state(__entry->state),
		  __entry->seq, __entry->len, __entry->retransmits)
);

/*
 * A RST, by the addresses and ports of its segment (source first).  A RST
 * sent names its socket, or (for a segment no socket took) the segment it
 * answers, in state CLOSED; a RST received is named by its own headers.
 */
DECLARE_EVENT_CLASS(ttp_reset_class,

	TP_PROTO(const struct sock *sk, const struct sk_buff *skb, bool reply,
		 u32 seq, u32 ack, int state),

	TP_ARGS(sk, skb, reply, seq, ack, state),

	TP_STRUCT__entry(
		__array(__u8, saddr, TTP_TRACE_ADDR_SIZE)
		__array(__u8, daddr, TTP_TRACE_ADDR_SIZE)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(u32, seq)
		__field(u32, ack)
		__field(int, state)
	),

	TP_fast_assign(
		if (sk) {
			ttp_trace_sk_addrs(__entry->saddr, __entry->daddr, sk);
			__entry->sport = sk->sk_num;
			__entry->dport = ntohs(sk->sk_dport);
		} else {
			ttp_trace_skb_addrs(__entry->saddr, __entry->daddr,
					    &__entry->sport, &__entry->dport,
					    skb, reply);
		}
		__entry->seq = seq;
		__entry->ack = ack;
		__entry->state = state;
	),

	TP_printk("saddr=%pISc sport=%hu daddr=%pISc dport=%hu seq=%u ack=%u state=%s",
		  __entry->saddr, __entry->sport,
		  __entry->daddr, __entry->dport,
		  __entry->seq, __entry->ack, ttp_show_state(__entry->state))
);

/* A RST sent: by sk, or in answer to skb (sk NULL) */
DEFINE_EVENT(ttp_reset_class, ttp_send_reset,
	TP_PROTO(const struct sock *sk, const struct sk_buff *skb, bool reply,
		 u32 seq, u32 ack, int state),
	TP_ARGS(sk, skb, reply, seq, ack, state)
);

/* A RST received that passed its checks: skb, with sk NULL */
DEFINE_EVENT(ttp_reset_class, ttp_receive_reset,
	TP_PROTO(const struct sock *sk, const struct sk_buff *skb, bool reply,
		 u32 seq, u32 ack, int state),
	TP_ARGS(sk, skb, reply, seq, ack, state)
);

/*
 * The congestion window, slow-start threshold or congestion state changed
 * (as tcp:tcp_probe, but on each change rather than each ACK): what a
 * time-sequence graph draws cwnd and ssthresh from.  ca_state is TCP's
 * number (0 open, 1 disorder, 2 CWR, 3 recovery, 4 loss).
 */
TRACE_EVENT(ttp_cong,

	TP_PROTO(const struct sock *sk, u32 snd_una, u32 snd_nxt, u32 snd_cwnd,
		 u32 ssthresh, u8 ca_state, u32 snd_wnd, u32 srtt_us),

	TP_ARGS(sk, snd_una, snd_nxt, snd_cwnd, ssthresh, ca_state, snd_wnd,
		srtt_us),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__array(__u8, saddr, TTP_TRACE_ADDR_SIZE)
		__array(__u8, daddr, TTP_TRACE_ADDR_SIZE)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(u32, snd_una)
		__field(u32, snd_nxt)
		__field(u32, snd_cwnd)
		__field(u32, ssthresh)
		__field(u32, snd_wnd)
		__field(u32, srtt_us)
		__field(u8, ca_state)
	),

	TP_fast_assign(
		__entry->skaddr = sk;
		ttp_trace_sk_addrs(__entry->saddr, __entry->daddr, sk);
		__entry->sport = sk->sk_num;
		__entry->dport = ntohs(sk->sk_dport);
		__entry->snd_una = snd_una;
		__entry->snd_nxt = snd_nxt;
		__entry->snd_cwnd = snd_cwnd;
		__entry->ssthresh = ssthresh;
		__entry->snd_wnd = snd_wnd;
		__entry->srtt_us = srtt_us;
		__entry->ca_state = ca_state;
	),

	TP_printk("saddr=%pISc sport=%hu daddr=%pISc dport=%hu snd_una=%u snd_nxt=%u snd_cwnd=%u ssthresh=%u ca_state=%u snd_wnd=%u srtt_us=%u",
		  __entry->saddr, __entry->sport,
		  __entry->daddr, __entry->dport,
		  __entry->snd_una, __entry->snd_nxt, __entry->snd_cwnd,
		  __entry->ssthresh, __entry->ca_state, __entry->snd_wnd,
		  __entry->srtt_us)
);

/*
 * The SACK blocks of an ACK the sender took in, those it found possible
 * (ttpstat plot marks them): num of them, in the ACK's order, with the
 * unused of the four slots 0-0.  Numbers are absolute, as ttp_cong's.
 */
TRACE_EVENT(ttp_sack,

	TP_PROTO(const struct sock *sk, u32 snd_una,
		 const struct ttp_sack_block *blocks, unsigned int num),

	TP_ARGS(sk, snd_una, blocks, num),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__array(__u8, saddr, TTP_TRACE_ADDR_SIZE)
		__array(__u8, daddr, TTP_TRACE_ADDR_SIZE)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(u32, snd_una)
		__field(u8, num)
		__array(u32, start, TTP_MAX_SACKS)
		__array(u32, end, TTP_MAX_SACKS)
	),

	TP_fast_assign(
		unsigned int i;

		__entry->skaddr = sk;
		ttp_trace_sk_addrs(__entry->saddr, __entry->daddr, sk);
		__entry->sport = sk->sk_num;
		__entry->dport = ntohs(sk->sk_dport);
		__entry->snd_una = snd_una;
		__entry->num = min_t(unsigned int, num, TTP_MAX_SACKS);
		for (i = 0; i < TTP_MAX_SACKS; i++) {
			__entry->start[i] = i < num ? blocks[i].start : 0;
			__entry->end[i] = i < num ? blocks[i].end : 0;
		}
	),

	TP_printk("saddr=%pISc sport=%hu daddr=%pISc dport=%hu snd_una=%u num=%u sack=%u-%u,%u-%u,%u-%u,%u-%u",
		  __entry->saddr, __entry->sport,
		  __entry->daddr, __entry->dport, __entry->snd_una,
		  __entry->num, __entry->start[0], __entry->end[0],
		  __entry->start[1], __entry->end[1],
		  __entry->start[2], __entry->end[2],
		  __entry->start[3], __entry->end[3])
);

#endif /* _TTP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
