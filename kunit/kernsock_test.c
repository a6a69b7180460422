// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: a kernel socket's timers stop when it is closed.
 *
 * A socket made with sock_create_kern() holds no reference on its
 * namespace, so a timer left armed at close could fire after the
 * namespace is gone.  ttp_close() stops them synchronously, as
 * tcp_close() does for such sockets; this suite closes a connected
 * kernel socket and looks at its timers before the last reference goes.
 * It runs in the initial namespace, whose loopback is up.
 */
#include <kunit/test.h>
#include <linux/inet.h>
#include <linux/net.h>
#include <net/inet_connection_sock.h>
#include <net/net_namespace.h>

#include "../module/ttp.h"

static struct socket *ttp_kernsock(struct kunit *test)
{
	struct socket *sock;

	KUNIT_ASSERT_EQ(test, 0, sock_create_kern(&init_net, AF_TTP,
						  SOCK_STREAM, 0, &sock));
	return sock;
}

static void ttp_kernel_socket_close_stops_timers(struct kunit *test)
{
	struct sockaddr_ttp addr = {
		.sttp_family	= AF_TTP,
		.sttp_addr	= htonl(INADDR_LOOPBACK),
	};
	struct socket *lsock, *csock, *asock;
	struct inet_connection_sock *icsk;
	static const char data[] = "data the peer never reads";
	struct kvec vec = { .iov_base = (void *)data, .iov_len = sizeof(data) };
	struct msghdr msg = {};
	struct sock *sk;

	lsock = ttp_kernsock(test);
	KUNIT_ASSERT_EQ(test, 0, kernel_bind(lsock, (struct sockaddr *)&addr,
					     sizeof(addr)));
	KUNIT_ASSERT_EQ(test, 0, kernel_listen(lsock, 1));
	KUNIT_ASSERT_LT(test, 0, kernel_getsockname(lsock,
						    (struct sockaddr *)&addr));
	csock = ttp_kernsock(test);
	KUNIT_ASSERT_EQ(test, 0, kernel_connect(csock, (struct sockaddr *)&addr,
						sizeof(addr), 0));
	KUNIT_ASSERT_EQ(test, 0, kernel_accept(lsock, &asock, 0));
	KUNIT_ASSERT_EQ(test, (int)sizeof(data),
			kernel_sendmsg(csock, &msg, &vec, 1, sizeof(data)));

	/*
	 * Closed with its data and FIN in flight (the peer delays its ACK),
	 * the socket lives on as an orphan whose retransmission timer would
	 * otherwise still be armed.
	 */
	sk = csock->sk;
	sock_hold(sk);
	sock_release(csock);
	icsk = inet_csk(sk);
	KUNIT_EXPECT_FALSE(test, timer_pending(&icsk->icsk_retransmit_timer));
	KUNIT_EXPECT_FALSE(test, timer_pending(&icsk->icsk_delack_timer));
	KUNIT_EXPECT_FALSE(test, timer_pending(&icsk->icsk_keepalive_timer));
	sock_put(sk);

	/* the peer's close, a RST for the data it left unread, ends it */
	sock_release(asock);
	sock_release(lsock);
}

static struct kunit_case ttp_kernsock_cases[] = {
	KUNIT_CASE(ttp_kernel_socket_close_stops_timers),
	{}
};

static struct kunit_suite ttp_kernsock_suite = {
	.name = "ttp_kernsock",
	.test_cases = ttp_kernsock_cases,
};

kunit_test_suite(ttp_kernsock_suite);
