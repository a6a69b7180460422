// SPDX-License-Identifier: GPL-2.0
/*
 * The connection lifecycle of behaviour.md, item by item: each test drives
 * sockets on 127.0.0.1, loses segments through /proc/net/ttp_faults where
 * the scenario needs it, and checks the segments in /proc/net/ttp_trace
 * (flags, seq, ack) and the states in /proc/net/ttp.
 */
#include "ttp_conn.h"

/* Items 1-3: SYN (seq x), SYN+ACK (seq y, ack x+1), ACK (ack y+1). */
TEST_F(life, three_way_handshake)
{
	struct seg s[8];
	unsigned int x;
	int n, fd;

	ASSERT_EQ(0, open_pair(_metadata, self, false));
	n = trace(self->port, s, 8);
	ASSERT_EQ(3, n);
	EXPECT_STREQ("S", s[0].flags);
	EXPECT_EQ(self->port, s[0].dport);
	EXPECT_EQ(0, s[0].len);
	EXPECT_STREQ("S.", s[1].flags);
	EXPECT_EQ(s[0].seq + 1, s[1].ack);
	EXPECT_STREQ(".", s[2].flags);
	EXPECT_EQ(s[0].seq + 1, s[2].seq);
	EXPECT_EQ(s[1].seq + 1, s[2].ack);
	EXPECT_STREQ("ESTABLISHED", state_of(self->cport, self->port));
	EXPECT_STREQ("ESTABLISHED", state_of(self->port, self->cport));

	/* x is not predictable: the next connection starts elsewhere */
	x = s[0].seq;
	fd = connect_to(self->port, false);
	ASSERT_LE(0, fd);
	ASSERT_LE(4, trace(self->port, s, 8));
	EXPECT_STREQ("S", s[3].flags);
	EXPECT_NE(x, s[3].seq);
	close(fd);
}

