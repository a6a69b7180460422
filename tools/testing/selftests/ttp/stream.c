// SPDX-License-Identifier: GPL-2.0
/*
 * The mechanisms of the reliable stream that no single behaviour item
 * names: the peer's MSS option and window, zero-window probes, window
 * scaling, Nagle and TTP_NODELAY, RFC 5961's answer to a SYN, SO_LINGER,
 * ephemeral ports, and thousands of connections at once.  Where the peer
 * must misbehave, it is a raw socket that writes TTP segments by hand.
 */
#include <sys/resource.h>

#include "ttp_conn.h"

/* Segments go no bigger than the peer's MSS option, no further than its window. */
TEST_F(life, peer_mss_and_window_bound_segments)
{
	const uint8_t mss536[] = { 2, 4, 536 >> 8, 536 & 0xff };
	struct raw_peer peer;
	unsigned int longest;

	ASSERT_EQ(0, raw_open(_metadata, self, &peer, mss536, sizeof(mss536),
			      2 * 536));
	EXPECT_EQ(536, info_of(self->sfd).mss);
	memset(buf, 'm', 4000);
	ASSERT_EQ(4000, write(self->sfd, buf, 4000));
	sleep_ms(100);
	EXPECT_EQ(2 * 536, data_sent(&peer, self->port, &longest));
	EXPECT_EQ(536, longest);

	/* each ACK moves the window on by what it acknowledges */
	ASSERT_EQ(0, raw_ack(&peer, self->port, 2 * 536, 2 * 536));
	sleep_ms(100);
	EXPECT_EQ(4 * 536, data_sent(&peer, self->port, &longest));
	EXPECT_EQ(536, longest);
	raw_close(self);
}

/* A zero window is probed, and the probe's answer opens it. */
TEST_F(life, zero_window_is_probed)
{
	struct raw_peer peer;
	unsigned int longest;
	struct seg s[64];
	int n, probes = 0;

	ASSERT_EQ(0, raw_open(_metadata, self, &peer, NULL, 0, 0));
	memset(buf, 'p', 100);
	ASSERT_EQ(100, write(self->sfd, buf, 100));
	EXPECT_EQ(0, strncmp("probe:", timer_of(self->port, peer.port), 6));
	/* probes at 200 and 600 ms (rto_min_ms, doubled) */
	sleep_ms(800);
	n = trace(self->port, s, 64);
	for (int i = 0; i < n; i++) {
		if (s[i].sport != self->port)
			continue;
		EXPECT_EQ(0, s[i].len);
		EXPECT_STREQ(".", s[i].flags);
		/* one below snd_una: the peer must answer with its window */
		EXPECT_EQ(peer.ack - 1, s[i].seq);
		probes++;
	}
	EXPECT_LE(2, probes);
	EXPECT_STREQ("ESTABLISHED", state_of(self->port, peer.port));

	ASSERT_EQ(0, raw_ack(&peer, self->port, 0, 1000));
	sleep_ms(100);
	EXPECT_EQ(100, data_sent(&peer, self->port, &longest));
	raw_close(self);
}

/*
 * The window field is scaled (RFC 7323): after the handshake, a reader with
 * a big buffer offers more than the field's 65535, and more than 64 KiB go
 * out before any of it is acknowledged.
 */
TEST_F(life, window_scale_beyond_64k)
{
	unsigned int snd_wnd, base, sent = 0;
	struct seg s[1024], *ack = NULL;
	int n, shift;

	self->rcvbuf = 1 << 20;
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(1, write(self->cfd, "w", 1));
	ASSERT_EQ(1, read(self->sfd, buf, 1));
	sleep_ms(200);
	n = trace(self->port, s, 1024);
	for (int i = 0; i < n; i++)
		if (s[i].sport == self->port)
			ack = &s[i];
	ASSERT_NE(NULL, ack);
	snd_wnd = info_of(self->cfd).snd_wnd;
	EXPECT_LT(65535, snd_wnd);
	/* the field times 2^shift: the shift of the SYN+ACK's option */
	for (shift = 1; shift <= 14 && ack->win << shift != snd_wnd; shift++)
		;
	EXPECT_GE(14, shift);

	/* with every ACK lost, the writer sends what the window allows */
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_SNDBUF, &self->rcvbuf,
				sizeof(self->rcvbuf)));
	ASSERT_EQ(0, fault("drop dir=out flags=ACK exact port=%d count=100000",
			   self->port));
	ASSERT_EQ(0, write_file(TTP_TRACE, "clear"));
	base = info_of(self->cfd).snd_nxt;
	memset(buf, 'w', 4 << 16);
	ASSERT_LT(65536, send(self->cfd, buf, 4 << 16, MSG_DONTWAIT));
	sleep_ms(100);
	n = trace(self->port, s, 1024);
	for (int i = 0; i < n; i++)
		if (s[i].sport == self->cport && s[i].len &&
		    s[i].seq + s[i].len - base > sent)
			sent = s[i].seq + s[i].len - base;
	EXPECT_LT(65535, sent);
	EXPECT_GE(snd_wnd, sent);
}

