// SPDX-License-Identifier: GPL-2.0
/*
 * What the SOL_TTP options do to a connection, as TCP's options of the
 * same numbers do: TTP_MAXSEG bounds the segments both ways, TTP_CORK and
 * MSG_MORE hold a short segment (for an RTO at most), TTP_NODELAY sends it,
 * TTP_KEEPIDLE/KEEPINTVL/KEEPCNT time keepalive, TTP_USER_TIMEOUT ends a
 * connection whose data waits too long, TTP_QUICKACK sends a held ACK.
 * socket_api checks their values and ranges against TCP's.
 */
#include <poll.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "ttp_conn.h"

static int set_int(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val));
}

static int connect_port(int fd, int port)
{
	struct sockaddr_in a = ttp_sockaddr(AF_TTP, LO, port);

	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

/* Bytes readable on fd within ms, or 0. */
static int readable_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = 0;

	if (poll(&p, 1, ms) != 1)
		return 0;
	if (ioctl(fd, FIONREAD, &n))
		return -1;
	return n;
}

/* The socket's pending error within ms, or 0. */
static int error_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLERR };
	socklen_t len = sizeof(int);
	int err = 0;

	if (poll(&p, 1, ms) != 1)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return -1;
	return err;
}

/* The longest segment with data from sport in the trace, and how many. */
static int longest_from(int port, int sport, unsigned int *longest)
{
	static struct seg s[1024];
	int n = trace(port, s, 1024), count = 0;

	*longest = 0;
	for (int i = 0; i < n; i++) {
		if (s[i].sport != sport || !s[i].len)
			continue;
		count++;
		if (s[i].len > *longest)
			*longest = s[i].len;
	}
	return count;
}

/*
 * The listener's TTP_MAXSEG is announced in its SYN+ACK and the client's
 * in its SYN: each side sends segments no bigger than the smaller of what
 * it allows itself and what the other announced, less the 12 bytes of
 * timestamps each segment carries (RFC 6691), as TCP's do.
 */
#define TSOPT	12
TEST_F(life, maxseg_bounds_segments_both_ways)
{
	unsigned int longest;
	int val = 0, got;
	socklen_t len = sizeof(val);

	self->lfd = listener(self->port, 8);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, set_int(self->lfd, SOL_TTP, TTP_MAXSEG, 1000));
	ASSERT_EQ(0, getsockopt(self->lfd, SOL_TTP, TTP_MAXSEG, &val, &len));
	EXPECT_EQ(1000, val);

	self->cfd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(0, set_int(self->cfd, SOL_TTP, TTP_MAXSEG, 700));
	ASSERT_EQ(0, connect_port(self->cfd, self->port));
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	self->cport = ttp_local_port(self->cfd);
	/* connected: what is used, not what was asked */
	ASSERT_EQ(0, getsockopt(self->cfd, SOL_TTP, TTP_MAXSEG, &val, &len));
	EXPECT_EQ(700 - TSOPT, val);
	EXPECT_EQ(700 - TSOPT, info_of(self->cfd).mss);
	EXPECT_EQ(700 - TSOPT, info_of(self->sfd).mss);

	ASSERT_EQ(0, write_file(TTP_TRACE, "clear"));
	memset(buf, 'x', 20000);
	ASSERT_EQ(20000, write(self->sfd, buf, 20000));
	got = 0;
	while (got < 20000) {
		int n = read(self->cfd, buf, 20000 - got);

		ASSERT_LT(0, n);
		got += n;
	}
	ASSERT_LT(20, longest_from(self->port, self->port, &longest));
	EXPECT_EQ(700 - TSOPT, longest);

	/* the listener's own limit holds against a bigger announcement */
	close(self->cfd);
	close(self->sfd);
	self->cfd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(0, set_int(self->cfd, SOL_TTP, TTP_MAXSEG, 4000));
	ASSERT_EQ(0, connect_port(self->cfd, self->port));
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	EXPECT_EQ(1000 - TSOPT, info_of(self->cfd).mss);
	EXPECT_EQ(1000 - TSOPT, info_of(self->sfd).mss);
}

