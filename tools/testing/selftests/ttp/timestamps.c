// SPDX-License-Identifier: GPL-2.0
/*
 * The timestamps option (RFC 7323): agreed in the handshake as TCP agrees
 * it, switched by the sysctl timestamps, echoed on every segment, taken
 * out of the MSS, used to time the path even after a retransmission, and
 * PAWS, which drops an old duplicate that the sequence check would let
 * in.  The peer is hand-written (raw IP) where its timestamps must be
 * chosen; what the server sends is read from a raw socket.
 */
#include <netinet/in.h>

#include "ttp_raw.h"

#define FIN	0x01
#define PSH	0x08
#define MSS	1000

/*
 * The usual raw handshake: a SYN with MSS 1000 and, if tsval, timestamps;
 * the ACK carries tsval + 1 and echoes the SYN+ACK's; self->sfd is the
 * accepted socket.
 */
static int ts_open(struct __test_metadata *_metadata,
		   struct _test_data_life *self, struct raw_peer *peer,
		   int rfd, uint32_t tsval, struct rx_seg *synack)
{
	uint8_t o[4 + TSOPT_LEN] = { 2, 4, MSS >> 8, MSS & 0xff };

	put_ts(o + 4, tsval, 0);
	if (hs_raw(self, peer, rfd, o, tsval ? sizeof(o) : 4, NULL, 0, 65535,
		   tsval + 1, synack))
		return -1;
	self->sfd = accept(self->lfd, NULL, NULL);
	return self->sfd < 0 ? -1 : 0;
}

/* The peer sends data at seq with the given TSval, echoing tsecr. */
static int ts_send(struct raw_peer *peer, int port, uint32_t seq,
		   const char *data, uint32_t tsval, uint32_t tsecr, uint8_t flags)
{
	uint8_t o[TSOPT_LEN];
	struct ttp_raw_seg seg = {
		.sport = peer->port, .dport = port, .seq = seq,
		.ack = peer->ack, .flags = flags, .win = 65535,
		.opt = o, .optlen = sizeof(o),
		.data = data, .len = data ? strlen(data) : 0,
	};

	put_ts(o, tsval, tsecr);

	return ttp_raw_send(peer->proto, LO, LO, &seg) < 0 ? -1 : 0;
}

/* Both ends of a TTP connection agree, and the MSS pays for the option. */
TEST_F(life, two_ends_agree_and_the_mss_pays_for_the_option)
{
	struct ttp_info c, s;

	ASSERT_EQ(0, set_sysctl("timestamps", 1));
	self->lfd = listener(self->port, 8);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, setsockopt(self->lfd, SOL_TTP, TTP_MAXSEG,
				&(int){ MSS }, sizeof(int)));
	self->cfd = connect_to(self->port, false);
	ASSERT_LE(0, self->cfd);
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	c = info_of(self->cfd);
	s = info_of(self->sfd);
	EXPECT_TRUE(c.options & TTP_INFO_OPT_TIMESTAMPS);
	EXPECT_TRUE(s.options & TTP_INFO_OPT_TIMESTAMPS);
	/* the listener announced 1000; 12 of each segment carry timestamps */
	EXPECT_EQ(MSS - 12, c.mss);
	EXPECT_EQ(MSS - 12, s.mss);
}

TEST_F(life, the_sysctl_turns_them_off)
{
	struct ttp_info c, s;

	ASSERT_EQ(0, set_sysctl("timestamps", 0));
	self->lfd = listener(self->port, 8);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, setsockopt(self->lfd, SOL_TTP, TTP_MAXSEG,
				&(int){ MSS }, sizeof(int)));
	self->cfd = connect_to(self->port, false);
	ASSERT_LE(0, self->cfd);
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	c = info_of(self->cfd);
	s = info_of(self->sfd);
	EXPECT_FALSE(c.options & TTP_INFO_OPT_TIMESTAMPS);
	EXPECT_FALSE(s.options & TTP_INFO_OPT_TIMESTAMPS);
	EXPECT_EQ(MSS, c.mss);
	EXPECT_EQ(MSS, s.mss);
	EXPECT_EQ(-EINVAL, set_sysctl("timestamps", 2));
}

/*
 * The SYN+ACK echoes the SYN's TSval; the data that follows carries a
 * TSval of its own and echoes the peer's latest, in segments of the
 * announced MSS less the option.
 */