/* Item 2: before the final ACK the server holds a request in SYN_RCVD. */
TEST_F(life, no_full_socket_before_final_ack)
{
	int before = ttp_stat("PassiveOpens");

	/* the server's SYN+ACK timer must not end the test early */
	ASSERT_EQ(0, set_sysctl("rto_initial_ms", 5000));
	self->lfd = listener(self->port, 8);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, fault("drop dir=out flags=ACK exact port=%d count=1",
			   self->port));
	self->cfd = connect_to(self->port, false);
	ASSERT_LE(0, self->cfd);
	/* the client is established, the server is not */
	self->cport = ttp_local_port(self->cfd);
	EXPECT_STREQ("ESTABLISHED", state_of(self->cport, self->port));
	EXPECT_STREQ("SYN_RCVD", state_of(self->port, self->cport));
	EXPECT_EQ(0, strncmp(timer_of(self->port, self->cport), "rto:", 4));
	EXPECT_EQ(before, ttp_stat("PassiveOpens"));
	fcntl(self->lfd, F_SETFL, O_NONBLOCK);
	EXPECT_EQ(-1, accept(self->lfd, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	/* item 4: the client's first data completes the handshake */
	ASSERT_EQ(5, write(self->cfd, "hello", 5));
	fcntl(self->lfd, F_SETFL, 0);
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	EXPECT_EQ(before + 1, ttp_stat("PassiveOpens"));
	ASSERT_EQ(5, read(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
}

/* Item 4: lost SYNs are repeated with backoff, syn_retries times. */
TEST_F(life, lost_syn_times_out)
{
	struct seg s[16];
	int fd, n;

	ASSERT_EQ(0, set_sysctl("syn_retries", 2));
	ASSERT_EQ(0, set_sysctl("rto_initial_ms", 100));
	self->lfd = listener(self->port, 8);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, fault("drop dir=out flags=SYN exact port=%d count=100",
			   self->port));
	fd = connect_to(self->port, false);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(ETIMEDOUT, errno);
	n = trace(self->port, s, 16);
	ASSERT_EQ(3, n);
	for (int i = 0; i < n; i++) {
		EXPECT_STREQ("S", s[i].flags);
		EXPECT_EQ(s[0].seq, s[i].seq);
		EXPECT_STREQ("drop", s[i].verdict);
	}
	/* 100 ms, then 200 ms: each wait twice the one before */
	EXPECT_LE(90000, s[1].us - s[0].us);
	EXPECT_LE(180000, s[2].us - s[1].us);
}

/* Item 4: a lost SYN+ACK is repeated by the server. */
TEST_F(life, lost_synack_is_repeated)
{
	struct seg s[16];
	int n, synacks = 0;

	ASSERT_EQ(0, fault("drop dir=out flags=SYN,ACK port=%d count=1",
			   self->port));
	ASSERT_EQ(0, open_pair(_metadata, self, false));
	n = trace(self->port, s, 16);
	for (int i = 0; i < n; i++)
		synacks += !strcmp(s[i].flags, "S.");
	/* another may answer the client's own repeated SYN */
	EXPECT_LE(2, synacks);
	EXPECT_STREQ("drop", s[1].verdict);
	EXPECT_STREQ("ESTABLISHED", state_of(self->port, self->cport));
}

/* Item 4: a lost final ACK: the repeated SYN+ACK draws a new ACK. */
TEST_F(life, lost_final_ack_is_repeated)
{
	struct seg s[16];
	int n, acks = 0;

	self->lfd = listener(self->port, 8);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, fault("drop dir=out flags=ACK exact port=%d count=1",
			   self->port));
	self->cfd = connect_to(self->port, false);
	ASSERT_LE(0, self->cfd);
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	n = trace(self->port, s, 16);
	for (int i = 0; i < n; i++)
		acks += !strcmp(s[i].flags, ".");
	EXPECT_EQ(2, acks);
	EXPECT_LE(4, n);
	EXPECT_STREQ("S.", s[3].flags);
}

/*
 * Item 4: the SYN+ACK, like the SYN, goes at most 1 + syn_retries times;
 * then the server forgets the request.  (TCP's own tcp_synack_retries, 5,
 * would have sent four SYN+ACKs by the time the trace is read.)
 */
TEST_F(life, synack_gives_up_after_syn_retries)
{
	struct seg s[16];
	int n, synacks = 0;

	ASSERT_EQ(0, set_sysctl("syn_retries", 1));
	ASSERT_EQ(0, set_sysctl("rto_initial_ms", 200));
	self->lfd = listener(self->port, 8);
	ASSERT_LE(0, self->lfd);
	/* none of the client's ACKs arrives */
	ASSERT_EQ(0, fault("drop dir=out flags=ACK exact port=%d count=100",
			   self->port));
	self->cfd = connect_to(self->port, false);
	ASSERT_LE(0, self->cfd);
	self->cport = ttp_local_port(self->cfd);
	EXPECT_STREQ("SYN_RCVD", state_of(self->port, self->cport));
	/* SYN+ACK at 0, again at 200 ms, given up at 600 ms */
	sleep_ms(2000);
	n = trace(self->port, s, 16);
	for (int i = 0; i < n; i++)
		synacks += !strcmp(s[i].flags, "S.");
	EXPECT_EQ(2, synacks);
	EXPECT_STREQ("none", state_of(self->port, self->cport));
	EXPECT_EQ(0, listen_queue(self->port));
}

/*
 * The congestion windows of a pair whose handshake lost its first `lost`
 * segments of flags (exactly): RFC 5681 3.1 starts from one segment
 * after a lost SYN or SYN+ACK; as Linux, only after more than one was
 * sent again, as with an initial RTO of a second one may be spurious.
 */
static void windows_after_losing(struct __test_metadata *_metadata,
				 struct _test_data_life *self,
				 const char *flags, int lost,
				 unsigned int *client, unsigned int *server)
{
	char rule[96];

	snprintf(rule, sizeof(rule), "drop dir=out flags=%s exact port=%d count=%d",
		 flags, self->port, lost);
	ASSERT_EQ(0, write_file(TTP_FAULTS, rule));
	ASSERT_EQ(0, open_pair(_metadata, self, false));
	*client = info_of(self->cfd).snd_cwnd;
	*server = info_of(self->sfd).snd_cwnd;
}

TEST_F(life, two_lost_syns_start_from_one_segment)
{
	unsigned int client, server;

	windows_after_losing(_metadata, self, "SYN", 2, &client, &server);
	EXPECT_EQ(1, client);
	EXPECT_EQ(10, server);
	EXPECT_EQ(2, info_of(self->cfd).total_retrans);
}

TEST_F(life, one_lost_syn_keeps_the_initial_window)
{
	unsigned int client, server;

	windows_after_losing(_metadata, self, "SYN", 1, &client, &server);
	EXPECT_EQ(10, client);
	EXPECT_EQ(10, server);
}

TEST_F(life, two_lost_synacks_start_from_one_segment)
{
	unsigned int client, server;

	windows_after_losing(_metadata, self, "SYN,ACK", 2, &client, &server);
	EXPECT_EQ(1, server);
	EXPECT_LE(2, info_of(self->sfd).total_retrans);
}

/* Item 5: a SYN to a port nobody listens on draws a RST. */
TEST_F(life, refused)
{
	long rsts = ttp_stat("OutRsts");
	struct seg s[8];

	EXPECT_EQ(-1, connect_to(self->port, false));
	EXPECT_EQ(ECONNREFUSED, errno);
	ASSERT_EQ(2, trace(self->port, s, 8));
	EXPECT_STREQ("R.", s[1].flags);
	EXPECT_EQ(s[0].seq + 1, s[1].ack);
	EXPECT_EQ(rsts + 1, ttp_stat("OutRsts"));
}

/* Item 6: backlog + 1 connections wait; the others retry until accepted. */
TEST_F(life, full_backlog)
{
	long drops = ttp_stat("SynDrops");
	int c[4], accepted = 0;

	ASSERT_EQ(0, set_sysctl("rto_initial_ms", 100));
	self->lfd = listener(self->port, 1);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, fcntl(self->lfd, F_SETFL, O_NONBLOCK));
	for (int i = 0; i < 4; i++) {
		c[i] = connect_to(self->port, true);
		ASSERT_LE(0, c[i]);
	}
	sleep_ms(300);
	EXPECT_LT(drops, ttp_stat("SynDrops"));
	/* as Linux: the accept queue holds backlog + 1 (recvq of LISTEN) */
	EXPECT_EQ(2, listen_queue(self->port));
	/* all get in as the queue drains: the others retry their SYNs */
	for (int i = 0; i < 100 && accepted < 4; i++) {
		int fd = accept(self->lfd, NULL, NULL);

		if (fd >= 0) {
			accepted++;
			close(fd);
		} else {
			sleep_ms(100);
		}
	}
	EXPECT_EQ(4, accepted);
	for (int i = 0; i < 4; i++)
		close(c[i]);
}

