// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of ttpstat plot: the fixtures testdata/plot-lossy.* are
 * a loopback connection (127.0.0.1:40000 sends 7000 bytes to port 9000,
 * 20 ms each way) in which the hook drops B (sent again on three duplicate
 * ACKs, whose SACK blocks its ttp_sack events show) and G leaves but
 * never arrives (sent again on the RTO), and the ttp_cong and ttp_sack
 * events of that sender, mixed with other sockets' and events.
 * TAP through the kselftest harness.
 */
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "plot.h"

#define T0_US	5000000000LL	/* the fixture ring's first record */

/* A fixture, beside this program or in the current directory. */
static FILE *fixture(const char *name)
{
	char exe[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f;

	snprintf(path, sizeof(path), "testdata/%s", name);
	f = fopen(path, "r");
	if (f || n < 0)
		return f;
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/testdata/%s", dirname(exe), name);
	return fopen(path, "r");
}

static int load_ring(struct ttp_segment **segs)
{
	FILE *f = fixture("plot-lossy.trace");
	int n;

	if (!f)
		return -1;
	n = plot_read_ring(f, segs);
	fclose(f);
	return n;
}

static int load_events(struct plot_event **ev)
{
	FILE *f = fixture("plot-lossy.events");
	int n;

	if (!f)
		return -1;
	n = plot_read_events(f, ev);
	fclose(f);
	return n;
}

/* The fixtures' plot, with these options. */
static int build(struct plot *p, int wscale, enum plot_clock clock,
		 int64_t shift_us)
{
	struct plot_options o = { .port = 9000, .wscale = wscale,
				  .clock = clock };
	struct ttp_segment *segs;
	struct plot_event *ev;
	int nsegs = load_ring(&segs), nev = load_events(&ev), i, ret;
	char err[128];

	if (nsegs < 0 || nev < 0)
		return -1;
	for (i = 0; i < nev; i++)
		ev[i].time_us += shift_us;
	ret = plot_build(p, segs, nsegs, ev, nev, &o, err, sizeof(err));
	free(segs);
	free(ev);
	return ret;
}

/* The SVG of p, as a string (malloc'd). */
static char *svg_of(const struct plot *p)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	plot_print_svg(f, p);
	fclose(f);
	return buf;
}

static int count(const char *from, const char *to, const char *what)
{
	int n = 0;

	while ((from = strstr(from, what)) && (!to || from < to)) {
		n++;
		from += strlen(what);
	}
	return n;
}

/* How many what there are in svg's element that starts with start. */
static int count_in_group(const char *svg, const char *start, const char *what)
{
	const char *g = strstr(svg, start);

	return g ? count(g, strstr(g, "</g>"), what) : -1;
}

/* The points of the first polyline of class cls: their count, or -1. */
static int points_of(const char *svg, const char *cls, double *x,
		     double *y, int max)
{
	char key[64];
	const char *p;
	int n = 0, used;

	snprintf(key, sizeof(key), "<polyline class=\"%s\"", cls);
	p = strstr(svg, key);
	if (!p)
		return -1;
	p = strstr(p, "points=\"") + strlen("points=\"");
	while (n < max && sscanf(p, "%lf,%lf%n", &x[n], &y[n], &used) == 2) {
		n++;
		p += used;
		while (*p == ' ')
			p++;
	}
	return n;
}

TEST(parse_sack_line)
{
	static const char * const lines[] = {
		"  <idle>-0 [001] ..s1.  5.000040: ttp_sack: saddr=10.0.0.1 sport=40000 daddr=10.0.0.2 dport=9000 snd_una=2001 num=2 sack=4001-5001,3001-3501,0-0,0-0\n",
		/* a count the event cannot have, and a line cut short */
		"  x-1 [000] .....  1.000000: ttp_sack: saddr=10.0.0.1 sport=1 daddr=10.0.0.2 dport=2 snd_una=1 num=5 sack=1-2,1-2,1-2,1-2\n",
		"  x-1 [000] .....  1.000000: ttp_sack: saddr=10.0.0.1 sport=1 daddr=10.0.0.2 dport=2 snd_una=1 num=1 sack=1-2,0-0\n",
	};
	struct plot_event ev;

	ASSERT_EQ(0, plot_parse_event(lines[0], &ev));
	EXPECT_EQ(PLOT_EV_SACK, ev.kind);
	EXPECT_EQ(5000040, ev.time_us);
	EXPECT_STREQ("10.0.0.1:40000", ev.src);
	EXPECT_STREQ("10.0.0.2:9000", ev.dst);
	EXPECT_EQ(2001, ev.snd_una);
	ASSERT_EQ(2, ev.nsacks);
	EXPECT_EQ(4001, ev.sack_start[0]);
	EXPECT_EQ(5001, ev.sack_end[0]);
	EXPECT_EQ(3001, ev.sack_start[1]);
	EXPECT_EQ(3501, ev.sack_end[1]);
	EXPECT_EQ(-1, plot_parse_event(lines[1], &ev));
	EXPECT_EQ(-1, plot_parse_event(lines[2], &ev));
}

