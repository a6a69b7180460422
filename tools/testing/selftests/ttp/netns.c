// SPDX-License-Identifier: GPL-2.0
/*
 * Every network namespace is its own TTP stack: its own sockets and ports,
 * /proc/net/ttp* files, fault rules, trace and tunables.
 */
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "ttp_util.h"

static char buf[1 << 16];

struct netns_child {
	int (*fn)(void);
};

static int enter_new_netns(void *arg)
{
	const struct netns_child *child = arg;

	if (unshare(CLONE_NEWNET) || loopback_up())
		return 100;
	return child->fn();
}

/*
 * Run fn in a child process in a new network namespace; its exit status
 * (0 for success, or the number of the check that failed) comes back.
 */
static int in_new_netns(int (*fn)(void))
{
	struct netns_child child = { fn };

	return in_child_without(-1, enter_new_netns, &child);
}

static int child_sees_only_its_sockets(void)
{
	int fd = socket(AF_TTP, SOCK_STREAM, 0);
	char line[256];

	if (ttp_proc_lines() != 1)	/* the header alone */
		return 1;
	/* the parent's port is free here */
	if (fd < 0 || ttp_bind(fd, AF_TTP, "127.0.0.1", 7301))
		return 2;
	if (listen(fd, 1) || !ttp_proc_line("127.0.0.1", 7301, line, sizeof(line)))
		return 3;
	if (!strstr(line, " LISTEN "))
		return 4;
	return 0;
}

TEST(sockets_and_ports)
{
	int fd = socket(AF_TTP, SOCK_STREAM, 0);
	char line[256];

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ttp_bind(fd, AF_TTP, "127.0.0.1", 7301));
	EXPECT_EQ(0, in_new_netns(child_sees_only_its_sockets));
	/* and the child's listener never showed here */
	ASSERT_TRUE(ttp_proc_line("127.0.0.1", 7301, line, sizeof(line)));
	EXPECT_NE(NULL, strstr(line, " CLOSED "));
	close(fd);
}

static int child_has_own_faults_and_trace(void)
{
	struct ttp_raw_seg s = { .sport = 40100, .dport = 7302, .flags = 0x10 };

	if (read_file(TTP_FAULTS, buf, sizeof(buf)) != 0)
		return 1;	/* the parent's rule is not here */
	if (read_file(TTP_TRACE, buf, sizeof(buf)) != 0)
		return 2;	/* nor the parent's segments */
	if (ttp_stat("FaultDrops") != 0 || ttp_stat("InSegs") != 0)
		return 3;
	if (write_file(TTP_FAULTS, "drop dir=in port=7302"))
		return 4;
	if (ttp_raw_send(IPPROTO_TTP, "127.0.0.1", "127.0.0.1", &s) != 20)
		return 5;
	if (ttp_stat("FaultDrops") != 1)
		return 6;
	if (read_file(TTP_TRACE, buf, sizeof(buf)) <= 0 || !strstr(buf, " drop\n"))
		return 7;
	return 0;
}

TEST(faults_trace_and_stats)
{
	struct ttp_raw_seg s = { .sport = 40101, .dport = 7303, .flags = 0x10 };
	long drops;

	ASSERT_EQ(0, write_file(TTP_FAULTS, "clear"));
	ASSERT_EQ(0, write_file(TTP_FAULTS, "drop dir=out port=7303"));
	ASSERT_EQ(20, ttp_raw_send(IPPROTO_TTP, "127.0.0.1", "127.0.0.1", &s));
	drops = ttp_stat("FaultDrops");
	ASSERT_LT(0, drops);

	EXPECT_EQ(0, in_new_netns(child_has_own_faults_and_trace));

	/* the child's rule and drop stayed in the child */
	ASSERT_LT(0, read_file(TTP_FAULTS, buf, sizeof(buf)));
	EXPECT_STREQ("drop dir=out port=7303 skip=0 count=1 hits=1\n", buf);
	EXPECT_EQ(drops, ttp_stat("FaultDrops"));
	ASSERT_LT(0, read_file(TTP_TRACE, buf, sizeof(buf)));
	EXPECT_EQ(NULL, strstr(buf, ":7302 "));
	ASSERT_EQ(0, write_file(TTP_FAULTS, "clear"));
}

static int child_has_own_tunables(void)
{
	if (read_long(TTP_SYSCTL "msl_ms") != 30000)
		return 1;	/* defaults, not the parent's value */
	if (write_file(TTP_SYSCTL "msl_ms", "1000"))
		return 2;
	if (read_long(TTP_SYSCTL "msl_ms") != 1000)
		return 3;
	return 0;
}

TEST(tunables)
{
	ASSERT_EQ(0, write_file(TTP_SYSCTL "msl_ms", "5000"));
	EXPECT_EQ(0, in_new_netns(child_has_own_tunables));
	EXPECT_EQ(5000, read_long(TTP_SYSCTL "msl_ms"));
	ASSERT_EQ(0, write_file(TTP_SYSCTL "msl_ms", "30000"));
}

static int child_exits_with_socket_open(void)
{
	int fd = socket(AF_TTP, SOCK_STREAM, 0);

	/* the namespace goes away with its last socket */
	if (fd < 0 || ttp_bind(fd, AF_TTP, "127.0.0.1", 7304) || listen(fd, 4))
		return 1;
	return 0;
}

TEST(namespace_teardown)
{
	for (int i = 0; i < 20; i++)
		ASSERT_EQ(0, in_new_netns(child_exits_with_socket_open));
}

TEST_HARNESS_MAIN
