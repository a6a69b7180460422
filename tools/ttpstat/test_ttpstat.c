// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of ttpstat's parsers and of the ladder's states: fed with
 * text, no kernel needed.  TAP through the kselftest harness.
 */
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "ladder.h"
#include "pcap.h"
#include "procfs.h"

static FILE *text(const char *s)
{
	return fmemopen((void *)s, strlen(s), "r");
}

/* The lines of a table, each on its own line of source, as one text. */
static FILE *text_lines(const char * const *lines)
{
	static char buf[4096];
	size_t n = 0;

	for (; *lines; lines++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s", *lines);
	return text(buf);
}

TEST(socks_by_header)
{
	/* columns found by name, in another order and with one more */
	FILE *f = text("state local remote extra sendq recvq timer retrans uid inode\n"
		       "LISTEN 127.0.0.1:7000 0.0.0.0:0 x 128 2 - 0 1000 4242\n"
		       "TIME_WAIT 127.0.0.1:40112 127.0.0.1:7000 y 0 0 tw:59812 0 0 0\n");
	struct ttp_sock_row *rows;

	ASSERT_EQ(2, ttp_read_socks(f, &rows));
	EXPECT_STREQ("LISTEN", rows[0].state);
	EXPECT_STREQ("127.0.0.1:7000", rows[0].local);
	EXPECT_EQ(128, rows[0].sendq);
	EXPECT_EQ(2, rows[0].recvq);
	EXPECT_EQ(1000, rows[0].uid);
	EXPECT_EQ(4242, rows[0].inode);
	EXPECT_STREQ("tw:59812", rows[1].timer);
	EXPECT_EQ(40112, ttp_addr_port(rows[1].local));
	free(rows);
	fclose(f);
}

TEST(socks_congestion_columns)
{
	/* the module's table since congestion control, as proc.c prints it */
	static const char * const table[] = {
		"local                remote               state        sendq  recvq  timer       retrans  uid   inode    cwnd   ssthresh ca       cc\n",
		"0.0.0.0:5000         0.0.0.0:0            LISTEN       128    0      -           0        0     30500    -      -        -        -\n",
		"10.0.0.1:40000       10.0.0.2:5000        ESTABLISHED  1048576 0      rto:212     0        1000  30517    45     42       recovery reno\n",
		"10.0.0.1:40001       10.0.0.2:5000        ESTABLISHED  0      0      -           0        1000  30518    4294967295 -        open     cubic\n",
		NULL
	};
	FILE *f = text_lines(table);
	struct ttp_sock_row *rows;

	ASSERT_EQ(3, ttp_read_socks(f, &rows));
	EXPECT_EQ(-1, rows[0].cwnd);
	EXPECT_EQ(-1, rows[0].ssthresh);
	EXPECT_STREQ("-", rows[0].ca);
	EXPECT_STREQ("-", rows[0].cc);
	EXPECT_EQ(30500, rows[0].inode);
	EXPECT_EQ(45, rows[1].cwnd);
	EXPECT_EQ(42, rows[1].ssthresh);
	EXPECT_STREQ("recovery", rows[1].ca);
	EXPECT_STREQ("reno", rows[1].cc);
	EXPECT_EQ(1048576, rows[1].sendq);
	/* no loss yet: the kernel's "-" */
	EXPECT_EQ(4294967295L, rows[2].cwnd);
	EXPECT_EQ(-1, rows[2].ssthresh);
	EXPECT_STREQ("open", rows[2].ca);
	EXPECT_STREQ("cubic", rows[2].cc);
	free(rows);
	fclose(f);
}

TEST(socks_before_congestion_control)
{
	/* an older module's table: nine columns, and none is missed */
	static const char * const table[] = {
		"local                remote               state        sendq  recvq  timer       retrans  uid   inode\n",
		"127.0.0.1:7000       127.0.0.1:40000      ESTABLISHED  0      5      -           0        1000  21741\n",
		NULL
	};
	FILE *f = text_lines(table);
	struct ttp_sock_row *rows;

	ASSERT_EQ(1, ttp_read_socks(f, &rows));
	EXPECT_STREQ("ESTABLISHED", rows[0].state);
	EXPECT_EQ(5, rows[0].recvq);
	EXPECT_EQ(21741, rows[0].inode);
	EXPECT_EQ(-1, rows[0].cwnd);
	EXPECT_EQ(-1, rows[0].ssthresh);
	EXPECT_STREQ("-", rows[0].ca);
	EXPECT_STREQ("-", rows[0].cc);
	free(rows);
	fclose(f);
}

TEST(socks_malformed)
{
	static const char * const bad[] = {
		/* no inode column */
		"local remote state sendq recvq timer retrans uid\n",
		/* a row too short */
		"local remote state sendq recvq timer retrans uid inode\n"
		"127.0.0.1:1 0.0.0.0:0 LISTEN 0 0 -\n",
		/* not a number */
		"local remote state sendq recvq timer retrans uid inode\n"
		"127.0.0.1:1 0.0.0.0:0 LISTEN x 0 - 0 0 1\n",
		/* no port */
		"local remote state sendq recvq timer retrans uid inode\n"
		"127.0.0.1 0.0.0.0:0 LISTEN 0 0 - 0 0 1\n",
		/* a window that is not a count of segments */
		"local remote state sendq recvq timer retrans uid inode cwnd ssthresh ca cc\n"
		"127.0.0.1:1 127.0.0.1:2 ESTABLISHED 0 0 - 0 0 1 ten - open cubic\n",
		"local remote state sendq recvq timer retrans uid inode cwnd ssthresh ca cc\n"
		"127.0.0.1:1 127.0.0.1:2 ESTABLISHED 0 0 - 0 0 1 10 4294967296 open cubic\n",
		/* a row without the header's congestion columns */
		"local remote state sendq recvq timer retrans uid inode cwnd ssthresh ca cc\n"
		"127.0.0.1:1 127.0.0.1:2 ESTABLISHED 0 0 - 0 0 1\n",
		"",
	};
	struct ttp_sock_row *rows;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		FILE *f = text(bad[i]);

		EXPECT_EQ(-1, ttp_read_socks(f, &rows)) {
			TH_LOG("accepted case %zu", i);
		}
		fclose(f);
	}
}