TEST(parse_cong_line)
{
	static const char * const lines[] = {
		/* a ttp_cong event, then another event, then one cut short */
		"          ttpcat-312     [001] ..s1.    17.000042: ttp_cong: saddr=10.0.0.1 sport=40000 daddr=10.0.0.2 dport=9000 snd_una=1 snd_nxt=2 snd_cwnd=10 ssthresh=2147483647 ca_state=0 snd_wnd=65535 srtt_us=100\n",
		"  x-1 [000] .....  1.000000: ttp_set_state: saddr=127.0.0.1 sport=1\n",
		"  x-1 [000] .....  1.000000: ttp_cong: saddr=127.0.0.1 sport=1\n",
	};
	struct plot_event ev;

	ASSERT_EQ(0, plot_parse_event(lines[0], &ev));
	EXPECT_EQ(PLOT_EV_CONG, ev.kind);
	/* microseconds exactly, not through a double */
	EXPECT_EQ(17000042, ev.time_us);
	EXPECT_STREQ("10.0.0.1:40000", ev.src);
	EXPECT_STREQ("10.0.0.2:9000", ev.dst);
	EXPECT_EQ(1, ev.snd_una);
	EXPECT_EQ(2, ev.snd_nxt);
	EXPECT_EQ(10, ev.cwnd);
	EXPECT_EQ(PLOT_SSTHRESH_NONE, ev.ssthresh);
	/* not ttp_cong: passed over */
	EXPECT_EQ(1, plot_parse_event("# tracer: nop\n", &ev));
	EXPECT_EQ(1, plot_parse_event(lines[1], &ev));
	/* ttp_cong, but cut short */
	EXPECT_EQ(-1, plot_parse_event(lines[2], &ev));
}

TEST(segments_retransmissions_losses)
{
	/* A B C D E, B again, F G, G again: by relative sequence number */
	static const uint32_t seq[] = { 1, 1001, 2001, 3001, 4001, 1001, 5001,
					6001, 6001 };
	static const bool retrans[] = { 0, 0, 0, 0, 0, 1, 0, 0, 1 };
	static const bool lost[] = { 0, 1, 0, 0, 0, 0, 0, 1, 0 };
	struct plot p;
	int i;

	ASSERT_EQ(0, build(&p, -1, PLOT_CLOCK_AUTO, 0));
	EXPECT_STREQ("127.0.0.1:40000", p.sender);
	EXPECT_STREQ("127.0.0.1:9000", p.receiver);
	EXPECT_EQ(1000, p.isn);
	ASSERT_EQ(9, p.ntx);
	EXPECT_EQ(2, p.nretrans);
	EXPECT_EQ(2, p.nlost);
	for (i = 0; i < p.ntx; i++) {
		EXPECT_EQ(seq[i], p.tx[i].seq);
		EXPECT_EQ(1000, p.tx[i].len);
		EXPECT_EQ(retrans[i], p.tx[i].retrans);
		EXPECT_EQ(lost[i], p.tx[i].lost) {
			TH_LOG("segment %d", i);
		}
	}
	/* when it left, not when it arrived: the first data 200 ms in */
	EXPECT_EQ(200000, p.tx[0].t_us);
	EXPECT_EQ(860000, p.t_end_us);
	plot_free(&p);
}

TEST(ack_and_window_lines)
{
	struct plot p;

	ASSERT_EQ(0, build(&p, -1, PLOT_CLOCK_AUTO, 0));
	/*
	 * G (to 7001) left on an ACK of 5001 with win 512: only a scale of
	 * 2 (5001 + 2048) lets it in; the SYN+ACK's 6000 is never scaled.
	 */
	EXPECT_TRUE(p.wscale_inferred);
	EXPECT_EQ(2, p.wscale);
	/* as the sender got them: SYN+ACK, A's, 3 duplicates, 3, the FIN */
	ASSERT_EQ(9, p.nack);
	EXPECT_EQ(60000, p.ack[0].t_us);
	EXPECT_EQ(1, p.ack[0].v);
	EXPECT_EQ(6001, p.win[0].v);
	EXPECT_EQ(1001, p.ack[1].v);
	EXPECT_EQ(1001 + (512 << 2), p.win[1].v);
	EXPECT_EQ(7002, p.ack[8].v);
	plot_free(&p);

	ASSERT_EQ(0, build(&p, 7, PLOT_CLOCK_AUTO, 0));
	EXPECT_FALSE(p.wscale_inferred);
	EXPECT_EQ(1001 + (512 << 7), p.win[1].v);
	plot_free(&p);
}