/* Item 7: both ends send a SYN; both reach ESTABLISHED. */
TEST_F(life, simultaneous_open)
{
	struct sockaddr_in a = ttp_sockaddr(AF_TTP, LO, self->port);
	struct sockaddr_in b = ttp_sockaddr(AF_TTP, LO, self->port + 1000);
	struct pollfd p[2];
	int x, y, err = 0;
	socklen_t len = sizeof(err);

	x = socket(AF_TTP, SOCK_STREAM | SOCK_NONBLOCK, 0);
	y = socket(AF_TTP, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ASSERT_EQ(0, bind(x, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, bind(y, (struct sockaddr *)&b, sizeof(b)));
	/* lose the first SYNs, so that each end is in SYN_SENT for the other */
	ASSERT_EQ(0, fault("drop dir=out flags=SYN exact port=%d count=2",
			   self->port));
	EXPECT_EQ(-1, connect(x, (struct sockaddr *)&b, sizeof(b)));
	EXPECT_EQ(-1, connect(y, (struct sockaddr *)&a, sizeof(a)));
	p[0] = (struct pollfd){ .fd = x, .events = POLLOUT };
	p[1] = (struct pollfd){ .fd = y, .events = POLLOUT };
	ASSERT_EQ(1, poll(&p[0], 1, 5000));
	ASSERT_EQ(1, poll(&p[1], 1, 5000));
	EXPECT_EQ(0, getsockopt(x, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(0, err);
	EXPECT_STREQ("ESTABLISHED", state_of(self->port, self->port + 1000));
	EXPECT_STREQ("ESTABLISHED", state_of(self->port + 1000, self->port));
	EXPECT_EQ(3, write(x, "abc", 3));
	EXPECT_EQ(3, read(y, buf, 3));
	close(x);
	close(y);
}

/*
 * An active open to a hand-written peer whose ISN lies half the sequence
 * space from 0, where our SYN's window was measured from: the peer answers
 * the SYN with a SYN+ACK, or with a SYN of its own (simultaneous open) and
 * then the ACK.  Either way the window we offer once established, and on
 * the wire, fits the receive buffer: it once was the distance between the
 * two ISNs, up to 8 MB from a buffer of 208 KB, and a fast sender overran
 * the buffer and saw its segments dropped.
 */
static void active_open_window(struct __test_metadata *_metadata,
			       struct _test_data_life *self, bool simultaneous)
{
	static const uint8_t ws[] = { 1, 3, 3, 7 };	/* NOP, wscale 7 */
	const uint32_t irs = 0x80000000u + 200000;
	struct ttp_raw_seg seg = { .win = 65535, .opt = ws,
				   .optlen = sizeof(ws) };
	int rcvbuf = 0, n = 0, acks = 0;
	socklen_t len = sizeof(rcvbuf);
	struct ttp_info info;
	struct seg s[16];

	/* nobody listens on self->port: the raw peer answers for it */
	ASSERT_EQ(0, fault("drop dir=out flags=RST port=%d count=1000",
			   self->port));
	self->cfd = connect_to(self->port, true);
	ASSERT_LE(0, self->cfd);
	self->cport = ttp_local_port(self->cfd);
	for (int i = 0; i < 100 && n < 1; i++) {
		n = trace(self->port, s, 16);
		if (n < 1)
			sleep_ms(10);
	}
	ASSERT_LE(1, n);
	ASSERT_STREQ("S", s[0].flags);

	seg.sport = self->port;
	seg.dport = self->cport;
	seg.seq = irs;
	seg.ack = simultaneous ? 0 : s[0].seq + 1;
	seg.flags = simultaneous ? SYN : SYN | ACK;
	ASSERT_LE(0, ttp_raw_send(proto_of(self->cfd), LO, LO, &seg));
	if (simultaneous) {
		ASSERT_TRUE(wait_state(self->cport, self->port, "SYN_RCVD",
				       2000));
		memset(&seg, 0, sizeof(seg));
		seg.sport = self->port;
		seg.dport = self->cport;
		seg.seq = irs + 1;
		seg.ack = s[0].seq + 1;
		seg.flags = ACK;
		seg.win = 1000;
		ASSERT_LE(0, ttp_raw_send(proto_of(self->cfd), LO, LO, &seg));
	}
	ASSERT_TRUE(wait_state(self->cport, self->port, "ESTABLISHED", 2000));

	ASSERT_EQ(0, getsockopt(self->cfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				&len));
	info = info_of(self->cfd);
	EXPECT_EQ(irs + 1, info.rcv_nxt);
	EXPECT_LT(0, info.rcv_wnd);
	EXPECT_GE(rcvbuf, info.rcv_wnd);
	/* what the segments said: SYN windows are not scaled, others by 7 */
	n = trace(self->port, s, 16);
	for (int i = 1; i < n; i++) {
		if (s[i].sport != self->cport)
			continue;
		if (strchr(s[i].flags, 'S')) {
			EXPECT_GE(65535, s[i].win);
		} else {
			EXPECT_GE(rcvbuf, s[i].win << 7);
			acks++;
		}
	}
	if (!simultaneous)
		EXPECT_EQ(1, acks);
}

TEST_F(life, handshake_ack_offers_no_more_than_the_buffer)
{
	active_open_window(_metadata, self, false);
}

TEST_F(life, simultaneous_open_offers_no_more_than_the_buffer)
{
	active_open_window(_metadata, self, true);
}

/*
 * A request sock answers an old duplicate with an ACK, and that ACK is no
 * SYN: its window is scaled like any other.  It went out unscaled, 65535,
 * which a peer that agreed on a scale of 7 read as 8 MB.
 */
TEST_F(life, request_sock_ack_window_is_scaled)
{
	static const uint8_t ws[] = { 1, 3, 3, 7 };	/* NOP, wscale 7 */
	struct ttp_raw_seg seg = { .flags = SYN, .win = 65535, .opt = ws,
				   .optlen = sizeof(ws) };
	const uint32_t irs = 1000000;
	int rcvbuf = 0, n = 0, acks = 0, synack;
	socklen_t len = sizeof(rcvbuf);
	struct seg s[16];

	self->lfd = listener(self->port, 8);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, getsockopt(self->lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				&len));
	/* the raw peer's port has no socket: what answers there is dropped */
	ASSERT_EQ(0, fault("drop dir=out flags=RST port=%d count=1000",
			   self->port));
	seg.sport = self->port - 10000;
	seg.dport = self->port;
	seg.seq = irs;
	ASSERT_LE(0, ttp_raw_send(proto_of(self->lfd), LO, LO, &seg));
	/* the raw SYN passes LOCAL_OUT too: the SYN+ACK is the last */
	for (int i = 0; i < 100 && n < 1; i++) {
		n = trace(self->port, s, 16);
		while (n > 0 && strcmp(s[n - 1].flags, "S."))
			n--;
		if (n < 1)
			sleep_ms(10);
	}
	ASSERT_LE(1, n);
	synack = n - 1;

	/* an old duplicate, one below the window: answered with an ACK */
	memset(&seg, 0, sizeof(seg));
	seg.sport = self->port - 10000;
	seg.dport = self->port;
	seg.seq = irs;
	seg.ack = s[synack].seq + 1;
	seg.flags = ACK;
	seg.win = 1000;
	ASSERT_LE(0, ttp_raw_send(proto_of(self->lfd), LO, LO, &seg));
	sleep_ms(50);
	EXPECT_STREQ("SYN_RCVD", state_of(self->port, self->port - 10000));
	n = trace(self->port, s, 16);
	for (int i = synack + 1; i < n; i++) {
		if (s[i].sport != self->port || strcmp(s[i].flags, "."))
			continue;
		EXPECT_LT(0, s[i].win);
		EXPECT_GE(rcvbuf, s[i].win << 7);
		acks++;
	}
	EXPECT_EQ(1, acks);
}

/*
 * recv(MSG_PEEK) that blocks before the handshake is done: the SYN+ACK
 * moves where the data starts under it.  The peek went on looking from
 * the old place, found nothing in a queue that was not empty, spun on
 * the CPU past SO_RCVTIMEO, and returned 0 (EOF) once the peer closed,
 * though the data was there to read.
 */
TEST_F(life, peek_waiting_through_the_handshake_sees_the_data)
{
	struct timeval tv = { .tv_sec = 2 };
	char got[16] = { 0 };
	uint32_t t0, took;
	int status;
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, connect_losing_the_first_syn(self));
	ASSERT_STREQ("SYN_SENT", state_of(self->cport, self->port));
	ASSERT_EQ(0, fcntl(self->cfd, F_SETFL, 0));
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = accept(self->lfd, NULL, NULL);

		if (fd < 0 || write(fd, "hello", 5) != 5)
			_exit(1);
		sleep_ms(4000);
		_exit(0);
	}
	t0 = now_ms();
	n = recv(self->cfd, got, sizeof(got), MSG_PEEK);
	took = now_ms() - t0;
	EXPECT_EQ(5, n);
	EXPECT_STREQ("hello", got);
	/* the RTO of 200 ms and the handshake, well within SO_RCVTIMEO */
	EXPECT_GT(2000, took);
	memset(got, 0, sizeof(got));
	EXPECT_EQ(5, recv(self->cfd, got, sizeof(got), MSG_DONTWAIT));
	EXPECT_STREQ("hello", got);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

/* Item 8: a byte stream, whatever the losses and segment boundaries. */
TEST_F(life, stream_under_loss)
{
	const int total = 1 << 20;
	unsigned int seed = 1, sum_out = 0, sum_in = 0;
	int got = 0, sent = 0;
	pid_t pid;

	ASSERT_EQ(0, set_sysctl("rto_min_ms", 20));
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, fault("loss dir=out percent=10 port=%d", self->port));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		while (sent < total) {
			char chunk[5000];
			int n = 1 + rand_r(&seed) % sizeof(chunk);

			if (n > total - sent)
				n = total - sent;
			for (int i = 0; i < n; i++)
				chunk[i] = (char)(sent + i) * 31;
			if (write(self->cfd, chunk, n) != n)
				_exit(1);
			sent += n;
		}
		_exit(0);
	}
	for (int i = 0; i < total; i++)
		sum_out += (unsigned char)((char)i * 31) * (i % 251 + 1);
	while (got < total) {
		int n = read(self->sfd, buf, 1 + rand_r(&seed) % 7000);

		ASSERT_LT(0, n);
		for (int i = 0; i < n; i++)
			sum_in += (unsigned char)buf[i] * ((got + i) % 251 + 1);
		got += n;
	}
	EXPECT_EQ(sum_out, sum_in);
	EXPECT_LT(0, ttp_stat("RetransSegs"));
	ASSERT_EQ(pid, waitpid(pid, &got, 0));
	EXPECT_EQ(0, got);
}