TEST(counters)
{
	FILE *f = text("ActiveOpens 3\nCurrEstab 0\nInSegs 18446744073709551615\n");
	struct ttp_counter *c;

	ASSERT_EQ(3, ttp_read_counters(f, &c));
	EXPECT_STREQ("ActiveOpens", c[0].name);
	EXPECT_EQ(3, c[0].value);
	EXPECT_EQ(18446744073709551615ULL, c[2].value);
	free(c);
	fclose(f);
	f = text("ActiveOpens three\n");
	EXPECT_EQ(-1, ttp_read_counters(f, &c));
	fclose(f);
}

TEST(segment_lines)
{
	struct ttp_segment s;

	static const char line[] =
		"123 out 10.0.0.1:40000 10.0.0.2:7000 F. 4294967295 7 12 512 drop\n";

	ASSERT_EQ(0, ttp_parse_segment(line, &s));
	EXPECT_EQ(123, s.time_us);
	EXPECT_TRUE(s.out);
	EXPECT_STREQ("10.0.0.2:7000", s.dst);
	EXPECT_EQ(4294967295U, s.seq);
	EXPECT_EQ(12, s.len);
	EXPECT_TRUE(s.dropped);
	EXPECT_TRUE(ttp_seg_has(&s, 'F'));
	EXPECT_FALSE(ttp_seg_has(&s, 'S'));
	EXPECT_EQ(-1, ttp_parse_segment("123 up 10.0.0.1:1 10.0.0.2:2 S 1 0 0 1 pass", &s));
	EXPECT_EQ(-1, ttp_parse_segment("123 in 10.0.0.1:1 10.0.0.2:2 S 1 0 0 1 maybe", &s));
	EXPECT_EQ(-1, ttp_parse_segment("123 in 10.0.0.1:1 10.0.0.2:2 S 1 0 0", &s));
	EXPECT_EQ(-1, ttp_parse_segment("123 in 10.0.0.1:1 10.0.0.2:2 S 4294967296 0 0 1 pass",
					&s));
}

