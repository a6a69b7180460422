/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connections on 127.0.0.1 watched through /proc/net/ttp, ttp_trace and
 * ttp_faults, and the fixture that lifecycle and stream share: short
 * timers, an empty trace and no fault rules at the start, the sysctls
 * restored at the end, and a port of its own for each test.
 */
#ifndef _TTP_CONN_H
#define _TTP_CONN_H

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <time.h>

#include "kselftest_harness.h"
#include "ttp_util.h"

#define LO "127.0.0.1"

/* One segment of /proc/net/ttp_trace. */
struct seg {
	unsigned long long us;
	char dir[4];
	int sport, dport;
	char flags[8];
	unsigned int seq, ack;
	unsigned int len, win;
	char verdict[8];
};

static char buf[1 << 20];

/* The segments that passed LOCAL_OUT (each segment once) on port. */
static inline int trace(int port, struct seg *s, int max)
{
	char *line;
	int n = 0;

	if (read_file(TTP_TRACE, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok(buf, "\n"); line && n < max;
	     line = strtok(NULL, "\n")) {
		struct seg *x = &s[n];
		unsigned int a[8];

		if (sscanf(line, "%llu %3s %u.%u.%u.%u:%d %u.%u.%u.%u:%d %7s %u %u %u %u %7s",
			   &x->us, x->dir, &a[0], &a[1], &a[2], &a[3],
			   &x->sport, &a[4], &a[5], &a[6], &a[7], &x->dport,
			   x->flags, &x->seq, &x->ack, &x->len, &x->win,
			   x->verdict) != 18)
			continue;
		if (strcmp(x->dir, "out") ||
		    (x->sport != port && x->dport != port))
			continue;
		n++;
	}
	return n;
}

/*
 * The /proc/net/ttp line of the socket lport -> rport (0 for a listener),
 * or NULL: a pointer into buf, good until the next read.
 */
static inline char *proc_line_of(int lport, int rport)
{
	char want[64], *line;

	snprintf(want, sizeof(want), LO ":%d ", lport);
	if (read_file(TTP_PROC, buf, sizeof(buf)) < 0)
		return NULL;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char local[32], remote[32];

		if (strncmp(line, want, strlen(want)) ||
		    sscanf(line, "%31s %31s", local, remote) != 2 ||
		    !strchr(remote, ':'))
			continue;
		if (atoi(strchr(remote, ':') + 1) == rport)
			return line;
	}
	return NULL;
}

/* The state column of the line for lport -> rport, or "none". */
static inline const char *state_of(int lport, int rport)
{
	static char state[16];
	char *line = proc_line_of(lport, rport);

	if (!line || sscanf(line, "%*s %*s %15s", state) != 1)
		return "none";
	return state;
}

/* The timer column of the line for lport -> rport, or "none". */
static inline const char *timer_of(int lport, int rport)
{
	static char timer[32];
	char *line = proc_line_of(lport, rport);

	if (!line || sscanf(line, "%*s %*s %*s %*d %*d %31s", timer) != 1)
		return "none";
	return timer;
}

/* The recvq column of the listener on port: its accept queue length. */
static inline int listen_queue(int port)
{
	char *line = proc_line_of(port, 0), state[16];
	int recvq;

	if (!line || sscanf(line, "%*s %*s %15s %*d %d", state, &recvq) != 2 ||
	    strcmp(state, "LISTEN"))
		return -1;
	return recvq;
}

static inline void sleep_ms(int ms)
{
	usleep(ms * 1000);
}

/* Wait up to ms for lport -> rport to reach state. */
static inline bool wait_state(int lport, int rport, const char *state, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (!strcmp(state_of(lport, rport), state))
			return true;
		sleep_ms(10);
	}
	return !strcmp(state_of(lport, rport), state);
}

static inline int set_sysctl(const char *name, long val)
{
	char path[128], text[32];

	snprintf(path, sizeof(path), TTP_SYSCTL "%s", name);
	snprintf(text, sizeof(text), "%ld", val);
	return write_file(path, text);
}

