// SPDX-License-Identifier: GPL-2.0
/*
 * Time-sequence graphs of /proc/net/ttp_trace, ttp:ttp_cong and
 * ttp:ttp_sack: picking the connection and its data sender, working out
 * what the trace does not say (retransmissions, losses, the window scale,
 * how the two clocks relate), and drawing it as SVG.
 *
 * The ring records the header's fixed fields only, not its options: the
 * ranges a receiver SACKed come from the sender's ttp_sack events, drawn
 * at the time the sender took them in.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PLOT_MAX_WSCALE	14	/* RFC 7323 2.3 */
/*
 * A segment and the event it causes are recorded a moment apart (the ring
 * at the netfilter hook, the tracepoint when the socket has sent or
 * processed it): how far apart they may be on one clock.
 */
#define PLOT_SLACK_US	2000
/* an arrival is looked for this far on in the ring */
#define PLOT_MATCH_SPAN	4096

/* RFC 1982 order of sequence numbers */
static bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static uint32_t seq_max(uint32_t a, uint32_t b)
{
	return seq_before(a, b) ? b : a;
}

/* An array of n zeroed elements, one at least. */
static void *zalloc_array(int n, size_t size)
{
	return calloc(n > 0 ? n : 1, size);
}

static bool is_syn(const struct ttp_segment *s)
{
	return ttp_seg_has(s, 'S') && !ttp_seg_has(s, '.');
}

/* ---- the tracepoint's lines ------------------------------------------ */

/*
 * "12345.678901" in microseconds, exactly: a double would round.  A clock
 * that prints no fraction (counter, x86-tsc) is taken as seconds.
 */
static int64_t parse_time_us(const char *p)
{
	int64_t us = strtoll(p, (char **)&p, 10) * 1000000;
	int64_t unit = 100000;

	if (*p++ != '.')
		return us;
	for (; *p >= '0' && *p <= '9' && unit; p++, unit /= 10)
		us += (*p - '0') * unit;
	return us;
}

/* A ttp_sack event's fields after its four-tuple and snd_una. */
static int parse_sack_fields(const char *p, struct plot_event *ev)
{
	int i, used;

	if (sscanf(p, " num=%u sack=%n", &ev->nsacks, &used) != 1 ||
	    ev->nsacks < 1 || ev->nsacks > PLOT_MAX_SACKS)
		return -1;
	p += used;
	for (i = 0; i < PLOT_MAX_SACKS; i++) {
		if (sscanf(p, i ? ",%u-%u%n" : "%u-%u%n", &ev->sack_start[i],
			   &ev->sack_end[i], &used) != 2)
			return -1;
		p += used;
	}
	return 0;
}

int plot_parse_event(const char *line, struct plot_event *ev)
{
	static const char cong_tag[] = ": ttp_cong: ";
	static const char sack_tag[] = ": ttp_sack: ";
	const char *at = strstr(line, cong_tag), *p;
	char saddr[16], daddr[16];
	unsigned int sport, dport;
	int used = 0;

	memset(ev, 0, sizeof(*ev));
	if (!at) {
		at = strstr(line, sack_tag);
		ev->kind = PLOT_EV_SACK;
	}
	if (!at || line[0] == '#')
		return 1;
	/* the timestamp is the word just before the event's name */
	for (p = at; p > line && p[-1] != ' '; p--)
		;
	ev->time_us = parse_time_us(p);
	p = at + strlen(ev->kind == PLOT_EV_SACK ? sack_tag : cong_tag);
	if (sscanf(p, "saddr=%15s sport=%u daddr=%15s dport=%u snd_una=%u%n",
		   saddr, &sport, daddr, &dport, &ev->snd_una, &used) != 5 ||
	    sport > 65535 || dport > 65535)
		return -1;
	p += used;
	if (ev->kind == PLOT_EV_SACK ? parse_sack_fields(p, ev) :
	    sscanf(p, " snd_nxt=%u snd_cwnd=%u ssthresh=%u ca_state=%u",
		   &ev->snd_nxt, &ev->cwnd, &ev->ssthresh,
		   &ev->ca_state) != 4)
		return -1;
	snprintf(ev->src, sizeof(ev->src), "%s:%u", saddr, sport);
	snprintf(ev->dst, sizeof(ev->dst), "%s:%u", daddr, dport);
	return 0;
}

/* ---- which connection, which direction -------------------------------- */

struct plot_conn {
	char addr[2][TTP_ADDR_LEN];	/* [0] the source of its first record */
	bool has_syn[2];
	uint32_t syn_seq[2];
	uint64_t bytes;
};

/*
 * The connection of seg among conns, with its side (0 or 1), or -1.  A SYN
 * with a new sequence number on a 4-tuple starts a new connection, as in
 * the ladder.
 */
static int find_conn(const struct plot_conn *conns, int nconns,
		     const struct ttp_segment *seg, int *side)
{
	int i;

	for (i = nconns - 1; i >= 0; i--) {
		const struct plot_conn *c = &conns[i];

		if (!strcmp(c->addr[0], seg->src) &&
		    !strcmp(c->addr[1], seg->dst))
			*side = 0;
		else if (!strcmp(c->addr[1], seg->src) &&
			 !strcmp(c->addr[0], seg->dst))
			*side = 1;
		else
			continue;
		if (is_syn(seg) && c->has_syn[*side] &&
		    c->syn_seq[*side] != seg->seq)
			return -1;
		return i;
	}
	return -1;
}

/*
 * Number each record of port's connections (conn_of[i], -1 for others) and
 * return the connection that carried the most payload, or -1 for none.
 */