#define C "127.0.0.1:40000"
#define S "127.0.0.1:7000"

/* Parse raw trace records "dir src dst flags seq ack len verdict". */
static int build_raw(struct ladder *l, const char * const *recs, int n,
		     int port)
{
	struct ttp_segment *segs = calloc(n, sizeof(*segs));
	char line[200];
	int i, ret = 0;

	for (i = 0; i < n && !ret; i++) {
		snprintf(line, sizeof(line), "%d %s", i, recs[i]);
		ret = ttp_parse_segment(line, &segs[i]);
	}
	if (!ret)
		ret = ladder_build(l, segs, n, port);
	free(segs);
	return ret;
}

/*
 * Build from segments "src dst flags seq ack len [drop]" as loopback
 * records them: out, then in (dropped there when the line says drop).
 */
static int build(struct ladder *l, const char * const *lines, int n, int port)
{
	char (*recs)[128] = calloc(2 * n, sizeof(*recs));
	const char **ptrs = calloc(2 * n, sizeof(*ptrs));
	int i, ret;

	for (i = 0; i < n; i++) {
		const char *drop = strstr(lines[i], " drop");
		int len = drop ? drop - lines[i] : (int)strlen(lines[i]);

		snprintf(recs[2 * i], sizeof(recs[0]), "out %.*s 512 pass",
			 len, lines[i]);
		snprintf(recs[2 * i + 1], sizeof(recs[0]), "in %.*s 512 %s",
			 len, lines[i], drop ? "drop" : "pass");
		ptrs[2 * i] = recs[2 * i];
		ptrs[2 * i + 1] = recs[2 * i + 1];
	}
	ret = build_raw(l, ptrs, 2 * n, port);
	free(ptrs);
	free(recs);
	return ret;
}

static const char * const handshake[] = {
	C " " S " S 1000 0 0",
	S " " C " S. 5000 1001 0",
	C " " S " . 1001 5001 0",
};

/* Expected states after each arrow: left, right ("" for no change). */
struct states {
	const char *left, *right;
};

static void check_states(struct __test_metadata *_metadata,
			 const struct ladder_conn *c, const struct states *want,
			 int n)
{
	int i;

	ASSERT_EQ(n, c->narrows);
	for (i = 0; i < n; i++) {
		EXPECT_STREQ(want[i].left, c->arrows[i].left_state) {
			TH_LOG("arrow %d", i);
		}
		EXPECT_STREQ(want[i].right, c->arrows[i].right_state) {
			TH_LOG("arrow %d", i);
		}
	}
}

TEST(ladder_handshake_data_four_way)
{
	static const char * const lines[] = {
		C " " S " S 1000 0 0",
		S " " C " S. 5000 1001 0",
		C " " S " . 1001 5001 0",
		C " " S " P. 1001 5001 5",
		S " " C " . 5001 1006 0",
		C " " S " F. 1006 5001 0",
		S " " C " . 5001 1007 0",
		S " " C " F. 5001 1007 0",
		C " " S " . 1007 5002 0",
	};
	static const struct states want[] = {
		{ "SYN_SENT", "" }, { "ESTABLISHED", "SYN_RCVD" },
		{ "", "ESTABLISHED" }, { "", "" }, { "", "" },
		{ "FIN_WAIT_1", "CLOSE_WAIT" }, { "FIN_WAIT_2", "" },
		{ "TIME_WAIT", "LAST_ACK" }, { "", "CLOSED" },
	};
	struct ladder l;
	char label[64];

	ASSERT_EQ(0, build(&l, lines, 9, -1));
	ASSERT_EQ(1, l.nconns);
	EXPECT_STREQ(C, l.conns[0].end[0].addr);
	EXPECT_STREQ("CLOSED", l.conns[0].initial[0]);
	EXPECT_STREQ("LISTEN", l.conns[0].initial[1]);
	check_states(_metadata, &l.conns[0], want, 9);
	/* relative numbers from each SYN, as tcpdump shows them */
	ladder_label(&l.conns[0], &l.conns[0].arrows[1], false, label,
		     sizeof(label));
	EXPECT_STREQ("S. seq=0 ack=1 len=0", label);
	ladder_label(&l.conns[0], &l.conns[0].arrows[3], false, label,
		     sizeof(label));
	EXPECT_STREQ("P. seq=1 ack=1 len=5", label);
	ladder_label(&l.conns[0], &l.conns[0].arrows[3], true, label,
		     sizeof(label));
	EXPECT_STREQ("P. seq=1001 ack=5001 len=5", label);
	ladder_label(&l.conns[0], &l.conns[0].arrows[0], false, label,
		     sizeof(label));
	EXPECT_STREQ("S seq=0 len=0", label);
	ladder_free(&l);
}

