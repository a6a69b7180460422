// SPDX-License-Identifier: GPL-2.0
/*
 * The socket calls that need no connection, run once on AF_INET/TCP and once
 * on AF_TTP with the same expectations: TTP must answer what TCP answers.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "ttp_util.h"

FIXTURE(sock) {
	int fd;
};

FIXTURE_VARIANT(sock) {
	int family;
	int protocol;
	int sol;	/* level of the NODELAY option */
};

FIXTURE_VARIANT_ADD(sock, tcp) {
	.family = AF_INET, .protocol = IPPROTO_TCP, .sol = SOL_TCP,
};

FIXTURE_VARIANT_ADD(sock, ttp) {
	.family = AF_TTP, .protocol = IPPROTO_TTP, .sol = SOL_TTP,
};

FIXTURE_SETUP(sock)
{
	self->fd = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_LE(0, self->fd) TH_LOG("socket: %s", strerror(errno));
}

FIXTURE_TEARDOWN(sock)
{
	close(self->fd);
}

static int sigpipes;

static void count_sigpipe(int sig)
{
	sigpipes++;
}

TEST_F(sock, create_with_protocol)
{
	int fd = socket(variant->family, SOCK_STREAM, variant->protocol);

	ASSERT_LE(0, fd);
	close(fd);
}

TEST_F(sock, socket_flags)
{
	int fd = socket(variant->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
}

TEST_F(sock, sockopts_identify_the_socket)
{
	int val;
	socklen_t len = sizeof(val);

	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_DOMAIN, &val, &len));
	EXPECT_EQ(variant->family, val);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_TYPE, &val, &len));
	EXPECT_EQ(SOCK_STREAM, val);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_PROTOCOL, &val, &len));
	EXPECT_EQ(variant->protocol, val);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_ACCEPTCONN, &val, &len));
	EXPECT_EQ(0, val);
}