static int pick_conn(const struct ttp_segment *segs, int nsegs, int port,
		     int *conn_of)
{
	struct plot_conn *conns = NULL;
	int i, nconns = 0, best = -1;

	for (i = 0; i < nsegs; i++)
		conn_of[i] = -1;
	for (i = 0; i < nsegs; i++) {
		const struct ttp_segment *s = &segs[i];
		int side, c;

		if (ttp_addr_port(s->src) != port &&
		    ttp_addr_port(s->dst) != port)
			continue;
		c = find_conn(conns, nconns, s, &side);
		if (c < 0) {
			struct plot_conn *grown;

			grown = realloc(conns, (nconns + 1) * sizeof(*grown));
			if (!grown)
				break;
			conns = grown;
			c = nconns++;
			memset(&conns[c], 0, sizeof(conns[c]));
			strcpy(conns[c].addr[0], s->src);
			strcpy(conns[c].addr[1], s->dst);
			side = 0;
		}
		if (is_syn(s)) {
			conns[c].has_syn[side] = true;
			conns[c].syn_seq[side] = s->seq;
		}
		conns[c].bytes += s->len;
		conn_of[i] = c;
	}
	for (i = 0; i < nconns; i++)
		if (best < 0 || conns[i].bytes > conns[best].bytes)
			best = i;
	if (best >= 0 && !conns[best].bytes)
		best = -1;
	free(conns);
	return best;
}

/* ---- what the sender sent ---------------------------------------------- */

static bool same_record(const struct ttp_segment *a,
			const struct ttp_segment *b)
{
	return a->seq == b->seq && a->ack == b->ack && a->len == b->len &&
	       a->win == b->win && !strcmp(a->flags, b->flags) &&
	       !strcmp(a->src, b->src) && !strcmp(a->dst, b->dst);
}

/*
 * Did the departure segs[idx[k]] arrive?  Its arrival is the next "in"
 * record like it, unless a departure like it (a retransmission with the
 * same header) comes first: then this one was lost on the way, as a
 * segment netem drops is (the hook saw it leave, never arrive).
 */
static bool arrived(const struct ttp_segment *segs, const int *idx, int n,
		    int k)
{
	const struct ttp_segment *out = &segs[idx[k]];
	int j;

	for (j = k + 1; j < n && j <= k + PLOT_MATCH_SPAN; j++) {
		const struct ttp_segment *s = &segs[idx[j]];

		if (!same_record(s, out))
			continue;
		if (s->out)
			return false;
		return !s->dropped;
	}
	return false;
}

/* Is there a record from addr in direction out (and with data if asked)? */
static bool any_record(const struct ttp_segment *segs, const int *idx, int n,
		       const char *addr, bool out, bool data)
{
	int k;

	for (k = 0; k < n; k++) {
		const struct ttp_segment *s = &segs[idx[k]];

		if (!strcmp(s->src, addr) && s->out == out && (!data || s->len))
			return true;
	}
	return false;
}

/* An ACK the sender received, before the window scale is known. */
struct plot_ack {
	int64_t t_us;
	int order;		/* position among the connection's records */
	uint32_t ack;		/* relative */
	uint32_t win;		/* the raw header field */
	bool syn;		/* a SYN's window is never scaled */
};

/* the working state of plot_build() */
struct plot_work {
	const struct ttp_segment *segs;
	int *idx;		/* the connection's records, in ring order */
	int n;
	int64_t t0_us;		/* the ring's time of its first record */
	bool tx_out;		/* transmissions are "out" records */
	bool ack_in;		/* ACKs are "in" records */
	int *tx_order;		/* position of each p->tx in idx */
	struct plot_ack *acks;
	int nacks;
};

/*
 * The sender's data segments: where it was seen leaving, or on a trace of
 * the receiver's end only, arriving.  On loopback each has both records.
 */
static int collect_tx(struct plot *p, struct plot_work *w)
{
	bool seen_in = any_record(w->segs, w->idx, w->n, p->sender, false,
				  false);
	uint32_t high = 0;
	bool any = false;
	int k;

	w->tx_out = any_record(w->segs, w->idx, w->n, p->sender, true, true);
	p->tx = zalloc_array(w->n, sizeof(*p->tx));
	w->tx_order = zalloc_array(w->n, sizeof(*w->tx_order));
	if (!p->tx || !w->tx_order)
		return -1;
	for (k = 0; k < w->n; k++) {
		const struct ttp_segment *s = &w->segs[w->idx[k]];
		struct plot_tx *tx = &p->tx[p->ntx];

		if (strcmp(s->src, p->sender) || !s->len || s->out != w->tx_out)
			continue;
		tx->t_us = s->time_us - w->t0_us;
		tx->seq = s->seq - p->isn;
		tx->len = s->len;
		tx->retrans = any && seq_before(tx->seq, high);
		tx->lost = s->dropped ||
			   (s->out && seen_in &&
			    !arrived(w->segs, w->idx, w->n, k));
		high = any ? seq_max(high, tx->seq + tx->len) :
			     tx->seq + tx->len;
		any = true;
		p->nretrans += tx->retrans;
		p->nlost += tx->lost;
		w->tx_order[p->ntx++] = k;
	}
	return 0;
}

/*
 * The receiver's ACKs as the sender got them (its "in" records), or as the
 * receiver sent them on a trace of its end only.  An ACK older than one
 * already seen (reordered on the way) says nothing new and is left out.
 */
static int collect_acks(const struct plot *p, struct plot_work *w)
{
	uint32_t last = 0;
	int k;

	w->ack_in = any_record(w->segs, w->idx, w->n, p->receiver, false,
			       false);
	w->acks = zalloc_array(w->n, sizeof(*w->acks));
	if (!w->acks)
		return -1;
	for (k = 0; k < w->n; k++) {
		const struct ttp_segment *s = &w->segs[w->idx[k]];
		struct plot_ack *a = &w->acks[w->nacks];

		if (strcmp(s->src, p->receiver) || !ttp_seg_has(s, '.') ||
		    s->out == w->ack_in || s->dropped)
			continue;
		if (w->nacks && seq_before(s->ack - p->isn, last))
			continue;
		a->t_us = s->time_us - w->t0_us;
		a->order = k;
		a->ack = s->ack - p->isn;
		a->win = s->win;
		a->syn = ttp_seg_has(s, 'S');
		last = a->ack;
		w->nacks++;
	}
	return 0;
}