/* Nagle holds a short segment while one is unacknowledged; TTP_NODELAY does not. */
TEST_F(life, nagle_unless_nodelay)
{
	struct seg s[16];
	int n, one = 1;

	/* long enough to see, shorter than the RTO (rto_min_ms) */
	ASSERT_EQ(0, set_sysctl("delayed_ack_ms", 100));
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(1, write(self->cfd, "a", 1));
	ASSERT_EQ(1, write(self->cfd, "b", 1));
	sleep_ms(300);
	n = trace(self->port, s, 16);
	ASSERT_LE(3, n);
	EXPECT_EQ(1, s[0].len);
	/* the second byte waits for the (delayed) ACK of the first */
	EXPECT_STREQ(".", s[1].flags);
	EXPECT_EQ(self->port, s[1].sport);
	EXPECT_EQ(s[0].seq + 1, s[1].ack);
	EXPECT_EQ(self->cport, s[2].sport);
	EXPECT_EQ(1, s[2].len);
	EXPECT_LE(90000, s[2].us - s[0].us);
	ASSERT_EQ(2, read(self->sfd, buf, 2));

	ASSERT_EQ(0, setsockopt(self->cfd, SOL_TTP, TTP_NODELAY, &one,
				sizeof(one)));
	ASSERT_EQ(0, write_file(TTP_TRACE, "clear"));
	ASSERT_EQ(1, write(self->cfd, "c", 1));
	ASSERT_EQ(1, write(self->cfd, "d", 1));
	sleep_ms(300);
	n = trace(self->port, s, 16);
	ASSERT_LE(2, n);
	EXPECT_EQ(self->cport, s[0].sport);
	EXPECT_EQ(self->cport, s[1].sport);
	EXPECT_EQ(1, s[1].len);
	EXPECT_EQ(s[0].seq + 1, s[1].seq);
}

/* RFC 5961 4.2: a SYN on an established connection draws a challenge ACK. */
TEST_F(life, syn_on_established_is_challenged)
{
	struct ttp_raw_seg syn = { .flags = SYN, .win = 1000 };
	struct ttp_info info;
	struct seg s[8];

	ASSERT_EQ(0, open_pair(_metadata, self, true));
	info = info_of(self->sfd);
	syn.sport = self->cport;
	syn.dport = self->port;
	syn.seq = info.rcv_nxt;
	ASSERT_EQ(20, ttp_raw_send(proto_of(self->cfd), LO, LO, &syn));
	sleep_ms(50);
	ASSERT_EQ(2, trace(self->port, s, 8));
	EXPECT_STREQ(".", s[1].flags);
	EXPECT_EQ(self->port, s[1].sport);
	EXPECT_EQ(info.snd_nxt, s[1].seq);
	EXPECT_EQ(info.rcv_nxt, s[1].ack);
	EXPECT_STREQ("ESTABLISHED", state_of(self->port, self->cport));
	EXPECT_STREQ("ESTABLISHED", state_of(self->cport, self->port));
	ASSERT_EQ(1, write(self->cfd, "x", 1));
	EXPECT_EQ(1, read(self->sfd, buf, 1));
}

/*
 * Open a pair, lose the server's next lost_acks bare ACKs, and close the
 * client with SO_LINGER of secs seconds: how many ms close() took.
 */
static int lingering_close_ms(struct __test_metadata *_metadata,
			      struct _test_data_life *self, int secs,
			      int lost_acks)
{
	struct linger lin = { .l_onoff = 1, .l_linger = secs };
	char rule[96];
	uint32_t t;

	snprintf(rule, sizeof(rule),
		 "drop dir=out flags=ACK exact port=%d count=%d", self->port,
		 lost_acks);
	if (open_pair(_metadata, self, true) ||
	    setsockopt(self->cfd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin)) ||
	    write_file(TTP_FAULTS, rule))
		return -1;
	t = now_ms();
	if (close(self->cfd))
		return -1;
	self->cfd = -1;
	return now_ms() - t;
}

