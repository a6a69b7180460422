// SPDX-License-Identifier: GPL-2.0
/* Ladder diagrams of /proc/net/ttp_trace: building, states, rendering. */
#include <stdlib.h>
#include <string.h>

#include "ladder.h"

/* RFC 1982 order of sequence numbers */
static bool seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool same_segment(const struct ttp_segment *a,
			 const struct ttp_segment *b)
{
	return a->seq == b->seq && a->ack == b->ack && a->len == b->len &&
	       !strcmp(a->flags, b->flags) && !strcmp(a->src, b->src) &&
	       !strcmp(a->dst, b->dst);
}

static bool is_syn(const struct ttp_segment *s)
{
	return ttp_seg_has(s, 'S') && !ttp_seg_has(s, '.');
}

static bool has_port(const struct ttp_segment *s, int port)
{
	return port < 0 || ttp_addr_port(s->src) == port ||
	       ttp_addr_port(s->dst) == port;
}

/*
 * The connection seg belongs to, or -1.  A SYN with a new sequence number
 * on a 4-tuple starts a new connection (after TIME_WAIT, say).
 */
static int find_conn(const struct ladder *l, const struct ttp_segment *seg,
		     bool *from_left)
{
	int i, side;

	for (i = l->nconns - 1; i >= 0; i--) {
		const struct ladder_conn *c = &l->conns[i];

		if (!strcmp(c->end[0].addr, seg->src) &&
		    !strcmp(c->end[1].addr, seg->dst))
			side = 0;
		else if (!strcmp(c->end[1].addr, seg->src) &&
			 !strcmp(c->end[0].addr, seg->dst))
			side = 1;
		else
			continue;
		if (is_syn(seg) && c->end[side].has_isn &&
		    c->end[side].isn != seg->seq)
			return -1;
		*from_left = side == 0;
		return i;
	}
	return -1;
}