static inline int fault(const char *fmt, int port)
{
	char rule[128];

	snprintf(rule, sizeof(rule), fmt, port);
	return write_file(TTP_FAULTS, rule);
}

static inline int listener(int port, int backlog)
{
	int fd = socket(AF_TTP, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ttp_bind(fd, AF_TTP, LO, port) || listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline int connect_to(int port, bool nonblock)
{
	struct sockaddr_in a = ttp_sockaddr(AF_TTP, LO, port);
	int fd = socket(AF_TTP, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !(nonblock && errno == EINPROGRESS)) {
		int err = errno;

		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static inline struct ttp_info info_of(int fd)
{
	struct ttp_info info = { 0 };
	socklen_t len = sizeof(info);

	getsockopt(fd, SOL_TTP, TTP_INFO, &info, &len);
	return info;
}

/* The IP protocol number TTP uses, for hand-built segments. */
static inline int proto_of(int fd)
{
	int proto = 0;
	socklen_t len = sizeof(proto);

	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len);
	return proto;
}

static const char * const sysctls[] = {
	"msl_ms", "rto_initial_ms", "rto_min_ms", "syn_retries", "retries",
	"delayed_ack_ms", "fin_wait2_timeout_ms", "max_syn_backlog",
	"orphan_retries", "challenge_ack_limit", "syncookies",
	"timestamps", "rto_max_ms", "sack",
};

FIXTURE(life) {
	long saved[ARRAY_SIZE(sysctls)];
	char saved_mem[128];	/* mem's three page counts */
	int port;
	int lfd, cfd, sfd;	/* listener, client, accepted server side */
	int cport;
	int rcvbuf;	/* SO_RCVBUF of the listener, if not 0 */
	int mss;	/* TTP_MAXSEG of the listener, if not 0 */
};

FIXTURE_SETUP(life)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(sysctls); i++) {
		char path[128];

		snprintf(path, sizeof(path), TTP_SYSCTL "%s", sysctls[i]);
		self->saved[i] = read_long(path);
	}
	ASSERT_LT(0, read_file(TTP_SYSCTL "mem", self->saved_mem,
			       sizeof(self->saved_mem)));
	/* short timers keep the suite quick under TCG */
	ASSERT_EQ(0, set_sysctl("msl_ms", 500));
	ASSERT_EQ(0, set_sysctl("rto_initial_ms", 200));
	ASSERT_EQ(0, write_file(TTP_FAULTS, "clear"));
	ASSERT_EQ(0, write_file(TTP_TRACE, "clear"));
	/* each test runs in a process of its own: a port of its own too */
	self->port = 20000 + getpid() % 10000;
	self->lfd = -1;
	self->cfd = -1;
	self->sfd = -1;
	self->rcvbuf = 0;
	self->mss = 0;
	signal(SIGPIPE, SIG_IGN);
	/* the harness's own limit, TEST_F_TIMEOUT's where a test sets one */
	alarm(_metadata->timeout);
}

/* Put back the sysctls FIXTURE_SETUP(life) found. */
static inline void restore_sysctls(struct _test_data_life *self)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(sysctls); i++)
		set_sysctl(sysctls[i], self->saved[i]);
	write_file(TTP_SYSCTL "mem", self->saved_mem);
}

FIXTURE_TEARDOWN(life)
{
	write_file(TTP_FAULTS, "clear");
	/* closed under the short msl_ms, so that TIME_WAIT ends soon */
	if (self->lfd >= 0)
		close(self->lfd);
	if (self->cfd >= 0)
		close(self->cfd);
	if (self->sfd >= 0)
		close(self->sfd);
	sleep_ms(50);
	restore_sysctls(self);
	alarm(0);
}

/*
 * A client connecting to a listener on self->port, whose first SYN is
 * lost: it waits in SYN_SENT for rto_initial_ms.
 */