/* ---- the window scale ---------------------------------------------------- */

static uint32_t window_edge(const struct plot_ack *a, int wscale)
{
	return a->ack + (a->syn ? a->win : a->win << wscale);
}

/*
 * How many data segments went beyond the right edge of the window the
 * sender had been offered by then, were the scale wscale.  A sender keeps
 * within the window, but for zero-window probes.
 */
static int window_violations(const struct plot *p, const struct plot_work *w,
			     int wscale)
{
	int i, j = 0, bad = 0;
	bool has_edge = false;
	uint32_t edge = 0;

	for (i = 0; i < p->ntx; i++) {
		const struct plot_tx *tx = &p->tx[i];

		for (; j < w->nacks && w->acks[j].order < w->tx_order[i]; j++) {
			uint32_t e = window_edge(&w->acks[j], wscale);

			edge = has_edge ? seq_max(edge, e) : e;
			has_edge = true;
		}
		if (has_edge && seq_before(edge, tx->seq + tx->len))
			bad++;
	}
	return bad;
}

/*
 * The ring has the raw window field but not the SYN's options, so the
 * scale is not in it.  Unless given, it is the smallest that keeps every
 * segment within the window (or as many as any scale does): a lower bound
 * on the real one.
 */
static int infer_wscale(const struct plot *p, const struct plot_work *w)
{
	int s, best = 0, best_bad = -1;

	for (s = 0; s <= PLOT_MAX_WSCALE; s++) {
		int bad = window_violations(p, w, s);

		if (best_bad < 0 || bad < best_bad) {
			best = s;
			best_bad = bad;
		}
	}
	return best;
}

static int build_ack_lines(struct plot *p, const struct plot_work *w)
{
	int i;

	p->ack = zalloc_array(w->nacks, sizeof(*p->ack));
	p->win = zalloc_array(w->nacks, sizeof(*p->win));
	if (!p->ack || !p->win)
		return -1;
	for (i = 0; i < w->nacks; i++) {
		p->ack[i] = (struct plot_point){ w->acks[i].t_us,
						  w->acks[i].ack };
		p->win[i] = (struct plot_point){
			w->acks[i].t_us, window_edge(&w->acks[i], p->wscale) };
	}
	p->nack = w->nacks;
	return 0;
}

/* ---- the two clocks --------------------------------------------------- */

/*
 * The highest relative sequence number the sender had sent by ring time
 * t_us; acked_by(): the highest acknowledged.
 */
static uint32_t sent_by(const struct plot *p, const struct plot_work *w,
			int64_t t_us)
{
	uint32_t high = 0;
	int k;

	for (k = 0; k < w->n; k++) {
		const struct ttp_segment *s = &w->segs[w->idx[k]];
		uint32_t end;

		if ((int64_t)s->time_us - w->t0_us > t_us)
			break;
		if (strcmp(s->src, p->sender) || s->out != w->tx_out)
			continue;
		end = s->seq - p->isn + s->len + ttp_seg_has(s, 'S') +
		      ttp_seg_has(s, 'F');
		high = seq_max(high, end);
	}
	return high;
}

static uint32_t acked_by(const struct plot_work *w, int64_t t_us)
{
	uint32_t high = 0;
	int i;

	for (i = 0; i < w->nacks && w->acks[i].t_us <= t_us; i++)
		high = seq_max(high, w->acks[i].ack);
	return high;
}

/*
 * Events that cannot be where offset_us puts them on the ring's time: the
 * sender's SND.NXT beyond all it had sent by then or short of what it had
 * sent well before (SND.NXT never goes back), or SND.UNA beyond all that
 * had been acknowledged.  Not "SND.UNA behind an ACK that had arrived":
 * an ACK that finds the socket busy waits in its backlog, for ms on a slow
 * machine.
 */
static int clock_violations(const struct plot *p, const struct plot_work *w,
			    const struct plot_event *ev, int nev,
			    int64_t offset_us)
{
	int i, bad = 0;

	for (i = 0; i < nev; i++) {
		int64_t t = ev[i].time_us + offset_us;
		uint32_t una = ev[i].snd_una - p->isn;
		uint32_t nxt = ev[i].snd_nxt - p->isn;

		if (seq_before(acked_by(w, t + PLOT_SLACK_US), una))
			bad++;
		else if (ev[i].kind == PLOT_EV_CONG &&
			 (seq_before(sent_by(p, w, t + PLOT_SLACK_US), nxt) ||
			  seq_before(nxt, sent_by(p, w, t - PLOT_SLACK_US))))
			bad++;
	}
	return bad;
}

/*
 * The ring stamps with ktime_get (CLOCK_MONOTONIC), tracefs with its
 * trace_clock: the same clock when that is "mono", and then an event's
 * time is simply taken on the ring's.  Otherwise the two are lined up at
 * the connection's first record and its first event, which is only
 * roughly right: the first event (cwnd's first change, or the first SACK)
 * comes an RTT or so after the SYN.  Told neither, the clock is taken as the same when at
 * most one event in ten contradicts the sequence numbers on the ring.
 */
static int64_t event_offset(struct plot *p, const struct plot_work *w,
			    const struct plot_event *ev, int nev,
			    enum plot_clock clock)
{
	int64_t same = -w->t0_us, first = nev ? -ev[0].time_us : 0;

	if (clock == PLOT_CLOCK_AUTO)
		clock = clock_violations(p, w, ev, nev, same) <= nev / 10 ?
			PLOT_CLOCK_SAME : PLOT_CLOCK_FIRST;
	p->clock = clock;
	return clock == PLOT_CLOCK_SAME ? same : first;
}

/* ---- cwnd, ssthresh and SACKed ranges ----------------------------------- */

/* Does ev belong to the connection's data sender? */
static bool sender_event(const struct plot *p, const struct plot_event *ev)
{
	return !strcmp(ev->src, p->sender) && !strcmp(ev->dst, p->receiver);
}

