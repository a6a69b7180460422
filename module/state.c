// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: the connection state machine, in one table.
 *
 * Each row is a state, each column an event: the entry gives the next state,
 * the control segment to send and the error the application sees.  An empty
 * entry means the event does not move the connection in that state; the
 * caller drops or answers such a segment by the rules of RFC 9293 3.10.7.
 *
 * ttp_fsm_step() also keeps the sequence numbers that SYN and FIN consume,
 * so the segments it asks for carry their final seq and ack.  It touches
 * nothing but a struct ttp_fsm, which lets KUnit drive it without sockets.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <net/tcp.h>
#include <kunit/visibility.h>

#include "state.h"

enum ttp_fsm_err {
	TTP_ERR_NONE,
	TTP_ERR_REFUSED,
	TTP_ERR_RESET,
	TTP_ERR_PIPE,
	TTP_ERR_TIMEDOUT,
};

static const int ttp_fsm_errno[] = {
	[TTP_ERR_NONE]		= 0,
	[TTP_ERR_REFUSED]	= -ECONNREFUSED,
	[TTP_ERR_RESET]		= -ECONNRESET,
	[TTP_ERR_PIPE]		= -EPIPE,
	[TTP_ERR_TIMEDOUT]	= -ETIMEDOUT,
};

struct ttp_transition {
	u8	next;	/* 0: no transition */
	u8	send;	/* TCPHDR_* */
	u8	err;	/* enum ttp_fsm_err */
};

#define SYN	TCPHDR_SYN
#define ACK	TCPHDR_ACK
#define FIN	TCPHDR_FIN
#define RST	TCPHDR_RST
#define GO(state, flags, error)	{ TCP_##state, flags, TTP_ERR_##error }

