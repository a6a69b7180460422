// SPDX-License-Identifier: GPL-2.0
/* KUnit: the lines of /proc/net/ttp, against the spec's own examples. */
#include <kunit/test.h>
#include <linux/inet.h>
#include <net/tcp_states.h>

#include "../module/proc.h"

/* What a new connection starts with: RFC 6928's window, no loss yet. */
#define TTP_PROC_NEW_CONN \
	.cong = true, .cwnd = 10, .ssthresh = TTP_INFINITE_SSTHRESH, \
	.ca_state = TTP_CA_OPEN, .cc = "cubic"

static void ttp_proc_header_test(struct kunit *test)
{
	char buf[256];

	ttp_proc_format_header(buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf,
			   "local                remote               state        sendq  recvq  timer       retrans  uid   inode    cwnd   ssthresh ca       cc\n");
}

static void ttp_proc_spec_examples_test(struct kunit *test)
{
	struct ttp_proc_row listen = {
		.saddr = in_aton("127.0.0.1"), .sport = 7000,
		.state = TCP_LISTEN, .inode = 21734,
	};
	struct ttp_proc_row estab = {
		.saddr = in_aton("127.0.0.1"), .sport = 7000,
		.daddr = in_aton("127.0.0.1"), .dport = 40112,
		.state = TCP_ESTABLISHED, .inode = 21741, TTP_PROC_NEW_CONN,
	};
	struct ttp_proc_row tw = {
		.saddr = in_aton("127.0.0.1"), .sport = 40112,
		.daddr = in_aton("127.0.0.1"), .dport = 7000,
		.state = TCP_TIME_WAIT, .timer = "tw", .timer_ms = 59812,
	};
	char buf[256];

	ttp_proc_format_row(buf, sizeof(buf), &listen);
	KUNIT_EXPECT_STREQ(test, buf,
			   "127.0.0.1:7000       0.0.0.0:0            LISTEN       0      0      -           0        0     21734    -      -        -        -\n");
	ttp_proc_format_row(buf, sizeof(buf), &estab);
	KUNIT_EXPECT_STREQ(test, buf,
			   "127.0.0.1:7000       127.0.0.1:40112      ESTABLISHED  0      0      -           0        0     21741    10     -        open     cubic\n");
	ttp_proc_format_row(buf, sizeof(buf), &tw);
	KUNIT_EXPECT_STREQ(test, buf,
			   "127.0.0.1:40112      127.0.0.1:7000       TIME_WAIT    0      0      tw:59812    0        0     0        -      -        -        -\n");
}

/* Values wider than their column still leave a blank between columns. */
static void ttp_proc_wide_values_test(struct kunit *test)
{
	struct ttp_proc_row r = {
		.saddr = in_aton("255.255.255.255"), .sport = 65535,
		.daddr = in_aton("255.255.255.255"), .dport = 65535,
		.state = TCP_FIN_WAIT1, .sendq = 4000000000U,
		.recvq = 4000000000U, .timer = "keepalive",
		.timer_ms = 7200000, .retrans = 255, .uid = 4294967294U,
		.inode = 123456789, .cong = true, .cwnd = 4000000000U,
		.ssthresh = 4000000000U, .ca_state = TTP_CA_DISORDER,
		.cc = "abcdefghijklmno",
	};
	char buf[256];

	ttp_proc_format_row(buf, sizeof(buf), &r);
	KUNIT_EXPECT_STREQ(test, buf,
			   "255.255.255.255:65535 255.255.255.255:65535 FIN_WAIT_1   4000000000 4000000000 keepalive:7200000 255      4294967294 123456789 4000000000 4000000000 disorder abcdefghijklmno\n");
}

/*
 * After a loss: ssthresh is a number of segments, the congestion state
 * a word.  A retransmission timeout shows its retransmission too.
 */
static void ttp_proc_loss_test(struct kunit *test)
{
	struct ttp_proc_row recovery = {
		.saddr = in_aton("10.0.0.1"), .sport = 40000,
		.daddr = in_aton("10.0.0.2"), .dport = 5000,
		.state = TCP_ESTABLISHED, .sendq = 1048576,
		.timer = "rto", .timer_ms = 212, .uid = 1000, .inode = 30517,
		.cong = true, .cwnd = 45, .ssthresh = 42,
		.ca_state = TTP_CA_RECOVERY, .cc = "reno",
	};
	struct ttp_proc_row loss = {
		.saddr = in_aton("10.0.0.1"), .sport = 40001,
		.daddr = in_aton("10.0.0.2"), .dport = 5000,
		.state = TCP_ESTABLISHED, .sendq = 65536,
		.timer = "rto", .timer_ms = 400, .retrans = 1, .uid = 1000,
		.inode = 30518, .cong = true, .cwnd = 1, .ssthresh = 2,
		.ca_state = TTP_CA_LOSS, .cc = "cubic",
	};
	char buf[256];

	ttp_proc_format_row(buf, sizeof(buf), &recovery);
	KUNIT_EXPECT_STREQ(test, buf,
			   "10.0.0.1:40000       10.0.0.2:5000        ESTABLISHED  1048576 0      rto:212     0        1000  30517    45     42       recovery reno\n");
	ttp_proc_format_row(buf, sizeof(buf), &loss);
	KUNIT_EXPECT_STREQ(test, buf,
			   "10.0.0.1:40001       10.0.0.2:5000        ESTABLISHED  65536  0      rto:400     1        1000  30518    1      2        loss     cubic\n");
}