/* The blocks of a ttp_sack event, relative, at t_us. */
static void add_sacks(struct plot *p, const struct plot_event *ev,
		      int64_t t_us)
{
	unsigned int i;

	for (i = 0; i < ev->nsacks; i++)
		p->sack[p->nsack++] = (struct plot_sack){
			t_us, ev->sack_start[i] - p->isn,
			ev->sack_end[i] - p->isn,
		};
}

static int build_event_lines(struct plot *p, const struct plot_work *w,
			     const struct plot_event *ev, int nev,
			     enum plot_clock clock)
{
	struct plot_event *mine;
	int64_t offset;
	int i, n = 0;

	mine = zalloc_array(nev, sizeof(*mine));
	p->cwnd = zalloc_array(nev, sizeof(*p->cwnd));
	p->ssthresh = zalloc_array(nev, sizeof(*p->ssthresh));
	p->sack = zalloc_array(nev * PLOT_MAX_SACKS, sizeof(*p->sack));
	if (!mine || !p->cwnd || !p->ssthresh || !p->sack) {
		free(mine);
		return -1;
	}
	for (i = 0; i < nev; i++)
		if (sender_event(p, &ev[i]))
			mine[n++] = ev[i];
	offset = event_offset(p, w, mine, n, clock);
	for (i = 0; i < n; i++) {
		int64_t t = mine[i].time_us + offset;

		/*
		 * On one clock, an event outside the connection's records is
		 * an earlier or later connection's on the same 4-tuple.
		 */
		if (p->clock == PLOT_CLOCK_SAME &&
		    (t < 0 || t > p->t_end_us + PLOT_SLACK_US))
			continue;
		if (mine[i].kind == PLOT_EV_SACK) {
			add_sacks(p, &mine[i], t);
			continue;
		}
		p->cwnd[p->ncong] = (struct plot_point){ t, mine[i].cwnd };
		p->ssthresh[p->ncong] =
			(struct plot_point){ t, mine[i].ssthresh };
		p->ncong++;
	}
	free(mine);
	return 0;
}

/* ---- building ------------------------------------------------------------ */

/* The sender: the end that sent more payload. */
static void pick_sender(struct plot *p, const struct plot_work *w)
{
	const struct ttp_segment *first = &w->segs[w->idx[0]];
	uint64_t from_first = 0, from_other = 0;
	int k;

	for (k = 0; k < w->n; k++) {
		const struct ttp_segment *s = &w->segs[w->idx[k]];

		if (!strcmp(s->src, first->src))
			from_first += s->len;
		else
			from_other += s->len;
	}
	strcpy(p->sender, from_first >= from_other ? first->src : first->dst);
	strcpy(p->receiver, from_first >= from_other ? first->dst : first->src);
}

/* The sender's SYN, or its first record: sequence number 0. */
static void find_isn(struct plot *p, const struct plot_work *w)
{
	bool has = false;
	int k;

	for (k = 0; k < w->n; k++) {
		const struct ttp_segment *s = &w->segs[w->idx[k]];

		if (strcmp(s->src, p->sender))
			continue;
		if (ttp_seg_has(s, 'S')) {
			p->isn = s->seq;
			return;
		}
		if (!has) {
			p->isn = s->seq;
			has = true;
		}
	}
}

static int select_records(struct plot_work *w, int nsegs, int port,
			  char *err, size_t errsize)
{
	int i, conn, *conn_of = zalloc_array(nsegs, sizeof(*conn_of));

	w->idx = zalloc_array(nsegs, sizeof(*w->idx));
	if (!conn_of || !w->idx) {
		free(conn_of);
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	conn = pick_conn(w->segs, nsegs, port, conn_of);
	for (i = 0; i < nsegs; i++)
		if (conn >= 0 && conn_of[i] == conn)
			w->idx[w->n++] = i;
	free(conn_of);
	if (conn < 0) {
		snprintf(err, errsize,
			 "no connection with data on port %d in the trace",
			 port);
		return -1;
	}
	return 0;
}

int plot_build(struct plot *p, const struct ttp_segment *segs, int nsegs,
	       const struct plot_event *ev, int nev,
	       const struct plot_options *o, char *err, size_t errsize)
{
	struct plot_work w = { .segs = segs };
	int ret = -1, k;

	memset(p, 0, sizeof(*p));
	if (select_records(&w, nsegs, o->port, err, errsize))
		goto out;
	w.t0_us = segs[w.idx[0]].time_us;
	for (k = 0; k < w.n; k++)
		if ((int64_t)segs[w.idx[k]].time_us - w.t0_us > p->t_end_us)
			p->t_end_us = segs[w.idx[k]].time_us - w.t0_us;
	pick_sender(p, &w);
	find_isn(p, &w);
	snprintf(err, errsize, "out of memory");
	if (collect_tx(p, &w) || collect_acks(p, &w))
		goto out;
	p->wscale_inferred = o->wscale < 0;
	p->wscale = p->wscale_inferred ? infer_wscale(p, &w) : o->wscale;
	if (build_ack_lines(p, &w) ||
	    build_event_lines(p, &w, ev, ev ? nev : 0, o->clock))
		goto out;
	ret = 0;
out:
	free(w.idx);
	free(w.tx_order);
	free(w.acks);
	if (ret)
		plot_free(p);
	return ret;
}

void plot_free(struct plot *p)
{
	free(p->tx);
	free(p->ack);
	free(p->win);
	free(p->cwnd);
	free(p->ssthresh);
	free(p->sack);
	memset(p, 0, sizeof(*p));
}

/* ---- drawing ------------------------------------------------------------- */

#define SVG_W		1000
#define SVG_H		720
#define AREA_L		100	/* the plot areas' left and right */
#define AREA_R		790
#define SEQ_TOP		70	/* the sequence panel */
#define SEQ_BOTTOM	450
#define CWND_TOP	500	/* the cwnd panel */
#define CWND_BOTTOM	660
#define LEGEND_X	808

/* A linear map of values onto one axis of the picture. */
struct plot_axis {
	double max;		/* the value at the far end; 0 at the near one */
	double step;		/* between ticks */
	int from, to;		/* pixels: where 0 and max land */
};

static double axis_px(const struct plot_axis *a, double v)
{
	return a->from + (a->to - a->from) * v / a->max;
}

/* Ticks at 1, 2 or 5 times a power of ten, about eight of them. */
static void axis_fit(struct plot_axis *a, double top, bool integral)
{
	double raw, mag = 1, n;

	if (top <= 0)
		top = 1;
	raw = top / 8;
	while (mag * 10 <= raw)
		mag *= 10;
	while (mag > raw)
		mag /= 10;
	a->step = (raw <= mag ? 1 : raw <= 2 * mag ? 2 :
		   raw <= 5 * mag ? 5 : 10) * mag;
	if (integral && a->step < 1)
		a->step = 1;
	/* the axis ends at the first tick at or above top */
	for (n = 1; n * a->step < top - top / 1e9; n++)
		;
	a->max = n * a->step;
}

/* Decimals that show a tick step of s exactly (0.05: 2). */
static int decimals(double s)
{
	int d = 0;

	for (; s < 0.999999 && d < 6; d++)
		s *= 10;
	return d;
}

static void svg_header(FILE *f, const struct plot *p)
{
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n"
		"<defs><clipPath id=\"seq-area\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/></clipPath>\n"
		"<clipPath id=\"cwnd-area\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/></clipPath></defs>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		SVG_W, SVG_H, SVG_W, SVG_H,
		AREA_L, SEQ_TOP - 2, AREA_R - AREA_L + 2,
		SEQ_BOTTOM - SEQ_TOP + 2,
		AREA_L, CWND_TOP - 2, AREA_R - AREA_L + 2,
		CWND_BOTTOM - CWND_TOP + 2);
	fprintf(f,
		"<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">Time-sequence graph: %s &#8594; %s</text>\n",
		AREA_L, p->sender, p->receiver);
}

