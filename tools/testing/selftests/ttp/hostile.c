// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile users and peers.  Each test is what an attacker tried and once
 * got: an unprivileged user who crashed the kernel through IP-level socket
 * options, a listener whose segments waited on a busy owner, orphans kept
 * for ever by a peer that never opens its window, a peer that announces a
 * one-byte MSS, a blind ACK far in the past carrying data, a world-readable
 * trace of every sequence number, and floods of segments that each drew an
 * answer.  The kernel must stay up and quiet (the VM fails on any splat),
 * the connection must keep working, and what was refused is counted.
 */
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "ttp_conn.h"

#define PSH	0x08
#define NOBODY	65534

/*
 * Run fn(arg) in a child that has become the unprivileged user nobody, with
 * no capabilities left; its exit status comes back, -1 if it died.
 */
static int as_nobody(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (!pid) {
		if (setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Record-route with room for one address: 8 bytes of IP options. */
static const uint8_t ip_rr[8] = { 7, 7, 4, 0, 0, 0, 0, 1 };

static int set_ip_options(void *arg)
{
	int fd = *(int *)arg;

	return setsockopt(fd, IPPROTO_IP, IP_OPTIONS, ip_rr,
			  sizeof(ip_rr)) ? errno : 0;
}

/*
 * IP_OPTIONS makes the IP header longer, and the IP layer asks the socket
 * to fit its segments again through icsk_sync_mss: once a NULL pointer
 * that any user could call.  Now the MSS shrinks by the options' size, and
 * data still flows with them.
 */
TEST_F(life, ip_options_by_any_user_resize_the_mss)
{
	struct ttp_info before;

	ASSERT_EQ(0, open_pair(_metadata, self, false));
	before = info_of(self->cfd);
	EXPECT_EQ(0, as_nobody(set_ip_options, &self->cfd));
	EXPECT_EQ(before.mss - sizeof(ip_rr), info_of(self->cfd).mss);

	memset(buf, 'o', 100000);
	ASSERT_EQ(100000, write(self->cfd, buf, 100000));
	for (int got = 0, n; got < 100000; got += n) {
		n = read(self->sfd, buf + 200000 + got, 100000 - got);
		ASSERT_LT(0, n);
	}
	EXPECT_EQ(0, memcmp(buf, buf + 200000, 100000));
}

/* The same on a socket that is still connecting. */
TEST_F(life, ip_options_while_connecting)
{
	struct pollfd p;

	ASSERT_EQ(0, connect_losing_the_first_syn(self));
	EXPECT_EQ(0, as_nobody(set_ip_options, &self->cfd));
	/* the SYN goes again after rto_initial_ms, and the handshake ends */
	p = (struct pollfd){ .fd = self->cfd, .events = POLLOUT };
	ASSERT_EQ(1, poll(&p, 1, 3000));
	EXPECT_EQ(0, p.revents & (POLLERR | POLLHUP));
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	ASSERT_EQ(3, write(self->cfd, "abc", 3));
	ASSERT_EQ(3, read(self->sfd, buf, 3));
}

/*
 * IP_TOS drops the socket's cached route.  A SYN+ACK that arrived after it
 * read the MTU through that route, a NULL pointer in softirq; it now uses
 * the path MTU it last synced.  The SYN+ACK comes from a raw socket right
 * after IP_TOS, before any retransmitted SYN could route the socket again.
 */
TEST_F(life, ip_tos_in_syn_sent)
{
	struct ttp_raw_seg seg = { .flags = SYN | ACK, .win = 65535 };
	int tos = 0x10, err = -1, cport, n = 0;
	socklen_t len = sizeof(err);
	struct seg s[16];
	struct pollfd p;

	/* no listener on self->port: the host's RSTs to the client are dropped */
	ASSERT_EQ(0, fault("drop dir=out flags=RST port=%d count=100000",
			   self->port));
	self->cfd = connect_to(self->port, true);
	ASSERT_LE(0, self->cfd);
	cport = ttp_local_port(self->cfd);
	for (int i = 0; i < 50 && !n; i++) {
		n = trace(cport, s, 16);
		while (n > 0 && !(s[n - 1].sport == cport &&
				  !strcmp(s[n - 1].flags, "S")))
			n--;
		if (!n)
			sleep_ms(5);
	}
	ASSERT_LT(0, n);
	ASSERT_STREQ("SYN_SENT", state_of(cport, self->port));
	ASSERT_EQ(0, setsockopt(self->cfd, IPPROTO_IP, IP_TOS, &tos,
				sizeof(tos)));
	seg.sport = self->port;
	seg.dport = cport;
	seg.seq = 5000;
	seg.ack = s[n - 1].seq + 1;
	ASSERT_EQ(20, ttp_raw_send(proto_of(self->cfd), LO, LO, &seg));
	p = (struct pollfd){ .fd = self->cfd, .events = POLLOUT };
	ASSERT_EQ(1, poll(&p, 1, 3000));
	ASSERT_EQ(0, getsockopt(self->cfd, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(0, err);
	EXPECT_STREQ("ESTABLISHED", state_of(cport, self->port));
	EXPECT_LT(0, info_of(self->cfd).mss);
}

struct busy_owner {
	int fd;
	bool stop;	/* read and written with __atomic builtins */
};

/* Take and drop the listener's socket lock as fast as possible. */
static void *hold_listener(void *arg)
{
	struct busy_owner *b = arg;
	struct ttp_info info;
	socklen_t len;
	int val = 1 << 16;

	while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE)) {
		len = sizeof(info);
		getsockopt(b->fd, SOL_TTP, TTP_INFO, &info, &len);
		setsockopt(b->fd, SOL_SOCKET, SO_RCVBUF, &val, sizeof(val));
	}
	return NULL;
}

/*
 * SYNs that reach a listener while its owner holds it are not queued on
 * its backlog (where they would make request socks with BHs on, a lock
 * inversion that lockdep reports): every connection still gets through.
 */
TEST_F(life, listener_with_a_busy_owner)
{
	struct busy_owner b = { .stop = false };
	int fds[100], accepted = 0;
	pthread_t t;

	self->lfd = listener(self->port, 128);
	ASSERT_LE(0, self->lfd);
	b.fd = self->lfd;
	ASSERT_EQ(0, pthread_create(&t, NULL, hold_listener, &b));
	for (int i = 0; i < 100; i++) {
		fds[i] = connect_to(self->port, false);
		ASSERT_LE(0, fds[i]);
	}
	__atomic_store_n(&b.stop, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	for (int i = 0; i < 100; i++) {
		int fd = accept4(self->lfd, NULL, NULL, SOCK_NONBLOCK);

		if (fd >= 0) {
			accepted++;
			close(fd);
		}
		close(fds[i]);
	}
	EXPECT_EQ(100, accepted);
}

/*
 * Fill the peer's receive buffer (it never reads) and close the client
 * with data still queued: an orphan in FIN_WAIT_1 that probes a zero
 * window.  Returns the client's port.
 */
static int orphan_on_zero_window(struct __test_metadata *_metadata,
				 struct _test_data_life *self)
{
	int cport, n, total = 0;

	self->rcvbuf = 4096;
	if (open_pair(_metadata, self, false))
		return -1;
	cport = self->cport;
	memset(buf, 'z', 65536);
	if (fcntl(self->cfd, F_SETFL, O_NONBLOCK))
		return -1;
	/* until the window is shut and the send buffer full */
	for (int i = 0; i < 200; i++) {
		n = write(self->cfd, buf, 65536);
		if (n > 0) {
			total += n;
			continue;
		}
		sleep_ms(10);
	}
	if (!total || strncmp(timer_of(cport, self->port), "probe:", 6))
		return -1;
	close(self->cfd);
	self->cfd = -1;
	return cport;
}

/*
 * A peer that answers every probe with a zero window kept an orphan and its
 * send buffer for ever, since each answer reset the probe count.  An orphan
 * now gives up after orphan_retries probes, answered or not.
 */
TEST_F(life, orphan_on_a_zero_window_gives_up)
{
	int cport;
	bool gone = false;

	ASSERT_EQ(0, set_sysctl("rto_min_ms", 50));
	ASSERT_EQ(0, set_sysctl("orphan_retries", 3));
	cport = orphan_on_zero_window(_metadata, self);
	ASSERT_LT(0, cport);
	EXPECT_STREQ("FIN_WAIT_1", state_of(cport, self->port));
	/* probes after about 50, 100, 200 ms, each answered by the peer */
	for (int i = 0; i < 300 && !gone; i++) {
		gone = !strcmp("none", state_of(cport, self->port));
		sleep_ms(10);
	}
	EXPECT_TRUE(gone);
}

/* Beyond max_orphans an orphan is reset at once, and counted. */
TEST_F(life, orphans_beyond_max_orphans_are_reset)
{
	const char *path = TTP_SYSCTL "max_orphans";
	long saved = read_long(path), drops = ttp_stat("OrphanDrops");
	char text[32];
	int cport;

	ASSERT_LE(0, saved);
	ASSERT_LE(0, drops);
	ASSERT_EQ(0, write_file(path, "0"));
	cport = orphan_on_zero_window(_metadata, self);
	sleep_ms(50);
	snprintf(text, sizeof(text), "%ld", saved);
	write_file(path, text);
	ASSERT_LT(0, cport);
	EXPECT_STREQ("none", state_of(cport, self->port));
	EXPECT_EQ(drops + 1, ttp_stat("OrphanDrops"));
	/* the peer got the RST */
	EXPECT_STREQ("none", state_of(self->port, cport));
}

/*
 * A peer's MSS option of 1 would have us send a 41-byte packet for each
 * byte; as TCP since CVE-2019-11479, the MSS is never below 48.
 */
TEST_F(life, peer_mss_of_one_is_raised_to_48)
{
	const uint8_t mss1[] = { 2, 4, 0, 1 };
	struct raw_peer peer;
	unsigned int longest;

	ASSERT_EQ(0, raw_open(_metadata, self, &peer, mss1, sizeof(mss1),
			      1000));
	EXPECT_EQ(48, info_of(self->sfd).mss);
	memset(buf, 'm', 480);
	ASSERT_EQ(480, write(self->sfd, buf, 480));
	sleep_ms(100);
	EXPECT_LT(0, data_sent(&peer, self->port, &longest));
	EXPECT_EQ(48, longest);
	raw_close(self);
}

/*
 * RFC 5961 5.2: an ACK older than SND.UNA minus the largest window the peer
 * offered cannot come from the peer.  Its data once got in; now it draws a
 * challenge ACK and is dropped, and the real stream carries on intact.
 */
TEST_F(life, blind_data_with_an_old_ack_is_dropped)
{
	struct ttp_raw_seg seg = { .flags = ACK | PSH, .win = 1000,
				   .data = "evil", .len = 4 };
	long challenges = ttp_stat("ChallengeAcks");
	struct ttp_info info;

	ASSERT_EQ(0, open_pair(_metadata, self, false));
	info = info_of(self->sfd);
	seg.sport = self->cport;
	seg.dport = self->port;
	seg.seq = info.rcv_nxt;
	seg.ack = info.snd_una - 0x40000000;
	ASSERT_EQ(24, ttp_raw_send(proto_of(self->cfd), LO, LO, &seg));
	sleep_ms(50);
	EXPECT_EQ(-1, recv(self->sfd, buf, 16, MSG_DONTWAIT));
	EXPECT_EQ(challenges + 1, ttp_stat("ChallengeAcks"));

	ASSERT_EQ(4, write(self->cfd, "good", 4));
	ASSERT_EQ(4, read(self->sfd, buf, 16));
	EXPECT_EQ(0, memcmp(buf, "good", 4));
}

static int open_trace(void *arg)
{
	int fd = open(TTP_TRACE, O_RDONLY);

	if (fd < 0)
		return errno == EACCES ? 0 : 1;
	close(fd);
	return 2;
}

static int read_trace_without_caps(void *arg)
{
	if (drop_capability(CAP_NET_ADMIN) || drop_capability(CAP_NET_RAW))
		return 100;
	return read_file(TTP_TRACE, buf, sizeof(buf)) == -EPERM ? 0 : 1;
}

/*
 * The trace shows every connection's exact sequence numbers: reading it
 * needs CAP_NET_ADMIN or CAP_NET_RAW, as capturing packets does.  Other
 * users cannot open it; root's uid without those capabilities opens it
 * (mode 0600) but reads nothing.
 */
TEST_F(life, trace_is_for_those_who_may_capture)
{
	ASSERT_EQ(0, open_pair(_metadata, self, false));
	EXPECT_EQ(0, as_nobody(open_trace, NULL));
	EXPECT_EQ(0, in_child_without(-1, read_trace_without_caps, NULL));
	EXPECT_LT(0, read_file(TTP_TRACE, buf, sizeof(buf)));
}

/* Segments out of port with flags, in the trace. */
static int count_out(int port, const char *flags)
{
	struct seg s[512];
	int n = trace(port, s, 512), count = 0;

	for (int i = 0; i < n; i++)
		count += s[i].sport == port && !strcmp(s[i].flags, flags);
	return count;
}

/*
 * Every segment to a TIME_WAIT sock that is not its peer's last ACK drew
 * an ACK: a flood of them was answered one for one.  Now the answers go
 * at most twice a second, and the rest are counted.
 */
TEST_F(life, acks_from_time_wait_are_rate_limited)
{
	struct ttp_raw_seg seg = { .flags = ACK, .win = 1000 };
	long skipped = ttp_stat("AckSkippedTimeWait");
	uint32_t start, allowed;

	ASSERT_EQ(0, set_sysctl("msl_ms", 5000));
	ASSERT_EQ(0, open_pair(_metadata, self, false));
	close(self->cfd);
	self->cfd = -1;
	ASSERT_EQ(0, read(self->sfd, buf, 1));
	close(self->sfd);
	self->sfd = -1;
	ASSERT_TRUE(wait_state(self->cport, self->port, "TIME_WAIT", 1000));
	/*
	 * The ACKs go to the listener's port, which answers each with a RST
	 * that would end TIME_WAIT (RFC 1337's assassination, as on Linux).
	 */
	ASSERT_EQ(0, fault("drop dir=out flags=RST port=%d count=100000",
			   self->port));
	write_file(TTP_TRACE, "clear");

	seg.sport = self->port;
	seg.dport = self->cport;
	start = now_ms();
	for (int i = 0; i < 50; i++) {
		seg.seq = 0x12345678 + i * 1000;	/* out of window */
		ASSERT_EQ(20, ttp_raw_send(proto_of(self->lfd), LO, LO, &seg));
	}
	/* one answer, and one more for each half second the flood took */
	allowed = 1 + (now_ms() - start) / 500;
	sleep_ms(50);
	EXPECT_STREQ("TIME_WAIT", state_of(self->cport, self->port));
	EXPECT_LE(1, count_out(self->cport, "."));
	EXPECT_GE(allowed, count_out(self->cport, "."));
	EXPECT_LE(skipped + 50 - allowed, ttp_stat("AckSkippedTimeWait"));
}

/*
 * Copies of one SYN, spoofed, each drew a SYN+ACK from its request sock.
 * Now a request answers at most twice a second.
 */
TEST_F(life, synacks_to_repeated_syns_are_rate_limited)
{
	struct ttp_raw_seg seg = { .flags = SYN, .win = 65535 };
	long skipped = ttp_stat("AckSkippedSynRecv");
	uint32_t start, allowed;

	/* no retransmission by the request's own timer meanwhile */
	ASSERT_EQ(0, set_sysctl("rto_initial_ms", 10000));
	self->lfd = listener(self->port, 8);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, fault("drop dir=out flags=RST port=%d count=100000",
			   self->port));
	seg.sport = self->port - 10000;
	seg.dport = self->port;
	seg.seq = 777;
	start = now_ms();
	for (int i = 0; i < 30; i++)
		ASSERT_EQ(20, ttp_raw_send(proto_of(self->lfd), LO, LO, &seg));
	/* the first answer, one repeat a half second */
	allowed = 2 + (now_ms() - start) / 500;
	sleep_ms(50);
	EXPECT_LE(1, count_out(self->port, "S."));
	EXPECT_GE(allowed, count_out(self->port, "S."));
	EXPECT_LE(skipped + 30 - allowed, ttp_stat("AckSkippedSynRecv"));
}

/* The pages TTP holds, from its line of /proc/net/protocols; -1: none. */
static long ttp_pages(void)
{
	char *line;
	long pages;

	if (read_file("/proc/net/protocols", buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (sscanf(line, "TTP %*d %*d %ld", &pages) == 1)
			return pages;
	return -1;
}

/* Write to fd until the socket takes no more; the bytes it took. */
static long fill(int fd)
{
	long total = 0;
	ssize_t n;

	memset(buf, 'f', 65536);
	for (int idle = 0; idle < 5;) {
		n = send(fd, buf, 65536, MSG_DONTWAIT);
		if (n > 0) {
			total += n;
			idle = 0;
			continue;
		}
		idle++;
		sleep_ms(10);
	}
	return total;
}

/* A reader that never reads holds the writer to its SO_SNDBUF. */
TEST_F(life, a_peer_that_never_reads_costs_one_send_buffer)
{
	int sndbuf = 65536, got;
	socklen_t len = sizeof(got);
	long written;
	int sendq, n;
	char *line;

	ASSERT_EQ(0, open_pair(_metadata, self, false));
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				sizeof(sndbuf)));
	ASSERT_EQ(0, getsockopt(self->cfd, SOL_SOCKET, SO_SNDBUF, &got, &len));
	written = fill(self->cfd);
	line = proc_line_of(self->cport, self->port);
	ASSERT_NE(NULL, line);
	n = sscanf(line, "%*s %*s %*s %d", &sendq);
	ASSERT_EQ(1, n);
	/* what waits to be sent is bounded by the send buffer */
	EXPECT_LE(sendq, got);
	/* the rest is in the reader's receive buffer */
	EXPECT_LT(written, got + 2 * 212992);
}

/*
 * A listener on port and n connections to it: the clients' ends in c, the
 * accepted ends in s.  Returns the listener, -1 if any of it failed.
 */
static int open_pairs(int port, int *c, int *s, int n)
{
	int lfd = listener(port, 128);

	for (int i = 0; lfd >= 0 && i < n; i++) {
		c[i] = connect_to(port, false);
		s[i] = c[i] < 0 ? -1 : accept(lfd, NULL, NULL);
		if (s[i] < 0)
			return -1;
	}
	return lfd;
}

/*
 * Many connections whose readers stop: together they may hold no more than
 * mem's hard limit (give or take what each CPU keeps in reserve and the
 * minimum each socket is always allowed), new writes fail cleanly with
 * EAGAIN, pressure is counted, and closing gives the memory back.
 */
TEST_F_TIMEOUT(life, memory_of_all_sockets_is_bounded_by_mem, 120)
{
	const char *path = TTP_SYSCTL "mem";
	long pressures = ttp_stat("MemoryPressures"), total = 0, pages;
	int lfd, c[100], s[100];
	char saved[128];

	ASSERT_LT(0, read_file(path, saved, sizeof(saved)));
	lfd = open_pairs(self->port, c, s, 100);
	ASSERT_LE(0, lfd);
	/* 400 pages hard: 1.6 MB, against 40 MB that the buffers allow */
	ASSERT_EQ(0, write_file(path, "200 300 400"));
	for (int i = 0; i < 100; i++)
		total += fill(c[i]);
	pages = ttp_pages();
	write_file(path, saved);

	/* per-CPU reserves: 1 MB a CPU; each socket's 4 KB minimum */
	EXPECT_GE(400 + 2 * 256 + 200 * 2, pages);
	EXPECT_GE((400 + 2 * 256 + 200 * 2) * 4096L, total);
	EXPECT_LT(pressures, ttp_stat("MemoryPressures"));
	for (int i = 0; i < 100; i++) {
		close(c[i]);
		close(s[i]);
	}
	close(lfd);
	sleep_ms(200);
	EXPECT_GE(2 * 256, ttp_pages());
}

/* Read from fd until nothing more comes for 50 ms. */
static void drain(int fd)
{
	for (int idle = 0; idle < 5;) {
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0) {
			idle = 0;
			continue;
		}
		idle++;
		sleep_ms(10);
	}
}

/*
 * Memory pressure cuts the send buffer of a writer whose charge went over
 * the limits, to half of what it has queued.  Once the pressure is over
 * and its reader reads, the writer's next ACKs give it back the default
 * buffer.
 */
TEST_F_TIMEOUT(life, a_send_buffer_cut_by_pressure_grows_back, 120)
{
	const char *path = TTP_SYSCTL "mem";
	int lfd, c[100], s[100], full, got = 0, cut = -1;
	socklen_t len = sizeof(got);
	char saved[128];

	ASSERT_LT(0, read_file(path, saved, sizeof(saved)));
	lfd = open_pairs(self->port, c, s, 100);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, getsockopt(c[0], SOL_SOCKET, SO_SNDBUF, &full, &len));
	/* segments the pruning reader dropped come again soon */
	ASSERT_EQ(0, set_sysctl("rto_max_ms", 200));
	ASSERT_EQ(0, write_file(path, "200 300 400"));
	for (int i = 0; i < 100; i++)
		fill(c[i]);
	write_file(path, saved);
	/* the last one cut, whose segments were the last to be dropped */
	for (int i = 0; i < 100; i++) {
		ASSERT_EQ(0, getsockopt(c[i], SOL_SOCKET, SO_SNDBUF, &got,
					&len));
		if (got < full)
			cut = i;
	}
	/* pressure cut someone's buffer */
	ASSERT_LE(0, cut);
	for (int i = 0; i < 100; i++) {
		if (i == cut)
			continue;
		close(c[i]);
		close(s[i]);
	}
	/* each round leaves the writer out of room, and its reader reads */
	for (int round = 0; round < 20 && got < full; round++) {
		drain(s[cut]);
		fill(c[cut]);
		ASSERT_EQ(0, getsockopt(c[cut], SOL_SOCKET, SO_SNDBUF, &got,
					&len));
	}
	EXPECT_EQ(full, got);
	close(c[cut]);
	close(s[cut]);
	close(lfd);
}

/* Request socks (SYN_RCVD) of the listener on port, in /proc/net/ttp. */
static int syn_rcvd_on(int port)
{
	char want[32], *line;
	int n = 0;

	snprintf(want, sizeof(want), LO ":%d ", port);
	if (read_file(TTP_PROC, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		n += !strncmp(line, want, strlen(want)) &&
		     strstr(line, " SYN_RCVD ");
	return n;
}

/*
 * A flood of spoofed SYNs filled the listener's 256 request socks, and
 * every SYN after them was dropped, a real client's too.  With the queue
 * full the listener now answers with SYN cookies: a client connects
 * within a second while the flood goes on.  The flood runs at 100 SYNs a
 * second against a queue of 32, for the debug kernel under TCG answers
 * only a few hundred a second: faster, lo's own queue would drop SYNs,
 * the client's among them, before TTP sees them.
 */
TEST_F_TIMEOUT(life, syn_flood_does_not_lock_out_a_client, 120)
{
	long sent = ttp_stat("SyncookiesSent"), before;
	uint32_t start, took;
	pid_t flooder;
	int status;

	ASSERT_EQ(0, set_sysctl("max_syn_backlog", 32));
	self->lfd = listener(self->port, 128);
	ASSERT_LE(0, self->lfd);
	/* the answers to spoofed addresses come back here: no RSTs */
	ASSERT_EQ(0, fault("drop dir=out flags=RST port=%d count=1000000",
			   self->port));
	flooder = fork();
	ASSERT_LE(0, flooder);
	if (!flooder) {
		syn_flood(proto_of(self->lfd), 0x7f000001, 0xfffffd, LO,
			  self->port, 100, 90000);
		_exit(0);
	}
	/* until the request queue is full */
	for (int i = 0; i < 3000 && syn_rcvd_on(self->port) < 32; i++)
		sleep_ms(10);
	ASSERT_LE(32, syn_rcvd_on(self->port));
	sleep_ms(500);

	before = ttp_stat("SyncookiesSent");
	start = now_ms();
	self->cfd = connect_to(self->port, false);
	took = now_ms() - start;
	ASSERT_LE(0, self->cfd);
	TH_LOG("connected in %u ms while %ld SYN cookies went out (%ld/s)",
	       took, ttp_stat("SyncookiesSent") - before,
	       (ttp_stat("SyncookiesSent") - before) * 1000 / (took ?: 1));
	EXPECT_GT(1000, took);
	EXPECT_LT(sent, ttp_stat("SyncookiesSent"));
	/* the flood was still going */
	EXPECT_EQ(0, waitpid(flooder, &status, WNOHANG));
	kill(flooder, SIGKILL);
	waitpid(flooder, &status, 0);

	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	ASSERT_EQ(5, write(self->cfd, "hello", 5));
	ASSERT_EQ(5, read(self->sfd, buf, 5));
	/* let what the flood left on lo drain before the next test */
	for (long last = -1, now; (now = ttp_stat("InSegs")) != last;) {
		last = now;
		sleep_ms(300);
	}
}

/*
 * A cookie that the listener never sent makes no connection.  Cookies are
 * checked only for a while after the listener sent one: a SYN first.
 */
TEST_F(life, forged_cookie_is_refused)
{
	struct ttp_raw_seg seg = { .flags = SYN, .win = 1000 };
	long failed = ttp_stat("SyncookiesFailed");

	self->lfd = listener(self->port, 8);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, set_sysctl("syncookies", 2));
	ASSERT_EQ(0, fault("drop dir=out flags=RST port=%d count=100000",
			   self->port));
	seg.sport = self->port - 9999;
	seg.dport = self->port;
	ASSERT_EQ(20, ttp_raw_send(proto_of(self->lfd), LO, LO, &seg));
	seg.flags = ACK;
	seg.sport = self->port - 10000;
	seg.dport = self->port;
	for (int i = 0; i < 20; i++) {
		seg.seq = 1000 + i;
		seg.ack = 0x9e3779b9 * (i + 1);
		ASSERT_EQ(20, ttp_raw_send(proto_of(self->lfd), LO, LO, &seg));
	}
	/* the forged ACKs may queue behind other traffic on lo */
	for (int i = 0; i < 300 && ttp_stat("SyncookiesFailed") < failed + 19;
	     i++)
		sleep_ms(10);
	EXPECT_EQ(0, listen_queue(self->port));
	EXPECT_LE(failed + 19, ttp_stat("SyncookiesFailed"));
}

/* With syncookies 2 every SYN gets a cookie, and the handshake still ends. */
TEST_F(life, cookies_always)
{
	long recv = ttp_stat("SyncookiesRecv");

	ASSERT_EQ(0, set_sysctl("syncookies", 2));
	ASSERT_EQ(0, open_pair(_metadata, self, false));
	EXPECT_EQ(recv + 1, ttp_stat("SyncookiesRecv"));
	ASSERT_EQ(5, write(self->cfd, "hello", 5));
	ASSERT_EQ(5, read(self->sfd, buf, 5));
	ASSERT_EQ(3, write(self->sfd, "bye", 3));
	ASSERT_EQ(3, read(self->cfd, buf, 3));
}

/* Set one knob of a fault-injection directory of debugfs. */
static int fault_knob(const char *dir, const char *knob, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%s", dir, knob);
	return write_file(path, val);
}

/*
 * Fail one in pct of this task's slab and page allocations (0: none),
 * silently: a reported failure prints a stack trace, which the VM counts
 * as a splat.
 */
static int inject_faults(int pct)
{
	static const char * const dirs[] = { "failslab", "fail_page_alloc" };
	char val[16];

	/* the writes below may fail too while this task is failing */
	if (!pct) {
		for (int i = 0; i < 1000; i++)
			if (!write_file("/proc/self/make-it-fail", "0"))
				return 0;
		return -1;
	}
	snprintf(val, sizeof(val), "%d", pct);
	for (unsigned int i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (fault_knob(dirs[i], "verbose", "0") ||
		    fault_knob(dirs[i], "task-filter", "Y") ||
		    fault_knob(dirs[i], "ignore-gfp-wait", "N") ||
		    fault_knob(dirs[i], "interval", "1") ||
		    fault_knob(dirs[i], "times", "-1") ||
		    fault_knob(dirs[i], "probability", val))
			return -1;
	}
	/* single pages too, where the page allocator fails from order 1 */
	if (fault_knob("fail_page_alloc", "min-order", "0"))
		return -1;
	return write_file("/proc/self/make-it-fail", "1");
}

/* The errors a call may end with when the kernel runs out of memory. */
static bool oom_errno(int err)
{
	return err == ENOMEM || err == ENOBUFS || err == EAGAIN ||
	       err == ECONNRESET || err == ECONNREFUSED || err == EPIPE ||
	       err == ETIMEDOUT || err == EMFILE || err == ENFILE ||
	       err == ECONNABORTED || err == EINTR;
}

/* Serve connections on lfd, echoing what each sends, until killed. */
static void echo_server(int lfd)
{
	signal(SIGPIPE, SIG_IGN);
	inject_faults(10);
	for (;;) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		char data[4096];
		int fd, n;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		fd = accept4(lfd, NULL, NULL, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO,
			   &(struct timeval){ .tv_sec = 2 },
			   sizeof(struct timeval));
		while ((n = read(fd, data, sizeof(data))) > 0)
			if (write(fd, data, n) != n)
				break;
		close(fd);
	}
}

/*
 * With one in ten of their slab and page allocations failing, a client
 * and a server connect, send, echo and close 100 times: every call
 * succeeds or fails with what running out of memory means, nothing
 * hangs, and the run's kmemleak scan finds nothing left behind.
 */
TEST_F_TIMEOUT(life, allocations_fail_cleanly, 300)
{
	int ok = 0, failed = 0, bad = 0, fd;
	struct timeval tmo = { .tv_sec = 2 };
	char data[10000], back[10000];
	pid_t server;

	if (access("/sys/kernel/debug/failslab", F_OK))
		SKIP(return, "a kernel without fault injection");
	self->lfd = listener(self->port, 64);
	ASSERT_LE(0, self->lfd);
	server = fork();
	ASSERT_LE(0, server);
	if (!server) {
		echo_server(self->lfd);
		_exit(0);
	}
	memset(data, 'a', sizeof(data));
	ASSERT_EQ(0, inject_faults(10));
	for (int i = 0; i < 100; i++) {
		ssize_t n = -1, got = 0;
		int err = 0;

		fd = connect_to(self->port, false);
		if (fd >= 0) {
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo,
				   sizeof(tmo));
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tmo,
				   sizeof(tmo));
			n = write(fd, data, sizeof(data));
			while (n == sizeof(data) && got < n) {
				ssize_t r = read(fd, back + got,
						 sizeof(back) - got);

				if (r <= 0) {
					n = r;
					break;
				}
				got += r;
			}
		}
		err = errno;
		if (fd >= 0)
			close(fd);
		if (got == sizeof(data) && !memcmp(data, back, got)) {
			ok++;
		} else if (n == 0 || oom_errno(err)) {
			failed++;
		} else {
			bad++;
			TH_LOG("round %d: %s", i, strerror(err));
		}
	}
	ASSERT_EQ(0, inject_faults(0));
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	TH_LOG("%d echoed, %d failed as out of memory", ok, failed);
	EXPECT_EQ(0, bad);
	/* the injection did bite, and did not stop everything */
	EXPECT_LT(0, failed);
	EXPECT_LT(0, ok);

	/* afterwards the stack works as ever (on a port of its own) */
	close(self->lfd);
	self->lfd = -1;
	self->port++;
	ASSERT_EQ(0, open_pair(_metadata, self, false));
	ASSERT_EQ(2, write(self->cfd, "ok", 2));
	ASSERT_EQ(2, read(self->sfd, buf, 2));
}