/*
 * A listener, a request sock and TIME_WAIT have no window: four dashes,
 * whatever the row holds besides.  So has a socket caught while
 * TTP_CONGESTION changes its algorithm: its window stays.
 */
static void ttp_proc_no_window_test(struct kunit *test)
{
	struct ttp_proc_row listen = {
		.saddr = in_aton("0.0.0.0"), .sport = 5000,
		.state = TCP_LISTEN, .sendq = 128, .recvq = 3, .uid = 1000,
		.inode = 30500, .cwnd = 10, .ssthresh = 7, .cc = "cubic",
	};
	struct ttp_proc_row req = {
		.saddr = in_aton("10.0.0.2"), .sport = 5000,
		.daddr = in_aton("10.0.0.1"), .dport = 40002,
		.state = TCP_NEW_SYN_RECV, .timer = "rto", .timer_ms = 1000,
		.uid = 1000,
	};
	struct ttp_proc_row changing = {
		.saddr = in_aton("10.0.0.1"), .sport = 40003,
		.daddr = in_aton("10.0.0.2"), .dport = 5000,
		.state = TCP_SYN_SENT, .timer = "rto", .timer_ms = 1000,
		.inode = 30519, .cong = true, .cwnd = 10,
		.ssthresh = TTP_INFINITE_SSTHRESH, .ca_state = TTP_CA_OPEN,
	};
	char buf[256];

	ttp_proc_format_row(buf, sizeof(buf), &listen);
	KUNIT_EXPECT_STREQ(test, buf,
			   "0.0.0.0:5000         0.0.0.0:0            LISTEN       128    3      -           0        1000  30500    -      -        -        -\n");
	ttp_proc_format_row(buf, sizeof(buf), &req);
	KUNIT_EXPECT_STREQ(test, buf,
			   "10.0.0.2:5000        10.0.0.1:40002       SYN_RCVD     0      0      rto:1000    0        1000  0        -      -        -        -\n");
	ttp_proc_format_row(buf, sizeof(buf), &changing);
	KUNIT_EXPECT_STREQ(test, buf,
			   "10.0.0.1:40003       10.0.0.2:5000        SYN_SENT     0      0      rto:1000    0        0     30519    10     -        open     -\n");
}

static void ttp_ca_state_names_test(struct kunit *test)
{
	static const char * const names[] = {
		"open", "disorder", "cwr", "recovery", "loss",
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		KUNIT_EXPECT_STREQ(test, ttp_ca_state_name(i), names[i]);
	KUNIT_EXPECT_EQ(test, TTP_CA_LOSS + 1, (int)ARRAY_SIZE(names));
	KUNIT_EXPECT_STREQ(test, ttp_ca_state_name(5), "unknown");
	KUNIT_EXPECT_STREQ(test, ttp_ca_state_name(-1), "unknown");
	KUNIT_EXPECT_STREQ(test, ttp_ca_state_name(255), "unknown");
}

static void ttp_state_names_test(struct kunit *test)
{
	static const struct {
		int state;
		const char *name;
	} c[] = {
		{ TCP_CLOSE, "CLOSED" }, { TCP_LISTEN, "LISTEN" },
		{ TCP_SYN_SENT, "SYN_SENT" }, { TCP_SYN_RECV, "SYN_RCVD" },
		{ TCP_NEW_SYN_RECV, "SYN_RCVD" },
		{ TCP_ESTABLISHED, "ESTABLISHED" },
		{ TCP_FIN_WAIT1, "FIN_WAIT_1" }, { TCP_FIN_WAIT2, "FIN_WAIT_2" },
		{ TCP_CLOSE_WAIT, "CLOSE_WAIT" }, { TCP_CLOSING, "CLOSING" },
		{ TCP_LAST_ACK, "LAST_ACK" }, { TCP_TIME_WAIT, "TIME_WAIT" },
		{ 0, "UNKNOWN" }, { -1, "UNKNOWN" }, { 200, "UNKNOWN" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++)
		KUNIT_EXPECT_STREQ(test, ttp_state_name(c[i].state), c[i].name);
}

static struct kunit_case ttp_proc_cases[] = {
	KUNIT_CASE(ttp_proc_header_test),
	KUNIT_CASE(ttp_proc_spec_examples_test),
	KUNIT_CASE(ttp_proc_wide_values_test),
	KUNIT_CASE(ttp_proc_loss_test),
	KUNIT_CASE(ttp_proc_no_window_test),
	KUNIT_CASE(ttp_ca_state_names_test),
	KUNIT_CASE(ttp_state_names_test),
	{}
};

static struct kunit_suite ttp_proc_suite = {
	.name = "ttp_proc",
	.test_cases = ttp_proc_cases,
};

kunit_test_suite(ttp_proc_suite);