static void svg_subtitle(FILE *f, const struct plot *p)
{
	static const char * const clock_text[] = {
		[PLOT_CLOCK_AUTO] = "",
		[PLOT_CLOCK_SAME] = "on the ring's clock",
		[PLOT_CLOCK_FIRST] =
			"aligned with the ring at the first event (approximate)",
	};

	fprintf(f,
		"<text x=\"%d\" y=\"44\">%d data segments, %d retransmitted, %d lost; window scale %d%s; cwnd %s</text>\n",
		AREA_L, p->ntx, p->nretrans, p->nlost, p->wscale,
		p->wscale_inferred ? " (inferred)" : "",
		p->ncong ? clock_text[p->clock] : "not traced");
}

/* Grid lines and labelled ticks of the time axis, under one panel. */
static void svg_time_axis(FILE *f, const struct plot_axis *x, int top,
			  int bottom)
{
	int d = decimals(x->step), i;

	for (i = 0; i * x->step <= x->max + x->step / 1e6; i++) {
		double px = axis_px(x, i * x->step);

		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e0e0e0\"/>\n"
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>\n"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.*f</text>\n",
			px, top, px, bottom, px, bottom, px, bottom + 5,
			px, bottom + 18, d, i * x->step);
	}
}

/* Grid lines and labelled ticks of a value axis, and its name. */
static void svg_value_axis(FILE *f, const struct plot_axis *y,
			   const char *name)
{
	int i;

	for (i = 0; i * y->step <= y->max + y->step / 1e6; i++) {
		double py = axis_px(y, i * y->step);

		fprintf(f,
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>\n"
			"<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"black\"/>\n"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
			AREA_L, py, AREA_R, py, AREA_L - 5, py, AREA_L, py,
			AREA_L - 8, py + 4, i * y->step);
	}
	fprintf(f,
		"<text transform=\"translate(%d,%d) rotate(-90)\" text-anchor=\"middle\">%s</text>\n",
		24, (y->from + y->to) / 2, name);
}

static void svg_frame(FILE *f, int top, int bottom)
{
	fprintf(f,
		"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"black\"/>\n",
		AREA_L, top, AREA_R - AREA_L, bottom - top);
}

/* How a line is drawn: its colour, and dashes or not. */
struct svg_pen {
	const char *color;
	const char *width;
	bool dashed;
};

static const struct svg_pen pen_data = { "#1f4e9c", "1.5", false };
static const struct svg_pen pen_retrans = { "#d62728", "2.5", false };
static const struct svg_pen pen_lost = { "#000000", "1.5", false };
static const struct svg_pen pen_ack = { "#2ca02c", "1.5", false };
static const struct svg_pen pen_win = { "#ff7f0e", "1.5", false };
static const struct svg_pen pen_sack = { "#17becf", "2.5", false };
static const struct svg_pen pen_cwnd = { "#7b3294", "1.5", false };
static const struct svg_pen pen_ssthresh = { "#8c564b", "1.5", true };

static void svg_pen(FILE *f, const struct svg_pen *pen)
{
	fprintf(f, " stroke=\"%s\" stroke-width=\"%s\"%s", pen->color,
		pen->width, pen->dashed ? " stroke-dasharray=\"5,3\"" : "");
}

/*
 * A step line: each value holds until the next point, the last one until
 * t_end.  Points whose value is skip (ssthresh not set yet) break it.
 */
