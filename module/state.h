/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TTP: the connection state machine (RFC 9293 3.3.2 and 3.10).
 */
#ifndef _TTP_STATE_H
#define _TTP_STATE_H

#include <linux/types.h>

/* What moves a connection from one state to another. */
enum ttp_event {
	TTP_EV_CONNECT,			/* connect(): active open */
	TTP_EV_LISTEN,			/* listen(): passive open */
	TTP_EV_CLOSE,			/* close() or shutdown(SHUT_WR) */
	TTP_EV_ABORT,			/* close() with unread data, SO_LINGER 0 */
	TTP_EV_RCV_SYN,			/* a SYN without ACK */
	TTP_EV_RCV_SYNACK,		/* a SYN that acknowledges ours */
	TTP_EV_RCV_ACK_OF_SYN,		/* an ACK that covers our SYN */
	TTP_EV_RCV_FIN,			/* a FIN, in order */
	TTP_EV_RCV_ACK_OF_FIN,		/* an ACK that covers our FIN */
	TTP_EV_RCV_FIN_ACK_OF_FIN,	/* a FIN that also covers ours */
	TTP_EV_RCV_RST,			/* an acceptable RST */
	TTP_EV_GIVE_UP,			/* syn_retries or retries ran out */
	TTP_EV_TIME_WAIT_DONE,		/* 2 * MSL have passed */
	TTP_EV_FIN_WAIT2_TIMEOUT,	/* an orphan waited fin_wait2_timeout_ms */
	TTP_EV_ORPHAN_DROP,		/* too many orphans, or one that stalls */
	TTP_EV_KEEPALIVE_GIVE_UP,	/* keepalive probes went unanswered */
	TTP_EV_RCV_DATA_AFTER_CLOSE,	/* new data that no one will read */
	TTP_EV_MAX
};

/* The part of a connection that the state machine reads and moves. */
struct ttp_fsm {
	u8	state;		/* TCP_ESTABLISHED ... TCP_CLOSING */
	u32	iss;		/* our initial sequence number */
	u32	snd_una;	/* oldest unacknowledged sequence number */
	u32	snd_nxt;	/* next sequence number to send */
	u32	rcv_nxt;	/* next sequence number expected */
};

/* The control segment a step asks to send, and the error it reports. */
struct ttp_fsm_out {
	u8	flags;		/* TCPHDR_*; 0: send nothing */
	u32	seq;
	u32	ack;
	int	err;		/* 0, -ECONNREFUSED, -ECONNRESET, -EPIPE, -ETIMEDOUT */
};

const char *ttp_event_name(enum ttp_event ev);
int ttp_fsm_step(struct ttp_fsm *f, enum ttp_event ev, u32 seq,
		 struct ttp_fsm_out *out);

#endif /* _TTP_STATE_H */