static inline int connect_losing_the_first_syn(struct _test_data_life *self)
{
	self->lfd = listener(self->port, 8);
	if (self->lfd < 0 ||
	    fault("drop dir=out flags=SYN exact port=%d count=1", self->port))
		return -1;
	self->cfd = connect_to(self->port, true);
	if (self->cfd < 0)
		return -1;
	self->cport = ttp_local_port(self->cfd);
	return 0;
}

/* A connected pair on self->port; clears the trace afterwards if asked. */
static inline int open_pair(struct __test_metadata *_metadata,
			    struct _test_data_life *self, bool clear)
{
	self->lfd = listener(self->port, 8);
	if (self->lfd < 0)
		return -1;
	if (self->rcvbuf &&
	    setsockopt(self->lfd, SOL_SOCKET, SO_RCVBUF, &self->rcvbuf,
		       sizeof(self->rcvbuf)))
		return -1;
	if (self->mss &&
	    setsockopt(self->lfd, SOL_TTP, TTP_MAXSEG, &self->mss,
		       sizeof(self->mss)))
		return -1;
	self->cfd = connect_to(self->port, false);
	if (self->cfd < 0)
		return -1;
	self->sfd = accept(self->lfd, NULL, NULL);
	if (self->sfd < 0)
		return -1;
	self->cport = ttp_local_port(self->cfd);
	if (clear)
		write_file(TTP_TRACE, "clear");
	return 0;
}

#define SYN	0x02
#define RST	0x04
#define ACK	0x10

/* The hand-written peer's side of a connection. */
struct raw_peer {
	int proto;
	int port;
	uint32_t seq;		/* its next sequence number */
	uint32_t ack;		/* the server's ISN + 1 */
};

static inline uint32_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * Spoofed SYNs of IP protocol proto to dst:port, rate a second for ms
 * milliseconds, through one raw socket that writes its own IP headers.
 * Their sources go round span addresses from src (host order) and the
 * ports above 1024.  Returns how many it sent.
 */
static inline uint32_t syn_flood(int proto, uint32_t src, uint32_t span,
				 const char *dst, int port, int rate, int ms)
{
	struct sockaddr_in to = ttp_sockaddr(AF_INET, dst, 0);
	uint32_t start = now_ms(), n = 0, sent = 0, late = rate / 50 + 1;
	uint8_t pkt[40], pseudo[12];
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW), sndbuf = 1 << 22;
	uint16_t sum;

	if (fd < 0)
		return 0;
	/* SYNs waiting in a receiver's ring stay charged to this socket */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
	while (now_ms() - start < (uint32_t)ms) {
		uint32_t due = (uint64_t)(now_ms() - start) * rate / 1000;

		/* at rate, not faster: the caller chose what to offer */
		if (n > due) {
			usleep(1000);
			continue;
		}
		/* after a stall, no burst: more than 20 ms late is skipped */
		if (due - n > late)
			n = due - late;
		uint32_t from = htonl(src + n % span);
		uint16_t sport = 1024 + n % 60000;
		uint32_t seq = n * 7919;

		n++;
		memset(pkt, 0, sizeof(pkt));
		pkt[0] = 0x45;			/* IPv4, 20 bytes */
		pkt[3] = sizeof(pkt);
		pkt[8] = 64;			/* TTL */
		pkt[9] = proto;
		memcpy(pkt + 12, &from, 4);
		memcpy(pkt + 16, &to.sin_addr, 4);
		pkt[20] = sport >> 8;
		pkt[21] = sport;
		pkt[22] = port >> 8;
		pkt[23] = port;
		pkt[24] = seq >> 24;
		pkt[25] = seq >> 16;
		pkt[26] = seq >> 8;
		pkt[27] = seq;
		pkt[32] = 5 << 4;
		pkt[33] = SYN;
		pkt[34] = 0xff;
		pkt[35] = 0xff;
		memcpy(pseudo, pkt + 12, 8);
		pseudo[8] = 0;
		pseudo[9] = proto;
		pseudo[10] = 0;
		pseudo[11] = 20;
		sum = csum_fold(csum_add(csum_add(0, pseudo, 12), pkt + 20, 20));
		pkt[36] = sum >> 8;
		pkt[37] = sum;
		sent += sendto(fd, pkt, sizeof(pkt), MSG_DONTWAIT,
			       (struct sockaddr *)&to, sizeof(to)) > 0;
	}
	close(fd);
	return sent;
}