static const struct ttp_transition ttp_fsm_table[TCP_MAX_STATES][TTP_EV_MAX] = {
	[TCP_CLOSE] = {
		[TTP_EV_CONNECT]		= GO(SYN_SENT, SYN, NONE),
		[TTP_EV_LISTEN]			= GO(LISTEN, 0, NONE),
	},
	[TCP_LISTEN] = {
		[TTP_EV_RCV_SYN]		= GO(SYN_RECV, SYN | ACK, NONE),
		[TTP_EV_CLOSE]			= GO(CLOSE, 0, NONE),
		[TTP_EV_ABORT]			= GO(CLOSE, 0, NONE),
	},
	[TCP_SYN_SENT] = {
		[TTP_EV_RCV_SYNACK]		= GO(ESTABLISHED, ACK, NONE),
		/* simultaneous open */
		[TTP_EV_RCV_SYN]		= GO(SYN_RECV, SYN | ACK, NONE),
		[TTP_EV_RCV_RST]		= GO(CLOSE, 0, REFUSED),
		[TTP_EV_CLOSE]			= GO(CLOSE, 0, NONE),
		[TTP_EV_ABORT]			= GO(CLOSE, 0, NONE),
		[TTP_EV_GIVE_UP]		= GO(CLOSE, 0, TIMEDOUT),
	},
	[TCP_SYN_RECV] = {
		[TTP_EV_RCV_ACK_OF_SYN]		= GO(ESTABLISHED, 0, NONE),
		[TTP_EV_RCV_FIN]		= GO(CLOSE_WAIT, ACK, NONE),
		[TTP_EV_CLOSE]			= GO(FIN_WAIT1, FIN | ACK, NONE),
		[TTP_EV_RCV_RST]		= GO(CLOSE, 0, REFUSED),
		[TTP_EV_ABORT]			= GO(CLOSE, RST | ACK, NONE),
		[TTP_EV_GIVE_UP]		= GO(CLOSE, 0, TIMEDOUT),
	},
	[TCP_ESTABLISHED] = {
		[TTP_EV_CLOSE]			= GO(FIN_WAIT1, FIN | ACK, NONE),
		[TTP_EV_RCV_FIN]		= GO(CLOSE_WAIT, ACK, NONE),
		[TTP_EV_RCV_RST]		= GO(CLOSE, 0, RESET),
		[TTP_EV_ABORT]			= GO(CLOSE, RST | ACK, NONE),
		[TTP_EV_GIVE_UP]		= GO(CLOSE, 0, TIMEDOUT),
		/* as tcp_keepalive_timer(): the peer is gone, tell it with a RST */
		[TTP_EV_KEEPALIVE_GIVE_UP]	= GO(CLOSE, RST | ACK, TIMEDOUT),
	},
	[TCP_FIN_WAIT1] = {
		[TTP_EV_RCV_ACK_OF_FIN]		= GO(FIN_WAIT2, 0, NONE),
		/* simultaneous close */
		[TTP_EV_RCV_FIN]		= GO(CLOSING, ACK, NONE),
		/* the peer's ACK and FIN in one segment: FIN_WAIT_2 skipped */
		[TTP_EV_RCV_FIN_ACK_OF_FIN]	= GO(TIME_WAIT, ACK, NONE),
		[TTP_EV_RCV_RST]		= GO(CLOSE, 0, RESET),
		[TTP_EV_ABORT]			= GO(CLOSE, RST | ACK, NONE),
		[TTP_EV_GIVE_UP]		= GO(CLOSE, 0, TIMEDOUT),
		/* an orphan that holds what others need: reset it */
		[TTP_EV_ORPHAN_DROP]		= GO(CLOSE, RST | ACK, NONE),
		/* data after close(): a RST, and ECONNRESET, as tcp_reset() */
		[TTP_EV_RCV_DATA_AFTER_CLOSE]	= GO(CLOSE, RST | ACK, RESET),
	},
	[TCP_FIN_WAIT2] = {
		[TTP_EV_RCV_FIN]		= GO(TIME_WAIT, ACK, NONE),
		[TTP_EV_RCV_RST]		= GO(CLOSE, 0, RESET),
		[TTP_EV_ABORT]			= GO(CLOSE, RST | ACK, NONE),
		/* as tcp_keepalive_timer(): give up on the peer with a RST */
		[TTP_EV_FIN_WAIT2_TIMEOUT]	= GO(CLOSE, RST | ACK, NONE),
		/* an orphan that holds what others need: reset it */
		[TTP_EV_ORPHAN_DROP]		= GO(CLOSE, RST | ACK, NONE),
		/* as tcp_keepalive_timer(): the peer is gone, tell it with a RST */
		[TTP_EV_KEEPALIVE_GIVE_UP]	= GO(CLOSE, RST | ACK, TIMEDOUT),
		/* data after close(): a RST, and ECONNRESET, as tcp_reset() */
		[TTP_EV_RCV_DATA_AFTER_CLOSE]	= GO(CLOSE, RST | ACK, RESET),
	},
	[TCP_CLOSE_WAIT] = {
		[TTP_EV_CLOSE]			= GO(LAST_ACK, FIN | ACK, NONE),
		/* a retransmitted FIN: acknowledge it again */
		[TTP_EV_RCV_FIN]		= GO(CLOSE_WAIT, ACK, NONE),
		/* as tcp_reset(): EOF was already read, writes fail */
		[TTP_EV_RCV_RST]		= GO(CLOSE, 0, PIPE),
		[TTP_EV_ABORT]			= GO(CLOSE, RST | ACK, NONE),
		[TTP_EV_GIVE_UP]		= GO(CLOSE, 0, TIMEDOUT),
		/* as tcp_keepalive_timer(): the peer is gone, tell it with a RST */
		[TTP_EV_KEEPALIVE_GIVE_UP]	= GO(CLOSE, RST | ACK, TIMEDOUT),
	},
	[TCP_CLOSING] = {
		[TTP_EV_RCV_ACK_OF_FIN]		= GO(TIME_WAIT, 0, NONE),
		[TTP_EV_RCV_FIN]		= GO(CLOSING, ACK, NONE),
		[TTP_EV_RCV_RST]		= GO(CLOSE, 0, RESET),
		[TTP_EV_GIVE_UP]		= GO(CLOSE, 0, TIMEDOUT),
		/* an orphan that holds what others need: reset it */
		[TTP_EV_ORPHAN_DROP]		= GO(CLOSE, RST | ACK, NONE),
	},
	[TCP_LAST_ACK] = {
		[TTP_EV_RCV_ACK_OF_FIN]		= GO(CLOSE, 0, NONE),
		[TTP_EV_RCV_FIN]		= GO(LAST_ACK, ACK, NONE),
		[TTP_EV_RCV_RST]		= GO(CLOSE, 0, RESET),
		[TTP_EV_GIVE_UP]		= GO(CLOSE, 0, TIMEDOUT),
		/* an orphan that holds what others need: reset it */
		[TTP_EV_ORPHAN_DROP]		= GO(CLOSE, RST | ACK, NONE),
	},
	[TCP_TIME_WAIT] = {
		/* the last ACK was lost: ACK again (and restart 2 * MSL) */
		[TTP_EV_RCV_FIN]		= GO(TIME_WAIT, ACK, NONE),
		[TTP_EV_TIME_WAIT_DONE]		= GO(CLOSE, 0, NONE),
		/* as Linux without tcp_rfc1337: a RST ends TIME_WAIT */
		[TTP_EV_RCV_RST]		= GO(CLOSE, 0, NONE),
	},
};