#define FAIL_TTP_FIN "/sys/kernel/debug/fail_ttp_fin"

/*
 * Make the next n allocations of a FIN's own skb fail, in any context
 * (the module's fail_ttp_fin fault attribute); 0 stops it.
 */
static int fail_fin_skb(int n)
{
	char val[16];

	if (!n)
		return fault_knob("fail_ttp_fin", "probability", "0");
	snprintf(val, sizeof(val), "%d", n);
	if (fault_knob("fail_ttp_fin", "task-filter", "N") ||
	    fault_knob("fail_ttp_fin", "verbose", "0") ||
	    fault_knob("fail_ttp_fin", "interval", "1") ||
	    fault_knob("fail_ttp_fin", "times", val))
		return -1;
	return fault_knob("fail_ttp_fin", "probability", "100");
}

static long fin_skb_failures_left(void)
{
	return read_long(FAIL_TTP_FIN "/times");
}

/*
 * shutdown(SHUT_WR) with an empty send queue needs an skb for the FIN.
 * When none can be had, the FIN is not lost (TCP's can be): the
 * retransmission timer tries again and the peer reads its EOF.
 */
TEST_F(life, a_fin_whose_skb_failed_is_sent_later)
{
	struct timeval tmo = { .tv_sec = 5 };
	char buf[8];

	if (access(FAIL_TTP_FIN, F_OK))
		SKIP(return, "a kernel without fault injection");
	ASSERT_EQ(0, open_pair(_metadata, self, false));
	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVTIMEO, &tmo,
				sizeof(tmo)));
	ASSERT_EQ(0, fail_fin_skb(2));
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	EXPECT_EQ(0, read(self->sfd, buf, sizeof(buf)));
	/* both failures happened: the first try and the first retry */
	EXPECT_EQ(0, fin_skb_failures_left());
	EXPECT_TRUE(wait_state(self->cport, self->port, "FIN_WAIT_2", 1000));
	fail_fin_skb(0);
}