/*
 * Open a connection to a listener on self->port from a raw peer that
 * sends the given SYN options and then window win; self->sfd is the
 * accepted socket.  The peer's port has no socket, so the host answers
 * what the server sends there with RSTs: they are dropped.
 */
static inline int raw_open(struct __test_metadata *_metadata,
			   struct _test_data_life *self, struct raw_peer *peer,
			   const void *opt, size_t optlen, uint16_t win)
{
	struct ttp_raw_seg seg = { .flags = SYN, .win = 65535,
				   .opt = opt, .optlen = optlen };
	struct seg s[16];
	int n = 0;

	self->lfd = listener(self->port, 8);
	if (self->lfd < 0)
		return -1;
	if (fault("drop dir=out flags=RST port=%d count=100000", self->port))
		return -1;
	peer->proto = proto_of(self->lfd);
	peer->port = self->port - 10000;
	peer->seq = 1000000;
	self->cport = peer->port;

	seg.sport = peer->port;
	seg.dport = self->port;
	seg.seq = peer->seq++;
	if (ttp_raw_send(peer->proto, LO, LO, &seg) < 0)
		return -1;
	for (int i = 0; i < 100 && !n; i++) {
		n = trace(self->port, s, 16);
		while (n > 0 && strcmp(s[n - 1].flags, "S."))
			n--;
		if (!n)
			sleep_ms(10);
	}
	if (n <= 0)
		return -1;
	peer->ack = s[n - 1].seq + 1;

	memset(&seg, 0, sizeof(seg));
	seg.sport = peer->port;
	seg.dport = self->port;
	seg.seq = peer->seq;
	seg.ack = peer->ack;
	seg.flags = ACK;
	seg.win = win;
	if (ttp_raw_send(peer->proto, LO, LO, &seg) < 0)
		return -1;
	self->sfd = accept(self->lfd, NULL, NULL);
	if (self->sfd < 0)
		return -1;
	return write_file(TTP_TRACE, "clear");
}

/*
 * The server's socket goes with a RST: an orphan with data for a peer that
 * never answers would otherwise retransmit for minutes.
 */
static inline void raw_close(struct _test_data_life *self)
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(self->sfd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
	close(self->sfd);
	self->sfd = -1;
}

/* The peer acknowledges acked bytes of the server's data, offering win. */
static inline int raw_ack(struct raw_peer *peer, int server_port,
			  uint32_t acked, uint16_t win)
{
	struct ttp_raw_seg seg = {
		.sport = peer->port, .dport = server_port, .seq = peer->seq,
		.ack = peer->ack + acked, .flags = ACK, .win = win,
	};

	return ttp_raw_send(peer->proto, LO, LO, &seg) < 0 ? -1 : 0;
}

/* How far past the ISN the server's data has reached, and its longest segment. */
static inline uint32_t data_sent(struct raw_peer *peer, int server_port,
				 unsigned int *longest)
{
	struct seg s[256];
	uint32_t end = 0;
	int n = trace(server_port, s, 256);

	*longest = 0;
	for (int i = 0; i < n; i++) {
		if (s[i].sport != server_port || !s[i].len)
			continue;
		if (s[i].seq + s[i].len - peer->ack > end)
			end = s[i].seq + s[i].len - peer->ack;
		if (s[i].len > *longest)
			*longest = s[i].len;
	}
	return end;
}

#endif /* _TTP_CONN_H */