/* Item 9: a segment that keeps timing out ends the connection. */
TEST_F(life, retries_give_up)
{
	struct seg s[32];
	int n, data = 0;

	ASSERT_EQ(0, set_sysctl("retries", 3));
	ASSERT_EQ(0, set_sysctl("rto_min_ms", 50));
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, fault("drop dir=out flags=PSH port=%d count=100",
			   self->port));
	ASSERT_EQ(3, write(self->cfd, "abc", 3));
	EXPECT_EQ(-1, read(self->cfd, buf, 1));
	EXPECT_EQ(ETIMEDOUT, errno);
	n = trace(self->port, s, 32);
	for (int i = 0; i < n; i++)
		data += s[i].len == 3;
	/* sent once, timed out three times: two retransmissions */
	EXPECT_EQ(3, data);
	EXPECT_STREQ("none", state_of(self->cport, self->port));
}

/* Item 10: a reader that does not read stops the writer. */
TEST_F(life, flow_control)
{
	int rcvbuf = 4096, total = 0, got = 0, n;
	struct seg s[4096];
	bool zero = false;

	self->lfd = listener(self->port, 8);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	self->cfd = connect_to(self->port, true);
	ASSERT_LE(0, self->cfd);
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	sleep_ms(50);
	memset(buf, 'x', 65536);
	for (int i = 0; i < 1000; i++) {
		n = write(self->cfd, buf, 65536);
		if (n < 0) {
			ASSERT_EQ(EAGAIN, errno);
			break;
		}
		total += n;
	}
	ASSERT_GT(10 << 20, total);
	/* held back: no more than the receive buffer reached the reader */
	sleep_ms(500);
	ASSERT_EQ(0, ioctl(self->sfd, FIONREAD, &n));
	EXPECT_GE(8192, n);
	n = trace(self->port, s, 4096);
	for (int i = 0; i < n; i++)
		zero |= s[i].sport == self->port && s[i].win == 0;
	EXPECT_TRUE(zero);
	/* reading opens the window again; everything arrives */
	while (got < total) {
		int r = read(self->sfd, buf, 65536);

		ASSERT_LT(0, r);
		got += r;
	}
	EXPECT_EQ(total, got);
}