/* TTP_CORK holds a short segment; clearing it sends the segment at once. */
TEST_F(life, cork_holds_a_short_segment_until_cleared)
{
	int val = -1;
	socklen_t len = sizeof(val);

	/* well above the 50 ms looked at, so that only the cork holds it */
	ASSERT_EQ(0, set_sysctl("rto_min_ms", 2000));
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, set_int(self->cfd, SOL_TTP, TTP_CORK, 1));
	ASSERT_EQ(0, getsockopt(self->cfd, SOL_TTP, TTP_CORK, &val, &len));
	EXPECT_EQ(1, val);
	ASSERT_EQ(100, write(self->cfd, buf, 100));
	ASSERT_EQ(100, write(self->cfd, buf, 100));
	EXPECT_EQ(0, readable_within(self->sfd, 50));
	ASSERT_EQ(0, set_int(self->cfd, SOL_TTP, TTP_CORK, 0));
	EXPECT_EQ(200, readable_within(self->sfd, 1000));
}

/* A segment corked with nothing in flight goes after an RTO, as TCP's. */
TEST_F(life, cork_holds_for_an_rto_at_most)
{
	uint32_t start;

	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, set_int(self->cfd, SOL_TTP, TTP_CORK, 1));
	start = now_ms();
	ASSERT_EQ(100, write(self->cfd, buf, 100));
	EXPECT_EQ(0, readable_within(self->sfd, 50));
	EXPECT_EQ(100, readable_within(self->sfd, 3000));
	/* rto_min_ms is 200 */
	EXPECT_LE(150, now_ms() - start);
}

/* MSG_MORE corks one send; the next send without it takes both. */
TEST_F(life, msg_more_holds_until_the_last_send)
{
	ASSERT_EQ(0, set_sysctl("rto_min_ms", 2000));
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(100, send(self->cfd, buf, 100, MSG_MORE));
	EXPECT_EQ(0, readable_within(self->sfd, 50));
	ASSERT_EQ(10, send(self->cfd, buf, 10, 0));
	EXPECT_EQ(110, readable_within(self->sfd, 1000));
}

/* Setting TTP_NODELAY sends what waits, even under a cork, as in TCP. */
TEST_F(life, nodelay_pushes_through_a_cork)
{
	ASSERT_EQ(0, set_sysctl("rto_min_ms", 2000));
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, set_int(self->cfd, SOL_TTP, TTP_CORK, 1));
	ASSERT_EQ(100, write(self->cfd, buf, 100));
	EXPECT_EQ(0, readable_within(self->sfd, 50));
	ASSERT_EQ(0, set_int(self->cfd, SOL_TTP, TTP_NODELAY, 1));
	EXPECT_EQ(100, readable_within(self->sfd, 1000));
}

/*
 * Keepalive with the socket's own times: SO_KEEPALIVE set before
 * connect() runs from the handshake, answered probes keep the connection,
 * and TTP_KEEPCNT unanswered ones end it with ETIMEDOUT.
 */