static void svg_steps(FILE *f, const char *cls, const struct svg_pen *pen,
		      const struct plot_point *pt, int n, int64_t t_end,
		      const struct plot_axis *x, const struct plot_axis *y,
		      uint32_t skip)
{
	bool open = false;
	int i;

	for (i = 0; i < n; i++) {
		double px = axis_px(x, pt[i].t_us / 1e6);

		if (pt[i].v == skip) {
			if (open)
				fprintf(f, "%.1f,%.1f\"/>\n", px,
					axis_px(y, pt[i - 1].v));
			open = false;
			continue;
		}
		if (!open) {
			fprintf(f, "<polyline class=\"%s\" fill=\"none\"", cls);
			svg_pen(f, pen);
			fprintf(f, " points=\"");
		} else {
			fprintf(f, "%.1f,%.1f ", px, axis_px(y, pt[i - 1].v));
		}
		fprintf(f, "%.1f,%.1f ", px, axis_px(y, pt[i].v));
		open = true;
	}
	if (open)
		fprintf(f, "%.1f,%.1f\"/>\n", axis_px(x, t_end / 1e6),
			axis_px(y, pt[n - 1].v));
}

#define TICK_MIN	3	/* px: a shorter segment would not show */

/*
 * Each data segment a tick from seq to seq + len, at the time it left; a
 * retransmission also with an R beside it, as tcptrace marks one.
 */
static void svg_segments(FILE *f, const struct plot *p, bool retrans,
			 const struct plot_axis *x, const struct plot_axis *y)
{
	int i;

	fprintf(f, "<g id=\"%s\"", retrans ? "retransmissions" : "segments");
	svg_pen(f, retrans ? &pen_retrans : &pen_data);
	fprintf(f, ">\n");
	for (i = 0; i < p->ntx; i++) {
		const struct plot_tx *tx = &p->tx[i];
		double px = axis_px(x, tx->t_us / 1e6);
		double lo = axis_px(y, tx->seq);
		double hi = axis_px(y, tx->seq + tx->len);
		double mid = (lo + hi) / 2;

		if (tx->retrans != retrans)
			continue;
		if (lo - hi < TICK_MIN) {
			lo = mid + TICK_MIN / 2.0;
			hi = mid - TICK_MIN / 2.0;
		}
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
			px, lo, px, hi);
		if (retrans)
			fprintf(f,
				"<text x=\"%.1f\" y=\"%.1f\" stroke=\"none\" fill=\"%s\" font-size=\"10\">R</text>\n",
				px + 3, mid + 3, pen_retrans.color);
	}
	fprintf(f, "</g>\n");
}

/* An x of half-size r at (x, y), as a path's data. */
static void svg_x(FILE *f, double x, double y, double r)
{
	fprintf(f, "M%.1f,%.1f L%.1f,%.1f M%.1f,%.1f L%.1f,%.1f",
		x - r, y - r, x + r, y + r, x - r, y + r, x + r, y - r);
}

/* An x on each segment that did not arrive, at its middle. */
static void svg_lost(FILE *f, const struct plot *p,
		     const struct plot_axis *x, const struct plot_axis *y)
{
	int i;

	fprintf(f, "<g id=\"lost\"");
	svg_pen(f, &pen_lost);
	fprintf(f, ">\n");
	for (i = 0; i < p->ntx; i++) {
		const struct plot_tx *tx = &p->tx[i];

		if (!tx->lost)
			continue;
		fprintf(f, "<path class=\"lost\" d=\"");
		svg_x(f, axis_px(x, tx->t_us / 1e6),
		      axis_px(y, tx->seq + tx->len / 2.0), 4);
		fprintf(f, "\"/>\n");
	}
	fprintf(f, "</g>\n");
}

/*
 * Each SACK block the sender took in, as tcptrace draws one: a bar from
 * its start to its end with a serif at each, at the time of the ACK.
 */
static void svg_sacks(FILE *f, const struct plot *p,
		      const struct plot_axis *x, const struct plot_axis *y)
{
	int i;

	fprintf(f, "<g id=\"sacked\" fill=\"none\"");
	svg_pen(f, &pen_sack);
	fprintf(f, ">\n");
	for (i = 0; i < p->nsack; i++) {
		const struct plot_sack *s = &p->sack[i];
		double px = axis_px(x, s->t_us / 1e6);
		double lo = axis_px(y, s->start), hi = axis_px(y, s->end);

		fprintf(f,
			"<path d=\"M%.1f,%.1f H%.1f M%.1f,%.1f V%.1f M%.1f,%.1f H%.1f\"/>\n",
			px - 2, lo, px + 2, px, lo, hi, px - 2, hi, px + 2);
	}
	fprintf(f, "</g>\n");
}

enum svg_mark { MARK_TICK, MARK_LINE, MARK_X };

/* One line of a legend, beside the panels: a sample, and its meaning. */
static void svg_legend(FILE *f, int y, enum svg_mark mark,
		       const struct svg_pen *pen, const char *text)
{
	fprintf(f, "<g transform=\"translate(%d,%d)\">", LEGEND_X, y);
	if (mark == MARK_X) {
		fprintf(f, "<path d=\"");
		svg_x(f, 8, 0, 4);
		fprintf(f, "\"");
	} else if (mark == MARK_TICK) {
		fprintf(f, "<line x1=\"8\" y1=\"-7\" x2=\"8\" y2=\"7\"");
	} else {
		fprintf(f, "<line x1=\"0\" y1=\"0\" x2=\"16\" y2=\"0\"");
	}
	svg_pen(f, pen);
	fprintf(f, "/><text x=\"24\" y=\"4\">%s</text></g>\n", text);
}

static void svg_seq_legend(FILE *f, const struct plot *p)
{
	char text[96];

	snprintf(text, sizeof(text), "data segment (%d)",
		 p->ntx - p->nretrans);
	svg_legend(f, SEQ_TOP + 10, MARK_TICK, &pen_data, text);
	snprintf(text, sizeof(text), "retransmission (%d)", p->nretrans);
	svg_legend(f, SEQ_TOP + 30, MARK_TICK, &pen_retrans, text);
	snprintf(text, sizeof(text), "lost (%d)", p->nlost);
	svg_legend(f, SEQ_TOP + 50, MARK_X, &pen_lost, text);
	svg_legend(f, SEQ_TOP + 70, MARK_LINE, &pen_ack, "ACK");
	snprintf(text, sizeof(text), "ACK + win &lt;&lt; %d", p->wscale);
	svg_legend(f, SEQ_TOP + 90, MARK_LINE, &pen_win, text);
	snprintf(text, sizeof(text), "SACKed (%d)", p->nsack);
	svg_legend(f, SEQ_TOP + 110, MARK_TICK, &pen_sack, text);
}