/* Item 11: a lone segment is acknowledged after delayed_ack_ms. */
TEST_F(life, delayed_ack)
{
	long delayed = ttp_stat("DelayedAcks");
	struct seg s[64];
	int n, mss;

	/* shorter than the RTO (rto_min_ms), or the segment is sent again */
	ASSERT_EQ(0, set_sysctl("delayed_ack_ms", 100));
	/* room for two segments of the loopback MSS */
	self->rcvbuf = 1 << 20;
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(1, write(self->cfd, "a", 1));
	sleep_ms(300);
	n = trace(self->port, s, 64);
	ASSERT_EQ(2, n);
	EXPECT_STREQ(".", s[1].flags);
	EXPECT_EQ(s[0].seq + 1, s[1].ack);
	EXPECT_LE(90000, s[1].us - s[0].us);
	EXPECT_EQ(delayed + 1, ttp_stat("DelayedAcks"));

	/* two full segments: the second is acknowledged at once */
	mss = info_of(self->cfd).mss;
	ASSERT_LT(0, mss);
	ASSERT_EQ(1, read(self->sfd, buf, 1));
	ASSERT_EQ(0, write_file(TTP_TRACE, "clear"));
	memset(buf, 'y', 2 * mss);
	ASSERT_EQ(2 * mss, write(self->cfd, buf, 2 * mss));
	sleep_ms(100);
	n = trace(self->port, s, 64);
	ASSERT_LE(3, n);
	EXPECT_EQ(mss, s[0].len);
	EXPECT_EQ(mss, s[1].len);
	EXPECT_STREQ(".", s[2].flags);
	EXPECT_EQ(s[1].seq + mss, s[2].ack);
	EXPECT_EQ(delayed + 1, ttp_stat("DelayedAcks"));
}

