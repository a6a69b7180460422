/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ladder diagrams: the segments of /proc/net/ttp_trace grouped by
 * connection, each as an arrow between the two ends, with the state each
 * end is in after it, the way textbooks draw a handshake and a teardown.
 *
 * The trace has no states; they are worked out from the segments with the
 * rules of RFC 9293 (a SYN sent: SYN_SENT; our FIN acknowledged in
 * FIN_WAIT_1: FIN_WAIT_2; and so on), from what each end was seen to send
 * and to receive.
 */
#ifndef TTPSTAT_LADDER_H
#define TTPSTAT_LADDER_H

#include <stdbool.h>
#include <stdio.h>

#include "procfs.h"

struct ladder_end {
	char addr[TTP_ADDR_LEN];
	char state[16];
	uint32_t isn;		/* base of relative sequence numbers */
	bool has_isn;
	bool passive;		/* began in LISTEN */
	bool fin_sent;
	uint32_t fin_seq;
	uint32_t rcv_nxt;
	bool has_rcv_nxt;
};

struct ladder_arrow {
	struct ttp_segment seg;
	bool from_left;
	bool lost;		/* dropped on the way, or never seen arriving */
	bool seen_in;		/* its arrival was recorded */
	int sent_at, rcvd_at;	/* when, in the order of the records */
	char left_state[16];	/* "" when the state did not change */
	char right_state[16];
};

struct ladder_conn {
	struct ladder_end end[2];		/* [0] left, [1] right */
	char initial[2][16];
	struct ladder_arrow *arrows;
	int narrows;
	int cap;
};

struct ladder {
	struct ladder_conn *conns;
	int nconns;
};

/*
 * Group segs into connections; with port >= 0 only those with that port at
 * either end.  On loopback a segment is recorded leaving and arriving: the
 * two records make one arrow.
 */
int ladder_build(struct ladder *l, const struct ttp_segment *segs, int nsegs,
		 int port);
void ladder_free(struct ladder *l);

/*
 * The label of an arrow: "S. seq=0 ack=1 len=0" (relative or absolute),
 * then the options if the segment came from a capture: "sackOK",
 * "ts=TSVAL/TSECR" and "sack=START-END,..." in the ACK's numbers.
 */
void ladder_label(const struct ladder_conn *c, const struct ladder_arrow *a,
		  bool absolute, char *buf, size_t size);

void ladder_print_text(FILE *f, const struct ladder *l, bool absolute);
void ladder_print_svg(FILE *f, const struct ladder *l, bool absolute);
void ladder_print_json(FILE *f, const struct ladder *l, bool absolute);

#endif