/* SO_LINGER > 0: close() returns once the FIN is acknowledged. */
TEST_F(life, linger_waits_for_the_fins_ack)
{
	struct seg s[16];
	int ms, n, fins = 0;

	/* the first ACK of the FIN is lost: the FIN goes again after an RTO */
	ms = lingering_close_ms(_metadata, self, 5, 1);
	EXPECT_LE(190, ms);
	EXPECT_GT(5000, ms);
	n = trace(self->port, s, 16);
	for (int i = 0; i < n; i++)
		fins += s[i].sport == self->cport && !strcmp(s[i].flags, "F.");
	EXPECT_EQ(2, fins);
	EXPECT_STREQ("FIN_WAIT_2", state_of(self->cport, self->port));
}

/* SO_LINGER > 0 with the FIN never acknowledged: close() gives up in time. */
TEST_F(life, linger_ends_after_its_time)
{
	int ms = lingering_close_ms(_metadata, self, 1, 1000);

	EXPECT_LE(990, ms);
	EXPECT_GT(3000, ms);
	/* the orphan goes on retransmitting its FIN */
	EXPECT_STREQ("FIN_WAIT_1", state_of(self->cport, self->port));
	ASSERT_EQ(0, write_file(TTP_FAULTS, "clear"));
	EXPECT_TRUE(wait_state(self->cport, self->port, "FIN_WAIT_2", 3000));
}

/* connect() picks ports spread over the local port range, as TCP does. */
TEST_F(life, connect_ports_spread)
{
	enum { N = 16 };
	int lfd[N], cfd[N], port[N];

	/* a port of its own for each: the hash that picks a port covers it */
	for (int i = 0; i < N; i++) {
		lfd[i] = listener(self->port + i * 37, 1);
		ASSERT_LE(0, lfd[i]);
		cfd[i] = connect_to(self->port + i * 37, false);
		ASSERT_LE(0, cfd[i]);
		port[i] = ttp_local_port(cfd[i]);
	}
	EXPECT_STREQ("spread", ttp_ports_spread(port, N));
	for (int i = 0; i < N; i++) {
		close(cfd[i]);
		close(lfd[i]);
	}
}

/*
 * Thousands of connections on one listener, told apart by their
 * four-tuples alone: each carries its own number there and back, with
 * the requests sent in the reverse order of the answers.
 */
TEST_F_TIMEOUT(life, thousands_of_connections, 600)
{
	enum { CONNS = 4000 };
	struct rlimit nofile = { 2 * CONNS + 64, 2 * CONNS + 64 };
	int *fds;

	alarm(600);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &nofile));
	fds = calloc(2 * CONNS, sizeof(*fds));
	ASSERT_NE(NULL, fds);
	self->lfd = listener(self->port, 128);
	ASSERT_LE(0, self->lfd);
	for (int i = 0; i < CONNS; i++) {
		fds[2 * i] = connect_to(self->port, false);
		ASSERT_LE(0, fds[2 * i]) TH_LOG("connection %d: %s", i,
						strerror(errno));
		fds[2 * i + 1] = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, fds[2 * i + 1]);
	}
	EXPECT_LE(CONNS, ttp_stat("CurrEstab") / 2);

	/* all requests first, then all answers: each waits in its own socket */
	for (int i = CONNS - 1; i >= 0; i--) {
		uint16_t id = i;

		ASSERT_EQ(2, write(fds[2 * i], &id, 2));
	}
	for (int i = 0; i < CONNS; i++) {
		uint16_t id;

		ASSERT_EQ(2, read(fds[2 * i + 1], &id, 2));
		ASSERT_EQ(i, id);
		ASSERT_EQ(2, write(fds[2 * i + 1], &id, 2));
	}
	for (int i = 0; i < CONNS; i++) {
		uint16_t id;

		ASSERT_EQ(2, read(fds[2 * i], &id, 2));
		ASSERT_EQ(i, id);
	}

	for (int i = 0; i < 2 * CONNS; i++)
		close(fds[i]);
	free(fds);
}

TEST_HARNESS_MAIN