/* Items 12-15: FIN, ACK, data in half-close, FIN, ACK, TIME_WAIT. */
TEST_F(life, four_way_teardown)
{
	struct seg s[16];
	int n;

	ASSERT_EQ(0, set_sysctl("delayed_ack_ms", 20));
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	ASSERT_TRUE(wait_state(self->cport, self->port, "FIN_WAIT_2", 1000));
	EXPECT_STREQ("CLOSE_WAIT", state_of(self->port, self->cport));
	EXPECT_EQ(0, read(self->sfd, buf, 1));
	/* half-close: the passive side still sends, the active side reads */
	ASSERT_EQ(4, write(self->sfd, "late", 4));
	ASSERT_EQ(4, read(self->cfd, buf, 4));
	sleep_ms(100);	/* the active side's delayed ACK of the data goes */
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = -1;
	ASSERT_TRUE(wait_state(self->cport, self->port, "TIME_WAIT", 1000));
	EXPECT_STREQ("none", state_of(self->port, self->cport));
	EXPECT_EQ(0, strncmp(timer_of(self->cport, self->port), "tw:", 3));

	n = trace(self->port, s, 16);
	ASSERT_EQ(6, n);
	/* 12: FIN, seq u */
	EXPECT_STREQ("F.", s[0].flags);
	EXPECT_EQ(self->cport, s[0].sport);
	/* 13: ACK, ack u + 1 */
	EXPECT_STREQ(".", s[1].flags);
	EXPECT_EQ(s[0].seq + 1, s[1].ack);
	EXPECT_STREQ("P.", s[2].flags);
	EXPECT_STREQ(".", s[3].flags);
	/* 14: FIN, seq w, ack u + 1 */
	EXPECT_STREQ("F.", s[4].flags);
	EXPECT_EQ(self->port, s[4].sport);
	EXPECT_EQ(s[0].seq + 1, s[4].ack);
	/* 15: ACK, seq u + 1, ack w + 1 */
	EXPECT_STREQ(".", s[5].flags);
	EXPECT_EQ(s[0].seq + 1, s[5].seq);
	EXPECT_EQ(s[4].seq + 1, s[5].ack);
	/* 2 x MSL later it is gone */
	EXPECT_TRUE(wait_state(self->cport, self->port, "none", 3000));
}

/* Item 16: a passive side that closes at once sends ACK and FIN together. */
TEST_F(life, three_way_teardown)
{
	long tw = ttp_stat("TimeWaits");
	struct seg s[16];

	ASSERT_EQ(0, set_sysctl("delayed_ack_ms", 500));
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, close(self->cfd));
	self->cfd = -1;
	EXPECT_EQ(0, read(self->sfd, buf, 1));
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = -1;
	ASSERT_TRUE(wait_state(self->cport, self->port, "TIME_WAIT", 1000));
	ASSERT_EQ(3, trace(self->port, s, 16));
	EXPECT_STREQ("F.", s[0].flags);
	EXPECT_STREQ("F.", s[1].flags);
	EXPECT_EQ(s[0].seq + 1, s[1].ack);
	EXPECT_STREQ(".", s[2].flags);
	EXPECT_EQ(s[1].seq + 1, s[2].ack);
	EXPECT_EQ(tw + 1, ttp_stat("TimeWaits"));
}

/*
 * Item 17: FINs that cross: CLOSING on both sides, then TIME_WAIT.  On
 * loopback a FIN arrives before the other side can send its own, so netem
 * holds every segment 100 ms on the way.
 */
TEST_F(life, simultaneous_close)
{
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, system("tc qdisc add dev lo root netem delay 100ms"));
	EXPECT_EQ(0, shutdown(self->cfd, SHUT_WR));
	EXPECT_EQ(0, shutdown(self->sfd, SHUT_WR));
	EXPECT_TRUE(wait_state(self->cport, self->port, "CLOSING", 1000));
	EXPECT_TRUE(wait_state(self->port, self->cport, "CLOSING", 1000));
	EXPECT_TRUE(wait_state(self->cport, self->port, "TIME_WAIT", 2000));
	EXPECT_TRUE(wait_state(self->port, self->cport, "TIME_WAIT", 2000));
	ASSERT_EQ(0, system("tc qdisc del dev lo root"));
}

/* Item 18: a lost FIN is sent again. */
TEST_F(life, lost_fin_is_repeated)
{
	struct seg s[16];
	int n, fins = 0;

	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, fault("drop dir=out flags=FIN port=%d count=1",
			   self->port));
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	ASSERT_TRUE(wait_state(self->port, self->cport, "CLOSE_WAIT", 2000));
	n = trace(self->port, s, 16);
	for (int i = 0; i < n; i++)
		fins += !strcmp(s[i].flags, "F.") && s[i].seq == s[0].seq;
	EXPECT_EQ(2, fins);
	EXPECT_STREQ("drop", s[0].verdict);
}

