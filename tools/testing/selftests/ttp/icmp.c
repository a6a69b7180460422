// SPDX-License-Identifier: GPL-2.0
/*
 * ICMP errors from a router, run once on AF_INET/TCP and once on AF_TTP
 * with the same expectations.  Host a reaches host b through router r,
 * whose side of the link to b has an MTU of 1280 while b's side keeps
 * 1500, so b announces an MSS that does not fit the path:
 *
 *   a 10.98.1.1 --- 10.98.1.2 r 10.98.2.1 (MTU 1280) --- 10.98.2.2 b
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>

#include "kselftest_harness.h"
#include "ttp_util.h"

#define B_ADDR		"10.98.2.2"
#define PORT		9100
#define PATH_MTU	1280
#define PATH_READY	"/run/netns/ttp_icmp_ready"
#define ERROR_COST	"/proc/sys/net/ipv4/route/error_cost"
#define SAVED_ERROR_COST "/run/ttp_icmp_error_cost"

/*
 * The namespaces are made by the first test's setup and kept for the
 * others, then removed when the program exits: under a debug kernel in
 * QEMU, making and removing them takes half a minute.
 */
static const char * const setup_cmds[] = {
	"for n in ttp_ia ttp_ir ttp_ib; do ip netns del $n; done 2>/dev/null; true",
	"ip netns add ttp_ia",
	"ip netns add ttp_ir",
	"ip netns add ttp_ib",
	"ip link add va netns ttp_ia type veth peer name ra netns ttp_ir",
	"ip link add rb netns ttp_ir type veth peer name vb netns ttp_ib",
	"ip -n ttp_ir link set rb mtu 1280",
	"ip -n ttp_ia addr add 10.98.1.1/24 dev va",
	"ip -n ttp_ir addr add 10.98.1.2/24 dev ra",
	"ip -n ttp_ir addr add 10.98.2.1/24 dev rb",
	"ip -n ttp_ib addr add 10.98.2.2/24 dev vb",
	"ip -n ttp_ia link set va up",
	"ip -n ttp_ir link set ra up",
	"ip -n ttp_ir link set rb up",
	"ip -n ttp_ib link set vb up",
	"ip -n ttp_ia route add default via 10.98.1.2",
	"ip -n ttp_ib route add default via 10.98.2.1",
	"ip netns exec ttp_ir sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'",
	"ip netns exec ttp_ir sh -c 'echo 0 > /proc/sys/net/ipv4/icmp_ratelimit'",
	/*
	 * The router's "unreachable" has a second limit, ip_error()'s: a
	 * token a second per source, five at most, set for all netns.  The
	 * TCP variant spends them, as it retransmits early at each ICMP
	 * error after a timeout (RFC 6069); TTP with retries 3 then sends
	 * three times in 0.6 s, and on a fast kernel none got an answer.
	 * Lifted while the path exists, and put back when it goes.
	 */
	"test -e " SAVED_ERROR_COST " || cat " ERROR_COST " > " SAVED_ERROR_COST,
	"echo 0 > " ERROR_COST,
	/* the sign that all of the above was done: PATH_READY */
	"ip netns add ttp_icmp_ready",
};

/* Only the main process exits through here: the harness's children _exit(). */
static void __attribute__((destructor)) remove_path(void)
{
	if (!access(PATH_READY, F_OK))
		system("for n in ttp_ia ttp_ir ttp_ib ttp_icmp_ready; do ip netns del $n; done");
	if (!access(SAVED_ERROR_COST, F_OK))
		system("cat " SAVED_ERROR_COST " > " ERROR_COST " && rm " SAVED_ERROR_COST);
}

FIXTURE(path) {
	pid_t server;
	int result;	/* read end: the bytes the server received */
};

FIXTURE_VARIANT(path) {
	int family;
};

FIXTURE_VARIANT_ADD(path, tcp) {
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(path, ttp) {
	.family = AF_TTP,
};

/* In b: serve one connection, read it to its end, report the byte count. */
static int serve(int family, int ready, int result)
{
	struct sockaddr_in addr = ttp_sockaddr(family, B_ADDR, PORT);
	struct timeval tmo = { .tv_sec = 120 };
	static char buf[1 << 16];
	long long got = 0;
	int l, fd, one = 1;
	ssize_t n;

	if (ttp_enter_netns("ttp_ib"))
		return 1;
	/* the previous test's connection may still be in TIME_WAIT */
	l = socket(family, SOCK_STREAM, 0);
	if (l < 0 ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(l, 1) || write(ready, "r", 1) != 1)
		return 2;
	fd = accept(l, NULL, NULL);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)))
		return 3;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		got += n;
	if (write(result, &got, sizeof(got)) != sizeof(got))
		return 4;
	return n < 0 ? 5 : 0;
}

/* The sender's MSS: TTP_INFO's mss, TCP_INFO's tcpi_snd_mss. */
static int snd_mss(int fd, int family)
{
	struct tcp_info tcp;
	struct ttp_info ttp;
	socklen_t len;

	if (family == AF_TTP) {
		len = sizeof(ttp);
		return getsockopt(fd, SOL_TTP, TTP_INFO, &ttp, &len) ? -1 :
		       (int)ttp.mss;
	}
	len = sizeof(tcp);
	return getsockopt(fd, SOL_TCP, TCP_INFO, &tcp, &len) ? -1 :
	       (int)tcp.tcpi_snd_mss;
}