/*
 * A FIN whose skb can never be had is retried as a retransmission is,
 * so the connection ends as one that cannot get its data through: here
 * by TTP_USER_TIMEOUT, with ETIMEDOUT.
 */
TEST_F(life, a_fin_that_never_gets_its_skb_times_out)
{
	struct ttp_info info;
	socklen_t len = sizeof(int);
	int ms = 500, err = 0;

	if (access(FAIL_TTP_FIN, F_OK))
		SKIP(return, "a kernel without fault injection");
	ASSERT_EQ(0, open_pair(_metadata, self, false));
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_TTP, TTP_USER_TIMEOUT, &ms,
				sizeof(ms)));
	ASSERT_EQ(0, fail_fin_skb(-1));
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	EXPECT_TRUE(wait_state(self->cport, self->port, "none", 5000));
	fail_fin_skb(0);
	info = info_of(self->cfd);
	EXPECT_EQ(TTP_CLOSE, info.state);
	EXPECT_EQ(0, getsockopt(self->cfd, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(ETIMEDOUT, err);
}

/*
 * shutdown() before a self-connect: the simultaneous open sends its FIN
 * once established, from softirq or the backlog, where the FIN's skb is
 * allocated without sleeping; failing that allocation delays the FIN, and
 * the socket still goes through CLOSING to TIME_WAIT.
 */
TEST_F(life, a_simultaneous_open_after_shutdown_sends_its_fin)
{
	struct sockaddr_in a = ttp_sockaddr(AF_TTP, LO, self->port);
	int fd, one = 1;

	if (access(FAIL_TTP_FIN, F_OK))
		SKIP(return, "a kernel without fault injection");
	for (int fail = 0; fail <= 1; fail++) {
		fd = socket(AF_TTP, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
					sizeof(one)));
		ASSERT_EQ(0, bind(fd, (struct sockaddr *)&a, sizeof(a)));
		ASSERT_EQ(-1, shutdown(fd, SHUT_RDWR));
		ASSERT_EQ(ENOTCONN, errno);
		if (fail)
			ASSERT_EQ(0, fail_fin_skb(1));
		ASSERT_EQ(-1, connect(fd, (struct sockaddr *)&a, sizeof(a)));
		ASSERT_EQ(EINPROGRESS, errno);
		EXPECT_TRUE(wait_state(self->port, self->port, "TIME_WAIT",
				       3000));
		if (fail)
			EXPECT_EQ(0, fin_skb_failures_left());
		fail_fin_skb(0);
		close(fd);
		self->port++;
		a = ttp_sockaddr(AF_TTP, LO, self->port);
	}
}