/* The upper panel's height: the data and ACKs, and a little window. */
static double seq_top(const struct plot *p)
{
	uint32_t data = 0, win = 0;
	int i;

	for (i = 0; i < p->ntx; i++)
		data = seq_max(data, p->tx[i].seq + p->tx[i].len);
	for (i = 0; i < p->nack; i++) {
		data = seq_max(data, p->ack[i].v);
		win = seq_max(win, p->win[i].v);
	}
	/* a window far above the data would squash it: clip it instead */
	if (seq_before(data, win))
		return win - data < data / 4 ? win : data + data / 4;
	return data;
}

static double cwnd_top(const struct plot *p)
{
	uint32_t top = 0;
	int i;

	for (i = 0; i < p->ncong; i++) {
		if (p->cwnd[i].v > top)
			top = p->cwnd[i].v;
		if (p->ssthresh[i].v != PLOT_SSTHRESH_NONE &&
		    p->ssthresh[i].v > top)
			top = p->ssthresh[i].v;
	}
	return top ? top : 10;
}

static void svg_seq_panel(FILE *f, const struct plot *p,
			  const struct plot_axis *x)
{
	struct plot_axis y = { .from = SEQ_BOTTOM, .to = SEQ_TOP };

	axis_fit(&y, seq_top(p), true);
	svg_time_axis(f, x, SEQ_TOP, SEQ_BOTTOM);
	svg_value_axis(f, &y, "sequence number (bytes, relative)");
	fprintf(f, "<g clip-path=\"url(#seq-area)\">\n");
	svg_steps(f, "window", &pen_win, p->win, p->nack, p->t_end_us, x, &y,
		  UINT32_MAX);
	svg_steps(f, "ack", &pen_ack, p->ack, p->nack, p->t_end_us, x, &y,
		  UINT32_MAX);
	svg_segments(f, p, false, x, &y);
	svg_sacks(f, p, x, &y);
	svg_segments(f, p, true, x, &y);
	svg_lost(f, p, x, &y);
	fprintf(f, "</g>\n");
	svg_frame(f, SEQ_TOP, SEQ_BOTTOM);
	svg_seq_legend(f, p);
}

static void svg_cwnd_panel(FILE *f, const struct plot *p,
			   const struct plot_axis *x, int64_t t_end)
{
	struct plot_axis y = { .from = CWND_BOTTOM, .to = CWND_TOP };

	axis_fit(&y, cwnd_top(p), true);
	svg_time_axis(f, x, CWND_TOP, CWND_BOTTOM);
	svg_value_axis(f, &y, "segments");
	fprintf(f, "<g clip-path=\"url(#cwnd-area)\">\n");
	svg_steps(f, "ssthresh", &pen_ssthresh, p->ssthresh, p->ncong, t_end,
		  x, &y, PLOT_SSTHRESH_NONE);
	svg_steps(f, "cwnd", &pen_cwnd, p->cwnd, p->ncong, t_end, x, &y,
		  UINT32_MAX);
	fprintf(f, "</g>\n");
	if (!p->ncong)
		fprintf(f,
			"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#808080\">no ttp_cong events for this connection</text>\n",
			(AREA_L + AREA_R) / 2, (CWND_TOP + CWND_BOTTOM) / 2);
	svg_frame(f, CWND_TOP, CWND_BOTTOM);
	svg_legend(f, CWND_TOP + 10, MARK_LINE, &pen_cwnd, "cwnd");
	svg_legend(f, CWND_TOP + 30, MARK_LINE, &pen_ssthresh, "ssthresh");
}

void plot_print_svg(FILE *f, const struct plot *p)
{
	struct plot_axis x = { .from = AREA_L, .to = AREA_R };
	int64_t t_end = p->t_end_us;

	if (p->ncong && p->cwnd[p->ncong - 1].t_us > t_end)
		t_end = p->cwnd[p->ncong - 1].t_us;
	axis_fit(&x, t_end / 1e6, false);
	svg_header(f, p);
	svg_subtitle(f, p);
	svg_seq_panel(f, p, &x);
	svg_cwnd_panel(f, p, &x, t_end);
	fprintf(f,
		"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time (s)</text>\n"
		"</svg>\n",
		(AREA_L + AREA_R) / 2, CWND_BOTTOM + 40);
}

/* ---- reading the files ------------------------------------------------- */

int plot_read_ring(FILE *f, struct ttp_segment **out)
{
	struct ttp_segment *segs = NULL;
	int n = 0, cap = 0;
	char line[256];

	while (fgets(line, sizeof(line), f)) {
		if (n == cap) {
			struct ttp_segment *grown;

			cap = cap ? 2 * cap : 1024;
			grown = realloc(segs, cap * sizeof(*segs));
			if (!grown)
				goto bad;
			segs = grown;
		}
		if (ttp_parse_segment(line, &segs[n])) {
			fprintf(stderr, "ttpstat: bad trace line: %s", line);
			goto bad;
		}
		n++;
	}
	*out = segs;
	return n;
bad:
	free(segs);
	return -1;
}

int plot_read_events(FILE *f, struct plot_event **out)
{
	struct plot_event *ev = NULL;
	int n = 0, cap = 0, r;
	size_t size = 0;
	char *line = NULL;

	while (getline(&line, &size, f) > 0) {
		if (n == cap) {
			struct plot_event *grown;

			cap = cap ? 2 * cap : 1024;
			grown = realloc(ev, cap * sizeof(*ev));
			if (!grown)
				goto bad;
			ev = grown;
		}
		r = plot_parse_event(line, &ev[n]);
		if (r < 0) {
			fprintf(stderr, "ttpstat: bad ttp event line: %s", line);
			goto bad;
		}
		n += !r;
	}
	free(line);
	*out = ev;
	return n;
bad:
	free(line);
	free(ev);
	return -1;
}

