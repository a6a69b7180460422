// SPDX-License-Identifier: GPL-2.0
/* /proc/net/ttp, /proc/net/ttp_stats and /proc/sys/net/ttp/ as the spec fixes them. */
#include <signal.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "ttp_util.h"

/* The spec's nine columns first, in its order; congestion control's after. */
#define HEADER9 \
	"local                remote               state        sendq  recvq  timer       retrans  uid   inode"
#define HEADER \
	HEADER9 "    cwnd   ssthresh ca       cc\n"

/* The columns of a /proc/net/ttp line. */
struct row {
	char local[32], remote[32], state[16], timer[32];
	unsigned long sendq, recvq, retrans, uid, inode;
	char cwnd[16], ssthresh[16], ca[16], cc[16];
};

static bool find_row(const char *ip, int port, struct row *r)
{
	char line[256];

	if (!ttp_proc_line(ip, port, line, sizeof(line)))
		return false;
	return sscanf(line, "%31s %31s %15s %lu %lu %31s %lu %lu %lu %15s %15s %15s %15s",
		      r->local, r->remote, r->state, &r->sendq, &r->recvq,
		      r->timer, &r->retrans, &r->uid, &r->inode, r->cwnd,
		      r->ssthresh, r->ca, r->cc) == 13;
}

/* Where the header's column name starts: its row's value starts there too. */
static int column(const char *name)
{
	const char *p = HEADER;
	size_t n = strlen(name);

	while ((p = strstr(p + 1, name)))
		if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n'))
			return p - HEADER;
	return -1;
}

TEST(header_line)
{
	char buf[4096];

	ASSERT_LT(0, read_file(TTP_PROC, buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, HEADER9 " ", strlen(HEADER9 " ")));
	EXPECT_EQ(0, strncmp(buf, HEADER, strlen(HEADER)));
}

/*
 * The tests that count lines run in a namespace of their own: in the
 * initial one, an earlier test's TIME_WAIT can end between two reads.
 */
static int own_netns(void)
{
	return unshare(CLONE_NEWNET) ?: loopback_up();
}

TEST(unbound_socket_not_listed)
{
	int before, fd;

	ASSERT_EQ(0, own_netns());
	before = ttp_proc_lines();
	EXPECT_EQ(1, before);	/* the header alone */
	fd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(before, ttp_proc_lines());
	ASSERT_EQ(0, ttp_bind(fd, AF_TTP, "127.0.0.1", 7201));
	EXPECT_EQ(before + 1, ttp_proc_lines());
	close(fd);
	EXPECT_EQ(before, ttp_proc_lines());
}

TEST(bound_socket_line)
{
	int fd = socket(AF_TTP, SOCK_STREAM, 0);
	socklen_t len = 16;
	char line[256], cc[16];
	struct stat st;
	struct row r;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	/* the namespace's congestion_control, whichever it is */
	ASSERT_EQ(0, getsockopt(fd, SOL_TTP, TTP_CONGESTION, cc, &len));
	ASSERT_EQ(0, ttp_bind(fd, AF_TTP, "127.0.0.1", 7202));
	ASSERT_TRUE(find_row("127.0.0.1", 7202, &r));
	EXPECT_STREQ("127.0.0.1:7202", r.local);
	EXPECT_STREQ("0.0.0.0:0", r.remote);
	EXPECT_STREQ("CLOSED", r.state);
	EXPECT_EQ(0, r.sendq);
	EXPECT_EQ(0, r.recvq);
	EXPECT_STREQ("-", r.timer);
	EXPECT_EQ(0, r.retrans);
	EXPECT_EQ(getuid(), r.uid);
	EXPECT_EQ(st.st_ino, r.inode);
	/* a new socket's window: RFC 6928's ten segments, no loss yet */
	EXPECT_STREQ("10", r.cwnd);
	EXPECT_STREQ("-", r.ssthresh);
	EXPECT_STREQ("open", r.ca);
	EXPECT_STREQ(cc, r.cc);

	/* columns start where the header's names start */
	ASSERT_TRUE(ttp_proc_line("127.0.0.1", 7202, line, sizeof(line)));
	EXPECT_EQ(0, strncmp(line + 21, "0.0.0.0:0 ", 10));
	EXPECT_EQ(0, strncmp(line + 42, "CLOSED ", 7));
	EXPECT_EQ('-', line[69]);
	ASSERT_LT(column("cc"), strlen(line));
	EXPECT_EQ(0, strncmp(line + column("cwnd"), "10 ", 3));
	EXPECT_EQ(0, strncmp(line + column("ssthresh"), "- ", 2));
	EXPECT_EQ(0, strncmp(line + column("ca"), "open ", 5));
	EXPECT_STREQ(cc, line + column("cc"));
	close(fd);
}