/* A connected TCP client's ISN, through TCP_REPAIR (CAP_NET_ADMIN). */
static int64_t tcp_isn_of(int fd)
{
	int one = 1, q = TCP_SEND_QUEUE;
	socklen_t len = sizeof(uint32_t);
	uint32_t seq;

	if (setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)) ||
	    getsockopt(fd, IPPROTO_TCP, TCP_QUEUE_SEQ, &seq, &len))
		return -1;
	return seq - 1;		/* nothing sent: write_seq is ISN + 1 */
}

static uint64_t realtime_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/*
 * An ISN is a keyed hash of the 4-tuple plus a clock of 64 ns ticks.  With
 * TCP's key, a TTP connection's ISN gave away the TCP one of the same
 * addresses and ports (and back): they differed by the time between the
 * two connects.  With a key of its own the difference is random.
 */
TEST_F(life, isns_say_nothing_of_tcps)
{
	struct sockaddr_in srv = ttp_sockaddr(AF_INET, LO, self->port);
	int cport = self->port + 5000, tl, tc, one = 1;
	uint64_t t_tcp, t_ttp;
	int64_t tcp_isn;
	uint32_t ttp_isn;
	int32_t d;

	tl = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, tl);
	setsockopt(tl, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ASSERT_EQ(0, bind(tl, (struct sockaddr *)&srv, sizeof(srv)));
	ASSERT_EQ(0, listen(tl, 4));
	tc = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, tc);
	ASSERT_EQ(0, ttp_bind(tc, AF_INET, LO, cport));
	t_tcp = realtime_ns();
	ASSERT_EQ(0, connect(tc, (struct sockaddr *)&srv, sizeof(srv)));
	tcp_isn = tcp_isn_of(tc);
	ASSERT_LE(0, tcp_isn);
	close(tc);
	close(tl);

	self->lfd = listener(self->port, 4);
	ASSERT_LE(0, self->lfd);
	self->cfd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(0, ttp_bind(self->cfd, AF_TTP, LO, cport));
	srv.sin_family = AF_TTP;
	t_ttp = realtime_ns();
	ASSERT_EQ(0, connect(self->cfd, (struct sockaddr *)&srv, sizeof(srv)));
	ttp_isn = info_of(self->cfd).snd_una - 1;

	d = ttp_isn - (uint32_t)tcp_isn - (uint32_t)((t_ttp - t_tcp) >> 6);
	TH_LOG("TTP ISN - TCP ISN - elapsed ticks: %d", d);
	/* the same key would leave only the connects' jitter: < 2^22 ticks */
	EXPECT_LT(1 << 22, d < 0 ? -(int64_t)d : d);
}

