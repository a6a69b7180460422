// SPDX-License-Identifier: GPL-2.0
/*
 * Two hosts: two network namespaces joined by a veth pair, netem on both
 * ends adding delay, loss, reordering, duplication and corruption.  A
 * ttpcat listens on one host and another connects to it from the other;
 * both are fed TTP_TWOHOSTS_MIB MiB (64 by default) at once, and every
 * byte each prints is checked against the pattern the other was fed.
 * TTP_TWOHOSTS_NETEM replaces the netem parameters.
 */
#include "kselftest_harness.h"
#include "ttp_util.h"

#define NETEM "delay 10ms loss 5% reorder 10% duplicate 2% corrupt 1%"
#define PORT "9000"

static const char * const setup[] = {
	"ip netns add ttp_a",
	"ip netns add ttp_b",
	"ip link add va netns ttp_a type veth peer name vb netns ttp_b",
	"ip -n ttp_a addr add 10.99.0.1/24 dev va",
	"ip -n ttp_b addr add 10.99.0.2/24 dev vb",
	"ip -n ttp_a link set va up",
	"ip -n ttp_b link set vb up",
};

/* The byte at offset off of the stream that seed sends. */
static unsigned char pattern(unsigned int seed, unsigned long long off)
{
	unsigned long long x = (off >> 3) * 0x9e3779b97f4a7c15ULL + seed;

	x ^= x >> 29;
	return x >> (8 * (off & 7));
}

/* Write size bytes of seed's pattern to fd; 0 on success. */
static int send_all(int fd, unsigned int seed, unsigned long long size)
{
	static unsigned char buf[1 << 16];
	unsigned long long off = 0;

	while (off < size) {
		size_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);
		ssize_t w;

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(seed, off + i);
		w = write(fd, buf, n);
		if (w <= 0)
			return 1;
		off += w;
	}
	return 0;
}

/* Read fd to its end; 0 when exactly size bytes of seed's pattern came. */
static int recv_all(int fd, unsigned int seed, unsigned long long size)
{
	static unsigned char buf[1 << 16];
	unsigned long long off = 0;
	ssize_t r;

	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != pattern(seed, off + i))
				return 3;
		off += r;
	}
	if (r < 0)
		return 4;
	return off == size ? 0 : 5;
}

/* Is 10.99.0.2:PORT listening, in this process's namespace? */
static bool listening(void)
{
	static char buf[1 << 16];
	const char *want = "10.99.0.2:" PORT " ";
	char *line;

	if (read_file(TTP_PROC, buf, sizeof(buf)) < 0)
		return false;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, want, strlen(want)) && strstr(line, "LISTEN"))
			return true;
	return false;
}

/*
 * One host: ttpcat with the arguments argv in namespace ns, fed seed
 * mine's pattern by one process while this one checks what it prints
 * against seed theirs.  A listener says so on the pipe ready once its
 * socket is in LISTEN.
 */