TEST_F(life, keepalive_times_are_the_sockets)
{
	struct seg s[64];
	int n, probes = 0;

	self->lfd = listener(self->port, 8);
	ASSERT_LE(0, self->lfd);
	self->cfd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(0, set_int(self->cfd, SOL_SOCKET, SO_KEEPALIVE, 1));
	ASSERT_EQ(0, set_int(self->cfd, SOL_TTP, TTP_KEEPIDLE, 1));
	ASSERT_EQ(0, set_int(self->cfd, SOL_TTP, TTP_KEEPINTVL, 1));
	ASSERT_EQ(0, set_int(self->cfd, SOL_TTP, TTP_KEEPCNT, 2));
	ASSERT_EQ(0, connect_port(self->cfd, self->port));
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	self->cport = ttp_local_port(self->cfd);
	ASSERT_EQ(0, write_file(TTP_TRACE, "clear"));
	EXPECT_EQ(0, strncmp("keepalive:",
			     timer_of(self->cport, self->port), 10));

	/* answered: probes go every second and the connection stays */
	sleep_ms(2500);
	n = trace(self->port, s, 64);
	for (int i = 0; i < n; i++)
		if (s[i].sport == self->cport && !s[i].len)
			probes++;
	EXPECT_LE(1, probes);
	EXPECT_STREQ("ESTABLISHED", state_of(self->cport, self->port));

	/* unanswered: two probes a second apart, then ETIMEDOUT */
	ASSERT_EQ(0, fault("drop dir=out port=%d count=1000000", self->port));
	EXPECT_EQ(0, error_within(self->cfd, 1500));
	EXPECT_EQ(ETIMEDOUT, error_within(self->cfd, 6000));
}

/* TTP_USER_TIMEOUT ends retransmission long before retries would. */
TEST_F(life, user_timeout_ends_retransmission)
{
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, set_int(self->cfd, SOL_TTP, TTP_USER_TIMEOUT, 1500));
	ASSERT_EQ(0, fault("drop dir=out port=%d count=1000000", self->port));
	ASSERT_EQ(10, write(self->cfd, buf, 10));
	/* retries 15 from an RTO of 200 ms would take minutes */
	EXPECT_EQ(0, error_within(self->cfd, 1000));
	EXPECT_STREQ("ESTABLISHED", state_of(self->cport, self->port));
	EXPECT_EQ(ETIMEDOUT, error_within(self->cfd, 3000));
	EXPECT_STREQ("none", state_of(self->cport, self->port));
}

/* TTP_USER_TIMEOUT ends zero-window probing of a peer that never answers. */
TEST_F(life, user_timeout_ends_zero_window_probing)
{
	struct raw_peer peer;

	ASSERT_EQ(0, raw_open(_metadata, self, &peer, NULL, 0, 0));
	ASSERT_EQ(0, set_int(self->sfd, SOL_TTP, TTP_USER_TIMEOUT, 1000));
	ASSERT_EQ(100, write(self->sfd, buf, 100));
	EXPECT_EQ(0, strncmp("probe:", timer_of(self->port, peer.port), 6));
	EXPECT_EQ(ETIMEDOUT, error_within(self->sfd, 4000));
	EXPECT_STREQ("none", state_of(self->port, peer.port));
	raw_close(self);
}

/*
 * TTP_USER_TIMEOUT counts from when the unacknowledged data was first
 * sent, not from a retransmission's: a partial ACK after the first
 * retransmission left the count at "since boot", and the connection ended
 * one RTO later.
 */
TEST_F(life, user_timeout_counts_from_the_first_send)
{
	struct raw_peer peer;

	ASSERT_EQ(0, raw_open(_metadata, self, &peer, NULL, 0, 65535));
	ASSERT_EQ(0, set_int(self->sfd, SOL_TTP, TTP_USER_TIMEOUT, 4000));
	ASSERT_EQ(100, write(self->sfd, buf, 100));
	for (int i = 0; i < 300 && !info_of(self->sfd).total_retrans; i++)
		sleep_ms(10);
	ASSERT_LT(0, info_of(self->sfd).total_retrans);
	/* half of it: the rest is retransmitted, then the peer is silent */
	ASSERT_EQ(0, raw_ack(&peer, self->port, 50, 65535));
	EXPECT_EQ(0, error_within(self->sfd, 2500));
	EXPECT_EQ(ETIMEDOUT, error_within(self->sfd, 5000));
	raw_close(self);
}

/*
 * Keepalive counts from the last acceptable segment: one with an ACK for
 * data never sent (which a blind attacker may send) keeps nothing alive.
 */