TEST_F(life, the_server_echoes_and_stamps_every_segment)
{
	struct raw_peer peer;
	struct rx_seg synack, s;
	int l = listener(self->port + 1, 1), rfd, segs = 0;
	char data[3 * MSS];
	uint32_t end;

	ASSERT_EQ(0, set_sysctl("timestamps", 1));
	ASSERT_LE(0, l);
	/* a raw socket of TTP's protocol number sees what the server sends */
	rfd = raw_socket(l);
	close(l);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, ts_open(_metadata, self, &peer, rfd, 0x11223344, &synack));
	ASSERT_TRUE(synack.has_ts);
	EXPECT_EQ(0x11223344u, synack.tsecr);
	EXPECT_TRUE(info_of(self->sfd).options & TTP_INFO_OPT_TIMESTAMPS);
	EXPECT_EQ(MSS - 12, info_of(self->sfd).mss);

	/* the short last piece goes without waiting for an ACK */
	ASSERT_EQ(0, setsockopt(self->sfd, SOL_TTP, TTP_NODELAY, &(int){ 1 },
				sizeof(int)));
	memset(data, 'd', sizeof(data));
	ASSERT_EQ(sizeof(data), send(self->sfd, data, sizeof(data), 0));
	end = peer.ack;
	while (!rx_next(rfd, self->port, peer.port, &s, 500)) {
		/* the peer is silent: retransmissions come too */
		if (!s.len || (int32_t)(s.seq - end) < 0)
			continue;
		end = s.seq + s.len;
		segs++;
		EXPECT_TRUE(s.has_ts);
		/* the handshake's ACK carried 0x11223345 */
		EXPECT_EQ(0x11223345u, s.tsecr);
		EXPECT_LE(0, (int32_t)(s.tsval - synack.tsval));
		EXPECT_GE(MSS - 12, s.len);
	}
	EXPECT_EQ(4, segs);	/* 3000 bytes in pieces of at most 988 */
	close(rfd);
	raw_close(self);
}

/* A SYN without the option: none in the answer, none after, whole MSS. */
TEST_F(life, a_peer_without_them_gets_none)
{
	struct raw_peer peer;
	struct rx_seg synack, s;
	int l = listener(self->port + 1, 1), rfd, segs = 0;
	char data[2 * MSS];
	uint32_t end;

	ASSERT_EQ(0, set_sysctl("timestamps", 1));
	ASSERT_LE(0, l);
	rfd = raw_socket(l);
	close(l);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, ts_open(_metadata, self, &peer, rfd, 0, &synack));
	EXPECT_FALSE(synack.has_ts);
	EXPECT_FALSE(info_of(self->sfd).options & TTP_INFO_OPT_TIMESTAMPS);
	EXPECT_EQ(MSS, info_of(self->sfd).mss);

	memset(data, 'd', sizeof(data));
	ASSERT_EQ(sizeof(data), send(self->sfd, data, sizeof(data), 0));
	end = peer.ack;
	while (!rx_next(rfd, self->port, peer.port, &s, 500)) {
		if (!s.len || (int32_t)(s.seq - end) < 0)
			continue;
		end = s.seq + s.len;
		segs++;
		EXPECT_FALSE(s.has_ts);
		EXPECT_EQ(MSS, s.len);
	}
	EXPECT_EQ(2, segs);
	close(rfd);
	raw_close(self);
}

/*
 * RFC 7323 5.3: a segment whose TSval is older than the last kept is an
 * old duplicate, dropped though its sequence numbers are the very next
 * expected.  The RST is the exception: it resets whatever its TSval.
 */