static int host(const char *ns, char *const argv[], int ready,
		unsigned int mine, unsigned int theirs, unsigned long long size)
{
	int in[2], out[2], status, err;
	pid_t cat, writer;

	if (ttp_enter_netns(ns) || pipe(in) || pipe(out))
		return 10;
	cat = fork();
	if (cat < 0)
		return 11;
	if (!cat) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execv(TTPCAT, argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (ready >= 0) {
		for (int i = 0; i < 3000 && !listening(); i++)
			usleep(10000);
		if (write(ready, "r", 1) != 1)
			return 12;
	}
	writer = fork();
	if (writer < 0)
		return 13;
	if (!writer)
		_exit(send_all(in[1], mine, size));
	close(in[1]);
	err = recv_all(out[0], theirs, size);
	if (waitpid(writer, &status, 0) != writer || !WIFEXITED(status))
		return 14;
	err = err ?: WEXITSTATUS(status);
	if (waitpid(cat, &status, 0) != cat || !WIFEXITED(status))
		return 15;
	if (err)
		return err;
	/* ttpcat's own status: 0 for a connection that ended cleanly */
	return WEXITSTATUS(status) ? 50 + WEXITSTATUS(status) : 0;
}

static int server(unsigned long long size, int ready)
{
	char *const argv[] = { "ttpcat", "-l", "10.99.0.2", PORT, NULL };

	return host("ttp_b", argv, ready, 2, 1, size);
}

static int client(unsigned long long size)
{
	char *const argv[] = { "ttpcat", "10.99.0.2", PORT, NULL };

	return host("ttp_a", argv, -1, 1, 2, size);
}

/*
 * Does namespace ns still hold a connection that is not done, anything but
 * TIME_WAIT?  The namespaces must not go while one is: its peer would
 * retransmit into the void, and hold the module, for many minutes.
 */
static bool busy(const char *ns)
{
	static char buf[1 << 16];
	char *line;
	int n = 0;

	if (ttp_enter_netns(ns) || read_file(TTP_PROC, buf, sizeof(buf)) < 0)
		return true;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		n += !strstr(line, "TIME_WAIT") && !strstr(line, "state");
	return n > 0;
}

static int run_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	if (!pid)
		_exit(fn(arg));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

struct run {
	unsigned long long size;
	int pipe[2];
};

static int run_server(void *arg)
{
	struct run *r = arg;

	return server(r->size, r->pipe[1]);
}

static int run_client(void *arg)
{
	struct run *r = arg;
	char c;

	if (read(r->pipe[0], &c, 1) != 1)
		return 40;
	return client(r->size);
}

FIXTURE(hosts) {
};

FIXTURE_SETUP(hosts)
{
	const char *netem = getenv("TTP_TWOHOSTS_NETEM") ?: NETEM;
	char cmd[256];

	for (unsigned int i = 0; i < ARRAY_SIZE(setup); i++) {
		int err = system(setup[i]);

		ASSERT_EQ(0, err) TH_LOG("%s", setup[i]);
	}
	snprintf(cmd, sizeof(cmd), "tc -n ttp_a qdisc add dev va root netem %s",
		 netem);
	ASSERT_EQ(0, system(cmd));
	snprintf(cmd, sizeof(cmd), "tc -n ttp_b qdisc add dev vb root netem %s",
		 netem);
	ASSERT_EQ(0, system(cmd));
}

FIXTURE_TEARDOWN(hosts)
{
	system("ip netns del ttp_a");
	system("ip netns del ttp_b");
}

/* Items 8 and 27: byte-exact in both directions at once, over a bad link. */
TEST_F_TIMEOUT(hosts, transfer_over_netem, 1800)
{
	const char *mib = getenv("TTP_TWOHOSTS_MIB");
	struct run r = { .size = (unsigned long long)(mib ? atoi(mib) : 64) << 20 };
	long retrans = -1, csum;
	pid_t srv;
	int status;

	ASSERT_EQ(0, pipe(r.pipe));
	srv = fork();
	ASSERT_LE(0, srv);
	if (!srv)
		_exit(run_server(&r));
	EXPECT_EQ(0, run_child(run_client, &r));
	ASSERT_EQ(srv, waitpid(srv, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));

	for (int i = 0; i < 600 && (busy("ttp_a") || busy("ttp_b")); i++)
		usleep(100000);
	EXPECT_FALSE(busy("ttp_a"));
	EXPECT_FALSE(busy("ttp_b"));

	/* the link really was bad: both hosts retransmitted and saw bad sums */
	ASSERT_EQ(0, ttp_enter_netns("ttp_a"));
	retrans = ttp_stat("RetransSegs");
	csum = ttp_stat("InCsumErrors");
	EXPECT_LT(0, retrans);
	EXPECT_LT(0, csum);
	TH_LOG("%d MiB each way: host a RetransSegs %ld InCsumErrors %ld",
	       (int)(r.size >> 20), retrans, csum);
}

TEST_HARNESS_MAIN