TEST(cwnd_of_the_sender_only)
{
	static const uint32_t cwnd[] = { 11, 11, 10, 7, 8, 1, 2 };
	static const uint32_t ssthresh[] = { PLOT_SSTHRESH_NONE,
					     PLOT_SSTHRESH_NONE, 7, 7, 7, 5, 5 };
	struct plot p;
	int i;

	ASSERT_EQ(0, build(&p, -1, PLOT_CLOCK_AUTO, 0));
	/* the receiver's event and port 9001's are not the sender's */
	ASSERT_EQ(7, p.ncong);
	for (i = 0; i < p.ncong; i++) {
		EXPECT_EQ(cwnd[i], p.cwnd[i].v);
		EXPECT_EQ(ssthresh[i], p.ssthresh[i].v);
	}
	/* one clock: A's ACK arrived 240 ms in, its event 50 us later */
	EXPECT_EQ(PLOT_CLOCK_SAME, p.clock);
	EXPECT_EQ(240050, p.cwnd[0].t_us);
	EXPECT_EQ(599975, p.cwnd[5].t_us);
	plot_free(&p);
}

TEST(sacked_ranges_of_the_sender_only)
{
	static const uint32_t end[] = { 2001, 3001, 4001 };
	struct plot p;
	int i;

	ASSERT_EQ(0, build(&p, -1, PLOT_CLOCK_AUTO, 0));
	/* port 40001's blocks are another connection's */
	ASSERT_EQ(3, p.nsack);
	for (i = 0; i < p.nsack; i++) {
		/* C, then C and D, then C to E: relative to the ISN 1000 */
		EXPECT_EQ(2001, p.sack[i].start);
		EXPECT_EQ(end[i] + 1000, p.sack[i].end);
	}
	/* on the ring's clock: the duplicate ACKs came 244, 246, 248 ms in */
	EXPECT_EQ(244040, p.sack[0].t_us);
	EXPECT_EQ(248040, p.sack[2].t_us);
	plot_free(&p);

	/* another clock: the blocks move with cwnd's events */
	ASSERT_EQ(0, build(&p, -1, PLOT_CLOCK_AUTO, 1000000000LL));
	EXPECT_EQ(PLOT_CLOCK_FIRST, p.clock);
	ASSERT_EQ(3, p.nsack);
	EXPECT_EQ(244040 - 240050, p.sack[0].t_us);
	plot_free(&p);
}

TEST(clock_told_or_worked_out)
{
	struct plot p;

	/* another clock, 1000 s off: lined up at the first events */
	ASSERT_EQ(0, build(&p, -1, PLOT_CLOCK_AUTO, 1000000000LL));
	EXPECT_EQ(PLOT_CLOCK_FIRST, p.clock);
	ASSERT_EQ(7, p.ncong);
	EXPECT_EQ(0, p.cwnd[0].t_us);
	EXPECT_EQ(599975 - 240050, p.cwnd[5].t_us);
	plot_free(&p);

	/* off by only 100 ms: still caught by the sequence numbers */
	ASSERT_EQ(0, build(&p, -1, PLOT_CLOCK_AUTO, 100000));
	EXPECT_EQ(PLOT_CLOCK_FIRST, p.clock);
	plot_free(&p);

	/* told it is the same: events outside the connection are not its */
	ASSERT_EQ(0, build(&p, -1, PLOT_CLOCK_SAME, 1000000000LL));
	EXPECT_EQ(PLOT_CLOCK_SAME, p.clock);
	EXPECT_EQ(0, p.ncong);
	plot_free(&p);

	/* told to align though the clocks agree */
	ASSERT_EQ(0, build(&p, -1, PLOT_CLOCK_FIRST, 0));
	EXPECT_EQ(0, p.cwnd[0].t_us);
	plot_free(&p);
}

TEST(receiver_side_trace)
{
	/* only what the receiver's end saw: data arriving, ACKs leaving */
	struct plot_options o = { .port = 9000, .wscale = -1 };
	struct ttp_segment *segs;
	struct plot p;
	int n = load_ring(&segs), i, kept = 0;
	char err[128];

	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		bool from_client = !strcmp(segs[i].src, "127.0.0.1:40000");

		if (from_client != segs[i].out)
			segs[kept++] = segs[i];
	}
	ASSERT_EQ(0, plot_build(&p, segs, kept, NULL, 0, &o, err,
				sizeof(err)));
	/* B and the first G never arrived: unseen; B again fills a hole */
	EXPECT_EQ(7, p.ntx);
	EXPECT_EQ(1, p.nretrans);
	EXPECT_EQ(0, p.nlost);
	EXPECT_EQ(0, p.ncong);
	/* ACKs as they left: the SYN+ACK 20 ms after the SYN arrived */
	EXPECT_EQ(20000, p.ack[0].t_us);
	plot_free(&p);
	free(segs);
}