TEST(listening_socket_line)
{
	int fd = socket(AF_TTP, SOCK_STREAM, 0);
	struct row r;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ttp_bind(fd, AF_TTP, "0.0.0.0", 7203));
	ASSERT_EQ(0, listen(fd, 17));
	ASSERT_TRUE(find_row("0.0.0.0", 7203, &r));
	EXPECT_STREQ("LISTEN", r.state);
	EXPECT_EQ(17, r.sendq);		/* the backlog */
	EXPECT_EQ(0, r.recvq);		/* the accept queue */
	/* a listener has no window */
	EXPECT_STREQ("-", r.cwnd);
	EXPECT_STREQ("-", r.ssthresh);
	EXPECT_STREQ("-", r.ca);
	EXPECT_STREQ("-", r.cc);
	close(fd);
	EXPECT_FALSE(find_row("0.0.0.0", 7203, &r));
}

TEST(uid_of_owner)
{
	struct row r;
	pid_t pid;
	int status;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int cfd;

		/* a socket created by uid 4242 */
		if (setresuid(4242, 4242, 4242))
			_exit(2);
		cfd = socket(AF_TTP, SOCK_STREAM, 0);
		if (cfd < 0 || ttp_bind(cfd, AF_TTP, "127.0.0.1", 7204))
			_exit(3);
		pause();
		_exit(0);
	}
	for (int i = 0; i < 200 && !find_row("127.0.0.1", 7204, &r); i++)
		usleep(10000);
	ASSERT_TRUE(find_row("127.0.0.1", 7204, &r));
	EXPECT_EQ(4242, r.uid);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

TEST(many_sockets_listed_once)
{
	enum { N = 300 };
	int fds[N], i, before;
	char *buf = malloc(1 << 20), *p;
	bool seen[N] = { false };

	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, own_netns());
	before = ttp_proc_lines();
	for (i = 0; i < N; i++) {
		fds[i] = socket(AF_TTP, SOCK_STREAM, 0);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, ttp_bind(fds[i], AF_TTP, "127.0.0.1", 20000 + i));
	}
	/* more than a page of output: the reader resumes across reads */
	EXPECT_EQ(before + N, ttp_proc_lines());
	ASSERT_LT(0, read_file(TTP_PROC, buf, 1 << 20));
	for (p = strtok(buf, "\n"); p; p = strtok(NULL, "\n")) {
		int port;

		if (sscanf(p, "127.0.0.1:%d ", &port) == 1 &&
		    port >= 20000 && port < 20000 + N) {
			EXPECT_FALSE(seen[port - 20000]);
			seen[port - 20000] = true;
		}
	}
	for (i = 0; i < N; i++) {
		EXPECT_TRUE(seen[i]);
		close(fds[i]);
	}
	free(buf);
}

/*
 * The connections of one listening port share one bind bucket, which the
 * reader copies in batches of 32 under the bucket's lock: with more than
 * a few batches in that bucket, read in small pieces so that seq_file
 * resumes between batches too, every connection is listed exactly once.
 */
TEST(one_bucket_of_many_connections_listed_once)
{
	enum { N = 150, PORT = 7391 };
	int lfd, cfd[N], afd[N], i, port[N];
	char *buf = malloc(1 << 20), *p;
	int seen[N] = { 0 }, listener = 0;
	size_t len = 0;
	ssize_t n;
	int fd;

	ASSERT_NE(NULL, buf);
	lfd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, ttp_bind(lfd, AF_TTP, "127.0.0.1", PORT));
	ASSERT_EQ(0, listen(lfd, N));
	for (i = 0; i < N; i++) {
		struct sockaddr_in sa = ttp_sockaddr(AF_TTP, "127.0.0.1", PORT);

		cfd[i] = socket(AF_TTP, SOCK_STREAM, 0);
		ASSERT_LE(0, cfd[i]);
		ASSERT_EQ(0, connect(cfd[i], (struct sockaddr *)&sa,
				     sizeof(sa)));
		afd[i] = accept(lfd, NULL, NULL);
		ASSERT_LE(0, afd[i]);
		port[i] = ttp_local_port(cfd[i]);
	}

	fd = open(TTP_PROC, O_RDONLY);
	ASSERT_LE(0, fd);
	while ((n = read(fd, buf + len, 700)) > 0 && len < (1 << 20) - 701)
		len += n;
	close(fd);
	buf[len] = '\0';
	for (p = strtok(buf, "\n"); p; p = strtok(NULL, "\n")) {
		int lport, rport;

		if (sscanf(p, "127.0.0.1:%d 127.0.0.1:%d ", &lport,
			   &rport) != 2) {
			if (sscanf(p, "127.0.0.1:%d 0.0.0.0:0 ", &lport) == 1 &&
			    lport == PORT)
				listener++;
			continue;
		}
		/* an accepted connection: PORT to the client's port */
		for (i = 0; i < N; i++)
			if (lport == PORT && rport == port[i])
				seen[i]++;
	}
	EXPECT_EQ(1, listener);
	/* reset, not closed: no TIME_WAIT holds PORT for later tests */
	for (i = 0; i < N; i++) {
		struct linger abort = { .l_onoff = 1, .l_linger = 0 };

		EXPECT_EQ(1, seen[i]) TH_LOG("connection from port %d",
					     port[i]);
		ASSERT_EQ(0, setsockopt(afd[i], SOL_SOCKET, SO_LINGER, &abort,
					sizeof(abort)));
		close(afd[i]);
		close(cfd[i]);
	}
	close(lfd);
	free(buf);
}

