// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter hook: fault rules in /proc/net/ttp_faults and the segments
 * in /proc/net/ttp_trace, driven by hand-built segments from raw sockets,
 * and the receive path's counters.
 */
#include <poll.h>

#include "kselftest_harness.h"
#include "ttp_util.h"

#define SYN 0x02
#define RST 0x04
#define ACK 0x10

static char buf[1 << 20];

FIXTURE(hook) {
	int proto;
};

FIXTURE_SETUP(hook)
{
	socklen_t len = sizeof(self->proto);
	int fd = socket(AF_TTP, SOCK_STREAM, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &self->proto, &len));
	close(fd);
	ASSERT_EQ(0, write_file(TTP_FAULTS, "clear\n"));
	ASSERT_EQ(0, write_file(TTP_TRACE, "clear\n"));
}

FIXTURE_TEARDOWN(hook)
{
	write_file(TTP_FAULTS, "clear\n");
}

static ssize_t send_seg(int proto, uint16_t sport, uint16_t dport,
			uint8_t flags, const char *data)
{
	struct ttp_raw_seg s = {
		.sport = sport, .dport = dport, .seq = 1000, .ack = 2000,
		.flags = flags, .win = 512, .data = data,
		.len = data ? strlen(data) : 0,
	};

	return ttp_raw_send(proto, "127.0.0.1", "127.0.0.1", &s);
}

/*
 * The trace lines of the hand-built segments, without their time stamps,
 * one per array entry.  The RSTs that answer them (for no port 70xx has a
 * socket) come from 127.0.0.1:70xx and are left out.
 */
static int trace_lines(char lines[][128], int max)
{
	char *line;
	int n = 0;

	if (read_file(TTP_TRACE, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *rest = strchr(line, ' ');
		char *src = rest ? strchr(rest + 1, ' ') : NULL;

		if (!src || !strncmp(src + 1, "127.0.0.1:70", 12))
			continue;
		if (n < max)
			snprintf(lines[n], 128, "%s", rest + 1);
		n++;
	}
	return n;
}

TEST_F(hook, rules_read_back_normalised)
{
	ASSERT_EQ(0, write_file(TTP_FAULTS, "drop dir=out flags=ACK,SYN port=7000 count=2\n"));
	ASSERT_EQ(0, write_file(TTP_FAULTS, "loss   dir=in percent=12.5"));
	ASSERT_EQ(0, write_file(TTP_FAULTS, "drop dir=in flags=FIN exact skip=3"));
	ASSERT_LT(0, read_file(TTP_FAULTS, buf, sizeof(buf)));
	EXPECT_STREQ("drop dir=out flags=SYN,ACK port=7000 skip=0 count=2 hits=0\n"
		     "loss dir=in percent=12.5 hits=0\n"
		     "drop dir=in flags=FIN exact skip=3 count=1 hits=0\n", buf);
	ASSERT_EQ(0, write_file(TTP_FAULTS, "clear"));
	EXPECT_EQ(0, read_file(TTP_FAULTS, buf, sizeof(buf)));
}

TEST_F(hook, malformed_rules_change_nothing)
{
	static const char * const bad[] = {
		"drop", "drop dir=sideways", "drop dir=in flags=SYN,URGENT",
		"loss dir=in percent=150", "drop dir=in count=0", "reset",
		"drop dir=in exact", "loss dir=in percent=5 count=1",
	};

	ASSERT_EQ(0, write_file(TTP_FAULTS, "drop dir=in"));
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		int err = write_file(TTP_FAULTS, bad[i]);

		EXPECT_EQ(-EINVAL, err) TH_LOG("'%s'", bad[i]);
	}
	ASSERT_LT(0, read_file(TTP_FAULTS, buf, sizeof(buf)));
	EXPECT_STREQ("drop dir=in skip=0 count=1 hits=0\n", buf);
}

/* Root without CAP_NET_ADMIN may open the files but not write them. */
static int write_without_net_admin(void *unused)
{
	if (write_file(TTP_FAULTS, "drop dir=in") != -EPERM)
		return 1;
	if (write_file(TTP_FAULTS, "clear") != -EPERM)
		return 2;
	if (write_file(TTP_TRACE, "clear") != -EPERM)
		return 3;
	if (read_file(TTP_FAULTS, buf, sizeof(buf)) < 0)
		return 4;
	return 0;
}

TEST_F(hook, writes_need_net_admin)
{
	EXPECT_EQ(0, in_child_without(CAP_NET_ADMIN, write_without_net_admin, NULL));
	EXPECT_EQ(0, read_file(TTP_FAULTS, buf, sizeof(buf)));
}

TEST_F(hook, raw_segment_in_trace)
{
	char lines[8][128];

	ASSERT_EQ(25, send_seg(self->proto, 40000, 7000, SYN, "hello"));
	ASSERT_EQ(2, trace_lines(lines, 8));
	EXPECT_STREQ("out 127.0.0.1:40000 127.0.0.1:7000 S 1000 2000 5 512 pass", lines[0]);
	EXPECT_STREQ("in 127.0.0.1:40000 127.0.0.1:7000 S 1000 2000 5 512 pass", lines[1]);
}