TEST(ladder_three_way_teardown)
{
	/* the closer never enters FIN_WAIT_2: its FIN's ACK rides on the FIN */
	static const char * const lines[] = {
		handshake[0], handshake[1], handshake[2],
		C " " S " F. 1001 5001 0",
		S " " C " F. 5001 1002 0",
		C " " S " . 1002 5002 0",
	};
	static const struct states want[] = {
		{ "SYN_SENT", "" }, { "ESTABLISHED", "SYN_RCVD" },
		{ "", "ESTABLISHED" }, { "FIN_WAIT_1", "CLOSE_WAIT" },
		{ "TIME_WAIT", "LAST_ACK" }, { "", "CLOSED" },
	};
	struct ladder l;

	ASSERT_EQ(0, build(&l, lines, 6, -1));
	check_states(_metadata, &l.conns[0], want, 6);
	ladder_free(&l);
}

TEST(ladder_lost_fin)
{
	static const char * const lines[] = {
		handshake[0], handshake[1], handshake[2],
		C " " S " F. 1001 5001 0 drop",
		C " " S " F. 1001 5001 0",
		S " " C " . 5001 1002 0",
	};
	static const struct states want[] = {
		{ "SYN_SENT", "" }, { "ESTABLISHED", "SYN_RCVD" },
		{ "", "ESTABLISHED" }, { "FIN_WAIT_1", "" },
		{ "", "CLOSE_WAIT" }, { "FIN_WAIT_2", "" },
	};
	struct ladder l;

	ASSERT_EQ(0, build(&l, lines, 6, -1));
	check_states(_metadata, &l.conns[0], want, 6);
	EXPECT_TRUE(l.conns[0].arrows[3].lost);
	EXPECT_FALSE(l.conns[0].arrows[4].lost);
	ladder_free(&l);
}

TEST(ladder_simultaneous_close)
{
	/* the two FINs cross: both leave before either arrives */
	static const char * const recs[] = {
		"out " C " " S " S 1000 0 0 512 pass",
		"in " C " " S " S 1000 0 0 512 pass",
		"out " S " " C " S. 5000 1001 0 512 pass",
		"in " S " " C " S. 5000 1001 0 512 pass",
		"out " C " " S " . 1001 5001 0 512 pass",
		"in " C " " S " . 1001 5001 0 512 pass",
		"out " C " " S " F. 1001 5001 0 512 pass",
		"out " S " " C " F. 5001 1001 0 512 pass",
		"in " C " " S " F. 1001 5001 0 512 pass",
		"in " S " " C " F. 5001 1001 0 512 pass",
		"out " S " " C " . 5002 1002 0 512 pass",
		"out " C " " S " . 1002 5002 0 512 pass",
		"in " S " " C " . 5002 1002 0 512 pass",
		"in " C " " S " . 1002 5002 0 512 pass",
	};
	static const struct states want[] = {
		{ "SYN_SENT", "" }, { "ESTABLISHED", "SYN_RCVD" },
		{ "", "ESTABLISHED" }, { "FIN_WAIT_1", "CLOSING" },
		{ "CLOSING", "FIN_WAIT_1" }, { "TIME_WAIT", "" },
		{ "", "TIME_WAIT" },
	};
	struct ladder l;

	ASSERT_EQ(0, build_raw(&l, recs, 14, -1));
	check_states(_metadata, &l.conns[0], want, 7);
	ladder_free(&l);
}