/* A connected socket from a to b's server. */
static int connect_to_b(int family)
{
	struct sockaddr_in addr = ttp_sockaddr(family, B_ADDR, PORT);
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

FIXTURE_SETUP(path)
{
	int ready[2], result[2];
	char c;

	/* the first test makes the path; the others find it made */
	for (unsigned int i = 0; i < ARRAY_SIZE(setup_cmds); i++) {
		const char *cmd = setup_cmds[i];

		if (!access(PATH_READY, F_OK))
			break;
		ASSERT_EQ(0, system(cmd)) TH_LOG("%s", cmd);
	}
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(result));
	self->server = fork();
	ASSERT_LE(0, self->server);
	if (!self->server)
		_exit(serve(variant->family, ready[1], result[1]));
	close(ready[1]);
	close(result[1]);
	self->result = result[0];
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);

	/* a gives up after a few timeouts, so a failure is quick */
	ASSERT_EQ(0, ttp_enter_netns("ttp_ia"));
	ASSERT_EQ(0, write_file("/proc/sys/net/ipv4/tcp_syn_retries", "1"));
	ASSERT_EQ(0, write_file("/proc/sys/net/ipv4/tcp_retries2", "3"));
	ASSERT_EQ(0, write_file(TTP_SYSCTL "syn_retries", "1"));
	ASSERT_EQ(0, write_file(TTP_SYSCTL "retries", "3"));
}

/* Leave the path as the setup made it, for the next test. */
FIXTURE_TEARDOWN(path)
{
	kill(self->server, SIGKILL);
	waitpid(self->server, NULL, 0);
	system("ip -n ttp_ir route flush type unreachable");
	/* forget the path MTU the router reported */
	write_file("/proc/sys/net/ipv4/route/flush", "1");
}

/*
 * The router cannot forward a's full-sized segments and says so (ICMP
 * "fragmentation needed"): a lowers its MSS to the path's and the data
 * arrives.  Without that, DF segments would be lost until a gave up.
 */
TEST_F_TIMEOUT(path, fragmentation_needed_lowers_the_mss, 240)
{
	static char data[1 << 16];
	const long long size = 1 << 20;
	long long sent = 0, got = -1;
	int fd = connect_to_b(variant->family);

	ASSERT_LE(0, fd);
	EXPECT_LT(PATH_MTU - 40, snd_mss(fd, variant->family));
	while (sent < size) {
		ssize_t n = write(fd, data, sizeof(data));

		ASSERT_LT(0, n) TH_LOG("write after %lld bytes: %s", sent,
				       strerror(errno));
		sent += n;
	}
	ASSERT_EQ(0, shutdown(fd, SHUT_WR));
	ASSERT_EQ(sizeof(got), read(self->result, &got, sizeof(got)));
	EXPECT_EQ(size, got);
	EXPECT_GE(PATH_MTU - 40, snd_mss(fd, variant->family));
	close(fd);
}

/*
 * A SYN the router cannot route: connect() fails with EHOSTUNREACH at the
 * first ICMP error that finds the socket unlocked, long before syn_retries
 * would run out.  (The setup alone takes most of the harness's default 30 s
 * under a debug kernel in QEMU.)
 */
TEST_F_TIMEOUT(path, unreachable_fails_connect, 120)
{
	struct sockaddr_in addr = ttp_sockaddr(variant->family, "10.98.3.3",
					       PORT);
	int fd = socket(variant->family, SOCK_STREAM, 0);

	ASSERT_EQ(0, system("ip -n ttp_ir route add unreachable 10.98.3.0/24"));
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&addr, sizeof(addr)));
	EXPECT_EQ(EHOSTUNREACH, errno);
	close(fd);
}

/*
 * On an open connection the error is only kept: the connection goes on
 * retrying, and when it times out it reports EHOSTUNREACH, not ETIMEDOUT.
 */
TEST_F_TIMEOUT(path, unreachable_is_reported_when_it_times_out, 240)
{
	struct pollfd pfd = { .events = POLLIN };
	socklen_t len = sizeof(int);
	int err = -1;

	pfd.fd = connect_to_b(variant->family);
	ASSERT_LE(0, pfd.fd);
	ASSERT_EQ(0, system("ip -n ttp_ir route add unreachable 10.98.2.2/32"));
	ASSERT_EQ(1, write(pfd.fd, "x", 1));
	/*
	 * Still open after the first ICMP error.  (SO_ERROR is not read here:
	 * as in Linux, reading it would consume the soft error.)
	 */
	EXPECT_EQ(0, poll(&pfd, 1, 300));

	ASSERT_EQ(1, poll(&pfd, 1, 60000));
	EXPECT_TRUE(pfd.revents & POLLERR);
	EXPECT_EQ(0, getsockopt(pfd.fd, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(EHOSTUNREACH, err);
	close(pfd.fd);
}

TEST_HARNESS_MAIN