/*
 * The live trace, when there is no --events: its clock is known, from
 * trace_clock ("local [mono] ..." when mono is selected).
 */
static FILE *open_live_events(enum plot_clock *clock)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[256], line[256] = "";
	size_t i;
	FILE *f;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/trace_clock", dirs[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
		snprintf(path, sizeof(path), "%s/trace", dirs[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (*clock == PLOT_CLOCK_AUTO)
			*clock = strstr(line, "[mono]") ? PLOT_CLOCK_SAME :
							  PLOT_CLOCK_FIRST;
		return f;
	}
	return NULL;
}

/* ---- the subcommand ------------------------------------------------------ */

static void plot_usage(FILE *f)
{
	fprintf(f,
		"Usage: ttpstat plot PORT [--svg FILE] [--events FILE] [--wscale N]\n"
		"                    [--clock same|first]\n"
		"\n"
		"Draw the time-sequence graph of the connection on PORT from\n"
		"/proc/net/ttp_trace, with SACKed ranges from ttp:ttp_sack and\n"
		"cwnd and ssthresh from ttp:ttp_cong.\n"
		"\n"
		"      --svg FILE     write the SVG to FILE (default: standard output)\n"
		"      --events FILE  a saved tracefs trace (default: the live one)\n"
		"      --wscale N     the receiver's window scale (default: inferred)\n"
		"      --clock WHICH  same: the events' trace_clock was mono; first:\n"
		"                     align the first events (default: worked out)\n");
}

static int parse_int(const char *s, int min, int max, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < min || v > max) {
		fprintf(stderr, "ttpstat: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static int write_svg(const struct plot *p, const char *svg)
{
	FILE *f = svg ? fopen(svg, "w") : stdout;
	uint32_t lo = UINT32_MAX, hi = 0;
	int i;

	if (!f) {
		fprintf(stderr, "ttpstat: %s: %s\n", svg, strerror(errno));
		return 1;
	}
	plot_print_svg(f, p);
	if (!svg)
		return fflush(f) ? 1 : 0;
	if (fclose(f))
		return 1;
	for (i = 0; i < p->ncong; i++) {
		lo = p->cwnd[i].v < lo ? p->cwnd[i].v : lo;
		hi = p->cwnd[i].v > hi ? p->cwnd[i].v : hi;
	}
	printf("%s -> %s: %d data segments, %d retransmitted, %d lost, ",
	       p->sender, p->receiver, p->ntx, p->nretrans, p->nlost);
	printf("%d SACK blocks, window scale %d%s", p->nsack, p->wscale,
	       p->wscale_inferred ? " (inferred)" : "");
	if (p->ncong)
		printf(", %d cwnd changes, cwnd %u..%u, clock %s\n", p->ncong,
		       lo, hi, p->clock == PLOT_CLOCK_SAME ? "same" : "first");
	else
		printf(", no ttp_cong events\n");
	return 0;
}

enum { OPT_SVG = 256, OPT_EVENTS, OPT_WSCALE, OPT_CLOCK };

int plot_main(int argc, char **argv, const char *proc_dir)
{
	static const struct option longopts[] = {
		{ "svg",	required_argument,	NULL, OPT_SVG },
		{ "events",	required_argument,	NULL, OPT_EVENTS },
		{ "wscale",	required_argument,	NULL, OPT_WSCALE },
		{ "clock",	required_argument,	NULL, OPT_CLOCK },
		{ "help",	no_argument,		NULL, 'h' },
		{}
	};
	struct plot_options o = { .wscale = -1, .clock = PLOT_CLOCK_AUTO };
	const char *svg = NULL, *events = NULL;
	struct plot_event *ev = NULL;
	struct ttp_segment *segs;
	int opt, nsegs, nev = 0, ret;
	char path[512], err[128];
	struct plot p;
	FILE *f;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_SVG:
			svg = optarg;
			break;
		case OPT_EVENTS:
			events = optarg;
			break;
		case OPT_WSCALE:
			o.wscale = parse_int(optarg, 0, PLOT_MAX_WSCALE,
					     "window scale");
			break;
		case OPT_CLOCK:
			if (strcmp(optarg, "same") && strcmp(optarg, "first")) {
				plot_usage(stderr);
				return 2;
			}
			o.clock = optarg[0] == 's' ? PLOT_CLOCK_SAME :
						     PLOT_CLOCK_FIRST;
			break;
		case 'h':
			plot_usage(stdout);
			return 0;
		default:
			plot_usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		plot_usage(stderr);
		return 2;
	}
	o.port = parse_int(argv[optind], 0, 65535, "port");

	snprintf(path, sizeof(path), "%s/ttp_trace", proc_dir);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "ttpstat: %s: %s\n", path, strerror(errno));
		return 1;
	}
	nsegs = plot_read_ring(f, &segs);
	fclose(f);
	if (nsegs < 0)
		return 1;

	f = events ? fopen(events, "r") : open_live_events(&o.clock);
	if (events && !f) {
		fprintf(stderr, "ttpstat: %s: %s\n", events, strerror(errno));
		free(segs);
		return 1;
	}
	if (f) {
		nev = plot_read_events(f, &ev);
		fclose(f);
		if (nev < 0) {
			free(segs);
			return 1;
		}
	}

	ret = plot_build(&p, segs, nsegs, ev, nev, &o, err, sizeof(err));
	free(segs);
	free(ev);
	if (ret) {
		fprintf(stderr, "ttpstat: %s\n", err);
		return 1;
	}
	if (p.ncong && p.clock == PLOT_CLOCK_FIRST)
		fprintf(stderr,
			"ttpstat: the events' clock is not the ring's: cwnd is lined up at the first event, roughly (trace_clock mono makes it exact)\n");
	ret = write_svg(&p, svg);
	plot_free(&p);
	return ret;
}