static struct ladder_conn *new_conn(struct ladder *l,
				    const struct ttp_segment *seg,
				    bool *from_left)
{
	bool synack = ttp_seg_has(seg, 'S') && ttp_seg_has(seg, '.');
	struct ladder_conn *grown, *c;

	grown = realloc(l->conns, (l->nconns + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	l->conns = grown;
	c = &l->conns[l->nconns++];
	memset(c, 0, sizeof(*c));
	/* the left end is the one that opened: the sender of the SYN */
	*from_left = !synack;
	strcpy(c->end[0].addr, synack ? seg->dst : seg->src);
	strcpy(c->end[1].addr, synack ? seg->src : seg->dst);
	if (is_syn(seg)) {
		strcpy(c->initial[0], "CLOSED");
		strcpy(c->initial[1], "LISTEN");
		c->end[1].passive = true;
	} else if (synack) {
		strcpy(c->initial[0], "SYN_SENT");
		strcpy(c->initial[1], "SYN_RCVD");
	} else {
		/* a trace that begins in the middle of a connection */
		strcpy(c->initial[0], "ESTABLISHED");
		strcpy(c->initial[1], "ESTABLISHED");
	}
	return c;
}

static struct ladder_arrow *add_arrow(struct ladder_conn *c)
{
	if (c->narrows == c->cap) {
		int cap = c->cap ? 2 * c->cap : 16;
		struct ladder_arrow *grown;

		grown = realloc(c->arrows, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		c->arrows = grown;
		c->cap = cap;
	}
	memset(&c->arrows[c->narrows], 0, sizeof(c->arrows[0]));
	return &c->arrows[c->narrows++];
}

/* The arrow whose departure an arrival record belongs to, or NULL. */
static struct ladder_arrow *departed(struct ladder_conn *c,
				     const struct ttp_segment *seg)
{
	int i;

	for (i = c->narrows - 1; i >= 0 && i >= c->narrows - 256; i--) {
		struct ladder_arrow *a = &c->arrows[i];

		if (a->seg.out && !a->seen_in && !a->lost &&
		    same_segment(&a->seg, seg))
			return a;
	}
	return NULL;
}

static void set_state(struct ladder_end *e, char *changed, const char *state)
{
	if (!strcmp(e->state, state))
		return;
	strcpy(e->state, state);
	strcpy(changed, state);
}

static bool in_state(const struct ladder_end *e, const char *state)
{
	return !strcmp(e->state, state);
}

/* What sending seg does to the sender's state. */
static void on_send(struct ladder_end *e, const struct ttp_segment *s,
		    char *changed)
{
	if (ttp_seg_has(s, 'R')) {
		set_state(e, changed, "CLOSED");
		return;
	}
	if (ttp_seg_has(s, 'S'))
		set_state(e, changed,
			  ttp_seg_has(s, '.') ? "SYN_RCVD" : "SYN_SENT");
	if (ttp_seg_has(s, 'F')) {
		e->fin_sent = true;
		e->fin_seq = s->seq + s->len + ttp_seg_has(s, 'S');
		if (in_state(e, "ESTABLISHED") || in_state(e, "SYN_RCVD"))
			set_state(e, changed, "FIN_WAIT_1");
		else if (in_state(e, "CLOSE_WAIT"))
			set_state(e, changed, "LAST_ACK");
	}
}

/* The ACK field: our SYN or FIN acknowledged. */
static void on_ack(struct ladder_end *e, uint32_t ack, char *changed)
{
	if ((in_state(e, "SYN_SENT") || in_state(e, "SYN_RCVD")) &&
	    e->has_isn && !seq_before(ack, e->isn + 1))
		set_state(e, changed, "ESTABLISHED");
	if (!e->fin_sent || seq_before(ack, e->fin_seq + 1))
		return;
	if (in_state(e, "FIN_WAIT_1"))
		set_state(e, changed, "FIN_WAIT_2");
	else if (in_state(e, "CLOSING"))
		set_state(e, changed, "TIME_WAIT");
	else if (in_state(e, "LAST_ACK"))
		set_state(e, changed, "CLOSED");
}

/* What receiving seg does, in RFC 9293's order: RST, SYN, ACK, data, FIN. */
static void on_receive(struct ladder_end *e, const struct ttp_segment *s,
		       char *changed)
{
	uint32_t start = s->seq + ttp_seg_has(s, 'S');
	uint32_t end = start + s->len;

	if (ttp_seg_has(s, 'R')) {
		if (!in_state(e, "LISTEN"))
			set_state(e, changed, e->passive &&
				  in_state(e, "SYN_RCVD") ? "LISTEN" : "CLOSED");
		return;
	}
	if (ttp_seg_has(s, 'S')) {
		/* a listener answers with a SYN+ACK; on_send shows that */
		if (is_syn(s) && in_state(e, "SYN_SENT"))
			set_state(e, changed, "SYN_RCVD");
		e->rcv_nxt = s->seq + 1;
		e->has_rcv_nxt = true;
	}
	if (ttp_seg_has(s, '.'))
		on_ack(e, s->ack, changed);
	if (!e->has_rcv_nxt || seq_before(e->rcv_nxt, start))
		return;		/* out of order: it waits for the hole */
	if (seq_before(e->rcv_nxt, end))
		e->rcv_nxt = end;
	if (!ttp_seg_has(s, 'F') || e->rcv_nxt != end)
		return;
	e->rcv_nxt++;
	if (in_state(e, "ESTABLISHED") || in_state(e, "SYN_RCVD"))
		set_state(e, changed, "CLOSE_WAIT");
	else if (in_state(e, "FIN_WAIT_1"))
		set_state(e, changed, "CLOSING");
	else if (in_state(e, "FIN_WAIT_2"))
		set_state(e, changed, "TIME_WAIT");
}

struct ladder_event {
	int at;
	int arrow;
	bool rcvd;
};

static int event_order(const void *a, const void *b)
{
	return ((const struct ladder_event *)a)->at -
	       ((const struct ladder_event *)b)->at;
}

/*
 * Apply each departure and arrival in the order the trace saw them: two
 * FINs that cross leave both ends in FIN_WAIT_1 before either arrives.
 */
static int infer_states(struct ladder_conn *c)
{
	struct ladder_event *ev;
	int i, n = 0, s;

	ev = calloc(2 * c->narrows + 1, sizeof(*ev));
	if (!ev)
		return -1;
	for (s = 0; s < 2; s++)
		strcpy(c->end[s].state, c->initial[s]);
	/* a SYN answered by a RST: nobody was listening */
	for (i = 0; i < c->narrows; i++) {
		if (!c->arrows[i].from_left) {
			if (c->end[1].passive &&
			    ttp_seg_has(&c->arrows[i].seg, 'R'))
				strcpy(c->initial[1], "CLOSED");
			break;
		}
	}
	for (i = 0; i < c->narrows; i++) {
		ev[n++] = (struct ladder_event){ c->arrows[i].sent_at, i, false };
		if (!c->arrows[i].lost)
			ev[n++] = (struct ladder_event){ c->arrows[i].rcvd_at, i,
							 true };
	}
	qsort(ev, n, sizeof(*ev), event_order);
	for (i = 0; i < n; i++) {
		struct ladder_arrow *a = &c->arrows[ev[i].arrow];
		int from = a->from_left ? 0 : 1;
		struct ladder_end *to = &c->end[!from];

		if (!ev[i].rcvd) {
			on_send(&c->end[from], &a->seg,
				from ? a->right_state : a->left_state);
			continue;
		}
		/* a trace begun mid-connection learns rcv_nxt as it goes */
		if (!to->has_rcv_nxt && !ttp_seg_has(&a->seg, 'S')) {
			to->rcv_nxt = a->seg.seq;
			to->has_rcv_nxt = true;
		}
		on_receive(to, &a->seg, from ? a->left_state : a->right_state);
	}
	free(ev);
	return 0;
}

/* An end that sent no SYN: its first seq is the base of relative ones. */
static void find_isns(struct ladder_conn *c)
{
	int i;

	for (i = 0; i < c->narrows; i++) {
		const struct ladder_arrow *a = &c->arrows[i];
		struct ladder_end *e = &c->end[a->from_left ? 0 : 1];

		if (!e->has_isn) {
			e->isn = a->seg.seq;
			e->has_isn = true;
		}
	}
}

int ladder_build(struct ladder *l, const struct ttp_segment *segs, int nsegs,
		 int port)
{
	int i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < nsegs; i++) {
		const struct ttp_segment *seg = &segs[i];
		struct ladder_arrow *a = NULL;
		struct ladder_conn *c;
		bool from_left;
		int ci;

		if (!has_port(seg, port))
			continue;
		ci = find_conn(l, seg, &from_left);
		c = ci >= 0 ? &l->conns[ci] : new_conn(l, seg, &from_left);
		if (!c)
			return -1;
		if (!seg->out)
			a = departed(c, seg);
		if (a) {
			a->seen_in = true;
			a->rcvd_at = 2 * i;
		} else {
			a = add_arrow(c);
			if (!a)
				return -1;
			a->seg = *seg;
			a->from_left = from_left;
			a->seen_in = !seg->out;
			/* seen only arriving: it left just before */
			a->sent_at = seg->out ? 2 * i : 2 * i - 1;
			/* seen only leaving: it arrived just after */
			a->rcvd_at = seg->out ? 2 * i + 1 : 2 * i;
		}
		if (seg->dropped)
			a->lost = true;
		/* the SYN's sequence number anchors the relative numbers */
		if (ttp_seg_has(seg, 'S')) {
			c->end[from_left ? 0 : 1].isn = seg->seq;
			c->end[from_left ? 0 : 1].has_isn = true;
		}
	}
	for (i = 0; i < l->nconns; i++) {
		find_isns(&l->conns[i]);
		if (infer_states(&l->conns[i]))
			return -1;
	}
	return 0;
}

void ladder_free(struct ladder *l)
{
	int i;

	for (i = 0; i < l->nconns; i++)
		free(l->conns[i].arrows);
	free(l->conns);
	memset(l, 0, sizeof(*l));
}

static uint32_t rel(const struct ladder_end *e, uint32_t v, bool absolute)
{
	return absolute || !e->has_isn ? v : v - e->isn;
}

void ladder_label(const struct ladder_conn *c, const struct ladder_arrow *a,
		  bool absolute, char *buf, size_t size)
{
	const struct ladder_end *from = &c->end[a->from_left ? 0 : 1];
	const struct ladder_end *to = &c->end[a->from_left ? 1 : 0];
	int n, i;

	n = snprintf(buf, size, "%s seq=%u", a->seg.flags,
		     rel(from, a->seg.seq, absolute));
	if (ttp_seg_has(&a->seg, '.'))
		n += snprintf(buf + n, size - n, " ack=%u",
			      rel(to, a->seg.ack, absolute));
	n += snprintf(buf + n, size - n, " len=%u", a->seg.len);
	/* from a capture: the options, SACK blocks in the ACK's numbers */
	if (a->seg.sack_ok)
		n += snprintf(buf + n, size - n, " sackOK");
	if (a->seg.has_ts)
		n += snprintf(buf + n, size - n, " ts=%u/%u", a->seg.tsval,
			      a->seg.tsecr);
	for (i = 0; i < a->seg.nsacks && n < (int)size; i++)
		n += snprintf(buf + n, size - n, "%s%u-%u",
			      i ? "," : " sack=",
			      rel(to, a->seg.sacks[i][0], absolute),
			      rel(to, a->seg.sacks[i][1], absolute));
}

#define STATE_W	12
#define LABEL_MAX 160

static void fill(char *p, char c, int n)
{
	while (n-- > 0)
		*p++ = c;
}

/* The part between the two bars: "-- S seq=0 len=0 ----->" and the like. */
static void arrow_body(char *body, int w, const char *label, bool to_right,
		       bool lost)
{
	int len = strlen(label), rest = w - len - 4;

	fill(body, ' ', w);
	body[w] = '\0';
	if (to_right) {
		memcpy(body, "-- ", 3);
		memcpy(body + 3, label, len);
		if (lost) {
			memcpy(body + 3 + len, " -X", 3);
		} else {
			fill(body + 3 + len, '-', rest + 1);
			body[3 + len] = ' ';
			body[w - 1] = '>';
		}
	} else {
		int at = w - len - 3;

		memcpy(body + at, label, len);
		memcpy(body + at + len, " --", 3);
		if (lost) {
			memcpy(body + at - 3, "X- ", 3);
		} else {
			body[0] = '<';
			fill(body + 1, '-', at - 2);
			body[at - 1] = ' ';
		}
	}
}

void ladder_print_text(FILE *f, const struct ladder *l, bool absolute)
{
	char label[LABEL_MAX], body[LABEL_MAX + 16];
	int i, j;

	for (i = 0; i < l->nconns; i++) {
		const struct ladder_conn *c = &l->conns[i];
		int w = 24;

		for (j = 0; j < c->narrows; j++) {
			ladder_label(c, &c->arrows[j], absolute, label,
				     sizeof(label));
			if ((int)strlen(label) + 8 > w)
				w = strlen(label) + 8;
		}
		if (i)
			fputc('\n', f);
		fprintf(f, "%-*s%s\n", STATE_W + w + 4, c->end[0].addr,
			c->end[1].addr);
		fprintf(f, "%-*s%s\n", STATE_W + w + 4, c->initial[0],
			c->initial[1]);
		for (j = 0; j < c->narrows; j++) {
			const struct ladder_arrow *a = &c->arrows[j];

			ladder_label(c, a, absolute, label, sizeof(label));
			arrow_body(body, w, label, a->from_left, a->lost);
			fprintf(f, "%-*s |%s|", STATE_W, a->left_state, body);
			if (a->right_state[0])
				fprintf(f, "  %s", a->right_state);
			fputc('\n', f);
		}
	}
}

#define SVG_LEFT	190
#define SVG_RIGHT	590
#define SVG_WIDTH	780
#define SVG_STEP	40

void ladder_print_svg(FILE *f, const struct ladder *l, bool absolute)
{
	int i, j, height = 20, y;
	char label[LABEL_MAX];

	for (i = 0; i < l->nconns; i++)
		height += 80 + SVG_STEP * (l->conns[i].narrows + 1);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"12\">\n"
		"<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		SVG_WIDTH, height, SVG_WIDTH, height);
	y = 20;
	for (i = 0; i < l->nconns; i++) {
		const struct ladder_conn *c = &l->conns[i];
		int bottom = y + 60 + SVG_STEP * (c->narrows + 1);

		fprintf(f,
			"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">%s</text>\n"
			"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">%s</text>\n",
			SVG_LEFT, y + 14, c->end[0].addr,
			SVG_RIGHT, y + 14, c->end[1].addr);
		fprintf(f,
			"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\" stroke-width=\"2\"/>\n"
			"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\" stroke-width=\"2\"/>\n",
			SVG_LEFT, y + 24, SVG_LEFT, bottom,
			SVG_RIGHT, y + 24, SVG_RIGHT, bottom);
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n"
			"<text x=\"%d\" y=\"%d\">%s</text>\n",
			SVG_LEFT - 8, y + 40, c->initial[0],
			SVG_RIGHT + 8, y + 40, c->initial[1]);
		y += 56;
		for (j = 0; j < c->narrows; j++, y += SVG_STEP) {
			const struct ladder_arrow *a = &c->arrows[j];
			int x0 = a->from_left ? SVG_LEFT : SVG_RIGHT;
			int x1 = a->from_left ? SVG_RIGHT : SVG_LEFT;
			int y1 = y + SVG_STEP - 10;
			/* the sender's state where it leaves, the receiver's where it lands */
			int yl = a->from_left ? y : y1, yr = a->from_left ? y1 : y;

			ladder_label(c, a, absolute, label, sizeof(label));
			if (a->lost) {
				int xm = x0 + (x1 - x0) * 6 / 10;
				int ym = y + (y1 - y) * 6 / 10;

				fprintf(f,
					"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"red\" stroke-dasharray=\"6,3\"/>\n"
					"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"red\" font-size=\"16\">&#x2715;</text>\n",
					x0, y, xm, ym, xm, ym + 5);
			} else {
				fprintf(f,
					"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\" marker-end=\"url(#head)\"/>\n",
					x0, y, x1, y1);
			}
			/* above the arrow, clear of it over the label's width */
			fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\"%s>%s</text>\n",
				(SVG_LEFT + SVG_RIGHT) / 2, (y + y1) / 2 - 9,
				a->lost ? " fill=\"red\"" : "", label);
			if (a->left_state[0])
				fprintf(f,
					"<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
					SVG_LEFT - 8, yl + 4, a->left_state);
			if (a->right_state[0])
				fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n",
					SVG_RIGHT + 8, yr + 4, a->right_state);
		}
		y = bottom + 24;
	}
	fprintf(f, "</svg>\n");
}