TEST(stats_counters)
{
	static const char * const names[] = {
		"ActiveOpens", "PassiveOpens", "AttemptFails", "EstabResets",
		"CurrEstab", "InSegs", "OutSegs", "RetransSegs", "InErrs",
		"InCsumErrors", "OutRsts", "InRsts", "TimeWaits", "DelayedAcks",
		"SynDrops", "FaultDrops",
	};
	char buf[4096], *line;
	unsigned int i = 0;

	ASSERT_LT(0, read_file(TTP_STATS, buf, sizeof(buf)));
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"), i++) {
		char name[64], extra;
		unsigned long value;
		int fields;

		fields = sscanf(line, "%63s %lu%c", name, &value, &extra);
		ASSERT_EQ(2, fields) TH_LOG("line '%s'", line);
		/* the spec's counters first, in order; "at least": more may follow */
		if (i < ARRAY_SIZE(names))
			EXPECT_STREQ(names[i], name);
	}
	EXPECT_LE(ARRAY_SIZE(names), i);
}

struct tunable {
	const char *name;
	long def, min, max;
};

static const struct tunable tunables[] = {
	{ "msl_ms", 30000, 10, 600000 },
	{ "rto_initial_ms", 1000, 10, 120000 },
	{ "rto_min_ms", 200, 1, 60000 },
	{ "rto_max_ms", 120000, 100, 600000 },
	{ "syn_retries", 6, 1, 127 },
	{ "retries", 15, 1, 255 },
	{ "delayed_ack_ms", 40, 0, 1000 },
	{ "fin_wait2_timeout_ms", 60000, 100, 600000 },
	{ "max_syn_backlog", 256, 1, 65535 },
};

static int set_tunable(const char *name, long value)
{
	char path[128], text[32];

	snprintf(path, sizeof(path), TTP_SYSCTL "%s", name);
	snprintf(text, sizeof(text), "%ld\n", value);
	return write_file(path, text);
}

static long get_tunable(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), TTP_SYSCTL "%s", name);
	return read_long(path);
}

TEST(sysctl_defaults)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(tunables); i++) {
		long value = get_tunable(tunables[i].name);

		EXPECT_EQ(tunables[i].def, value) TH_LOG("%s", tunables[i].name);
	}
}

TEST(sysctl_ranges)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(tunables); i++) {
		const struct tunable *t = &tunables[i];
		char path[128];

		snprintf(path, sizeof(path), TTP_SYSCTL "%s", t->name);
		EXPECT_EQ(-EINVAL, set_tunable(t->name, t->min - 1)) TH_LOG("%s", t->name);
		EXPECT_EQ(-EINVAL, set_tunable(t->name, t->max + 1)) TH_LOG("%s", t->name);
		EXPECT_EQ(-EINVAL, write_file(path, "fast\n")) TH_LOG("%s", t->name);
		EXPECT_EQ(t->def, get_tunable(t->name)) TH_LOG("%s", t->name);

		EXPECT_EQ(0, set_tunable(t->name, t->min)) TH_LOG("%s", t->name);
		EXPECT_EQ(t->min, get_tunable(t->name));
		EXPECT_EQ(0, set_tunable(t->name, t->max)) TH_LOG("%s", t->name);
		EXPECT_EQ(t->max, get_tunable(t->name));
		ASSERT_EQ(0, set_tunable(t->name, t->def));
	}
}

TEST(sysctl_rto_initial_reaches_sockets)
{
	struct ttp_info info;
	socklen_t len = sizeof(info);
	int fd;

	ASSERT_EQ(0, set_tunable("rto_initial_ms", 3000));
	fd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_EQ(0, set_tunable("rto_initial_ms", 1000));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, getsockopt(fd, SOL_TTP, TTP_INFO, &info, &len));
	EXPECT_EQ(3000, info.rto_ms);
	close(fd);
}

TEST_HARNESS_MAIN
