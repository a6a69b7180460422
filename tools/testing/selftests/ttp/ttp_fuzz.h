/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the two fuzzers (fuzz_sockapi, fuzz_segments) share: a PRNG that
 * replays from a seed, their settings from the environment, the sysctls
 * they shorten and put back, connections built into each state of the
 * teardown with fault rules, a watch on the kernel log that ties a splat
 * to the input that caused it, and the check that nothing is left over.
 */
#ifndef _TTP_FUZZ_H
#define _TTP_FUZZ_H

#include <stdarg.h>
#include <sys/time.h>
#include <time.h>

#include "ttp_conn.h"

/*
 * splitmix64: small, and every (seed, stream) pair gives an independent
 * sequence, so program or round N can be replayed without running the
 * ones before it.
 */
struct fz_rng {
	uint64_t s;
};

static inline uint64_t fz_next(struct fz_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline struct fz_rng fz_rng(uint64_t seed, uint64_t stream)
{
	struct fz_rng r = { seed ^ (stream * 0xd1b54a32d192ed03ULL) };

	fz_next(&r);
	return r;
}

/* Uniform in [0, n); 0 when n is 0. */
static inline uint32_t fz_below(struct fz_rng *r, uint32_t n)
{
	return n ? (uint32_t)((fz_next(r) >> 32) * n >> 32) : 0;
}

/* True with probability pct percent. */
static inline bool fz_chance(struct fz_rng *r, int pct)
{
	return fz_below(r, 100) < (uint32_t)pct;
}

static inline void fz_bytes(struct fz_rng *r, void *p, size_t len)
{
	uint8_t *b = p;

	while (len) {
		uint64_t x = fz_next(r);
		size_t n = len < 8 ? len : 8;

		memcpy(b, &x, n);
		b += n;
		len -= n;
	}
}

static inline unsigned long long fz_env(const char *name,
					unsigned long long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

static inline double fz_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* The seed: TTP_FUZZ_SEED, else the clock, so that each run differs. */
static inline uint64_t fz_seed(void)
{
	struct timespec t;

	if (getenv("TTP_FUZZ_SEED") && *getenv("TTP_FUZZ_SEED"))
		return fz_env("TTP_FUZZ_SEED", 0);
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000003 ^ t.tv_nsec ^ getpid();
}

/* The sysctls the fuzzers shorten; put back as they were at the end. */
static const char * const fz_sysctl_names[] = {
	"msl_ms", "rto_initial_ms", "rto_min_ms", "syn_retries", "retries",
	"fin_wait2_timeout_ms", "delayed_ack_ms", "max_syn_backlog",
	"orphan_retries",
};

struct fz_sysctls {
	long saved[ARRAY_SIZE(fz_sysctl_names)];
};

static inline void fz_sysctls_save(struct fz_sysctls *s)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(fz_sysctl_names); i++) {
		char path[128];

		snprintf(path, sizeof(path), TTP_SYSCTL "%s",
			 fz_sysctl_names[i]);
		s->saved[i] = read_long(path);
	}
}

static inline void fz_sysctls_restore(const struct fz_sysctls *s)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(fz_sysctl_names); i++)
		if (s->saved[i] >= 0)
			set_sysctl(fz_sysctl_names[i], s->saved[i]);
}

/*
 * The kernel log, read from where it stood when the fuzzer started: a
 * splat that does not kill the kernel (WARNING, KASAN, lockdep) is then
 * reported with the program or round that caused it, not only by the VM
 * runner at the end.  The patterns are tools/vm/run's.
 */
static int fz_kmsg_fd = -1;

static inline void fz_kmsg_open(void)
{
	fz_kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fz_kmsg_fd >= 0)
		lseek(fz_kmsg_fd, 0, SEEK_END);
}

static inline bool fz_is_splat(const char *msg)
{
	static const char * const pat[] = {
		"BUG:", "WARNING:", "UBSAN", "Oops", "general protection",
		"Kernel panic", "refcount_t", "blocked for more than",
		"rcu: INFO", "detected stalls", "possible recursive locking",
		"possible circular locking", "inconsistent lock state",
		"ODEBUG", "list_add corruption", "list_del corruption",
		"soft lockup", "hard LOCKUP", "Call Trace:",
		"Disabling lock debugging",
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(pat); i++)
		if (strstr(msg, pat[i]))
			return true;
	return false;
}