/* Item 18: a lost last ACK: the FIN comes again and TIME_WAIT re-ACKs. */
TEST_F(life, lost_last_ack)
{
	struct seg s[16];
	int n, fins = 0, acks = 0;

	/* the repeated FIN comes 1.2 s into a 2 s TIME_WAIT */
	ASSERT_EQ(0, set_sysctl("msl_ms", 1000));
	ASSERT_EQ(0, set_sysctl("rto_initial_ms", 1200));
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	ASSERT_TRUE(wait_state(self->cport, self->port, "FIN_WAIT_2", 2000));
	ASSERT_EQ(0, fault("drop dir=out flags=ACK exact port=%d count=1",
			   self->port));
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = -1;
	ASSERT_TRUE(wait_state(self->cport, self->port, "TIME_WAIT", 1000));
	EXPECT_STREQ("LAST_ACK", state_of(self->port, self->cport));
	ASSERT_TRUE(wait_state(self->port, self->cport, "none", 3000));
	/* the restarted timer has close to 2 x MSL left, not 0.8 s */
	EXPECT_STREQ("TIME_WAIT", state_of(self->cport, self->port));
	EXPECT_LT(1500, atoi(timer_of(self->cport, self->port) + 3));
	n = trace(self->port, s, 16);
	for (int i = 2; i < n; i++) {
		fins += !strcmp(s[i].flags, "F.");
		acks += !strcmp(s[i].flags, ".");
	}
	EXPECT_EQ(2, fins);
	EXPECT_EQ(2, acks);
}

/* Item 19: a new SYN during TIME_WAIT, beyond the old sequence numbers. */
TEST_F(life, syn_during_time_wait)
{
	struct ttp_raw_seg syn = { .flags = 0x02, .win = 1000 };
	struct ttp_info info;
	struct seg s[16];
	int proto;

	ASSERT_EQ(0, open_pair(_metadata, self, false));
	proto = proto_of(self->cfd);
	info = info_of(self->sfd);
	ASSERT_EQ(0, close(self->cfd));
	self->cfd = -1;
	ASSERT_EQ(0, read(self->sfd, buf, 1));
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = -1;
	ASSERT_TRUE(wait_state(self->cport, self->port, "TIME_WAIT", 1000));
	/* only the side that closed first is in TIME_WAIT */
	EXPECT_STREQ("none", state_of(self->port, self->cport));

	/*
	 * A SYN for the TIME_WAIT end, from the old peer's address.  The
	 * listener there would answer our ACK with a RST that ends TIME_WAIT
	 * (as in Linux): lose that RST.
	 */
	ASSERT_EQ(0, fault("drop dir=out flags=RST port=%d count=1",
			   self->port));
	ASSERT_EQ(0, write_file(TTP_TRACE, "clear"));
	syn.sport = self->port;
	syn.dport = self->cport;
	syn.seq = info.snd_nxt - 10;
	ASSERT_EQ(20, ttp_raw_send(proto, LO, LO, &syn));
	/* an old SYN: answered with an ACK (the listener resets that) */
	ASSERT_LE(2, trace(self->port, s, 16));
	EXPECT_STREQ(".", s[1].flags);
	EXPECT_EQ(self->cport, s[1].sport);
	EXPECT_STREQ("TIME_WAIT", state_of(self->cport, self->port));
	/* a SYN beyond: TIME_WAIT ends; nobody listens there, so a RST */
	ASSERT_EQ(0, write_file(TTP_TRACE, "clear"));
	syn.seq = info.snd_nxt + 100000;
	ASSERT_EQ(20, ttp_raw_send(proto, LO, LO, &syn));
	ASSERT_EQ(2, trace(self->port, s, 16));
	EXPECT_STREQ("R.", s[1].flags);
	EXPECT_EQ(syn.seq + 1, s[1].ack);
	EXPECT_STREQ("none", state_of(self->cport, self->port));
}

/* Item 20: an orphan in FIN_WAIT_2 is reaped. */
TEST_F(life, fin_wait2_reaped)
{
	ASSERT_EQ(0, set_sysctl("fin_wait2_timeout_ms", 300));
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, close(self->cfd));
	self->cfd = -1;
	ASSERT_TRUE(wait_state(self->cport, self->port, "FIN_WAIT_2", 1000));
	EXPECT_EQ(0, strncmp(timer_of(self->cport, self->port), "fin2:", 5))
		TH_LOG("timer %s", timer_of(self->cport, self->port));
	EXPECT_TRUE(wait_state(self->cport, self->port, "none", 2000));
}

/* Item 21: close() while another process holds the socket sends nothing. */
TEST_F(life, close_with_other_holder)
{
	struct seg s[8];
	int status;
	pid_t pid;

	ASSERT_EQ(0, open_pair(_metadata, self, true));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		sleep_ms(300);
		_exit(0);	/* the last holder: the kernel sends the FIN */
	}
	ASSERT_EQ(0, close(self->cfd));
	self->cfd = -1;
	sleep_ms(100);
	EXPECT_EQ(0, trace(self->port, s, 8));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(wait_state(self->port, self->cport, "CLOSE_WAIT", 1000));
	ASSERT_LE(1, trace(self->port, s, 8));
	EXPECT_STREQ("F.", s[0].flags);
}