TEST(ladder_refused)
{
	static const char * const lines[] = {
		C " " S " S 1000 0 0",
		S " " C " R. 0 1001 0",
	};
	struct ladder l;

	ASSERT_EQ(0, build(&l, lines, 2, -1));
	EXPECT_STREQ("CLOSED", l.conns[0].initial[1]);
	EXPECT_STREQ("CLOSED", l.conns[0].arrows[1].left_state);
	ladder_free(&l);
}

TEST(ladder_connections_and_port)
{
	static const char * const lines[] = {
		C " " S " S 1000 0 0",
		"127.0.0.1:40001 127.0.0.1:7001 S 9 0 0",
		S " " C " S. 5000 1001 0",
		/* the same 4-tuple again, with a new ISN: a new connection */
		C " " S " S 777 0 0",
	};
	struct ladder l;

	ASSERT_EQ(0, build(&l, lines, 4, -1));
	EXPECT_EQ(3, l.nconns);
	EXPECT_EQ(2, l.conns[0].narrows);
	ladder_free(&l);
	ASSERT_EQ(0, build(&l, lines, 4, 7001));
	ASSERT_EQ(1, l.nconns);
	EXPECT_STREQ("127.0.0.1:7001", l.conns[0].end[1].addr);
	ladder_free(&l);
}

/* A capture being written: tcpdump's pcap, little-endian, raw IPv4. */
struct capture {
	unsigned char buf[4096];
	size_t len;
};

static void put(struct capture *c, const void *p, size_t n)
{
	memcpy(c->buf + c->len, p, n);
	c->len += n;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void capture_start(struct capture *c, uint32_t link)
{
	uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, link };

	c->len = 0;
	put(c, hdr, sizeof(hdr));
}

/*
 * A segment from sport to dport on 127.0.0.1 with the options opt, as a
 * record of link type 101 (raw IPv4) at usec microseconds; proto is the
 * IP protocol, frag a fragment offset.
 */
static void capture_seg(struct capture *c, uint32_t usec, int proto,
			int frag, int sport, int dport, uint32_t seq,
			uint32_t ack, unsigned char flags, const void *opt,
			size_t optlen, size_t payload)
{
	unsigned char ip[20] = { 0x45, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0,
				 127, 0, 0, 1, 127, 0, 0, 1 };
	unsigned char th[60] = { 0 };
	size_t hlen = 20 + optlen, total = 20 + hlen + payload;
	uint32_t rec[4] = { 1, usec, total, total };
	static const unsigned char zeros[2000];

	ip[2] = total >> 8;
	ip[3] = total;
	ip[6] = frag >> 8;
	ip[7] = frag;
	ip[9] = proto;
	th[0] = sport >> 8;
	th[1] = sport;
	th[2] = dport >> 8;
	th[3] = dport;
	put_be32(th + 4, seq);
	put_be32(th + 8, ack);
	th[12] = hlen / 4 << 4;
	th[13] = flags;
	th[14] = 0xff;
	th[15] = 0xff;
	memcpy(th + 20, opt, optlen);
	put(c, rec, sizeof(rec));
	put(c, ip, sizeof(ip));
	put(c, th, hlen);
	put(c, zeros, payload);
}

/*
 * A handshake that agrees on SACK and timestamps, a data segment, and a
 * duplicate ACK with two SACK blocks, among a UDP packet and a fragment,
 * read from a capture: each TTP segment twice (leaving, arriving), and
 * the labels show the options, SACK blocks in the ACK's numbers.
 */