TEST_F(life, paws_drops_an_old_duplicate)
{
	struct raw_peer peer;
	struct rx_seg synack;
	int l = listener(self->port + 1, 1), rfd;
	uint32_t seq;
	char got[64];

	ASSERT_EQ(0, set_sysctl("timestamps", 1));
	ASSERT_LE(0, l);
	rfd = raw_socket(l);
	close(l);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, ts_open(_metadata, self, &peer, rfd, 1000, &synack));
	ASSERT_TRUE(synack.has_ts);
	seq = peer.seq;

	ASSERT_EQ(0, ts_send(&peer, self->port, seq, "aaaa", 2000,
			     synack.tsval, ACK | PSH));
	/* next in sequence, but stamped before the segment above */
	ASSERT_EQ(0, ts_send(&peer, self->port, seq + 4, "bbbb", 1500,
			     synack.tsval, ACK | PSH));
	sleep_ms(100);
	memset(got, 0, sizeof(got));
	EXPECT_EQ(4, recv(self->sfd, got, sizeof(got), MSG_DONTWAIT));
	EXPECT_STREQ("aaaa", got);
	EXPECT_EQ(seq + 4, info_of(self->sfd).rcv_nxt);

	/* the same bytes with a current TSval get in */
	ASSERT_EQ(0, ts_send(&peer, self->port, seq + 4, "cccc", 2001,
			     synack.tsval, ACK | PSH));
	sleep_ms(100);
	memset(got, 0, sizeof(got));
	EXPECT_EQ(4, recv(self->sfd, got, sizeof(got), MSG_DONTWAIT));
	EXPECT_STREQ("cccc", got);

	/*
	 * A RST at rcv_nxt with an old TSval still resets.  The rule that
	 * drops the host's RSTs on their way out would drop this one too.
	 */
	ASSERT_EQ(0, write_file(TTP_FAULTS, "clear"));
	ASSERT_EQ(0, ts_send(&peer, self->port, seq + 8, NULL, 5,
			     synack.tsval, RST));
	sleep_ms(100);
	EXPECT_EQ(TTP_CLOSE, info_of(self->sfd).state);
	close(rfd);
}

/*
 * Karn's rule leaves a sender no RTT sample from an ACK of retransmitted
 * data; the echo gives one (RFC 7323 4.1).  The peer lets the first
 * transmission go unanswered, then acknowledges it echoing the TSval of
 * the first transmission, a timeout ago: srtt grows toward that.  With
 * rto_max_ms set to rto_max if that is not 0.
 */
static void echo_after_retransmission(struct __test_metadata *_metadata,
				      struct _test_data_life *self,
				      int rto_max)
{
	struct raw_peer peer;
	struct rx_seg synack, first, again;
	int l = listener(self->port + 1, 1), rfd;
	struct ttp_info before, after;
	uint8_t o[TSOPT_LEN];

	ASSERT_EQ(0, set_sysctl("timestamps", 1));
	ASSERT_EQ(0, set_sysctl("rto_min_ms", 200));
	if (rto_max)
		ASSERT_EQ(0, set_sysctl("rto_max_ms", rto_max));
	ASSERT_LE(0, l);
	rfd = raw_socket(l);
	close(l);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, ts_open(_metadata, self, &peer, rfd, 1000, &synack));
	ASSERT_EQ(5, send(self->sfd, "hello", 5, 0));
	ASSERT_EQ(0, rx_next(rfd, self->port, peer.port, &first, 1000));
	ASSERT_EQ(5, first.len);
	ASSERT_EQ(0, rx_next(rfd, self->port, peer.port, &again, 3000));
	ASSERT_EQ(5, again.len);
	ASSERT_EQ(first.seq, again.seq);
	before = info_of(self->sfd);
	ASSERT_EQ(1, before.total_retrans);

	put_ts(o, 1001, first.tsval);
	{
		struct ttp_raw_seg seg = {
			.sport = peer.port, .dport = self->port,
			.seq = peer.seq, .ack = first.seq + 5, .flags = ACK,
			.win = 65535, .opt = o, .optlen = sizeof(o),
		};

		ASSERT_LE(0, ttp_raw_send(peer.proto, LO, LO, &seg));
	}
	sleep_ms(50);
	after = info_of(self->sfd);
	EXPECT_EQ(before.snd_una + 5, after.snd_una);
	/* one sample of at least the timeout moves srtt by an eighth of it */
	TH_LOG("srtt %u -> %u us, echo %u ms old", before.srtt_us,
	       after.srtt_us, again.tsval - first.tsval);
	EXPECT_LT(before.srtt_us + 150000 / 8, after.srtt_us);
	close(rfd);
	raw_close(self);
}

TEST_F(life, an_echo_times_the_path_after_a_retransmission)
{
	echo_after_retransmission(_metadata, self, 0);
}

/*
 * An echo is believed up to rto_max_ms old: once that bound, in whole
 * seconds, was 0 for rto_max_ms under 1000, and no echo was a sample.
 */
TEST_F(life, the_echo_times_the_path_under_a_short_rto_max)
{
	echo_after_retransmission(_metadata, self, 900);
}

/* The next segment from the server that has all the flags of want. */
static int rx_flags(int rfd, int sport, int dport, uint8_t want,
		    struct rx_seg *s)
{
	while (!rx_next(rfd, sport, dport, s, 2000))
		if ((s->flags & want) == want)
			return 0;
	return -1;
}

