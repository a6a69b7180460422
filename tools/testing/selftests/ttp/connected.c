// SPDX-License-Identifier: GPL-2.0
/*
 * The socket calls on connections, run once on AF_INET/TCP and once on
 * AF_TTP with the same expectations: TTP must answer what TCP answers
 * (errno, return values, poll bits, signals).
 */
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "kselftest_harness.h"
#include "ttp_util.h"

#define LO "127.0.0.1"

FIXTURE(conn) {
	int port;
	int lfd, cfd, sfd;
};

FIXTURE_VARIANT(conn) {
	int family;
};

FIXTURE_VARIANT_ADD(conn, tcp) {
	.family = AF_INET,
};

FIXTURE_VARIANT_ADD(conn, ttp) {
	.family = AF_TTP,
};

static int sigpipes;

static void count_sigpipe(int sig)
{
	sigpipes++;
}

static int connect_to(int family, int port, int type)
{
	struct sockaddr_in a = ttp_sockaddr(family, LO, port);
	int fd = socket(family, type, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    errno != EINPROGRESS) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static short poll_bits(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

FIXTURE_SETUP(conn)
{
	int one = 1;

	self->port = 30000 + getpid() % 2000;
	self->lfd = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_LE(0, self->lfd);
	setsockopt(self->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ASSERT_EQ(0, ttp_bind(self->lfd, variant->family, LO, self->port));
	ASSERT_EQ(0, listen(self->lfd, 8));
	self->cfd = connect_to(variant->family, self->port, SOCK_STREAM);
	ASSERT_LE(0, self->cfd);
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	signal(SIGPIPE, count_sigpipe);
	sigpipes = 0;
	alarm(30);
}

FIXTURE_TEARDOWN(conn)
{
	close(self->cfd);
	close(self->sfd);
	close(self->lfd);
	signal(SIGPIPE, SIG_DFL);
	alarm(0);
}

TEST_F(conn, refused)
{
	int err = -1;
	socklen_t len = sizeof(err);
	int fd = connect_to(variant->family, self->port + 2000, SOCK_STREAM);

	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ECONNREFUSED, errno);

	/* non-blocking: the error comes through poll and SO_ERROR */
	fd = connect_to(variant->family, self->port + 2000,
			SOCK_STREAM | SOCK_NONBLOCK);
	ASSERT_LE(0, fd);
	usleep(200000);
	EXPECT_EQ(POLLIN | POLLOUT | POLLERR | POLLHUP,
		  poll_bits(fd) & ~POLLRDHUP);
	EXPECT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(ECONNREFUSED, err);
	EXPECT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(0, err);
	close(fd);
}

TEST_F(conn, nonblocking_connect)
{
	struct sockaddr_in a = ttp_sockaddr(variant->family, LO, self->port);
	struct pollfd p;
	int err = -1, fd;
	socklen_t len = sizeof(err);

	fd = socket(variant->family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EINPROGRESS, errno);
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	EXPECT_EQ(1, poll(&p, 1, 2000));
	EXPECT_EQ(POLLOUT, p.revents);
	EXPECT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(0, err);
	/* the first connect() after the handshake reports its success */
	EXPECT_EQ(0, connect(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EISCONN, errno);
	close(fd);
}

TEST_F(conn, accept4_flags)
{
	int fd, c = connect_to(variant->family, self->port, SOCK_STREAM);

	ASSERT_LE(0, c);
	fd = accept4(self->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(-1, recv(fd, &c, 1, 0));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
	close(c);
}

TEST_F(conn, names)
{
	struct sockaddr_in a, b;
	socklen_t len = sizeof(a);

	ASSERT_EQ(0, getpeername(self->cfd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(variant->family, a.sin_family);
	EXPECT_EQ(self->port, ntohs(a.sin_port));
	ASSERT_EQ(0, getsockname(self->sfd, (struct sockaddr *)&b, &len));
	EXPECT_EQ(self->port, ntohs(b.sin_port));
	ASSERT_EQ(0, getpeername(self->sfd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(ttp_local_port(self->cfd), ntohs(a.sin_port));
	EXPECT_EQ(htonl(INADDR_LOOPBACK), a.sin_addr.s_addr);
}

TEST_F(conn, peek_waitall_dontwait)
{
	char buf[32] = "";

	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(5, send(self->cfd, "hello", 5, 0));
	EXPECT_EQ(5, recv(self->sfd, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(3, recv(self->sfd, buf, 3, MSG_PEEK));
	EXPECT_EQ(5, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));

	ASSERT_EQ(3, send(self->cfd, "abc", 3, 0));
	ASSERT_EQ(3, send(self->cfd, "def", 3, 0));
	EXPECT_EQ(6, recv(self->sfd, buf, 6, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "abcdef", 6));
}

TEST_F(conn, queues)
{
	int n = -1;

	ASSERT_EQ(7, send(self->cfd, "1234567", 7, 0));
	usleep(100000);
	EXPECT_EQ(0, ioctl(self->sfd, SIOCINQ, &n));
	EXPECT_EQ(7, n);
	EXPECT_EQ(0, ioctl(self->cfd, SIOCOUTQ, &n));
	EXPECT_EQ(0, n);
	EXPECT_EQ(POLLIN | POLLOUT, poll_bits(self->sfd));
	EXPECT_EQ(POLLOUT, poll_bits(self->cfd));
}

TEST_F(conn, eof_and_half_close)
{
	char buf[8];

	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	EXPECT_EQ(0, read(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(0, read(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(POLLIN | POLLOUT | POLLRDHUP, poll_bits(self->sfd));
	EXPECT_EQ(POLLOUT, poll_bits(self->cfd));
	/* the closing side may not write, and is told so */
	EXPECT_EQ(-1, send(self->cfd, "x", 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
	/* the other direction still works */
	ASSERT_EQ(2, write(self->sfd, "ok", 2));
	EXPECT_EQ(2, read(self->cfd, buf, sizeof(buf)));
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = dup(self->lfd);
	usleep(100000);
	EXPECT_EQ(0, read(self->cfd, buf, sizeof(buf)));
	EXPECT_EQ(POLLIN | POLLOUT | POLLRDHUP | POLLHUP,
		  poll_bits(self->cfd));
}

TEST_F(conn, reset_by_peer)
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };
	char buf[8];

	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_LINGER, &lin,
				sizeof(lin)));
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = dup(self->lfd);
	usleep(100000);
	EXPECT_EQ(POLLIN | POLLOUT | POLLRDHUP | POLLHUP | POLLERR,
		  poll_bits(self->cfd));
	EXPECT_EQ(-1, read(self->cfd, buf, sizeof(buf)));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, read(self->cfd, buf, sizeof(buf)));
	EXPECT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(0, sigpipes);
	EXPECT_EQ(-1, send(self->cfd, "x", 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, sigpipes);
}

TEST_F(conn, close_with_unread_data_resets)
{
	char buf[8];

	ASSERT_EQ(3, send(self->cfd, "abc", 3, 0));
	usleep(100000);
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = dup(self->lfd);
	usleep(100000);
	EXPECT_EQ(-1, recv(self->cfd, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
}

TEST_F(conn, receive_timeout)
{
	struct timeval tv = { .tv_usec = 100000 };
	char buf[8];

	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(EAGAIN, errno);
}

/*
 * Send on fd, non-blocking, until it says EAGAIN: the bytes it took, or -1
 * if it failed otherwise or never filled.
 */
static int fill_send_buffer(int fd)
{
	static char buf[1 << 16];
	int total = 0, n;

	for (int i = 0; i < 1000; i++) {
		n = send(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return errno == EAGAIN ? total : -1;
		total += n;
	}
	return -1;
}

/* Read len bytes from fd: 0 once they all came, -1 if it ended first. */
static int drain(int fd, int len)
{
	static char buf[1 << 16];

	while (len > 0) {
		int n = recv(fd, buf, sizeof(buf), 0);

		if (n <= 0)
			return -1;
		len -= n;
	}
	return 0;
}

TEST_F(conn, writer_blocks_on_a_slow_reader)
{
	int total;

	ASSERT_EQ(0, fcntl(self->cfd, F_SETFL, O_NONBLOCK));
	total = fill_send_buffer(self->cfd);
	ASSERT_LT(0, total);
	EXPECT_EQ(0, poll_bits(self->cfd) & POLLOUT);
	EXPECT_EQ(0, drain(self->sfd, total));
}

/*
 * An edge-triggered writer that ran out of room hears of room again once
 * the reader drained the data.  An ACK wakes writers only when one ran out
 * (SOCK_NOSPACE, as tcp_check_space() has it), so the send that failed
 * with EAGAIN must have left that mark, or this writer would wait forever.
 */
TEST_F(conn, an_edge_triggered_writer_hears_of_room_again)
{
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLET };
	int ep = epoll_create1(0), total;
	char c = 'x';

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, fcntl(self->cfd, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->cfd, &ev));
	/* the first edge: room from the start, and then no other */
	ASSERT_EQ(1, epoll_wait(ep, &ev, 1, 0));
	ASSERT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	total = fill_send_buffer(self->cfd);
	ASSERT_LT(0, total);
	ASSERT_EQ(0, drain(self->sfd, total));
	ev.events = 0;
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 2000));
	EXPECT_TRUE(ev.events & EPOLLOUT);
	EXPECT_EQ(1, send(self->cfd, &c, 1, 0));
	close(ep);
}

/*
 * connect(AF_UNSPEC) forgets TCP_MAXSEG and the TCP_QUICKACK mode, and
 * keeps TCP_NODELAY, as tcp_disconnect() does.
 */
TEST_F(conn, disconnect_forgets_maxseg_and_quickack)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct sockaddr_in a = ttp_sockaddr(variant->family, LO, self->port);
	int fd = socket(variant->family, SOCK_STREAM, 0), one = 1, zero = 0;
	int sol = variant->family == AF_TTP ? SOL_TTP : IPPROTO_TCP;
	int val, sfd;
	socklen_t len = sizeof(val);

	ASSERT_LE(0, fd);
	val = 1000;
	ASSERT_EQ(0, setsockopt(fd, sol, TTP_MAXSEG, &val, sizeof(val)));
	ASSERT_EQ(0, setsockopt(fd, sol, TTP_NODELAY, &one, sizeof(one)));
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&a, sizeof(a)));
	sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, setsockopt(fd, sol, TTP_QUICKACK, &zero, sizeof(zero)));
	ASSERT_EQ(0, getsockopt(fd, sol, TTP_QUICKACK, &val, &len));
	EXPECT_EQ(0, val);
	ASSERT_EQ(0, connect(fd, &unspec, sizeof(unspec)));
	ASSERT_EQ(0, getsockopt(fd, sol, TTP_QUICKACK, &val, &len));
	EXPECT_EQ(1, val);
	ASSERT_EQ(0, getsockopt(fd, sol, TTP_NODELAY, &val, &len));
	EXPECT_EQ(1, val);
	close(sfd);

	/* the next connection is not limited to 1000 */
	ASSERT_EQ(0, connect(fd, (struct sockaddr *)&a, sizeof(a)));
	sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, sfd);
	ASSERT_EQ(0, getsockopt(fd, sol, TTP_MAXSEG, &val, &len));
	EXPECT_LT(1000, val);
	close(sfd);
	close(fd);
}

TEST_HARNESS_MAIN