TEST(ladder_from_a_capture)
{
	static const unsigned char syn_opt[] = {
		2, 4, 0x03, 0xe8, 1, 1, 4, 2, 1, 1, 8, 10,
		0, 0, 0, 7, 0, 0, 0, 0,
	};
	static const unsigned char ts_opt[] = {
		1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 7,
	};
	unsigned char sack_opt[] = {
		1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 7,
		1, 1, 5, 18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	static struct capture c;
	struct ttp_segment *segs;
	struct ladder l;
	char label[160];
	FILE *f;
	int n;

	put_be32(sack_opt + 16, 5000 + 1 + 2000);
	put_be32(sack_opt + 20, 5000 + 1 + 3000);
	put_be32(sack_opt + 24, 5000 + 1 + 4000);
	put_be32(sack_opt + 28, 5000 + 1 + 5000);
	capture_start(&c, 101);
	capture_seg(&c, 0, 253, 0, 40000, 7000, 1000, 0, 0x02, syn_opt,
		    sizeof(syn_opt), 0);
	capture_seg(&c, 1, 17, 0, 40000, 7000, 0, 0, 0, NULL, 0, 8);
	capture_seg(&c, 2, 253, 0, 7000, 40000, 5000, 1001, 0x12, syn_opt,
		    sizeof(syn_opt), 0);
	capture_seg(&c, 3, 253, 0x2000, 7000, 40000, 5001, 1001, 0x18, NULL,
		    0, 8);
	capture_seg(&c, 4, 253, 0, 40000, 7000, 1001, 5001, 0x10, ts_opt,
		    sizeof(ts_opt), 0);
	capture_seg(&c, 5, 253, 0, 7000, 40000, 5001, 1001, 0x18, ts_opt,
		    sizeof(ts_opt), 1000);
	capture_seg(&c, 6, 253, 0, 40000, 7000, 1001, 5001, 0x10, sack_opt,
		    sizeof(sack_opt), 0);

	f = fmemopen(c.buf, c.len, "r");
	ASSERT_NE(NULL, f);
	n = ttp_read_pcap(f, 253, &segs);
	fclose(f);
	ASSERT_EQ(10, n);
	EXPECT_TRUE(segs[0].out);
	EXPECT_FALSE(segs[1].out);
	EXPECT_STREQ("127.0.0.1:40000", segs[0].src);
	EXPECT_STREQ("S", segs[0].flags);
	EXPECT_TRUE(segs[0].sack_ok);
	EXPECT_EQ(1000, segs[6].len);
	EXPECT_EQ(2, segs[8].nsacks);
	ASSERT_EQ(0, ladder_build(&l, segs, n, -1));
	ASSERT_EQ(1, l.nconns);
	ASSERT_EQ(5, l.conns[0].narrows);
	EXPECT_FALSE(l.conns[0].arrows[4].lost);
	ladder_label(&l.conns[0], &l.conns[0].arrows[0], false, label,
		     sizeof(label));
	EXPECT_STREQ("S seq=0 len=0 sackOK ts=7/0", label);
	ladder_label(&l.conns[0], &l.conns[0].arrows[3], false, label,
		     sizeof(label));
	EXPECT_STREQ("P. seq=1 ack=1 len=1000 ts=9/7", label);
	ladder_label(&l.conns[0], &l.conns[0].arrows[4], false, label,
		     sizeof(label));
	EXPECT_STREQ(". seq=1 ack=1 len=0 ts=9/7 sack=2001-3001,4001-5001",
		     label);
	ladder_free(&l);
	free(segs);
}

/* What is no capture, or a cut one, is refused. */
TEST(capture_malformed)
{
	static struct capture c;
	struct ttp_segment *segs;
	FILE *f;

	capture_start(&c, 101);
	c.buf[0] = 0;
	f = fmemopen(c.buf, c.len, "r");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(-1, ttp_read_pcap(f, 253, &segs));
	fclose(f);

	capture_start(&c, 101);
	capture_seg(&c, 0, 253, 0, 40000, 7000, 1000, 0, 0x02, NULL, 0, 0);
	f = fmemopen(c.buf, c.len - 5, "r");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(-1, ttp_read_pcap(f, 253, &segs));
	fclose(f);

	/* an unknown link type holds no segment we read */
	capture_start(&c, 147);
	capture_seg(&c, 0, 253, 0, 40000, 7000, 1000, 0, 0x02, NULL, 0, 0);
	f = fmemopen(c.buf, c.len, "r");
	ASSERT_NE(NULL, f);
	EXPECT_EQ(0, ttp_read_pcap(f, 253, &segs));
	fclose(f);
	free(segs);
}

TEST_HARNESS_MAIN