/*
 * TIME_WAIT answers a retransmitted FIN as the connection did: with
 * timestamps, echoing the last TSval the connection kept.
 */
TEST_F(life, time_wait_answers_with_timestamps)
{
	struct raw_peer peer;
	struct rx_seg synack, fin, ack, twack;
	int l = listener(self->port + 1, 1), rfd;

	ASSERT_EQ(0, set_sysctl("timestamps", 1));
	ASSERT_LE(0, l);
	rfd = raw_socket(l);
	close(l);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, ts_open(_metadata, self, &peer, rfd, 1000, &synack));

	close(self->sfd);
	self->sfd = -1;
	ASSERT_EQ(0, rx_flags(rfd, self->port, peer.port, FIN, &fin));
	ASSERT_TRUE(fin.has_ts);
	peer.ack = fin.seq + 1;
	ASSERT_EQ(0, ts_send(&peer, self->port, peer.seq, NULL, 2000,
			     fin.tsval, ACK | FIN));
	ASSERT_EQ(0, rx_flags(rfd, self->port, peer.port, ACK, &ack));
	EXPECT_TRUE(ack.has_ts);
	EXPECT_EQ(2000u, ack.tsecr);
	EXPECT_STREQ("TIME_WAIT", state_of(self->port, peer.port));

	/* the FIN again: the TIME_WAIT sock answers */
	ASSERT_EQ(0, ts_send(&peer, self->port, peer.seq, NULL, 2001,
			     fin.tsval, ACK | FIN));
	ASSERT_EQ(0, rx_flags(rfd, self->port, peer.port, ACK, &twack));
	EXPECT_EQ(peer.seq + 1, twack.ack);
	EXPECT_TRUE(twack.has_ts);
	EXPECT_EQ(2000u, twack.tsecr);
	EXPECT_LE(0, (int32_t)(twack.tsval - ack.tsval));
	close(rfd);
}

/*
 * A SYN cookie has no room for timestamps: its SYN+ACK goes without, and
 * so does the connection, which works.
 */
TEST_F(life, a_syn_cookie_connection_goes_without)
{
	char got[8] = { 0 };

	ASSERT_EQ(0, set_sysctl("timestamps", 1));
	ASSERT_EQ(0, set_sysctl("syncookies", 2));
	ASSERT_EQ(0, open_pair(_metadata, self, false));
	EXPECT_FALSE(info_of(self->cfd).options & TTP_INFO_OPT_TIMESTAMPS);
	EXPECT_FALSE(info_of(self->sfd).options & TTP_INFO_OPT_TIMESTAMPS);
	ASSERT_EQ(4, send(self->cfd, "ping", 4, 0));
	EXPECT_EQ(4, recv(self->sfd, got, sizeof(got), 0));
	EXPECT_STREQ("ping", got);
}

/*
 * A reordered duplicate ACK passes PAWS only if its TSval is within an
 * RTO of TS.Recent, as tcp_disordered_ack() says.  Without that bound
 * pure duplicate ACKs stamped 100 s ago got in, and three of them
 * started fast recovery.  They are dropped, with an ACK.
 */
TEST_F(life, ancient_duplicate_acks_do_not_start_recovery)
{
	struct raw_peer peer;
	struct rx_seg synack, s;
	int l = listener(self->port + 1, 1), rfd, i;
	char data[4 * (MSS - 12)];
	struct ttp_info after;

	ASSERT_EQ(0, set_sysctl("timestamps", 1));
	ASSERT_EQ(0, set_sysctl("rto_min_ms", 1000));
	ASSERT_LE(0, l);
	rfd = raw_socket(l);
	close(l);
	ASSERT_LE(0, rfd);
	ASSERT_EQ(0, ts_open(_metadata, self, &peer, rfd, 200000, &synack));
	ASSERT_EQ(0, setsockopt(self->sfd, SOL_TTP, TTP_NODELAY, &(int){ 1 },
				sizeof(int)));
	memset(data, 'd', sizeof(data));
	ASSERT_EQ(sizeof(data), send(self->sfd, data, sizeof(data), 0));
	ASSERT_EQ(0, rx_next(rfd, self->port, peer.port, &s, 1000));
	sleep_ms(20);
	/* TS.Recent is 200001: these are 100 s older, far outside any RTO */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, ts_send(&peer, self->port, peer.seq, NULL, 100001,
				     s.tsval, ACK));
	sleep_ms(100);
	after = info_of(self->sfd);
	TH_LOG("total_retrans %u ca_state %u", after.total_retrans,
	       after.ca_state);
	EXPECT_EQ(0, after.total_retrans);
	EXPECT_EQ(TTP_CA_OPEN, after.ca_state);
	close(rfd);
	raw_close(self);
}