/* One copy of the last ACK of a cookie handshake, sent from each CPU. */
struct cookie_race {
	int proto, port;
	uint16_t sport;
	uint32_t seq, ack;
	int gen, done;		/* __atomic builtins */
	int sent[2];		/* the gen each acker last sent for */
};

struct cookie_acker_arg {
	struct cookie_race *r;
	int cpu;
};

static void *cookie_acker(void *arg)
{
	const struct cookie_acker_arg *a = arg;
	struct cookie_race *r = a->r;
	struct ttp_raw_seg seg = { .flags = ACK, .win = 65535 };
	cpu_set_t cpus;
	int seen = 0;

	CPU_ZERO(&cpus);
	CPU_SET(a->cpu, &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
		int gen = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);

		/* the main thread shares a CPU with one of us: let it run */
		if (gen == seen) {
			sched_yield();
			continue;
		}
		seen = gen;
		seg.sport = r->sport;
		seg.dport = r->port;
		seg.seq = r->seq;
		seg.ack = r->ack;
		ttp_raw_send(r->proto, LO, LO, &seg);
		__atomic_store_n(&r->sent[a->cpu], gen, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* Wait until both ackers sent the ACK of gen: a busy host must not make one skip it. */
static bool cookie_acks_sent(struct cookie_race *r, int gen)
{
	for (int i = 0; i < 2000; i++) {
		if (__atomic_load_n(&r->sent[0], __ATOMIC_ACQUIRE) == gen &&
		    __atomic_load_n(&r->sent[1], __ATOMIC_ACQUIRE) == gen)
			return true;
		usleep(1000);
	}
	return false;
}

/*
 * Two copies of a cookie handshake's last ACK, handled on two CPUs at
 * once, each made a child of the same 4-tuple: accept() returned two
 * connections for one.  The second is now dropped, as TCP drops it.
 */
TEST_F_TIMEOUT(life, one_cookie_one_child, 120)
{
	struct cookie_race r = { .port = self->port };
	struct cookie_acker_arg arg[2] = { { &r, 0 }, { &r, 1 } };
	int rfd, accepted = 0, answered = 0, n, gen;
	static uint8_t seen[200];
	pthread_t t[2];

	ASSERT_EQ(0, set_sysctl("syncookies", 2));
	self->lfd = listener(self->port, 1024);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, fault("drop dir=out flags=RST port=%d count=1000000",
			   self->port));
	r.proto = proto_of(self->lfd);
	rfd = socket(AF_INET, SOCK_RAW, r.proto);
	ASSERT_LE(0, rfd);
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, cookie_acker, &arg[i]));
	for (int i = 0; i < 200; i++) {
		struct ttp_raw_seg syn = { .flags = SYN, .win = 65535 };
		struct pollfd p = { .fd = rfd, .events = POLLIN };
		uint8_t pkt[256], *h;

		syn.sport = 30000 + i;
		syn.dport = self->port;
		syn.seq = 1000000u * (i + 1);
		ASSERT_EQ(20, ttp_raw_send(r.proto, LO, LO, &syn));
		while (poll(&p, 1, 1000) > 0) {
			n = recv(rfd, pkt, sizeof(pkt), 0);
			if (n < 40)
				continue;
			h = pkt + (pkt[0] & 15) * 4;
			if ((h[0] << 8 | h[1]) != self->port ||
			    (h[2] << 8 | h[3]) != syn.sport || h[13] != (SYN | ACK))
				continue;
			r.sport = syn.sport;
			r.seq = syn.seq + 1;
			r.ack = ((uint32_t)h[4] << 24 | h[5] << 16 | h[6] << 8 |
				 h[7]) + 1;
			/* both send it at once, on two CPUs */
			gen = __atomic_add_fetch(&r.gen, 1, __ATOMIC_RELEASE);
			EXPECT_TRUE(cookie_acks_sent(&r, gen));
			answered++;
			break;
		}
		sleep_ms(3);
	}
	sleep_ms(500);
	__atomic_store_n(&r.done, 1, __ATOMIC_RELEASE);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	close(rfd);

	ASSERT_EQ(0, fcntl(self->lfd, F_SETFL, O_NONBLOCK));
	for (;;) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		int fd = accept(self->lfd, (struct sockaddr *)&peer, &len);
		int i;

		if (fd < 0)
			break;
		i = ntohs(peer.sin_port) - 30000;
		if (i >= 0 && i < 200)
			EXPECT_EQ(1, ++seen[i]);
		accepted++;
		close(fd);
	}
	TH_LOG("%d cookies answered, %d children", answered, accepted);
	EXPECT_LT(100, answered);
	EXPECT_EQ(answered, accepted);
}