/*
 * Read the kernel log's new records; print each at once if echo, and the
 * first splat line into first.  Whether there was a splat.
 */
static inline bool fz_kmsg_splat(char *first, size_t size, bool echo)
{
	char rec[8192];	/* a record longer than the buffer reads as EINVAL */
	bool found = false;
	ssize_t n;

	if (fz_kmsg_fd < 0)
		return false;
	for (;;) {
		char *msg;

		n = read(fz_kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		if (!fz_is_splat(msg) && !found)
			continue;
		if (echo)
			printf("# kernel: %s", msg);
		if (!found && first)
			snprintf(first, size, "%.*s", (int)strcspn(msg, "\n"),
				 msg);
		found = true;
	}
	return found;
}

/*
 * A line in the kernel log, so a splat can be placed against the input.
 * TTP_FUZZ_KMSG_LEVEL=3 puts it on a quiet console too, where it comes
 * before a panic (tools/stress); the default 6 keeps it in dmesg only.
 */
static inline void fz_kmsg_mark(const char *fmt, ...)
{
	char text[256];
	va_list ap;
	int fd, n;

	n = snprintf(text, sizeof(text), "<%d>",
		     (int)fz_env("TTP_FUZZ_KMSG_LEVEL", 6));
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - n, fmt, ap);
	va_end(ap);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* a lost mark loses nothing but a hint */
	if (write(fd, text, strlen(text)) < 0)
		text[0] = '\0';
	close(fd);
}

/*
 * The sockets of /proc/net/ttp that have a port (local or remote) in
 * [lo, hi] or equal to one of extra[], other than TIME_WAIT: what the
 * fuzzer left behind.  The first such line goes to why.
 */
static inline int fz_leftovers(int lo, int hi, const int *extra, int nextra,
			       char *why, size_t size)
{
	static char text[1 << 20];
	char *line, *save;
	int n = 0;

	if (why && size)
		why[0] = '\0';
	if (read_file(TTP_PROC, text, sizeof(text)) < 0)
		return -1;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char local[32], remote[32], state[16];
		int lp, rp;
		bool ours = false;

		if (sscanf(line, "%31s %31s %15s", local, remote, state) != 3 ||
		    !strchr(local, ':') || !strchr(remote, ':'))
			continue;
		lp = atoi(strchr(local, ':') + 1);
		rp = atoi(strchr(remote, ':') + 1);
		ours = (lp >= lo && lp <= hi) || (rp >= lo && rp <= hi);
		for (int i = 0; i < nextra; i++)
			ours |= lp == extra[i] || rp == extra[i];
		if (!ours || !strcmp(state, "TIME_WAIT"))
			continue;
		if (!n && why)
			snprintf(why, size, "%s", line);
		n++;
	}
	return n;
}

/* Wait up to ms for fz_leftovers() to reach 0; the last count. */
static inline int fz_wait_clean(int lo, int hi, const int *extra, int nextra,
				int ms, char *why, size_t size)
{
	double end = fz_now() + ms / 1000.0;
	int n;

	while ((n = fz_leftovers(lo, hi, extra, nextra, why, size)) > 0 &&
	       fz_now() < end)
		usleep(50000);
	return n;
}

/*
 * The states a connection can be put in for fuzzing.  The names are
 * those of /proc/net/ttp, with a few of the fuzzer's own: BOUND (bound,
 * not listening), SYN_SENT_LATE (the first SYN lost, so the SYN+ACK comes
 * a retransmission timeout later, in the middle of the fuzzing), SYN_RCVD
 * (the client's SYN_SENT against a request sock whose SYN+ACKs are lost),
 * DONE (both ends closed and acknowledged: the client is in TIME_WAIT, its
 * socket in CLOSE) and RESET (the server reset the connection).
 */
enum fz_state {
	FZ_CLOSE, FZ_BOUND, FZ_LISTEN, FZ_SYN_SENT, FZ_SYN_SENT_LATE,
	FZ_SYN_RCVD, FZ_ESTABLISHED, FZ_FIN_WAIT_1, FZ_FIN_WAIT_2,
	FZ_CLOSE_WAIT, FZ_LAST_ACK, FZ_CLOSING, FZ_TIME_WAIT, FZ_DONE,
	FZ_RESET, FZ_NSTATES
};

