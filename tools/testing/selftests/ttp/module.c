// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading ttp.ko: refused while a socket exists, autoloaded by
 * socket(AF_TTP, ...), repeatable, and its ipproto= parameter.  Needs the
 * path of ttp.ko in TTP_KO; leaves the module loaded with default settings.
 */
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ttp_util.h"

static int load(const char *params)
{
	const char *path = getenv("TTP_KO");
	int fd, ret;

	if (!path)
		return -ENOENT;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

static int unload(void)
{
	return syscall(SYS_delete_module, "ttp", O_NONBLOCK) ? -errno : 0;
}

/*
 * A closed listener is freed after an RCU grace period (SOCK_RCU_FREE), and
 * holds the module until then: retry for a while before calling it busy.
 */
static int unload_when_free(void)
{
	int err, tries = 500;

	while ((err = unload()) == -EWOULDBLOCK && --tries)
		usleep(10000);
	return err;
}

static bool loaded(void)
{
	struct stat st;

	return stat("/sys/module/ttp", &st) == 0;
}

FIXTURE(mod) {
};

FIXTURE_SETUP(mod)
{
	ASSERT_NE(NULL, getenv("TTP_KO"));
	if (!loaded())
		ASSERT_EQ(0, load(""));
}

FIXTURE_TEARDOWN(mod)
{
	if (!loaded())
		load("");
}

TEST_F(mod, unload_refused_while_socket_open)
{
	int fd = socket(AF_TTP, SOCK_STREAM, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, unload());
	EXPECT_TRUE(loaded());
	close(fd);
	EXPECT_EQ(0, unload_when_free());
	EXPECT_FALSE(loaded());
}

TEST_F(mod, unload_refused_while_listening)
{
	int fd = socket(AF_TTP, SOCK_STREAM, 0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ttp_bind(fd, AF_TTP, "127.0.0.1", 7401));
	ASSERT_EQ(0, listen(fd, 8));
	EXPECT_EQ(-EWOULDBLOCK, unload());
	close(fd);
	EXPECT_EQ(0, unload_when_free());
}

TEST_F(mod, socket_autoloads_module)
{
	int fd;

	ASSERT_EQ(0, unload_when_free());
	ASSERT_FALSE(loaded());
	fd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	EXPECT_TRUE(loaded());
	close(fd);
}

TEST_F_TIMEOUT(mod, hundred_load_unload_cycles, 1800)
{
	ASSERT_EQ(0, unload_when_free());
	for (int i = 0; i < 100; i++) {
		int fd;

		ASSERT_EQ(0, load("")) TH_LOG("cycle %d", i);
		fd = socket(AF_TTP, SOCK_STREAM, 0);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ttp_bind(fd, AF_TTP, "127.0.0.1", 0));
		ASSERT_EQ(0, listen(fd, 4));
		close(fd);
		ASSERT_EQ(0, unload_when_free()) TH_LOG("cycle %d", i);
	}
}

TEST_F(mod, ipproto_parameter)
{
	struct ttp_raw_seg s = { .sport = 40200, .dport = 7402, .flags = 0x10 };
	char trace[4096];
	socklen_t len = sizeof(int);
	int fd, proto;

	ASSERT_EQ(0, unload_when_free());
	EXPECT_EQ(-EINVAL, load("ipproto=7"));
	EXPECT_FALSE(loaded());
	ASSERT_EQ(0, load("ipproto=254"));
	EXPECT_EQ(254, read_long("/sys/module/ttp/parameters/ipproto"));

	fd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len));
	EXPECT_EQ(254, proto);
	EXPECT_EQ(-1, socket(AF_TTP, SOCK_STREAM, 253));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	close(fd);

	/* the hook follows the protocol number in use */
	ASSERT_EQ(20, ttp_raw_send(253, "127.0.0.1", "127.0.0.1", &s));
	s.sport++;
	ASSERT_EQ(20, ttp_raw_send(254, "127.0.0.1", "127.0.0.1", &s));
	ASSERT_LE(0, read_file(TTP_TRACE, trace, sizeof(trace)));
	EXPECT_EQ(NULL, strstr(trace, ":40200 "));
	EXPECT_NE(NULL, strstr(trace, ":40201 "));

	ASSERT_EQ(0, unload_when_free());
	ASSERT_EQ(0, load(""));
}

#define CG_ROOT		"/tmp/ttp-cgroup"
#define NETNS_EACH	16
/* the trace ring: 4096 entries of at least 40 bytes */
#define RING_AT_LEAST	(4096 * 40)

/*
 * What NETNS_EACH new network namespaces charge to the memory cgroup of
 * the task that makes them: a child in a cgroup of its own (so that the
 * namespaces of an earlier call, freed later, uncharge elsewhere) makes
 * them, keeps them while it measures and says the difference through a
 * pipe.
 */
static long netns_charge(int n)
{
	char cg[64], path[96];
	int p[2], status;
	long delta = -1;
	pid_t pid;

	snprintf(cg, sizeof(cg), CG_ROOT "/ttp-ring-%d", n);
	if ((mkdir(cg, 0755) && errno != EEXIST) || pipe(p))
		return -1;
	snprintf(path, sizeof(path), "%s/memory.current", cg);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		char me[16], procs[96];
		int keep[NETNS_EACH];
		long before;

		snprintf(me, sizeof(me), "%d", getpid());
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		if (write_file(procs, me))
			_exit(1);
		before = read_long(path);
		for (int i = 0; i < NETNS_EACH; i++) {
			if (unshare(CLONE_NEWNET))
				_exit(1);
			keep[i] = open("/proc/self/ns/net", O_RDONLY);
		}
		delta = read_long(path) - before;
		if (write(p[1], &delta, sizeof(delta)) != sizeof(delta))
			_exit(1);
		for (int i = 0; i < NETNS_EACH; i++)
			close(keep[i]);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &delta, sizeof(delta)) != sizeof(delta))
		delta = -1;
	close(p[0]);
	waitpid(pid, &status, 0);
	return delta;
}

/*
 * Each namespace's trace ring is charged to the memory cgroup of whoever
 * made the namespace (GFP_KERNEL_ACCOUNT), as the rest of a namespace is:
 * a user in a small cgroup cannot make namespaces whose rings it does not
 * pay for.  Measured as what the namespaces cost with the module loaded
 * against without it, each in a fresh cgroup.
 */
TEST_F(mod, trace_ring_is_charged_to_the_namespace_maker)
{
	long with, without;

	ASSERT_TRUE(mkdir(CG_ROOT, 0755) == 0 || errno == EEXIST);
	if (mount("none", CG_ROOT, "cgroup2", 0, NULL) && errno != EBUSY)
		SKIP(return, "no cgroup2: %s", strerror(errno));
	if (write_file(CG_ROOT "/cgroup.subtree_control", "+memory"))
		SKIP(return, "no memory controller");

	ASSERT_EQ(0, unload_when_free());
	without = netns_charge(0);
	ASSERT_EQ(0, load(""));
	with = netns_charge(1);
	rmdir(CG_ROOT "/ttp-ring-0");
	rmdir(CG_ROOT "/ttp-ring-1");
	umount(CG_ROOT);
	rmdir(CG_ROOT);

	TH_LOG("%d namespaces charged %ld bytes with ttp.ko, %ld without",
	       NETNS_EACH, with, without);
	ASSERT_LE(0, with);
	ASSERT_LE(0, without);
	EXPECT_LE((long)NETNS_EACH * RING_AT_LEAST, with - without);
}

TEST_HARNESS_MAIN