/* A peer's MSS option of 1000, so that a segment is 1000 bytes. */
static const uint8_t mss1000[] = { 2, 4, 1000 >> 8, 1000 & 0xff };
#define SEG	1000

/*
 * A raw peer's connection with an MSS of 1000 and a window of 65535, to
 * which the server queues 50 segments: 0 once its first window, ten
 * segments, is out and none acknowledged.
 */
static int first_flight(struct __test_metadata *_metadata,
			struct _test_data_life *self, struct raw_peer *peer)
{
	int one = 1;

	if (raw_open(_metadata, self, peer, mss1000, sizeof(mss1000), 65535) ||
	    setsockopt(self->sfd, SOL_TTP, TTP_NODELAY, &one, sizeof(one)))
		return -1;
	memset(buf, 'c', 50 * SEG);
	if (send(self->sfd, buf, 50 * SEG, MSG_DONTWAIT) < 20 * SEG)
		return -1;
	for (int i = 0; i < 100; i++) {
		struct ttp_info info = info_of(self->sfd);

		if (info.snd_nxt - info.snd_una == 10 * SEG)
			return 0;
		sleep_ms(10);
	}
	return -1;
}

/*
 * Three duplicate ACKs of acked bytes: fast recovery, the head sent
 * again.  Their processing is waited for: the caller reads the state.
 */