/* Items 22 and 23: SHUT_WR sends the FIN at once; SHUT_RD sends nothing. */
TEST_F(life, shutdown_wr_and_rd)
{
	struct seg s[8];
	int dup_fd;

	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, shutdown(self->sfd, SHUT_RD));
	sleep_ms(100);
	EXPECT_EQ(0, trace(self->port, s, 8));
	dup_fd = dup(self->cfd);
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	ASSERT_TRUE(wait_state(self->cport, self->port, "FIN_WAIT_2", 1000));
	ASSERT_LE(1, trace(self->port, s, 8));
	EXPECT_STREQ("F.", s[0].flags);
	/* the socket still receives */
	ASSERT_EQ(2, write(self->sfd, "ok", 2));
	ASSERT_EQ(2, read(dup_fd, buf, 2));
	close(dup_fd);
}

/* Item 24: unread data, or SO_LINGER 0, make close() abort with a RST. */
TEST_F(life, abortive_close)
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };
	struct seg s[8];
	int n;

	ASSERT_EQ(0, open_pair(_metadata, self, false));
	ASSERT_EQ(3, write(self->cfd, "abc", 3));
	sleep_ms(100);
	ASSERT_EQ(0, write_file(TTP_TRACE, "clear"));
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = -1;
	n = trace(self->port, s, 8);
	ASSERT_EQ(1, n);
	EXPECT_STREQ("R.", s[0].flags);
	EXPECT_EQ(-1, read(self->cfd, buf, 1));
	EXPECT_EQ(ECONNRESET, errno);
	close(self->cfd);
	close(self->lfd);
	self->cfd = -1;
	self->lfd = -1;

	self->port += 1;
	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_LINGER, &lin,
				sizeof(lin)));
	ASSERT_EQ(0, close(self->cfd));
	self->cfd = -1;
	ASSERT_EQ(1, trace(self->port, s, 8));
	EXPECT_STREQ("R.", s[0].flags);
}

/* Item 24: data that arrives after close() draws a RST. */
TEST_F(life, data_after_close)
{
	struct seg s[16];
	int n;

	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, close(self->cfd));
	self->cfd = -1;
	ASSERT_TRUE(wait_state(self->cport, self->port, "FIN_WAIT_2", 1000));
	ASSERT_EQ(4, write(self->sfd, "late", 4));
	ASSERT_TRUE(wait_state(self->cport, self->port, "none", 1000));
	n = trace(self->port, s, 16);
	ASSERT_LE(1, n);
	EXPECT_STREQ("R.", s[n - 1].flags);
	/* as tcp_reset() in CLOSE_WAIT: EOF was read, writes fail */
	EXPECT_EQ(0, read(self->sfd, buf, 1));
	EXPECT_EQ(-1, write(self->sfd, "x", 1));
	EXPECT_EQ(EPIPE, errno);
}

/* Item 25: after a RST, EPIPE and SIGPIPE unless MSG_NOSIGNAL. */
static int pipes;

static void on_sigpipe(int sig)
{
	pipes++;
}

TEST_F(life, after_reset)
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };

	ASSERT_EQ(0, open_pair(_metadata, self, true));
	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_LINGER, &lin,
				sizeof(lin)));
	ASSERT_EQ(0, close(self->sfd));
	self->sfd = -1;
	ASSERT_TRUE(wait_state(self->cport, self->port, "none", 1000));
	EXPECT_EQ(-1, recv(self->cfd, buf, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	signal(SIGPIPE, on_sigpipe);
	pipes = 0;
	EXPECT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(0, pipes);
	EXPECT_EQ(-1, send(self->cfd, "x", 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(1, pipes);
	signal(SIGPIPE, SIG_IGN);
}

/* Item 26: a blind RST in the window draws a challenge ACK, no reset. */
TEST_F(life, blind_reset)
{
	struct ttp_raw_seg rst = { .flags = 0x04, .win = 0 };
	struct ttp_info info;
	struct seg s[8];
	int proto;

	ASSERT_EQ(0, open_pair(_metadata, self, true));
	proto = proto_of(self->cfd);
	info = info_of(self->sfd);
	rst.sport = self->cport;
	rst.dport = self->port;
	rst.seq = info.rcv_nxt + 1000;
	ASSERT_EQ(20, ttp_raw_send(proto, LO, LO, &rst));
	ASSERT_EQ(2, trace(self->port, s, 8));
	EXPECT_STREQ(".", s[1].flags);
	EXPECT_EQ(info.rcv_nxt, s[1].ack);
	EXPECT_STREQ("ESTABLISHED", state_of(self->port, self->cport));
	/* out of the window: ignored without a word */
	rst.seq = info.rcv_nxt + (1U << 30);
	ASSERT_EQ(20, ttp_raw_send(proto, LO, LO, &rst));
	EXPECT_EQ(3, trace(self->port, s, 8));
	EXPECT_STREQ("ESTABLISHED", state_of(self->port, self->cport));
	/* exactly rcv_nxt: believed */
	rst.seq = info.rcv_nxt;
	ASSERT_EQ(20, ttp_raw_send(proto, LO, LO, &rst));
	EXPECT_STREQ("none", state_of(self->port, self->cport));
	EXPECT_EQ(-1, read(self->sfd, buf, 1));
	EXPECT_EQ(ECONNRESET, errno);
}

TEST_HARNESS_MAIN