static const char * const ttp_event_names[TTP_EV_MAX] = {
	[TTP_EV_CONNECT]		= "connect",
	[TTP_EV_LISTEN]			= "listen",
	[TTP_EV_CLOSE]			= "close",
	[TTP_EV_ABORT]			= "abort",
	[TTP_EV_RCV_SYN]		= "rcv SYN",
	[TTP_EV_RCV_SYNACK]		= "rcv SYN+ACK",
	[TTP_EV_RCV_ACK_OF_SYN]		= "rcv ACK of SYN",
	[TTP_EV_RCV_FIN]		= "rcv FIN",
	[TTP_EV_RCV_ACK_OF_FIN]		= "rcv ACK of FIN",
	[TTP_EV_RCV_FIN_ACK_OF_FIN]	= "rcv FIN+ACK of FIN",
	[TTP_EV_RCV_RST]		= "rcv RST",
	[TTP_EV_GIVE_UP]		= "give up",
	[TTP_EV_TIME_WAIT_DONE]		= "TIME_WAIT done",
	[TTP_EV_FIN_WAIT2_TIMEOUT]	= "FIN_WAIT_2 timeout",
	[TTP_EV_ORPHAN_DROP]		= "orphan drop",
	[TTP_EV_KEEPALIVE_GIVE_UP]	= "keepalive give up",
	[TTP_EV_RCV_DATA_AFTER_CLOSE]	= "rcv data after close",
};

const char *ttp_event_name(enum ttp_event ev)
{
	return ev < TTP_EV_MAX ? ttp_event_names[ev] : "unknown";
}
EXPORT_SYMBOL_IF_KUNIT(ttp_event_name);

/*
 * Apply event ev to f.  seq is the sequence number of the SYN or FIN that
 * arrived, for the RCV_SYN* and RCV_FIN* events.  Returns -EINVAL, leaving
 * f alone, when ev does not apply in f->state.
 */
int ttp_fsm_step(struct ttp_fsm *f, enum ttp_event ev, u32 seq,
		 struct ttp_fsm_out *out)
{
	const struct ttp_transition *t;

	if (f->state >= TCP_MAX_STATES || ev >= TTP_EV_MAX)
		return -EINVAL;
	t = &ttp_fsm_table[f->state][ev];
	if (!t->next)
		return -EINVAL;

	switch (ev) {
	case TTP_EV_CONNECT:
		f->snd_una = f->iss;
		f->snd_nxt = f->iss;
		break;
	case TTP_EV_RCV_SYN:
		f->rcv_nxt = seq + 1;
		/* after our own SYN (simultaneous open) it is sent again */
		f->snd_una = f->iss;
		f->snd_nxt = f->iss;
		break;
	case TTP_EV_RCV_SYNACK:
		f->rcv_nxt = seq + 1;
		f->snd_una = f->snd_nxt;
		break;
	case TTP_EV_RCV_ACK_OF_SYN:
	case TTP_EV_RCV_ACK_OF_FIN:
		f->snd_una = f->snd_nxt;
		break;
	case TTP_EV_RCV_FIN_ACK_OF_FIN:
		f->snd_una = f->snd_nxt;
		fallthrough;
	case TTP_EV_RCV_FIN:
		/* a retransmitted FIN was counted already */
		if (seq == f->rcv_nxt)
			f->rcv_nxt++;
		break;
	default:
		break;
	}

	out->flags = t->send;
	out->seq = f->snd_nxt;
	out->ack = t->send & ACK ? f->rcv_nxt : 0;
	out->err = ttp_fsm_errno[t->err];
	/* SYN and FIN each take one sequence number */
	if (t->send & (SYN | FIN))
		f->snd_nxt++;
	f->state = t->next;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ttp_fsm_step);