TEST_F(hook, trace_time_stamps_increase)
{
	unsigned long long t[3];
	char *line;
	int n = 0;

	for (int i = 0; i < 2; i++)
		ASSERT_EQ(20, send_seg(self->proto, 40000, 7000, ACK, NULL));
	ASSERT_LT(0, read_file(TTP_TRACE, buf, sizeof(buf)));
	for (line = strtok(buf, "\n"); line && n < 3; line = strtok(NULL, "\n"))
		t[n++] = strtoull(line, NULL, 10);
	ASSERT_EQ(3, n);
	EXPECT_LT(0, t[0]);
	EXPECT_LE(t[0], t[1]);
	EXPECT_LE(t[1], t[2]);
}

TEST_F(hook, drop_in_is_not_delivered)
{
	struct pollfd p = { .events = POLLIN };
	long drops = ttp_stat("FaultDrops");
	char lines[8][128];

	/* a raw socket of the protocol sees what LOCAL_IN lets through */
	p.fd = socket(AF_INET, SOCK_RAW, self->proto);
	ASSERT_LE(0, p.fd);

	ASSERT_EQ(0, write_file(TTP_FAULTS, "drop dir=in flags=SYN"));
	ASSERT_EQ(20, send_seg(self->proto, 40001, 7000, SYN, NULL));
	EXPECT_EQ(0, poll(&p, 1, 200));
	ASSERT_EQ(2, trace_lines(lines, 8));
	EXPECT_STREQ("out 127.0.0.1:40001 127.0.0.1:7000 S 1000 2000 0 512 pass", lines[0]);
	EXPECT_STREQ("in 127.0.0.1:40001 127.0.0.1:7000 S 1000 2000 0 512 drop", lines[1]);
	EXPECT_EQ(drops + 1, ttp_stat("FaultDrops"));
	ASSERT_LT(0, read_file(TTP_FAULTS, buf, sizeof(buf)));
	EXPECT_STREQ("drop dir=in flags=SYN skip=0 count=1 hits=1\n", buf);

	/* the rule is used up: the next SYN arrives */
	ASSERT_EQ(20, send_seg(self->proto, 40001, 7000, SYN, NULL));
	EXPECT_EQ(1, poll(&p, 1, 2000));
	close(p.fd);
}

TEST_F(hook, drop_out_still_sends)
{
	char lines[8][128];

	/* a segment lost on the way out: the sender is not told */
	ASSERT_EQ(0, write_file(TTP_FAULTS, "drop dir=out"));
	EXPECT_EQ(20, send_seg(self->proto, 40002, 7000, ACK, NULL));
	ASSERT_EQ(1, trace_lines(lines, 8));
	EXPECT_STREQ("out 127.0.0.1:40002 127.0.0.1:7000 . 1000 2000 0 512 drop", lines[0]);
}

TEST_F(hook, skip_and_count)
{
	static const char * const verdict[] = { "pass", "drop", "drop", "pass" };
	char lines[16][128], want[128];

	ASSERT_EQ(0, write_file(TTP_FAULTS, "drop dir=out flags=SYN exact skip=1 count=2"));
	for (int i = 0; i < 4; i++) {
		/* an ACK between the SYNs does not match and moves nothing */
		ASSERT_EQ(20, send_seg(self->proto, 40003, 7000, ACK, NULL));
		ASSERT_EQ(20, send_seg(self->proto, 40003, 7000, SYN, NULL));
	}
	/* out ACK, in ACK, out SYN, [in SYN]: 3 or 4 lines per round */
	ASSERT_EQ(4 * 4 - 2, trace_lines(lines, 16));
	for (int i = 0, l = 0; i < 4; i++) {
		l += 2;	/* the ACK, out and in */
		snprintf(want, sizeof(want),
			 "out 127.0.0.1:40003 127.0.0.1:7000 S 1000 2000 0 512 %s",
			 verdict[i]);
		EXPECT_STREQ(want, lines[l]);
		l += strcmp(verdict[i], "pass") ? 1 : 2;
	}
	ASSERT_LT(0, read_file(TTP_FAULTS, buf, sizeof(buf)));
	EXPECT_STREQ("drop dir=out flags=SYN exact skip=1 count=2 hits=2\n", buf);
}

TEST_F(hook, first_dropping_rule_decides)
{
	ASSERT_EQ(0, write_file(TTP_FAULTS, "drop dir=out port=7001 count=1"));
	ASSERT_EQ(0, write_file(TTP_FAULTS, "drop dir=out count=5"));
	ASSERT_EQ(0, write_file(TTP_FAULTS, "drop dir=out port=7002 count=5"));
	ASSERT_EQ(20, send_seg(self->proto, 40004, 7001, ACK, NULL));
	ASSERT_EQ(20, send_seg(self->proto, 40004, 7002, ACK, NULL));
	ASSERT_LT(0, read_file(TTP_FAULTS, buf, sizeof(buf)));
	EXPECT_STREQ("drop dir=out port=7001 skip=0 count=1 hits=1\n"
		     "drop dir=out skip=0 count=5 hits=1\n"
		     "drop dir=out port=7002 skip=0 count=5 hits=0\n", buf);
}