TEST_F(life, keepalive_ignores_unacceptable_acks)
{
	struct raw_peer peer;
	struct ttp_raw_seg seg = { .flags = ACK, .win = 65535 };
	uint32_t start;
	int err = 0;

	ASSERT_EQ(0, raw_open(_metadata, self, &peer, NULL, 0, 65535));
	ASSERT_EQ(0, set_int(self->sfd, SOL_SOCKET, SO_KEEPALIVE, 1));
	ASSERT_EQ(0, set_int(self->sfd, SOL_TTP, TTP_KEEPIDLE, 1));
	ASSERT_EQ(0, set_int(self->sfd, SOL_TTP, TTP_KEEPINTVL, 1));
	ASSERT_EQ(0, set_int(self->sfd, SOL_TTP, TTP_KEEPCNT, 2));
	seg.sport = peer.port;
	seg.dport = self->port;
	seg.seq = peer.seq;
	seg.ack = peer.ack + 0x40000000;
	start = now_ms();
	while (now_ms() - start < 8000 && !err) {
		ASSERT_LT(0, ttp_raw_send(peer.proto, LO, LO, &seg));
		err = error_within(self->sfd, 300);
	}
	/* idle 1 s, two probes a second apart, then the end */
	EXPECT_EQ(ETIMEDOUT, err);
	raw_close(self);
}

/*
 * No urgent data: sending it fails (rather than put an unexpected byte in
 * the stream), receiving it finds none waiting (EINVAL, as TCP without an
 * urgent byte), and SIOCATMARK is never at a mark.
 */
TEST_F(life, urgent_data_is_refused)
{
	int val = -1;

	ASSERT_EQ(0, open_pair(_metadata, self, true));
	EXPECT_EQ(-1, send(self->cfd, "u", 1, MSG_OOB));
	EXPECT_EQ(EOPNOTSUPP, errno);
	ASSERT_EQ(1, send(self->cfd, "d", 1, 0));
	ASSERT_EQ(1, readable_within(self->sfd, 1000));
	EXPECT_EQ(-1, recv(self->sfd, buf, 1, MSG_OOB));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(self->sfd, SIOCATMARK, &val));
	EXPECT_EQ(0, val);
	/* the byte sent in-band is still there, and only it */
	EXPECT_EQ(1, recv(self->sfd, buf, 2, MSG_DONTWAIT));
	EXPECT_EQ('d', buf[0]);
}

/* TTP_QUICKACK sends the ACK the delayed-ACK timer holds at once. */
TEST_F(life, quickack_sends_a_held_ack)
{
	struct ttp_info info;
	int val = -1;
	socklen_t len = sizeof(val);

	ASSERT_EQ(0, set_sysctl("delayed_ack_ms", 1000));
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(1, write(self->cfd, "q", 1));
	ASSERT_EQ(1, readable_within(self->sfd, 1000));
	ASSERT_EQ(1, read(self->sfd, buf, 1));
	info = info_of(self->cfd);
	EXPECT_NE(info.snd_una, info.snd_nxt);
	EXPECT_EQ(0, strncmp("delack:", timer_of(self->port, self->cport), 7));

	ASSERT_EQ(0, set_int(self->sfd, SOL_TTP, TTP_QUICKACK, 1));
	sleep_ms(100);
	info = info_of(self->cfd);
	EXPECT_EQ(info.snd_una, info.snd_nxt);
	ASSERT_EQ(0, getsockopt(self->sfd, SOL_TTP, TTP_QUICKACK, &val, &len));
	EXPECT_EQ(1, val);
	ASSERT_EQ(0, set_int(self->sfd, SOL_TTP, TTP_QUICKACK, 0));
	ASSERT_EQ(0, getsockopt(self->sfd, SOL_TTP, TTP_QUICKACK, &val, &len));
	EXPECT_EQ(0, val);
}

TEST_HARNESS_MAIN
