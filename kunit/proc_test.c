// SPDX-License-Identifier: GPL-2.0
/* KUnit: the lines of /proc/net/ttp, against the spec's own examples. */
#include <kunit/test.h>
#include <linux/inet.h>
#include <net/tcp_states.h>

#include "../module/proc.h"

static void ttp_proc_header_test(struct kunit *test)
{
	char buf[160];

	ttp_proc_format_header(buf, sizeof(buf));
	KUNIT_EXPECT_STREQ(test, buf,
			   "local                remote               state        sendq  recvq  timer       retrans  uid   inode\n");
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
		.state = TCP_ESTABLISHED, .inode = 21741,
	};
	struct ttp_proc_row tw = {
		.saddr = in_aton("127.0.0.1"), .sport = 40112,
		.daddr = in_aton("127.0.0.1"), .dport = 7000,
		.state = TCP_TIME_WAIT, .timer = "tw", .timer_ms = 59812,
	};
	char buf[160];

	ttp_proc_format_row(buf, sizeof(buf), &listen);
	KUNIT_EXPECT_STREQ(test, buf,
			   "127.0.0.1:7000       0.0.0.0:0            LISTEN       0      0      -           0        0     21734\n");
	ttp_proc_format_row(buf, sizeof(buf), &estab);
	KUNIT_EXPECT_STREQ(test, buf,
			   "127.0.0.1:7000       127.0.0.1:40112      ESTABLISHED  0      0      -           0        0     21741\n");
	ttp_proc_format_row(buf, sizeof(buf), &tw);
	KUNIT_EXPECT_STREQ(test, buf,
			   "127.0.0.1:40112      127.0.0.1:7000       TIME_WAIT    0      0      tw:59812    0        0     0\n");
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
		.inode = 123456789,
	};
	char buf[160];

	ttp_proc_format_row(buf, sizeof(buf), &r);
	KUNIT_EXPECT_STREQ(test, buf,
			   "255.255.255.255:65535 255.255.255.255:65535 FIN_WAIT_1   4000000000 4000000000 keepalive:7200000 255      4294967294 123456789\n");
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
	KUNIT_CASE(ttp_state_names_test),
	{}
};

static struct kunit_suite ttp_proc_suite = {
	.name = "ttp_proc",
	.test_cases = ttp_proc_cases,
};

kunit_test_suite(ttp_proc_suite);