/*
 * The handshake's final ACK with a TSval older than the SYN's is an old
 * duplicate: the request sock drops it, as tcp_check_req() does, and no
 * child is made.  Once the child was made, and its own PAWS dropped the
 * ACK: accept() gave a socket stuck in SYN_RECV.
 */
TEST_F(life, an_old_final_ack_makes_no_child)
{
	uint8_t so[4 + TSOPT_LEN] = { 2, 4, MSS >> 8, MSS & 0xff };
	uint8_t ao[TSOPT_LEN];
	struct pollfd p;
	struct raw_peer peer;
	struct rx_seg synack;
	int l = listener(self->port + 1, 1), rfd, n;
	struct ttp_info si;

	ASSERT_EQ(0, set_sysctl("timestamps", 1));
	ASSERT_LE(0, l);
	rfd = raw_socket(l);
	close(l);
	ASSERT_LE(0, rfd);
	put_ts(so + 4, 50000, 0);
	put_ts(ao, 10, 0);
	/* a window other than the SYN's: no "disordered ACK" either */
	ASSERT_EQ(0, hs_raw(self, &peer, rfd, so, sizeof(so), ao, sizeof(ao),
			    4096, 0, &synack));
	ASSERT_TRUE(synack.has_ts);
	p.fd = self->lfd;
	p.events = POLLIN;
	n = poll(&p, 1, 300);
	if (n == 1) {
		self->sfd = accept(self->lfd, NULL, NULL);
		ASSERT_LE(0, self->sfd);
		si = info_of(self->sfd);
		TH_LOG("accepted a child in state %u (ESTABLISHED=%u, SYN_RECV=%u)",
		       si.state, TTP_ESTABLISHED, TTP_SYN_RECV);
		/* what the application may do with it: no splat, please */
		n = send(self->sfd, "ping", 4, MSG_DONTWAIT);
		TH_LOG("send() on it: %d (%s)", n, n < 0 ? strerror(errno) : "");
		n = 1;
		EXPECT_EQ(TTP_ESTABLISHED, si.state);
	}
	/* Linux: the ACK fails PAWS at the request sock; nothing to accept */
	EXPECT_EQ(0, n);
	close(rfd);
	if (self->sfd >= 0)
		raw_close(self);
}

/*
 * A peer announcing the smallest MSS there is, with timestamps: the MSS
 * floor is 48, less 12 is 36.  Data flows in 36-byte pieces.
 */
TEST_F(life, the_smallest_mss_less_the_option_still_carries_data)
{
	uint8_t so[4 + TSOPT_LEN] = { 2, 4, 0, 1 };	/* MSS 1 */
	uint8_t ao[TSOPT_LEN];
	struct raw_peer peer;
	struct rx_seg synack, s;
	int l = listener(self->port + 1, 1), rfd, segs = 0, bytes = 0;
	char data[200];
	uint32_t end;

	ASSERT_EQ(0, set_sysctl("timestamps", 1));
	ASSERT_LE(0, l);
	rfd = raw_socket(l);
	close(l);
	ASSERT_LE(0, rfd);
	put_ts(so + 4, 7000, 0);
	put_ts(ao, 7001, 0);
	ASSERT_EQ(0, hs_raw(self, &peer, rfd, so, sizeof(so), ao, sizeof(ao),
			    65535, 0, &synack));
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	EXPECT_EQ(36, info_of(self->sfd).mss);
	ASSERT_EQ(0, setsockopt(self->sfd, SOL_TTP, TTP_NODELAY, &(int){ 1 },
				sizeof(int)));
	memset(data, 'x', sizeof(data));
	ASSERT_EQ(sizeof(data), send(self->sfd, data, sizeof(data), 0));
	end = peer.ack;
	while (!rx_next(rfd, self->port, peer.port, &s, 300)) {
		if (!s.len || (int32_t)(s.seq - end) < 0)
			continue;
		end = s.seq + s.len;
		segs++;
		bytes += s.len;
		EXPECT_GE(36, s.len);
		EXPECT_TRUE(s.has_ts);
	}
	TH_LOG("%d segments, %d bytes", segs, bytes);
	EXPECT_EQ(200, bytes);
	close(rfd);
	raw_close(self);
}

TEST_HARNESS_MAIN
