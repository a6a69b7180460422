/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TTP's tracepoints, under events/ttp/ in tracefs: what a connection does,
 * as tcp's are under events/tcp/.  Every event names the connection by its
 * four-tuple, so a reader can follow one connection among many.  Each takes
 * a struct sock_common, so full, request and TIME_WAIT socks all fit.
 * Addresses are kept in network order (as %pI4 reads them) in __u32
 * fields: the event macros' signedness test trips sparse on __be32.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ttp

#if !defined(_TTP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TTP_TRACE_H

#include <linux/tracepoint.h>
#include <net/sock.h>
#include <net/tcp_states.h>

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
		__field(__u32, saddr)
		__field(__u32, daddr)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(int, oldstate)
		__field(int, newstate)
	),

	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->saddr = (__force __u32)sk->sk_rcv_saddr;
		__entry->daddr = (__force __u32)sk->sk_daddr;
		__entry->sport = sk->sk_num;
		__entry->dport = ntohs(sk->sk_dport);
		__entry->oldstate = oldstate;
		__entry->newstate = newstate;
	),

	TP_printk("saddr=%pI4 sport=%hu daddr=%pI4 dport=%hu oldstate=%s newstate=%s",
		  &__entry->saddr, __entry->sport,
		  &__entry->daddr, __entry->dport,
		  ttp_show_state(__entry->oldstate),
		  ttp_show_state(__entry->newstate))
);

TRACE_EVENT(ttp_retransmit,

	TP_PROTO(const struct sock *sk, int state, u32 seq, u32 len,
		 u8 retransmits),

	TP_ARGS(sk, state, seq, len, retransmits),

	TP_STRUCT__entry(
		__field(const void *, skaddr)
		__field(__u32, saddr)
		__field(__u32, daddr)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(int, state)
		__field(u32, seq)
		__field(u32, len)
		__field(u8, retransmits)
	),

	TP_fast_assign(
		__entry->skaddr = sk;
		__entry->saddr = (__force __u32)sk->sk_rcv_saddr;
		__entry->daddr = (__force __u32)sk->sk_daddr;
		__entry->sport = sk->sk_num;
		__entry->dport = ntohs(sk->sk_dport);
		__entry->state = state;
		__entry->seq = seq;
		__entry->len = len;
		__entry->retransmits = retransmits;
	),

	TP_printk("saddr=%pI4 sport=%hu daddr=%pI4 dport=%hu state=%s seq=%u len=%u retransmits=%u",
		  &__entry->saddr, __entry->sport,
		  &__entry->daddr, __entry->dport,
		  ttp_show_state(__entry->state),
		  __entry->seq, __entry->len, __entry->retransmits)
);

/*
 * A RST, by the addresses and ports of its segment (source first); a RST
 * answering a segment with no connection has no socket, and state CLOSED.
 */
DECLARE_EVENT_CLASS(ttp_reset_class,

	TP_PROTO(__be32 saddr, __be16 sport, __be32 daddr, __be16 dport,
		 u32 seq, u32 ack, int state),

	TP_ARGS(saddr, sport, daddr, dport, seq, ack, state),

	TP_STRUCT__entry(
		__field(__u32, saddr)
		__field(__u32, daddr)
		__field(__u16, sport)
		__field(__u16, dport)
		__field(u32, seq)
		__field(u32, ack)
		__field(int, state)
	),

	TP_fast_assign(
		__entry->saddr = (__force __u32)saddr;
		__entry->daddr = (__force __u32)daddr;
		__entry->sport = ntohs(sport);
		__entry->dport = ntohs(dport);
		__entry->seq = seq;
		__entry->ack = ack;
		__entry->state = state;
	),

	TP_printk("saddr=%pI4 sport=%hu daddr=%pI4 dport=%hu seq=%u ack=%u state=%s",
		  &__entry->saddr, __entry->sport,
		  &__entry->daddr, __entry->dport,
		  __entry->seq, __entry->ack, ttp_show_state(__entry->state))
);

DEFINE_EVENT(ttp_reset_class, ttp_send_reset,
	TP_PROTO(__be32 saddr, __be16 sport, __be32 daddr, __be16 dport,
		 u32 seq, u32 ack, int state),
	TP_ARGS(saddr, sport, daddr, dport, seq, ack, state)
);

DEFINE_EVENT(ttp_reset_class, ttp_receive_reset,
	TP_PROTO(__be32 saddr, __be16 sport, __be32 daddr, __be16 dport,
		 u32 seq, u32 ack, int state),
	TP_ARGS(saddr, sport, daddr, dport, seq, ack, state)
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
		__field(__u32, saddr)
		__field(__u32, daddr)
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
		__entry->saddr = (__force __u32)sk->sk_rcv_saddr;
		__entry->daddr = (__force __u32)sk->sk_daddr;
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

	TP_printk("saddr=%pI4 sport=%hu daddr=%pI4 dport=%hu snd_una=%u snd_nxt=%u snd_cwnd=%u ssthresh=%u ca_state=%u snd_wnd=%u srtt_us=%u",
		  &__entry->saddr, __entry->sport,
		  &__entry->daddr, __entry->dport,
		  __entry->snd_una, __entry->snd_nxt, __entry->snd_cwnd,
		  __entry->ssthresh, __entry->ca_state, __entry->snd_wnd,
		  __entry->srtt_us)
);

#endif /* _TTP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