static int three_dupacks(struct raw_peer *peer, int port, uint32_t acked)
{
	for (int i = 0; i < 3; i++)
		if (raw_ack(peer, port, acked, 65535))
			return -1;
	sleep_ms(20);
	return 0;
}

/*
 * RFC 3042 Limited Transmit: each of the first two duplicate ACKs lets one
 * new segment out past a full window, and leaves the window alone.  With
 * a small window those segments draw the third duplicate that starts fast
 * recovery; without them only a timeout would repair the loss.
 */
static void limited_transmit(struct __test_metadata *_metadata,
			     struct _test_data_life *self, const char *ca)
{
	struct raw_peer peer;
	struct ttp_info info;

	ASSERT_EQ(0, set_sysctl("rto_min_ms", 2000));
	ASSERT_EQ(0, first_flight(_metadata, self, &peer));
	ASSERT_EQ(0, setsockopt(self->sfd, SOL_TTP, TTP_CONGESTION, ca,
				strlen(ca)));
	for (int d = 1; d <= 2; d++) {
		ASSERT_EQ(0, raw_ack(&peer, self->port, 0, 65535));
		sleep_ms(20);
		info = info_of(self->sfd);
		EXPECT_EQ(TTP_CA_DISORDER, info.ca_state);
		EXPECT_EQ(10, info.snd_cwnd);
		EXPECT_EQ(0, info.total_retrans);
		EXPECT_EQ((10 + d) * SEG, info.snd_nxt - info.snd_una);
	}
	/* the third: fast recovery, from the window of ten, not twelve */
	ASSERT_EQ(0, raw_ack(&peer, self->port, 0, 65535));
	sleep_ms(20);
	info = info_of(self->sfd);
	EXPECT_EQ(TTP_CA_RECOVERY, info.ca_state);
	EXPECT_EQ(1, info.total_retrans);
	EXPECT_STREQ(ca, info.congestion);
	EXPECT_EQ(strcmp(ca, "reno") ? 10 * 717 / 1024 : 10 / 2,
		  info.snd_ssthresh);
	EXPECT_EQ(info.snd_ssthresh + 3, info.snd_cwnd);
	raw_close(self);
}

TEST_F(life, limited_transmit_sends_a_new_segment_per_early_dupack)
{
	limited_transmit(_metadata, self, "cubic");
}

TEST_F(life, limited_transmit_segments_do_not_count_for_reno_ssthresh)
{
	limited_transmit(_metadata, self, "reno");
}

/*
 * ACK division in slow start: the window limits bytes, so it grows by
 * the bytes acknowledged in whole segments (RFC 3465), not by one for
 * each skb freed.  A sender of 100-byte writes whose peer acknowledged
 * each one grew its window by ten segments for one segment's worth.
 */
TEST_F(life, slow_start_counts_bytes_not_segments)
{
	struct raw_peer peer;
	struct ttp_info info;
	int sent = 0;

	ASSERT_EQ(0, set_sysctl("rto_min_ms", 2000));
	ASSERT_EQ(0, raw_open(_metadata, self, &peer, mss1000,
			      sizeof(mss1000), 65535));
	ASSERT_EQ(0, setsockopt(self->sfd, SOL_TTP, TTP_NODELAY, &(int){ 1 },
				sizeof(int)));
	memset(buf, 's', 100);
	/* a hundred 100-byte segments fill the initial window of 10 * 1000 */
	for (int i = 0; i < 150; i++)
		if (send(self->sfd, buf, 100, MSG_DONTWAIT) == 100)
			sent++;
	ASSERT_EQ(150, sent);
	for (int i = 0; i < 100; i++) {
		info = info_of(self->sfd);
		if (info.snd_nxt - info.snd_una == 10 * SEG)
			break;
		sleep_ms(10);
	}
	ASSERT_EQ(10 * SEG, info.snd_nxt - info.snd_una);
	ASSERT_EQ(10, info.snd_cwnd);

	/* ten ACKs of one small segment each: one segment's worth */
	for (int i = 1; i <= 10; i++)
		ASSERT_EQ(0, raw_ack(&peer, self->port, i * 100, 65535));
	sleep_ms(50);
	info = info_of(self->sfd);
	EXPECT_EQ(peer.ack + SEG, info.snd_una);
	EXPECT_EQ(11, info.snd_cwnd);
	raw_close(self);
}

/*
 * ACK division (Savage et al., "TCP congestion control with a
 * misbehaving receiver"): in fast recovery each partial ACK, of however
 * little, gave a segment back to the window and drew a retransmission,
 * so a peer that acknowledged a segment a byte at a time had the window
 * grow by one for each byte and the head sent again for each.  An ACK
 * that leaves no whole segment acknowledged now changes neither; one
 * that does still sends the next hole (RFC 6582 3.2 step 5).
 */
TEST_F(life, ack_division_in_fast_recovery_gains_nothing)
{
	struct ttp_info rec, info;
	struct raw_peer peer;

	/* no retransmission timeout meanwhile */
	ASSERT_EQ(0, set_sysctl("rto_min_ms", 2000));
	ASSERT_EQ(0, first_flight(_metadata, self, &peer));
	ASSERT_EQ(0, three_dupacks(&peer, self->port, 0));
	rec = info_of(self->sfd);
	ASSERT_EQ(TTP_CA_RECOVERY, rec.ca_state);
	ASSERT_EQ(1, rec.total_retrans);

	for (int i = 1; i <= 100; i++)
		ASSERT_EQ(0, raw_ack(&peer, self->port, i, 65535));
	sleep_ms(50);
	info = info_of(self->sfd);
	EXPECT_EQ(peer.ack + 100, info.snd_una);
	EXPECT_EQ(TTP_CA_RECOVERY, info.ca_state);
	EXPECT_EQ(rec.snd_cwnd, info.snd_cwnd);
	EXPECT_EQ(rec.snd_nxt, info.snd_nxt);
	EXPECT_EQ(1, info.total_retrans);

	ASSERT_EQ(0, raw_ack(&peer, self->port, SEG, 65535));
	sleep_ms(50);
	info = info_of(self->sfd);
	EXPECT_EQ(TTP_CA_RECOVERY, info.ca_state);
	EXPECT_EQ(2, info.total_retrans);
	raw_close(self);
}

/*
 * RFC 6582 3.2 step 2: duplicate ACKs no further than where the last
 * fast recovery ended are its retransmissions echoed, not a new loss.
 * Three of them right after the full ACK started fast recovery again:
 * the head sent once more and ssthresh cut a second time.
 */