TEST_F(hook, loss_all_and_none)
{
	char lines[64][128];
	int n, drops = 0;

	ASSERT_EQ(0, write_file(TTP_FAULTS, "loss dir=in percent=0 port=7003"));
	ASSERT_EQ(0, write_file(TTP_FAULTS, "loss dir=out percent=100 port=7004"));
	for (int i = 0; i < 10; i++) {
		ASSERT_EQ(20, send_seg(self->proto, 40005, 7003, ACK, NULL));
		ASSERT_EQ(20, send_seg(self->proto, 40005, 7004, ACK, NULL));
	}
	n = trace_lines(lines, 64);
	ASSERT_EQ(30, n);
	for (int i = 0; i < n; i++)
		drops += !!strstr(lines[i], " drop");
	EXPECT_EQ(10, drops);
	ASSERT_LT(0, read_file(TTP_FAULTS, buf, sizeof(buf)));
	EXPECT_STREQ("loss dir=in percent=0 port=7003 hits=0\n"
		     "loss dir=out percent=100 port=7004 hits=10\n", buf);
}

TEST_F_TIMEOUT(hook, loss_is_random, 300)
{
	char lines[512][128];
	int n, drops = 0;

	ASSERT_EQ(0, write_file(TTP_FAULTS, "loss dir=out percent=50"));
	for (int i = 0; i < 200; i++)
		ASSERT_EQ(20, send_seg(self->proto, 40006, 7005, ACK, NULL));
	n = trace_lines(lines, 512);
	for (int i = 0; i < n; i++)
		drops += strncmp(lines[i], "out", 3) == 0 && strstr(lines[i], " drop");
	/* 200 draws at 50%: outside 60..140 has odds below 1e-8 */
	EXPECT_LE(60, drops);
	EXPECT_GE(140, drops);
	EXPECT_EQ(400 - drops, n);
}

TEST_F_TIMEOUT(hook, trace_ring_keeps_newest, 600)
{
	char *line, *last = NULL;
	int n = 0;

	/*
	 * 2100 segments leave 4200 records: the ring keeps the last 4096.
	 * RSTs, so that no answer adds records.
	 */
	for (int i = 0; i < 2100; i++) {
		struct ttp_raw_seg s = {
			.sport = 40007, .dport = 7006, .seq = i, .flags = RST,
		};

		ASSERT_EQ(20, ttp_raw_send(self->proto, "127.0.0.1", "127.0.0.1", &s));
	}
	ASSERT_LT(0, read_file(TTP_TRACE, buf, sizeof(buf)));
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"), n++)
		last = line;
	EXPECT_EQ(4096, n);
	ASSERT_NE(NULL, last);
	EXPECT_NE(NULL, strstr(last, " in 127.0.0.1:40007 127.0.0.1:7006 R 2099 0 0 0 pass"))
		TH_LOG("last line '%s'", last);
	ASSERT_EQ(0, write_file(TTP_TRACE, "clear"));
	EXPECT_EQ(0, read_file(TTP_TRACE, buf, sizeof(buf)));
	EXPECT_EQ(-EINVAL, write_file(TTP_TRACE, "empty"));
}

TEST_F(hook, receive_counters)
{
	long in = ttp_stat("InSegs"), errs = ttp_stat("InErrs");
	long csum = ttp_stat("InCsumErrors");
	struct ttp_raw_seg bad = {
		.sport = 40008, .dport = 7007, .flags = ACK, .bad_csum = true,
	};
	struct ttp_raw_seg short_doff = {
		.sport = 40008, .dport = 7007, .flags = ACK, .doff = 4,
	};

	/* a valid segment for no socket: it and the RST it draws arrive */
	ASSERT_EQ(20, send_seg(self->proto, 40008, 7007, ACK, NULL));
	EXPECT_EQ(in + 2, ttp_stat("InSegs"));
	EXPECT_EQ(errs, ttp_stat("InErrs"));

	ASSERT_EQ(20, ttp_raw_send(self->proto, "127.0.0.1", "127.0.0.1", &bad));
	EXPECT_EQ(in + 3, ttp_stat("InSegs"));
	EXPECT_EQ(csum + 1, ttp_stat("InCsumErrors"));
	EXPECT_EQ(errs + 1, ttp_stat("InErrs"));

	ASSERT_EQ(20, ttp_raw_send(self->proto, "127.0.0.1", "127.0.0.1", &short_doff));
	EXPECT_EQ(csum + 1, ttp_stat("InCsumErrors"));
	EXPECT_EQ(errs + 2, ttp_stat("InErrs"));
}

TEST_F(hook, other_protocols_ignored)
{
	char lines[4][128];

	/* protocol 252 is not TTP's: neither traced nor matched */
	ASSERT_EQ(0, write_file(TTP_FAULTS, "drop dir=out count=100"));
	ASSERT_EQ(20, send_seg(252, 40009, 7008, ACK, NULL));
	EXPECT_EQ(0, trace_lines(lines, 4));
}

TEST_HARNESS_MAIN
