/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time-sequence graphs ("Stevens graphs", as tcptrace and Wireshark draw
 * them) of one connection: its data segments, the receiver's cumulative
 * ACK and window over time from /proc/net/ttp_trace, the ranges the
 * receiver SACKed from the ttp:ttp_sack tracepoint, and beneath them the
 * sender's cwnd and ssthresh from the ttp:ttp_cong tracepoint.
 *
 * Everything but plot_main() is a pure function of text, so that the
 * host-side tests can feed it fixtures; the SVG is the same for the same
 * input, byte for byte.
 */
#ifndef TTPSTAT_PLOT_H
#define TTPSTAT_PLOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "procfs.h"

/* ssthresh before the first loss: the tracepoint's "none yet" */
#define PLOT_SSTHRESH_NONE	2147483647u

/* the most SACK blocks an ACK carries, and a ttp_sack event */
#define PLOT_MAX_SACKS		4

enum plot_event_kind {
	PLOT_EV_CONG,		/* ttp_cong: cwnd, ssthresh or state changed */
	PLOT_EV_SACK,		/* ttp_sack: an ACK's SACK blocks */
};

/* One ttp:ttp_cong or ttp:ttp_sack event: a line of tracefs' trace file. */
struct plot_event {
	enum plot_event_kind kind;
	int64_t time_us;		/* the trace clock, in microseconds */
	char src[TTP_ADDR_LEN];		/* saddr:sport, the socket's own end */
	char dst[TTP_ADDR_LEN];
	uint32_t snd_una;
	/* ttp_cong */
	uint32_t snd_nxt;
	uint32_t cwnd;			/* segments */
	uint32_t ssthresh;		/* segments, or PLOT_SSTHRESH_NONE */
	unsigned int ca_state;
	/* ttp_sack: absolute sequence numbers */
	unsigned int nsacks;
	uint32_t sack_start[PLOT_MAX_SACKS];
	uint32_t sack_end[PLOT_MAX_SACKS];
};

/*
 * One line of the trace file: 0 for a ttp_cong or ttp_sack event, 1 for
 * any other line (comments, other events), -1 for one of those two that
 * does not parse.
 */
int plot_parse_event(const char *line, struct plot_event *ev);

/* The ring's lines, parsed into *segs (malloc'd): their count, or -1. */
int plot_read_ring(FILE *f, struct ttp_segment **segs);

/* The events among a trace's lines, into *ev: the count, or -1. */
int plot_read_events(FILE *f, struct plot_event **ev);

/* How the tracepoint's clock relates to the ring's (ktime_get: mono). */
enum plot_clock {
	PLOT_CLOCK_AUTO,	/* decide from the events and the ring */
	PLOT_CLOCK_SAME,	/* trace_clock mono: the same clock */
	PLOT_CLOCK_FIRST,	/* unknown: align the first events */
};

struct plot_options {
	int port;		/* the connection: this port at either end */
	int wscale;		/* the receiver's window scale; -1: infer */
	enum plot_clock clock;
};

/* A data segment the sender sent, at a time relative to the first record. */
struct plot_tx {
	int64_t t_us;
	uint32_t seq;		/* relative to the sender's ISN */
	uint32_t len;
	bool retrans;		/* some of its bytes had been sent before */
	bool lost;		/* dropped, or never seen arriving */
};

/* A range the receiver SACKed, relative, as the sender learnt it at t_us. */
struct plot_sack {
	int64_t t_us;
	uint32_t start;
	uint32_t end;
};

/* A point of a step line: from t_us on the value is v. */
struct plot_point {
	int64_t t_us;
	uint32_t v;
};

struct plot {
	char sender[TTP_ADDR_LEN];
	char receiver[TTP_ADDR_LEN];
	uint32_t isn;			/* base of the relative numbers */
	int64_t t_end_us;		/* the last record of the connection */

	struct plot_tx *tx;
	int ntx;
	int nretrans;
	int nlost;

	struct plot_point *ack;		/* cumulative ACK at the sender */
	struct plot_point *win;		/* ack + scaled window */
	int nack;
	int wscale;
	bool wscale_inferred;

	struct plot_sack *sack;		/* from the ttp_sack events */
	int nsack;

	struct plot_point *cwnd;	/* from the events, segments */
	struct plot_point *ssthresh;	/* v PLOT_SSTHRESH_NONE: not set */
	int ncong;
	enum plot_clock clock;		/* as resolved: SAME or FIRST */
};

/*
 * The plot of the connection with o->port at one end (the one that carried
 * the most data when several did), from the ring's segments and the
 * events (ev may be NULL).  Returns 0, or -1 with a reason in err.
 */
int plot_build(struct plot *p, const struct ttp_segment *segs, int nsegs,
	       const struct plot_event *ev, int nev,
	       const struct plot_options *o, char *err, size_t errsize);
void plot_free(struct plot *p);

void plot_print_svg(FILE *f, const struct plot *p);

/* "ttpstat plot PORT --svg FILE ...": argv[0] is "plot". */
int plot_main(int argc, char **argv, const char *proc_dir);

#endif