TEST_F(life, dupacks_at_the_end_of_recovery_are_no_new_loss)
{
	struct ttp_info rec, info;
	struct raw_peer peer;
	uint32_t end;

	ASSERT_EQ(0, set_sysctl("rto_min_ms", 2000));
	ASSERT_EQ(0, first_flight(_metadata, self, &peer));
	ASSERT_EQ(0, three_dupacks(&peer, self->port, 0));
	rec = info_of(self->sfd);
	ASSERT_EQ(TTP_CA_RECOVERY, rec.ca_state);
	/* recovery ends at what was sent, Limited Transmit's two included */
	end = rec.snd_nxt - peer.ack;
	ASSERT_EQ(12 * SEG, end);

	/* the full ACK: recovery ends, and new data goes */
	ASSERT_EQ(0, raw_ack(&peer, self->port, end, 65535));
	sleep_ms(20);
	info = info_of(self->sfd);
	ASSERT_EQ(TTP_CA_OPEN, info.ca_state);
	ASSERT_EQ(peer.ack + end, info.snd_una);
	ASSERT_LT(info.snd_una, info.snd_nxt);

	ASSERT_EQ(0, three_dupacks(&peer, self->port, end));
	sleep_ms(20);
	info = info_of(self->sfd);
	EXPECT_NE(TTP_CA_RECOVERY, info.ca_state);
	EXPECT_EQ(1, info.total_retrans);
	EXPECT_EQ(rec.snd_ssthresh, info.snd_ssthresh);
	raw_close(self);
}

/*
 * Only duplicates of an ACK no further than where the last recovery
 * ended are its echoes: once an ACK goes beyond that point, three
 * duplicates are a new loss and are sent again at once, also when a
 * stray duplicate had left the socket in disorder before that ACK.
 */
TEST_F(life, a_loss_after_recovery_and_disorder_is_fast_retransmitted)
{
	struct ttp_info info;
	struct raw_peer peer;
	uint32_t end;

	ASSERT_EQ(0, set_sysctl("rto_min_ms", 2000));
	ASSERT_EQ(0, first_flight(_metadata, self, &peer));
	ASSERT_EQ(0, three_dupacks(&peer, self->port, 0));
	info = info_of(self->sfd);
	ASSERT_EQ(TTP_CA_RECOVERY, info.ca_state);
	end = info.snd_nxt - peer.ack;		/* recover */

	/* the full ACK at recover, then one duplicate of it */
	ASSERT_EQ(0, raw_ack(&peer, self->port, end, 65535));
	sleep_ms(20);
	ASSERT_EQ(0, raw_ack(&peer, self->port, end, 65535));
	sleep_ms(20);
	info = info_of(self->sfd);
	ASSERT_EQ(TTP_CA_DISORDER, info.ca_state);
	ASSERT_LT(peer.ack + end + SEG, info.snd_nxt);

	/* beyond recover: what is duplicated now is news */
	ASSERT_EQ(0, raw_ack(&peer, self->port, end + SEG, 65535));
	sleep_ms(20);
	ASSERT_EQ(TTP_CA_OPEN, info_of(self->sfd).ca_state);
	ASSERT_EQ(0, three_dupacks(&peer, self->port, end + SEG));
	sleep_ms(20);
	info = info_of(self->sfd);
	EXPECT_EQ(TTP_CA_RECOVERY, info.ca_state);
	EXPECT_EQ(2, info.total_retrans);
	raw_close(self);
}

/*
 * After a timeout the go-back sends again what was in flight as slow
 * start lets it, but not beyond the peer's window, as TCP's
 * tcp_retransmit_skb() sends nothing there but the segment at SND.UNA.
 * A peer that shut its window with its ACK got three segments past it.
 */
TEST_F(life, go_back_after_a_timeout_keeps_to_the_window)
{
	struct ttp_info info;
	struct raw_peer peer;
	struct seg s[256];
	int n, beyond = 0;
	uint32_t edge;

	ASSERT_EQ(0, set_sysctl("rto_min_ms", 100));
	ASSERT_EQ(0, first_flight(_metadata, self, &peer));
	/* nothing acknowledged: the retransmission timer fires */
	for (int i = 0; i < 200 && info_of(self->sfd).ca_state != TTP_CA_LOSS;
	     i++)
		sleep_ms(10);
	ASSERT_EQ(TTP_CA_LOSS, info_of(self->sfd).ca_state);
	/* slow start from one segment sends the next two again */
	ASSERT_EQ(0, raw_ack(&peer, self->port, SEG, 65535));
	sleep_ms(20);
	ASSERT_EQ(0, write_file(TTP_TRACE, "clear"));

	/* two more acknowledged, and the window shut */
	ASSERT_EQ(0, raw_ack(&peer, self->port, 3 * SEG, 0));
	sleep_ms(50);
	info = info_of(self->sfd);
	edge = peer.ack + 3 * SEG;
	ASSERT_EQ(edge, info.snd_una);
	EXPECT_EQ(0, info.snd_wnd);
	n = trace(self->port, s, 256);
	ASSERT_LE(0, n);
	for (int i = 0; i < n; i++) {
		if (s[i].sport != self->port || !s[i].len ||
		    (int32_t)(s[i].seq - edge) <= 0)
			continue;
		TH_LOG("sent %u bytes at SND.UNA + %u", s[i].len,
		       s[i].seq - edge);
		beyond++;
	}
	EXPECT_EQ(0, beyond);
	raw_close(self);
}

/*
 * The go-back that a shut window stopped goes on as soon as the window
 * opens again: a window update (the same ACK, a larger window) sends
 * the next segments at once.  It once waited for the next timeout.
 */
TEST_F(life, a_window_update_resumes_the_go_back)
{
	struct raw_peer peer;
	struct ttp_info info;
	struct seg s[256];
	int n, beyond = 0;
	uint32_t edge;

	/* the timeout comes, but no second one while this looks */
	ASSERT_EQ(0, set_sysctl("rto_min_ms", 1000));
	ASSERT_EQ(0, first_flight(_metadata, self, &peer));
	for (int i = 0; i < 300 && info_of(self->sfd).ca_state != TTP_CA_LOSS;
	     i++)
		sleep_ms(10);
	ASSERT_EQ(TTP_CA_LOSS, info_of(self->sfd).ca_state);
	ASSERT_EQ(0, raw_ack(&peer, self->port, SEG, 65535));
	sleep_ms(20);
	ASSERT_EQ(0, raw_ack(&peer, self->port, 3 * SEG, 0));
	sleep_ms(50);
	info = info_of(self->sfd);
	edge = peer.ack + 3 * SEG;
	ASSERT_EQ(edge, info.snd_una);
	ASSERT_EQ(TTP_CA_LOSS, info.ca_state);
	ASSERT_EQ(0, write_file(TTP_TRACE, "clear"));

	ASSERT_EQ(0, raw_ack(&peer, self->port, 3 * SEG, 65535));
	sleep_ms(50);
	n = trace(self->port, s, 256);
	ASSERT_LE(0, n);
	for (int i = 0; i < n; i++)
		if (s[i].sport == self->port && s[i].len &&
		    (int32_t)(s[i].seq - edge) > 0)
			beyond++;
	/* slow start's window, four segments by now: the head and more */
	EXPECT_LE(2, beyond);
	EXPECT_EQ(edge, info_of(self->sfd).snd_una);
	raw_close(self);
}

TEST_HARNESS_MAIN