void ladder_print_json(FILE *f, const struct ladder *l, bool absolute)
{
	char label[LABEL_MAX];
	int i, j;

	fprintf(f, "{\"connections\": [");
	for (i = 0; i < l->nconns; i++) {
		const struct ladder_conn *c = &l->conns[i];

		fprintf(f,
			"%s\n {\"left\": \"%s\", \"right\": \"%s\", \"left_initial\": \"%s\", \"right_initial\": \"%s\", \"segments\": [",
			i ? "," : "", c->end[0].addr, c->end[1].addr,
			c->initial[0], c->initial[1]);
		for (j = 0; j < c->narrows; j++) {
			const struct ladder_arrow *a = &c->arrows[j];
			const struct ladder_end *from = &c->end[!a->from_left];
			const struct ladder_end *to = &c->end[a->from_left];
			char ack[16] = "null";

			ladder_label(c, a, absolute, label, sizeof(label));
			if (ttp_seg_has(&a->seg, '.'))
				snprintf(ack, sizeof(ack), "%u",
					 rel(to, a->seg.ack, absolute));
			fprintf(f,
				"%s\n  {\"time_us\": %llu, \"from\": \"%s\", \"flags\": \"%s\", \"seq\": %u, \"ack\": %s, \"len\": %u, \"win\": %u, \"lost\": %s, \"left_state\": \"%s\", \"right_state\": \"%s\", \"label\": \"%s\"}",
				j ? "," : "",
				(unsigned long long)a->seg.time_us,
				a->from_left ? "left" : "right", a->seg.flags,
				rel(from, a->seg.seq, absolute), ack,
				a->seg.len,
				a->seg.win, a->lost ? "true" : "false",
				a->left_state, a->right_state, label);
		}
		fprintf(f, "]}");
	}
	fprintf(f, "\n]}\n");
}