TEST(connection_by_port)
{
	static const char ring[] =
		"100 out 127.0.0.1:40002 127.0.0.1:9000 S 77 0 0 65535 pass\n"
		"110 out 127.0.0.1:40002 127.0.0.1:9000 P. 78 1 10 512 pass\n"
		"120 out 127.0.0.1:9000 127.0.0.1:40002 P. 1 88 2000 512 pass\n"
		"130 out 127.0.0.1:40003 127.0.0.1:9000 P. 5 1 300 512 pass\n"
		"140 out 127.0.0.1:40004 127.0.0.1:9001 S 1 0 0 512 pass\n";
	struct plot_options o = { .port = 9000, .wscale = -1 };
	FILE *f = fmemopen((void *)ring, strlen(ring), "r");
	struct ttp_segment *segs;
	struct plot p;
	char err[128];
	int n;

	n = plot_read_ring(f, &segs);
	fclose(f);
	ASSERT_EQ(5, n);
	/* the connection with the most data, its sender the server */
	ASSERT_EQ(0, plot_build(&p, segs, n, NULL, 0, &o, err, sizeof(err)));
	EXPECT_STREQ("127.0.0.1:9000", p.sender);
	EXPECT_STREQ("127.0.0.1:40002", p.receiver);
	EXPECT_EQ(1, p.ntx);
	EXPECT_EQ(2000, p.tx[0].len);
	plot_free(&p);
	/* a port with no data is an error that says so */
	o.port = 9001;
	EXPECT_EQ(-1, plot_build(&p, segs, n, NULL, 0, &o, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "9001"));
	free(segs);
}

TEST(svg_elements)
{
	static const uint32_t cwnd[] = { 11, 11, 10, 7, 8, 1, 2 };
	double x[64], y[64];
	struct plot p;
	char *svg;
	int i, j, n;

	ASSERT_EQ(0, build(&p, -1, PLOT_CLOCK_AUTO, 0));
	svg = svg_of(&p);
	plot_free(&p);
	ASSERT_NE(NULL, svg);
	EXPECT_EQ(7, count_in_group(svg, "<g id=\"segments\"", "<line "));
	EXPECT_EQ(2, count_in_group(svg, "<g id=\"retransmissions\"",
				    "<line "));
	EXPECT_EQ(2, count_in_group(svg, "<g id=\"lost\"",
				    "<path class=\"lost\""));
	EXPECT_EQ(3, count_in_group(svg, "<g id=\"sacked\"", "<path "));
	EXPECT_NE(NULL, strstr(svg, ">SACKed (3)</text>"));
	EXPECT_EQ(1, count(svg, NULL, "&#8594; 127.0.0.1:9000</text>"));
	EXPECT_NE(NULL, strstr(svg, "9 data segments, 2 retransmitted, 2 lost;"));
	EXPECT_NE(NULL, strstr(svg, "window scale 2 (inferred)"));

	/* cwnd's steps: 7 values, each held until the next, the last to the end */
	n = points_of(svg, "cwnd", x, y, 64);
	ASSERT_EQ(1 + 2 * 6 + 1, n);
	for (i = 1; i < n - 1; i += 2) {
		EXPECT_EQ(x[i], x[i + 1]);	/* a rise or fall ... */
		EXPECT_EQ(y[i - 1], y[i]);	/* ... after a flat run */
		EXPECT_LT(x[i - 1], x[i]);
	}
	/* the larger the window, the higher in the picture */
	for (i = 0; i < 7; i++)
		for (j = 0; j < 7; j++)
			if (cwnd[i] > cwnd[j])
				EXPECT_LT(y[2 * i], y[2 * j]);
	/* ssthresh only once set: from the third event on */
	EXPECT_EQ(1 + 2 * 4 + 1, points_of(svg, "ssthresh", x, y, 64));
	EXPECT_EQ(1, count(svg, NULL, "<polyline class=\"ssthresh\""));
	EXPECT_EQ(1, count(svg, NULL, "<polyline class=\"ack\""));
	EXPECT_EQ(1, count(svg, NULL, "<polyline class=\"window\""));
	free(svg);
}

TEST(svg_golden)
{
	/* the same input draws the same picture, byte for byte */
	FILE *f = fixture("plot-lossy.svg");
	char *svg, *want = NULL;
	size_t size = 0;
	struct plot p;

	ASSERT_NE(NULL, f);
	ASSERT_LT(0, getdelim(&want, &size, '\0', f));
	fclose(f);
	ASSERT_EQ(0, build(&p, -1, PLOT_CLOCK_AUTO, 0));
	svg = svg_of(&p);
	plot_free(&p);
	EXPECT_STREQ(want, svg);
	free(svg);
	free(want);
}

TEST_HARNESS_MAIN