static const char * const fz_state_name[FZ_NSTATES] = {
	"CLOSE", "BOUND", "LISTEN", "SYN_SENT", "SYN_SENT_LATE", "SYN_RCVD",
	"ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "LAST_ACK",
	"CLOSING", "TIME_WAIT", "DONE", "RESET",
};

/*
 * One connection built into a state.  fd[0] is the socket in the named
 * state (the client for most, the accepted socket for CLOSE_WAIT and
 * LAST_ACK), fd[1] its peer, fd[2] the listener; -1 where there is none.
 * lport/rport are the ports of the socket in the state (or of the
 * TIME_WAIT sock), reached says whether it got there.
 */
struct fz_conn {
	int fd[3];
	int lport, rport;
	int port;		/* the listener's (or connect target's) port */
	bool reached;
};

/* Short timeouts on every socket the builders make: nothing blocks long. */
static inline void fz_short_timeouts(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static inline int fz_socket(int ms)
{
	int fd = socket(AF_TTP, SOCK_STREAM, 0);

	if (fd >= 0)
		fz_short_timeouts(fd, ms);
	return fd;
}

static inline int fz_rule(const char *fmt, int port)
{
	return fault(fmt, port);
}

static inline bool fz_wait(int lport, int rport, const char *state, int ms)
{
	return wait_state(lport, rport, state, ms);
}

/* A listener, a client connected to it and the accepted socket. */
static inline int fz_pair(struct fz_conn *c, int port)
{
	c->fd[2] = listener(port, 16);
	if (c->fd[2] < 0)
		return -1;
	fz_short_timeouts(c->fd[2], 2000);
	c->fd[0] = socket(AF_TTP, SOCK_STREAM, 0);
	if (c->fd[0] < 0)
		return -1;
	fz_short_timeouts(c->fd[0], 2000);
	{
		struct sockaddr_in a = ttp_sockaddr(AF_TTP, LO, port);

		if (connect(c->fd[0], (struct sockaddr *)&a, sizeof(a)))
			return -1;
	}
	c->fd[1] = accept(c->fd[2], NULL, NULL);
	if (c->fd[1] < 0)
		return -1;
	c->lport = ttp_local_port(c->fd[0]);
	c->rport = port;
	return 0;
}

static inline void fz_swap_ends(struct fz_conn *c)
{
	int fd = c->fd[0], p = c->lport;

	c->fd[0] = c->fd[1];
	c->fd[1] = fd;
	c->lport = c->rport;
	c->rport = p;
}

/*
 * Build a connection in state st on port (the fault rules it writes
 * name that port, so connections on other ports are not touched).
 * Needs root for the rules.  Sockets get timeouts of ms.  0, or -1 if
 * a call failed; c->reached tells whether /proc showed the state.
 */
static inline int fz_make(enum fz_state st, int port, int ms,
			  struct fz_conn *c)
{
	struct sockaddr_in a = ttp_sockaddr(AF_TTP, LO, port);
	int one = 1;

	memset(c, 0, sizeof(*c));
	for (int i = 0; i < 3; i++)
		c->fd[i] = -1;
	c->port = port;
	c->rport = port;

	switch (st) {
	case FZ_CLOSE:
		c->fd[0] = fz_socket(ms);
		c->reached = c->fd[0] >= 0;
		return c->fd[0] < 0 ? -1 : 0;
	case FZ_BOUND:
		c->fd[0] = fz_socket(ms);
		if (c->fd[0] < 0)
			return -1;
		setsockopt(c->fd[0], SOL_SOCKET, SO_REUSEADDR, &one,
			   sizeof(one));
		if (ttp_bind(c->fd[0], AF_TTP, LO, port))
			return -1;
		c->lport = port;
		c->rport = 0;
		c->reached = true;
		return 0;
	case FZ_LISTEN:
		c->fd[0] = listener(port, 8);
		if (c->fd[0] < 0)
			return -1;
		fz_short_timeouts(c->fd[0], ms);
		c->lport = port;
		c->rport = 0;
		c->reached = true;
		return 0;
	case FZ_SYN_SENT:
	case FZ_SYN_SENT_LATE:
	case FZ_SYN_RCVD:
		if (st == FZ_SYN_SENT) {
			/* nobody listens and no SYN gets out: SYN_SENT stays */
			if (fz_rule("drop dir=out flags=SYN exact port=%d count=1000000",
				    port))
				return -1;
		} else {
			c->fd[2] = listener(port, 8);
			if (c->fd[2] < 0)
				return -1;
			fz_short_timeouts(c->fd[2], ms);
			if (fz_rule(st == FZ_SYN_SENT_LATE ?
				    "drop dir=out flags=SYN exact port=%d count=1" :
				    "drop dir=out flags=SYN,ACK exact port=%d count=1000000",
				    port))
				return -1;
		}
		c->fd[0] = socket(AF_TTP, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (c->fd[0] < 0)
			return -1;
		fz_short_timeouts(c->fd[0], ms);
		if (!connect(c->fd[0], (struct sockaddr *)&a, sizeof(a)) ||
		    errno != EINPROGRESS)
			return -1;
		c->lport = ttp_local_port(c->fd[0]);
		c->reached = !strcmp(state_of(c->lport, port), "SYN_SENT");
		if (st == FZ_SYN_RCVD) {
			/* the request sock is on the listener's side */
			c->reached = c->reached &&
				fz_wait(port, c->lport, "SYN_RCVD", 1000);
		}
		return 0;
	default:
		break;
	}

	/* the rest are connections: rules first, for the FINs to come */
	if (st == FZ_FIN_WAIT_1 &&
	    fz_rule("drop dir=out flags=FIN port=%d count=1000000", port))
		return -1;
	if (st == FZ_LAST_ACK &&
	    fz_rule("drop dir=out flags=FIN port=%d skip=1 count=1000000", port))
		return -1;
	if (st == FZ_CLOSING &&
	    fz_rule("drop dir=out flags=FIN port=%d count=1", port))
		return -1;
	if (fz_pair(c, port))
		return -1;
	for (int i = 0; i < 3; i++)
		fz_short_timeouts(c->fd[i], ms);

	switch (st) {
	case FZ_ESTABLISHED:
		c->reached = !strcmp(state_of(c->lport, port), "ESTABLISHED");
		return 0;
	case FZ_FIN_WAIT_1:
		shutdown(c->fd[0], SHUT_WR);
		c->reached = fz_wait(c->lport, port, "FIN_WAIT_1", 500);
		return 0;
	case FZ_FIN_WAIT_2:
		shutdown(c->fd[0], SHUT_WR);
		c->reached = fz_wait(c->lport, port, "FIN_WAIT_2", 2000);
		return 0;
	case FZ_CLOSE_WAIT:
	case FZ_LAST_ACK:
		shutdown(c->fd[0], SHUT_WR);
		fz_wait(c->lport, port, "FIN_WAIT_2", 2000);
		fz_swap_ends(c);
		if (st == FZ_LAST_ACK)
			shutdown(c->fd[0], SHUT_WR);
		c->reached = fz_wait(c->lport, c->rport, fz_state_name[st],
				     2000);
		return 0;
	case FZ_CLOSING:
		/*
		 * The client's FIN is lost, the server's crosses it: the
		 * client is in CLOSING until its FIN gets through, which the
		 * second rule stops.  It races the client's retransmission
		 * timer, so CLOSING is not always reached.
		 */
		shutdown(c->fd[0], SHUT_WR);
		shutdown(c->fd[1], SHUT_WR);
		fz_rule("drop dir=out flags=FIN port=%d count=1000000", port);
		c->reached = fz_wait(c->lport, port, "CLOSING", 500);
		return 0;
	case FZ_TIME_WAIT:
	case FZ_DONE:
		shutdown(c->fd[0], SHUT_WR);
		fz_wait(c->lport, port, "FIN_WAIT_2", 2000);
		shutdown(c->fd[1], SHUT_WR);
		c->reached = fz_wait(c->lport, port, "TIME_WAIT", 2000);
		if (st == FZ_TIME_WAIT) {
			/* nothing but the TIME_WAIT sock is left */
			for (int i = 0; i < 2; i++) {
				close(c->fd[i]);
				c->fd[i] = -1;
			}
		}
		return 0;
	case FZ_RESET: {
		struct linger lin = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(c->fd[1], SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
		close(c->fd[1]);
		c->fd[1] = -1;
		c->reached = fz_wait(c->lport, port, "none", 1000);
		return 0;
	}
	default:
		return -1;
	}
}

/* Close with an RST: nothing of the connection lingers afterwards. */
static inline void fz_abort(int fd)
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
	close(fd);
}

#endif /* _TTP_FUZZ_H */