TEST_F(sock, getsockname_unbound)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	memset(&a, 0xff, sizeof(a));
	ASSERT_EQ(0, getsockname(self->fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(sizeof(a), len);
	EXPECT_EQ(variant->family, a.sin_family);
	EXPECT_EQ(0, a.sin_port);
	EXPECT_EQ(0, a.sin_addr.s_addr);
}

TEST_F(sock, bind_explicit_port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	ASSERT_EQ(0, ttp_bind(self->fd, variant->family, "127.0.0.1", 7101));
	ASSERT_EQ(0, getsockname(self->fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(variant->family, a.sin_family);
	EXPECT_EQ(7101, ntohs(a.sin_port));
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
}

TEST_F(sock, bind_ephemeral_port)
{
	int lo, hi, port;

	ASSERT_EQ(0, ttp_port_range(&lo, &hi));
	ASSERT_EQ(0, ttp_bind(self->fd, variant->family, "0.0.0.0", 0));
	port = ttp_local_port(self->fd);
	EXPECT_LE(lo, port);
	EXPECT_GE(hi, port);
}

/* Each bind() to port 0 starts its search at a random place in the range. */
TEST_F(sock, bind_ephemeral_ports_spread)
{
	enum { N = 16 };
	int fd[N], port[N];

	for (int i = 0; i < N; i++) {
		fd[i] = socket(variant->family, SOCK_STREAM, 0);
		ASSERT_LE(0, fd[i]);
		ASSERT_EQ(0, ttp_bind(fd[i], variant->family, "127.0.0.1", 0));
		port[i] = ttp_local_port(fd[i]);
	}
	EXPECT_STREQ("spread", ttp_ports_spread(port, N));
	for (int i = 0; i < N; i++)
		close(fd[i]);
}

TEST_F(sock, bind_twice)
{
	ASSERT_EQ(0, ttp_bind(self->fd, variant->family, "127.0.0.1", 0));
	EXPECT_EQ(-1, ttp_bind(self->fd, variant->family, "127.0.0.1", 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sock, bind_short_address)
{
	struct sockaddr_in a = ttp_sockaddr(variant->family, "127.0.0.1", 7102);

	EXPECT_EQ(-1, bind(self->fd, (struct sockaddr *)&a, sizeof(a) - 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sock, bind_wrong_family)
{
	struct sockaddr_in a = ttp_sockaddr(AF_UNIX, "127.0.0.1", 7103);

	EXPECT_EQ(-1, bind(self->fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
}

TEST_F(sock, bind_unspec_family)
{
	/* AF_UNSPEC is taken as the socket's family for the wildcard only */
	EXPECT_EQ(-1, ttp_bind(self->fd, AF_UNSPEC, "127.0.0.1", 7104));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(0, ttp_bind(self->fd, AF_UNSPEC, "0.0.0.0", 7104));
	EXPECT_EQ(7104, ttp_local_port(self->fd));
}

TEST_F(sock, bind_foreign_address)
{
	EXPECT_EQ(-1, ttp_bind(self->fd, variant->family, "192.0.2.1", 7105));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
}

TEST_F(sock, bind_in_use)
{
	int fd2 = socket(variant->family, SOCK_STREAM, 0);

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, ttp_bind(self->fd, variant->family, "127.0.0.1", 7106));
	EXPECT_EQ(-1, ttp_bind(fd2, variant->family, "127.0.0.1", 7106));
	EXPECT_EQ(EADDRINUSE, errno);
	/* the wildcard overlaps every address */
	EXPECT_EQ(-1, ttp_bind(fd2, variant->family, "0.0.0.0", 7106));
	EXPECT_EQ(EADDRINUSE, errno);
	close(fd2);
}

TEST_F(sock, bind_reuseaddr)
{
	int one = 1, fd2 = socket(variant->family, SOCK_STREAM, 0), fd3;

	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	ASSERT_EQ(0, setsockopt(fd2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	/* two bound, not listening, both with SO_REUSEADDR: allowed */
	ASSERT_EQ(0, ttp_bind(self->fd, variant->family, "127.0.0.1", 7107));
	EXPECT_EQ(0, ttp_bind(fd2, variant->family, "127.0.0.1", 7107));
	close(fd2);
	/* but not beside a listener */
	ASSERT_EQ(0, listen(self->fd, 1));
	fd3 = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_LE(0, fd3);
	ASSERT_EQ(0, setsockopt(fd3, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	EXPECT_EQ(-1, ttp_bind(fd3, variant->family, "127.0.0.1", 7107));
	EXPECT_EQ(EADDRINUSE, errno);
	close(fd3);
}

TEST_F(sock, port_free_after_close)
{
	int fd2;

	ASSERT_EQ(0, ttp_bind(self->fd, variant->family, "127.0.0.1", 7108));
	close(self->fd);
	self->fd = socket(variant->family, SOCK_STREAM, 0);
	fd2 = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, ttp_bind(fd2, variant->family, "127.0.0.1", 7108));
	close(fd2);
}

struct bind_args {
	int fd, family, port;
};

/* 0 when bind fails with EACCES */
static int bind_refused(void *arg)
{
	const struct bind_args *a = arg;

	if (!ttp_bind(a->fd, a->family, "127.0.0.1", a->port))
		return 1;
	return errno == EACCES ? 0 : 2;
}

TEST_F(sock, privileged_port)
{
	struct bind_args a = { self->fd, variant->family, 1000 };

	EXPECT_EQ(0, in_child_without(CAP_NET_BIND_SERVICE, bind_refused, &a));
	/* with the capability it binds */
	EXPECT_EQ(0, ttp_bind(self->fd, variant->family, "127.0.0.1", 1000));
}

TEST_F(sock, listen_autobinds)
{
	int val;
	socklen_t len = sizeof(val);

	ASSERT_EQ(0, listen(self->fd, 5));
	EXPECT_LT(0, ttp_local_port(self->fd));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_ACCEPTCONN, &val, &len));
	EXPECT_EQ(1, val);
	/* listening again only changes the backlog */
	EXPECT_EQ(0, listen(self->fd, 10));
}

TEST_F(sock, accept_needs_listen)
{
	EXPECT_EQ(-1, accept(self->fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sock, accept_nonblocking_empty)
{
	struct timeval tv = { .tv_usec = 100000 };
	int flags;

	ASSERT_EQ(0, listen(self->fd, 5));
	/* accept4's SOCK_NONBLOCK is for the new socket, not this call */
	flags = fcntl(self->fd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, flags | O_NONBLOCK));
	EXPECT_EQ(-1, accept4(self->fd, NULL, NULL, SOCK_NONBLOCK));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, flags));
	/* a blocking accept gives up when SO_RCVTIMEO runs out */
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	EXPECT_EQ(-1, accept(self->fd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(sock, send_unconnected)
{
	struct sigaction sa = { .sa_handler = count_sigpipe };
	char c = 'x';

	ASSERT_EQ(0, sigaction(SIGPIPE, &sa, NULL));
	sigpipes = 0;
	EXPECT_EQ(-1, send(self->fd, &c, 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	EXPECT_EQ(-1, send(self->fd, &c, 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	EXPECT_EQ(-1, write(self->fd, &c, 1));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(2, sigpipes);
}

TEST_F(sock, recv_unconnected)
{
	char c;

	EXPECT_EQ(-1, recv(self->fd, &c, 1, 0));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, recv(self->fd, &c, 1, MSG_DONTWAIT | MSG_PEEK));
	EXPECT_EQ(ENOTCONN, errno);
	ASSERT_EQ(0, listen(self->fd, 1));
	EXPECT_EQ(-1, read(self->fd, &c, 1));
	EXPECT_EQ(ENOTCONN, errno);
}

TEST_F(sock, getpeername_unconnected)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	EXPECT_EQ(-1, getpeername(self->fd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(ENOTCONN, errno);
}

TEST_F(sock, shutdown_unconnected)
{
	char c;

	EXPECT_EQ(-1, shutdown(self->fd, SHUT_RD));
	EXPECT_EQ(ENOTCONN, errno);
	/* Linux still marks the receive side shut: recv now reads EOF */
	EXPECT_EQ(0, recv(self->fd, &c, 1, 0));
	EXPECT_EQ(-1, shutdown(self->fd, 7));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sock, shutdown_listener)
{
	int val;
	socklen_t len = sizeof(val);

	ASSERT_EQ(0, listen(self->fd, 1));
	/* SHUT_WR leaves a listener listening; SHUT_RD stops it */
	EXPECT_EQ(0, shutdown(self->fd, SHUT_WR));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_ACCEPTCONN, &val, &len));
	EXPECT_EQ(1, val);
	EXPECT_EQ(0, shutdown(self->fd, SHUT_RD));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_ACCEPTCONN, &val, &len));
	EXPECT_EQ(0, val);
	EXPECT_EQ(-1, accept(self->fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sock, poll_unconnected)
{
	struct pollfd p = { .fd = self->fd, .events = POLLIN | POLLOUT | POLLRDHUP };

	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLOUT | POLLHUP, p.revents);
}

TEST_F(sock, poll_listener)
{
	struct pollfd p = { .fd = self->fd, .events = POLLIN | POLLOUT | POLLRDHUP };

	ASSERT_EQ(0, listen(self->fd, 1));
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_EQ(0, p.revents);
}

TEST_F(sock, ioctl_queues)
{
	int n = -1;

	ASSERT_EQ(0, ioctl(self->fd, FIONREAD, &n));
	EXPECT_EQ(0, n);
	ASSERT_EQ(0, ioctl(self->fd, TIOCOUTQ, &n));
	EXPECT_EQ(0, n);
	ASSERT_EQ(0, listen(self->fd, 1));
	EXPECT_EQ(-1, ioctl(self->fd, FIONREAD, &n));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(sock, buffer_sizes)
{
	int size = 65536, val;
	socklen_t len = sizeof(val);

	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_RCVBUF, &val, &len));
	EXPECT_EQ(2 * size, val);
	ASSERT_EQ(0, setsockopt(self->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_SNDBUF, &val, &len));
	EXPECT_EQ(2 * size, val);
}

TEST_F(sock, nodelay_option)
{
	int one = 1, val = -1;
	socklen_t len = sizeof(val);

	ASSERT_EQ(0, getsockopt(self->fd, variant->sol, 1, &val, &len));
	EXPECT_EQ(0, val);
	ASSERT_EQ(0, setsockopt(self->fd, variant->sol, 1, &one, sizeof(one)));
	ASSERT_EQ(0, getsockopt(self->fd, variant->sol, 1, &val, &len));
	EXPECT_EQ(1, val);
	EXPECT_EQ(sizeof(int), len);
	EXPECT_EQ(-1, setsockopt(self->fd, variant->sol, 1, &one, 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(self->fd, variant->sol, 9999, &one, sizeof(one)));
	EXPECT_EQ(ENOPROTOOPT, errno);
}

/*
 * The int options TTP has under TCP's numbers: TCP's defaults, ranges and
 * errors.  TTP_MAXSEG's floor is 48 (TCP's is 88), so the range checked
 * here is the part both share.
 */
TEST_F(sock, int_options_answer_as_tcp)
{
	static const struct {
		int name, dflt, bad_low, bad_high, good;
	} opts[] = {
		{ TTP_MAXSEG, 536, 47, 32768, 1000 },
		{ TTP_KEEPIDLE, 7200, 0, 32768, 60 },
		{ TTP_KEEPINTVL, 75, 0, 32768, 30 },
		{ TTP_KEEPCNT, 9, 0, 128, 127 },
		{ TTP_USER_TIMEOUT, 0, -1, -1, 5000 },
	};
	int val, two = 2;
	socklen_t len;

	for (unsigned int i = 0; i < ARRAY_SIZE(opts); i++) {
		int name = opts[i].name;

		len = sizeof(val);
		ASSERT_EQ(0, getsockopt(self->fd, variant->sol, name, &val,
					&len)) TH_LOG("option %d", name);
		EXPECT_EQ(opts[i].dflt, val) TH_LOG("option %d", name);
		errno = 0;
		EXPECT_EQ(-1, setsockopt(self->fd, variant->sol, name,
					 &opts[i].bad_low, sizeof(int)));
		EXPECT_EQ(EINVAL, errno) TH_LOG("option %d", name);
		errno = 0;
		EXPECT_EQ(-1, setsockopt(self->fd, variant->sol, name,
					 &opts[i].bad_high, sizeof(int)));
		EXPECT_EQ(EINVAL, errno) TH_LOG("option %d", name);
		ASSERT_EQ(0, setsockopt(self->fd, variant->sol, name,
					&opts[i].good, sizeof(int)));
		len = sizeof(val);
		ASSERT_EQ(0, getsockopt(self->fd, variant->sol, name, &val,
					&len));
		EXPECT_EQ(opts[i].good, val) TH_LOG("option %d", name);
	}

	/* flags: any non-zero sets them */
	len = sizeof(val);
	ASSERT_EQ(0, getsockopt(self->fd, variant->sol, TTP_CORK, &val, &len));
	EXPECT_EQ(0, val);
	ASSERT_EQ(0, setsockopt(self->fd, variant->sol, TTP_CORK, &two,
				sizeof(two)));
	ASSERT_EQ(0, getsockopt(self->fd, variant->sol, TTP_CORK, &val, &len));
	EXPECT_EQ(1, val);
	ASSERT_EQ(0, getsockopt(self->fd, variant->sol, TTP_QUICKACK, &val,
				&len));
	EXPECT_EQ(1, val);
	val = 0;
	ASSERT_EQ(0, setsockopt(self->fd, variant->sol, TTP_QUICKACK, &val,
				sizeof(val)));
	ASSERT_EQ(0, getsockopt(self->fd, variant->sol, TTP_QUICKACK, &val,
				&len));
	EXPECT_EQ(0, val);

	/* a short value fails before the name is looked at, as in TCP */
	EXPECT_EQ(-1, setsockopt(self->fd, variant->sol, 9999, &two, 2));
	EXPECT_EQ(EINVAL, errno);
}

/* The queue ioctls TCP answers on a socket that has no connection yet. */
TEST_F(sock, queue_ioctls_unconnected)
{
	int val;

	val = -1;
	ASSERT_EQ(0, ioctl(self->fd, SIOCATMARK, &val));
	EXPECT_EQ(0, val);
	val = -1;
	ASSERT_EQ(0, ioctl(self->fd, SIOCOUTQ, &val));
	EXPECT_EQ(0, val);
	val = -1;
	ASSERT_EQ(0, ioctl(self->fd, SIOCOUTQNSD, &val));
	EXPECT_EQ(0, val);
	val = -1;
	ASSERT_EQ(0, ioctl(self->fd, SIOCINQ, &val));
	EXPECT_EQ(0, val);
}

TEST_F(sock, ip_level_options)
{
	int ttl = 7, val;
	socklen_t len = sizeof(val);

	ASSERT_EQ(0, setsockopt(self->fd, SOL_IP, IP_TTL, &ttl, sizeof(ttl)));
	ASSERT_EQ(0, getsockopt(self->fd, SOL_IP, IP_TTL, &val, &len));
	EXPECT_EQ(7, val);
}

/* What only AF_TTP has: its own type and protocol checks, and TTP_INFO. */

TEST(ttp_socket_type_and_protocol)
{
	EXPECT_EQ(-1, socket(AF_TTP, SOCK_DGRAM, 0));
	EXPECT_EQ(ESOCKTNOSUPPORT, errno);
	EXPECT_EQ(-1, socket(AF_TTP, SOCK_SEQPACKET, 0));
	EXPECT_EQ(ESOCKTNOSUPPORT, errno);
	EXPECT_EQ(-1, socket(AF_TTP, SOCK_RAW, 0));
	EXPECT_EQ(ESOCKTNOSUPPORT, errno);
	EXPECT_EQ(-1, socket(AF_TTP, SOCK_STREAM, IPPROTO_TCP));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	EXPECT_EQ(-1, socket(AF_TTP, SOCK_STREAM, IPPROTO_TTP + 1));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
}

TEST(ttp_info_of_new_socket)
{
	struct ttp_info info;
	socklen_t len = sizeof(info);
	int fd = socket(AF_TTP, SOCK_STREAM, 0), rto;

	ASSERT_LE(0, fd);
	rto = read_long(TTP_SYSCTL "rto_initial_ms");
	memset(&info, 0xff, sizeof(info));
	ASSERT_EQ(0, getsockopt(fd, SOL_TTP, TTP_INFO, &info, &len));
	EXPECT_EQ(sizeof(info), len);
	EXPECT_EQ(TTP_CLOSE, info.state);
	EXPECT_EQ(0, info.retransmits);
	EXPECT_EQ(rto, info.rto_ms);
	EXPECT_EQ(0, info.total_retrans);
	EXPECT_EQ(0, info.segs_in);

	ASSERT_EQ(0, listen(fd, 1));
	len = 1;	/* a short buffer gets the first bytes */
	ASSERT_EQ(0, getsockopt(fd, SOL_TTP, TTP_INFO, &info, &len));
	EXPECT_EQ(1, len);
	EXPECT_EQ(TTP_LISTEN, info.state);
	len = -1;
	EXPECT_EQ(-1, getsockopt(fd, SOL_TTP, TTP_INFO, &info, &len));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_HARNESS_MAIN
