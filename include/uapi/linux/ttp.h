/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * TTP (Tiny Transport Protocol): user-space API.
 *
 * Usable from user space with only -Iinclude/uapi.
 */
#ifndef _UAPI_LINUX_TTP_H
#define _UAPI_LINUX_TTP_H

#include <linux/types.h>
#include <linux/socket.h>

/* The number of the long-removed AF_ECONET, free on every current kernel. */
#define AF_TTP		19
#define PF_TTP		AF_TTP

/* RFC 3692 experimental; the module parameter ipproto= may choose 254. */
#define IPPROTO_TTP	253

#define SOL_TTP		300

/* Option names share TCP's numbers so that ported code reads the same. */
#define TTP_NODELAY	1	/* send small segments at once (no Nagle) */
#define TTP_MAXSEG	2	/* limit the MSS; 0: none, else 48..32767 */
#define TTP_CORK	3	/* send full segments only, until cleared */
#define TTP_KEEPIDLE	4	/* seconds of silence before keepalive probes */
#define TTP_KEEPINTVL	5	/* seconds between keepalive probes */
#define TTP_KEEPCNT	6	/* unanswered probes before giving up */
#define TTP_INFO	11	/* struct ttp_info */
#define TTP_QUICKACK	12	/* 1: send a delayed ACK now; 0: delay ACKs */
#define TTP_CONGESTION	13	/* the congestion control's name: "cubic" */
#define TTP_USER_TIMEOUT 18	/* ms unacknowledged data may wait; 0: none */

/* The same layout as struct sockaddr_in. */
struct sockaddr_ttp {
	__kernel_sa_family_t	sttp_family;
	__be16			sttp_port;
	__be32			sttp_addr;
	unsigned char		sttp_zero[8];
};

/* Connection states, with Linux TCP's numbering (include/net/tcp_states.h). */
enum {
	TTP_ESTABLISHED = 1,
	TTP_SYN_SENT,
	TTP_SYN_RECV,
	TTP_FIN_WAIT1,
	TTP_FIN_WAIT2,
	TTP_TIME_WAIT,
	TTP_CLOSE,
	TTP_CLOSE_WAIT,
	TTP_LAST_ACK,
	TTP_LISTEN,
	TTP_CLOSING,
};

struct ttp_info {
	__u8	state;		/* TTP_ESTABLISHED, ... */
	__u8	retransmits;	/* consecutive timeouts of the oldest segment */
	__u16	mss;		/* sending MSS */
	__u32	rto_ms;
	__u32	srtt_us;
	__u32	rttvar_us;
	__u32	snd_una;
	__u32	snd_nxt;
	__u32	rcv_nxt;
	__u32	snd_wnd;	/* peer's window, scaled, in bytes */
	__u32	rcv_wnd;	/* our advertised window, in bytes */
	__u32	total_retrans;
	__u64	segs_in;
	__u64	segs_out;
	__u64	bytes_acked;
	__u64	bytes_received;
	/* congestion control; appended, so older binaries read the above */
	__u32	snd_cwnd;	/* congestion window, segments */
	__u32	snd_ssthresh;	/* segments; 0x7fffffff until a loss */
	__u8	ca_state;	/* TTP_CA_OPEN, ... */
	__u8	__pad1[3];
	__u32	sacked;		/* segments the peer selectively acknowledged */
	__u32	lost;		/* segments presumed lost, to send again */
	__u8	options;	/* TTP_INFO_OPT_* negotiated in the handshake */
	char	congestion[16];	/* the algorithm, as TTP_CONGESTION names it */
	__u8	__pad2[3];
};

/* struct ttp_info's ca_state: the congestion states, with TCP's numbers. */
enum ttp_ca_state {
	TTP_CA_OPEN = 0,	/* nothing lost */
	TTP_CA_DISORDER = 1,	/* duplicate ACKs, not yet a loss */
	TTP_CA_CWR = 2,		/* reducing for a congestion signal */
	TTP_CA_RECOVERY = 3,	/* fast recovery after three duplicate ACKs */
	TTP_CA_LOSS = 4,	/* after a retransmission timeout */
};

/* struct ttp_info's options */
#define TTP_INFO_OPT_SACK	1
#define TTP_INFO_OPT_TIMESTAMPS	2
#define TTP_INFO_OPT_WSCALE	4

#endif /* _UAPI_LINUX_TTP_H */
