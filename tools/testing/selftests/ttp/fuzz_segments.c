// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile input from the wire: hand-built TTP segments, from a raw socket,
 * aimed at sockets on 127.0.0.1 in every state (and at ports with none):
 * every flag combination, sequence and acknowledgment numbers in and out
 * of the window and at its edges (from the connection's real numbers, read
 * in /proc/net/ttp_trace or TTP_INFO), options malformed, truncated,
 * repeated and huge, data offsets from 0 to 15 and beyond the segment, bad
 * checksums, up to 1400 bytes of data.
 *
 * Meanwhile a connection on a port of its own moves data both ways, and
 * every byte must arrive as sent; at the end it closes cleanly, nothing of
 * the fuzzed sockets is left but TIME_WAIT, and the counters of
 * /proc/net/ttp_stats moved as the segments say (each bad checksum in a
 * well-formed header is one InCsumErrors).  The kernel's own checkers fail
 * the VM run on any splat; the round that caused one is in the kernel log.
 *
 *   TTP_FUZZ_SEED=S        the seed (default: from the clock, printed)
 *   TTP_FUZZ_SEGMENTS=N    how many segments (default sized for ~60 s of
 *                          the debug kernel under TCG)
 *   TTP_FUZZ_FIRST=K       start at round K (default 0)
 *   TTP_FUZZ_ONE=K         run round K only
 *   TTP_FUZZ_VERBOSE=1|2   print each round (2: and each segment)
 *   TTP_FUZZ_KMSG_LEVEL=3  the kernel log's marks on the console too
 */
#include <linux/filter.h>
#include <poll.h>
#include <pthread.h>

#include "ttp_fuzz.h"

#define FIN	0x01
#define PSH	0x08
#define URG	0x20

#define PORT_LO		40000	/* targets: one port per round, 40000-40999 */
#define NTARGET_PORTS	1000
#define LIVE_PORT	41500	/* the connection that must stay whole */
#define EMPTY_LO	42000	/* ports with no socket: 42000-42999 */
#define PEER_LO		43000	/* raw peers' ports: 43000-43999 */
#define DEFAULT_SEGMENTS 20000	/* 40-100 s under TCG with KASAN */
#define LIVE_RATE	(128 << 10)	/* bytes per second each way */
#define TRACE_MAX	8192

/* ---- the live connection -------------------------------------------- */

/*
 * What byte off of direction dir is: not periodic at any short stride,
 * so a lost, doubled or shifted piece shows.
 */
static inline uint8_t live_byte(uint64_t off, int dir)
{
	return off + (off >> 8) * 7 + (off >> 16) * 13 + (off >> 24) + dir * 91;
}

struct live_end {
	int fd;
	int dir;			/* of what this end sends */
	pthread_t thread;
	/* shared with the main thread, read and written atomically */
	bool stop;			/* the main thread asks for the end */
	bool done;
	uint64_t sent, rcvd;
	bool eof;
	char error[256];		/* empty while all is well */
};

static void *live_run(void *arg)
{
	static __thread uint8_t out[16384], in[65536];
	struct live_end *e = arg;
	double t0 = fz_now();
	bool shut = false;

	while (!e->error[0] && !(shut && e->eof)) {
		struct pollfd pf = { e->fd, POLLIN, 0 };
		uint64_t allowed = (fz_now() - t0) * LIVE_RATE;
		ssize_t n;

		if (__atomic_load_n(&e->stop, __ATOMIC_ACQUIRE) && !shut) {
			if (shutdown(e->fd, SHUT_WR))
				snprintf(e->error, sizeof(e->error),
					 "shutdown: %s", strerror(errno));
			shut = true;
		}
		if (!shut && e->sent < allowed)
			pf.events |= POLLOUT;
		if (poll(&pf, 1, 20) < 0) {
			snprintf(e->error, sizeof(e->error), "poll: %s",
				 strerror(errno));
			break;
		}
		if (pf.revents & POLLOUT) {
			size_t len = sizeof(out);

			for (size_t i = 0; i < len; i++)
				out[i] = live_byte(e->sent + i, e->dir);
			n = send(e->fd, out, len, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0)
				__atomic_add_fetch(&e->sent, n, __ATOMIC_RELAXED);
			else if (n < 0 && errno != EAGAIN)
				snprintf(e->error, sizeof(e->error),
					 "send after %llu bytes: %s",
					 (unsigned long long)e->sent,
					 strerror(errno));
		}
		if (pf.revents & (POLLIN | POLLERR | POLLHUP)) {
			n = recv(e->fd, in, sizeof(in), MSG_DONTWAIT);
			if (n == 0) {
				e->eof = true;
			} else if (n < 0 && errno != EAGAIN) {
				snprintf(e->error, sizeof(e->error),
					 "recv after %llu bytes: %s",
					 (unsigned long long)e->rcvd,
					 strerror(errno));
			}
			for (ssize_t i = 0; i < n; i++) {
				uint8_t want = live_byte(e->rcvd + i, !e->dir);

				if (in[i] != want) {
					snprintf(e->error, sizeof(e->error),
						 "byte %llu is 0x%02x, not 0x%02x",
						 (unsigned long long)(e->rcvd + i),
						 in[i], want);
					break;
				}
			}
			if (n > 0)
				__atomic_add_fetch(&e->rcvd, n, __ATOMIC_RELAXED);
		}
	}
	__atomic_store_n(&e->done, true, __ATOMIC_RELEASE);
	return NULL;
}

struct live {
	int lfd;
	struct live_end end[2];		/* client, server */
};

static int live_start(struct live *l)
{
	int one = 1;

	memset(l, 0, sizeof(*l));
	l->lfd = listener(LIVE_PORT, 4);
	if (l->lfd < 0)
		return -1;
	l->end[0].fd = connect_to(LIVE_PORT, false);
	if (l->end[0].fd < 0)
		return -1;
	l->end[1].fd = accept(l->lfd, NULL, NULL);
	if (l->end[1].fd < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		setsockopt(l->end[i].fd, SOL_TTP, TTP_NODELAY, &one,
			   sizeof(one));
		l->end[i].dir = i;
		if (pthread_create(&l->end[i].thread, NULL, live_run,
				   &l->end[i]))
			return -1;
	}
	return 0;
}

static uint64_t live_progress(const struct live *l)
{
	return __atomic_load_n(&l->end[0].rcvd, __ATOMIC_RELAXED) +
	       __atomic_load_n(&l->end[1].rcvd, __ATOMIC_RELAXED);
}

static bool live_done(struct live *l)
{
	return __atomic_load_n(&l->end[0].done, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&l->end[1].done, __ATOMIC_ACQUIRE);
}

/* Only once an end is done is its error complete; a started one shows. */
static const char *live_error(const struct live *l)
{
	for (int i = 0; i < 2; i++)
		if (__atomic_load_n(&l->end[i].error[0], __ATOMIC_RELAXED))
			return l->end[i].error;
	return NULL;
}

/*
 * Both ends shut down their sending side and read to the end; each must
 * have read exactly what the other sent.  NULL, or what went wrong.
 */
static const char *live_stop(struct live *l)
{
	static char why[512];
	double end = fz_now() + 60;

	for (int i = 0; i < 2; i++)
		__atomic_store_n(&l->end[i].stop, true, __ATOMIC_RELEASE);
	while (!live_done(l) && fz_now() < end)
		usleep(10000);
	if (!live_done(l)) {
		snprintf(why, sizeof(why),
			 "no end of stream within 60 s: client read %llu of %llu, server %llu of %llu",
			 (unsigned long long)l->end[0].rcvd,
			 (unsigned long long)l->end[1].sent,
			 (unsigned long long)l->end[1].rcvd,
			 (unsigned long long)l->end[0].sent);
		return why;
	}
	for (int i = 0; i < 2; i++)
		pthread_join(l->end[i].thread, NULL);
	if (live_error(l)) {
		snprintf(why, sizeof(why), "%s", live_error(l));
		return why;
	}
	for (int i = 0; i < 2; i++) {
		if (l->end[i].rcvd != l->end[!i].sent) {
			snprintf(why, sizeof(why),
				 "%s read %llu bytes, the other end sent %llu",
				 i ? "server" : "client",
				 (unsigned long long)l->end[i].rcvd,
				 (unsigned long long)l->end[!i].sent);
			return why;
		}
	}
	close(l->end[0].fd);
	close(l->end[1].fd);
	close(l->lfd);
	return NULL;
}

/* ---- targets -------------------------------------------------------- */

enum tgt_state {
	T_LISTEN, T_SYN_SENT, T_SYN_RCVD, T_ESTABLISHED, T_FIN_WAIT_1,
	T_FIN_WAIT_2, T_CLOSE_WAIT, T_LAST_ACK, T_CLOSING, T_TIME_WAIT,
	T_NONE, T_NSTATES
};

static const char * const tgt_name[T_NSTATES] = {
	"LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1",
	"FIN_WAIT_2", "CLOSE_WAIT", "LAST_ACK", "CLOSING", "TIME_WAIT",
	"no socket",
};

static const enum fz_state tgt_make[T_NSTATES] = {
	[T_LISTEN] = FZ_LISTEN, [T_SYN_SENT] = FZ_SYN_SENT,
	[T_ESTABLISHED] = FZ_ESTABLISHED, [T_FIN_WAIT_1] = FZ_FIN_WAIT_1,
	[T_FIN_WAIT_2] = FZ_FIN_WAIT_2, [T_CLOSE_WAIT] = FZ_CLOSE_WAIT,
	[T_LAST_ACK] = FZ_LAST_ACK, [T_CLOSING] = FZ_CLOSING,
	[T_TIME_WAIT] = FZ_TIME_WAIT,
};

/*
 * Where segments go: to tport from pport (the peer's port: the real peer
 * of a connection, a raw peer's, or any), and what the target's numbers
 * are: snd (its next sequence number, what an ACK acknowledges), una,
 * rcv (what it expects next) and its window.
 */
struct target {
	enum tgt_state st;
	struct fz_conn c;
	int fd;				/* the socket in the state, if any */
	int tport, pport;
	bool pport_any;			/* a new peer port for each segment */
	uint32_t snd, una, rcv, wnd;
	bool known;			/* the numbers came from the kernel */
	bool reached;
	/* the one fault rule kept while fuzzing: what it drops of ours */
	bool rule;
	bool rule_exact;
	uint8_t rule_flags;
	int rule_port;
};

/*
 * Replace whatever rules building the state wrote with one that holds it
 * (no count or skip left to run out), so that which of the fuzz's own
 * segments the hook drops is known and the counters can be checked.
 */
static void target_rule(struct target *t, uint8_t flags, bool exact, int port)
{
	char rule[128];

	snprintf(rule, sizeof(rule), "drop dir=out flags=%s%s port=%d count=1000000",
		 flags == SYN ? "SYN" : flags == FIN ? "FIN" : "RST",
		 exact ? " exact" : "", port);
	write_file(TTP_FAULTS, "clear");
	write_file(TTP_FAULTS, rule);
	t->rule = true;
	t->rule_flags = flags;
	t->rule_exact = exact;
	t->rule_port = port;
}

/* Whether the target's rule drops this segment at LOCAL_OUT. */
static bool target_filters(const struct target *t, const uint8_t *pkt,
			   size_t len)
{
	int sport = pkt[0] << 8 | pkt[1], dport = pkt[2] << 8 | pkt[3];
	uint8_t f = pkt[13];

	/* the hook reads no header shorter than 20 bytes */
	if (!t->rule || len < 20 ||
	    (sport != t->rule_port && dport != t->rule_port))
		return false;
	return t->rule_exact ? f == t->rule_flags :
			       (f & t->rule_flags) == t->rule_flags;
}

static struct seg trace_buf[TRACE_MAX];

/*
 * The target's numbers from the last segment it sent (ttp_trace shows
 * dropped segments too), or from TTP_INFO when there is a socket.
 */
static void target_info(struct target *t);

static void target_numbers(struct target *t)
{
	int n = trace(t->tport, trace_buf, TRACE_MAX);

	for (int i = n - 1; i >= 0; i--) {
		const struct seg *s = &trace_buf[i];

		if (s->sport != t->tport ||
		    (!t->pport_any && s->dport != t->pport))
			continue;
		t->snd = s->seq + s->len + !!strchr(s->flags, 'S') +
			 !!strchr(s->flags, 'F');
		t->una = s->seq;
		if (strchr(s->flags, '.'))
			t->rcv = s->ack;
		t->wnd = s->win ? s->win : 1;
		t->known = true;
		break;
	}
	target_info(t);
}

/* The same from TTP_INFO: cheaper, and exact, where there is a socket. */
static void target_info(struct target *t)
{
	if (t->fd >= 0) {
		struct ttp_info info;
		socklen_t len = sizeof(info);

		if (!getsockopt(t->fd, SOL_TTP, TTP_INFO, &info, &len) &&
		    info.snd_nxt) {
			t->snd = info.snd_nxt;
			t->una = info.snd_una;
			t->rcv = info.rcv_nxt;
			t->wnd = info.rcv_wnd ? info.rcv_wnd : 1;
			t->known = true;
		}
	}
}

/*
 * A request sock: a raw peer's SYN to a listener, whose SYN+ACK draws no
 * RST from the raw peer's port (the rule drops it), so the request sock
 * stays in SYN_RCVD for the fuzzing.
 */
static int make_syn_rcvd(int raw, int proto, int port, int peer,
			 struct target *t);

static int raw_fd = -1, proto = IPPROTO_TTP;

static int target_make(struct target *t, enum tgt_state st, int round,
		       struct fz_rng *r)
{
	int port = PORT_LO + round % NTARGET_PORTS;

	memset(t, 0, sizeof(*t));
	t->st = st;
	t->fd = -1;
	for (int i = 0; i < 3; i++)
		t->c.fd[i] = -1;
	t->wnd = 65535;
	t->rcv = fz_next(r);
	t->snd = fz_next(r);
	t->una = t->snd;

	switch (st) {
	case T_NONE:
		t->tport = EMPTY_LO + fz_below(r, 1000);
		t->pport = PEER_LO + fz_below(r, 1000);
		t->reached = true;
		return 0;
	case T_SYN_RCVD:
		t->pport = PEER_LO + round % 1000;
		return make_syn_rcvd(raw_fd, proto, port, t->pport, t);
	default:
		break;
	}
	if (fz_make(tgt_make[st], port, 1000, &t->c))
		return -1;
	t->reached = t->c.reached;
	t->tport = t->c.lport;
	t->pport = t->c.rport;
	t->fd = t->c.fd[0];
	switch (st) {
	case T_SYN_SENT:
		target_rule(t, SYN, true, port);
		break;
	case T_FIN_WAIT_1:
	case T_LAST_ACK:
	case T_CLOSING:
		target_rule(t, FIN, false, port);
		break;
	default:
		break;
	}
	if (st == T_LISTEN) {
		/* SYNs and the rest from many peers, their RSTs dropped */
		t->pport_any = true;
		t->pport = PEER_LO + fz_below(r, 1000);
		if (fz_chance(r, 50))
			target_rule(t, RST, false, port);
	} else if (st == T_TIME_WAIT) {
		t->fd = -1;
	} else if (fz_chance(r, 25) && t->c.fd[1] >= 0) {
		/* the other end of the connection instead */
		int lport = t->tport;

		t->tport = t->pport;
		t->pport = lport;
		t->fd = t->c.fd[1];
	}
	target_numbers(t);
	return 0;
}

static void target_drain(struct target *t)
{
	static uint8_t sink[65536];

	/* what the fuzz got accepted is read, so the window stays open */
	for (int i = 0; i < 2; i++)
		if (t->c.fd[i] >= 0)
			while (recv(t->c.fd[i], sink, sizeof(sink),
				    MSG_DONTWAIT) > 0)
				;
}

static void target_close(struct target *t)
{
	write_file(TTP_FAULTS, "clear");
	/* children a fuzzed handshake completed wait in the accept queue */
	for (int i = 0; i < 3; i++) {
		int fd = t->c.fd[i];

		if (fd < 0)
			continue;
		if (fcntl(fd, F_SETFL, O_NONBLOCK) == 0) {
			int child;

			while ((child = accept(fd, NULL, NULL)) >= 0)
				fz_abort(child);
		}
		fz_abort(fd);
	}
}

/* ---- segments ------------------------------------------------------- */

struct counts {
	unsigned long long sent, not_sent, filtered;
	unsigned long long bad_csum, bad_csum_wellformed;
	unsigned long long short_doff, no_socket;
};

/* One option, appended at o[*n] if it fits in max. */
static void add_option(struct fz_rng *r, const struct target *t, uint8_t *o,
		       int *n, int max)
{
	uint8_t a[40];
	int len = 0, room = max - *n;

	switch (fz_below(r, 14)) {
	case 0:
		a[len++] = 0;			/* EOL */
		break;
	case 1:
	case 2:
		a[len++] = 1;			/* NOP */
		break;
	case 3: {			/* MSS, at the edges */
		static const uint16_t v[] = { 0, 1, 47, 48, 536, 1460, 65535 };
		uint16_t m = fz_chance(r, 80) ? v[fz_below(r, ARRAY_SIZE(v))] :
						fz_next(r);

		a[len++] = 2;
		a[len++] = 4;
		a[len++] = m >> 8;
		a[len++] = m;
		break;
	}
	case 4: {			/* window scale, at and past 14 */
		static const uint8_t v[] = { 0, 1, 7, 14, 15, 255 };

		a[len++] = 3;
		a[len++] = 3;
		a[len++] = fz_chance(r, 80) ? v[fz_below(r, ARRAY_SIZE(v))] :
					      fz_next(r);
		break;
	}
	case 5:
		a[len++] = 4;			/* SACK permitted */
		a[len++] = 2;
		break;
	case 6: {			/* SACK blocks around what was sent */
		int blocks = 1 + fz_below(r, 4);

		a[len++] = 5;
		a[len++] = 2 + 8 * blocks;
		for (int b = 0; b < blocks; b++) {
			uint32_t l = t->una + fz_below(r, 3000) - 1000;
			uint32_t rr = l + fz_below(r, 3000);

			if (fz_chance(r, 20))
				rr = fz_next(r);
			for (int k = 3; k >= 0; k--)
				a[len++] = l >> (8 * k);
			for (int k = 3; k >= 0; k--)
				a[len++] = rr >> (8 * k);
		}
		break;
	}
	case 7:
		a[len++] = 8;			/* timestamps */
		a[len++] = 10;
		fz_bytes(r, a + len, 8);
		len += 8;
		break;
	case 8:
	case 9: {			/* a known kind with a bad length */
		static const uint8_t kind[] = { 2, 3, 4, 5, 8 };
		static const uint8_t bad[] = { 0, 1, 2, 3, 5, 9, 11, 40, 255 };

		a[len++] = kind[fz_below(r, ARRAY_SIZE(kind))];
		a[len++] = bad[fz_below(r, ARRAY_SIZE(bad))];
		fz_bytes(r, a + len, 6);
		len += 2 + fz_below(r, 5);
		break;
	}
	case 10:
	case 11: {			/* a kind nobody knows */
		uint8_t l = fz_chance(r, 70) ? 2 + fz_below(r, 10) :
					       fz_next(r);

		a[len++] = 9 + fz_below(r, 247);
		a[len++] = l;
		fz_bytes(r, a + len, 10);
		len += l >= 2 && l <= 12 ? l - 2 : fz_below(r, 10);
		break;
	}
	case 12:
		/* a kind with no room for its length byte: the last byte */
		if (room == 1)
			a[len++] = 2 + fz_below(r, 7);
		break;
	default:			/* raw bytes */
		len = 1 + fz_below(r, 8);
		fz_bytes(r, a, len);
		break;
	}
	if (len > room)
		len = fz_chance(r, 50) ? room : 0;	/* truncated, or not */
	memcpy(o + *n, a, len);
	*n += len;
}

/* A sequence number around rcv: in the window, at its edges, beyond. */
static uint32_t pick_seq(struct fz_rng *r, const struct target *t,
			 uint32_t len)
{
	uint32_t w = t->wnd ? t->wnd : 1;

	switch (fz_below(r, 14)) {
	case 0: case 1: case 2:
		return t->rcv;
	case 3: return t->rcv - 1;
	case 4: return t->rcv + 1;
	case 5: return t->rcv + w - 1;
	case 6: return t->rcv + w;
	case 7: return t->rcv + w + 1;
	case 8: return t->rcv - len;		/* data that ends at rcv */
	case 9: return t->rcv + fz_below(r, w);
	case 10: return t->rcv - 1 - fz_below(r, 1 << 20);
	case 11: return t->rcv + 0x80000000u;
	case 12: return t->rcv - w;
	default: return fz_next(r);
	}
}

/* An acknowledgment number around what the target sent. */
static uint32_t pick_ack(struct fz_rng *r, const struct target *t)
{
	switch (fz_below(r, 12)) {
	case 0: case 1: case 2:
		return t->snd;
	case 3: return t->snd - 1;
	case 4: return t->snd + 1;
	case 5: return t->una;
	case 6: return t->una - 1;
	case 7: return t->snd + fz_below(r, 1 << 20);
	case 8: return t->una - 1 - fz_below(r, 1 << 20);
	case 9: return t->snd + 0x80000000u;
	case 10: return 0;
	default: return fz_next(r);
	}
}

/* Build one segment for t into pkt; its length.  Counts what it is. */
static size_t build_segment(struct fz_rng *r, const struct target *t,
			    uint8_t *pkt, struct counts *cnt, bool *filtered,
			    char *desc, size_t dsize)
{
	static const uint8_t common[] = {
		ACK, SYN, SYN | ACK, RST, RST | ACK, FIN | ACK, PSH | ACK,
		FIN | PSH | ACK, 0, SYN | FIN, URG | ACK,
	};
	static const uint32_t sizes[] = { 1, 1399, 1400, 536, 48, 65 };
	uint8_t opt[40];
	int optlen = 0, maxopt = 40, doff, hlen;
	uint32_t len, seq, ack, total, sport;
	uint8_t flags;
	uint16_t win, sum;
	uint32_t pseudo_sum;
	uint8_t pseudo[12];

	flags = fz_chance(r, 45) ? common[fz_below(r, ARRAY_SIZE(common))] :
				   fz_below(r, 256);
	/* mostly none or a little; full segments; the sizes at edges */
	len = fz_below(r, 20);
	if (len < 10)
		len = 0;
	else if (len < 15)
		len = fz_below(r, 100);
	else if (len < 19)
		len = 1 + fz_below(r, 1400);
	else
		len = sizes[fz_below(r, ARRAY_SIZE(sizes))];
	seq = pick_seq(r, t, len);
	ack = pick_ack(r, t);
	win = fz_chance(r, 70) ? 65535 : fz_chance(r, 50) ? 0 : fz_next(r);

	if (fz_chance(r, 45)) {
		if (fz_chance(r, 20))
			maxopt = 1 + fz_below(r, 40);
		while (optlen < maxopt && !fz_chance(r, 25))
			add_option(r, t, opt, &optlen, maxopt);
	}
	doff = 5 + (optlen + 3) / 4;
	hlen = doff * 4;
	if (fz_chance(r, 12))
		doff = fz_below(r, 16);		/* 0..15, right or wrong */
	total = hlen + len;

	sport = t->pport_any ? PEER_LO + fz_below(r, 1000) : t->pport;
	memset(pkt, 0, hlen);
	pkt[0] = sport >> 8; pkt[1] = sport;
	pkt[2] = t->tport >> 8; pkt[3] = t->tport;
	for (int k = 0; k < 4; k++) {
		pkt[4 + k] = seq >> (24 - 8 * k);
		pkt[8 + k] = ack >> (24 - 8 * k);
	}
	pkt[12] = doff << 4;
	if (fz_chance(r, 5))
		pkt[12] |= fz_below(r, 16);	/* the reserved bits and NS */
	pkt[13] = flags;
	pkt[14] = win >> 8; pkt[15] = win;
	if (flags & URG || fz_chance(r, 3)) {
		uint16_t up = fz_chance(r, 50) ? len : fz_next(r);

		pkt[18] = up >> 8; pkt[19] = up;
	}
	memcpy(pkt + 20, opt, optlen);
	fz_bytes(r, pkt + hlen, len);

	/* cut short: past the options, into them, into the header itself */
	if (fz_chance(r, 4))
		total = fz_below(r, total + 1);

	memcpy(pseudo, &(struct in_addr){ htonl(INADDR_LOOPBACK) }, 4);
	memcpy(pseudo + 4, &(struct in_addr){ htonl(INADDR_LOOPBACK) }, 4);
	pseudo[8] = 0;
	pseudo[9] = proto;
	pseudo[10] = total >> 8;
	pseudo[11] = total;
	*filtered = target_filters(t, pkt, total);
	if (total >= 18) {
		pseudo_sum = csum_add(0, pseudo, 12);
		sum = csum_fold(csum_add(pseudo_sum, pkt, total));
		if (fz_chance(r, 8)) {
			/* never 0xffff: that would only swap 0 and -0 */
			static const uint16_t flip[] = { 0x5555, 1, 0x8000,
							 0x1234 };

			sum ^= flip[fz_below(r, ARRAY_SIZE(flip))];
			cnt->bad_csum++;
			if (total >= 20 && doff >= 5 && doff * 4 <= total &&
			    !*filtered)
				cnt->bad_csum_wellformed++;
		}
		pkt[16] = sum >> 8;
		pkt[17] = sum;
	}
	if (total >= 20 && doff < 5 && !*filtered)
		cnt->short_doff++;
	if (t->st == T_NONE && total >= 20 && doff >= 5 && doff * 4 <= total)
		cnt->no_socket++;
	if (desc)
		snprintf(desc, dsize,
			 "%d->%d flags 0x%02x seq %u (rcv%+d) ack %u (snd%+d) win %u doff %d opt %d len %u total %u",
			 sport, t->tport, flags, seq, (int)(seq - t->rcv), ack,
			 (int)(ack - t->snd), win, doff, optlen, len, total);
	return total;
}

static int raw_send(const uint8_t *pkt, size_t len)
{
	struct sockaddr_in to = ttp_sockaddr(AF_INET, LO, 0);

	return sendto(raw_fd, pkt, len, 0, (struct sockaddr *)&to,
		      sizeof(to));
}

static int make_syn_rcvd(int raw, int proto, int port, int peer,
			 struct target *t)
{
	uint32_t isn = 0x10000000 + port * 7919;
	struct ttp_raw_seg syn = { .sport = peer, .dport = port, .seq = isn,
				   .flags = SYN, .win = 65535 };

	t->c.fd[2] = listener(port, 16);
	if (t->c.fd[2] < 0)
		return -1;
	t->tport = port;
	t->pport = peer;
	/* the peer's port has no socket: its RST would end the request sock */
	target_rule(t, RST, false, port);
	if (ttp_raw_send(proto, LO, LO, &syn) < 0)
		return -1;
	t->rcv = isn + 1;
	for (int i = 0; i < 50 && !t->known; i++) {
		target_numbers(t);
		if (!t->known)
			usleep(10000);
	}
	t->reached = t->known;
	return 0;
}

/* ---- the test ------------------------------------------------------- */

/* A raw socket of TTP's protocol that sends, and takes in nothing. */
static int raw_socket(int proto)
{
	struct sock_filter nothing[] = { { BPF_RET | BPF_K, 0, 0, 0 } };
	struct sock_fprog prog = { .len = 1, .filter = nothing };
	int fd = socket(AF_INET, SOCK_RAW, proto);

	if (fd >= 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog))) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST(segments)
{
	static const char * const stat[] = {
		"InSegs", "InErrs", "InCsumErrors", "OutRsts", "InRsts",
		"EstabResets", "PassiveOpens", "SynDrops",
	};
	long before[ARRAY_SIZE(stat)], delta[ARRAY_SIZE(stat)];
	uint64_t seed = fz_seed();
	unsigned long long total = fz_env("TTP_FUZZ_SEGMENTS", DEFAULT_SEGMENTS);
	unsigned long long first = fz_env("TTP_FUZZ_FIRST", 0), round;
	bool one = getenv("TTP_FUZZ_ONE") && *getenv("TTP_FUZZ_ONE");
	int verbose = fz_env("TTP_FUZZ_VERBOSE", 0);
	unsigned long long per_state[T_NSTATES] = { 0 };
	unsigned long long reached[T_NSTATES] = { 0 };
	const int extra[] = { LIVE_PORT };
	struct counts cnt = { 0 };
	struct fz_sysctls saved;
	struct live live;
	double t0 = fz_now(), last_check = t0, last_report = t0;
	uint64_t last_progress = 0;
	const char *why = NULL;
	char splat[256], left_why[256];
	unsigned long long splats = 0;
	uint8_t pkt[2048];
	int left;

	if (one) {
		first = fz_env("TTP_FUZZ_ONE", 0);
		total = ~0ULL;
	}
	printf("# seed %llu: TTP_FUZZ_SEED=%llu TTP_FUZZ_FIRST=%llu TTP_FUZZ_SEGMENTS=%llu\n",
	       (unsigned long long)seed, (unsigned long long)seed, first,
	       one ? 0 : total);
	fflush(stdout);

	fz_sysctls_save(&saved);
	/* TIME_WAIT and orphans end soon; a SYN_SENT lasts the round */
	ASSERT_EQ(0, set_sysctl("msl_ms", 500));
	ASSERT_EQ(0, set_sysctl("rto_initial_ms", 300));
	ASSERT_EQ(0, set_sysctl("fin_wait2_timeout_ms", 1000));
	/* a connection the segments wedged gives up in seconds */
	ASSERT_EQ(0, set_sysctl("retries", 5));
	set_sysctl("orphan_retries", 4);
	ASSERT_EQ(0, write_file(TTP_FAULTS, "clear"));
	signal(SIGPIPE, SIG_IGN);
	fz_kmsg_open();

	ASSERT_EQ(0, live_start(&live));
	proto = proto_of(live.lfd);
	raw_fd = raw_socket(proto);
	ASSERT_LE(0, raw_fd);
	for (unsigned int i = 0; i < ARRAY_SIZE(stat); i++)
		before[i] = ttp_stat(stat[i]);

	for (round = first; cnt.sent + cnt.not_sent < total; round++) {
		struct fz_rng r = fz_rng(seed, round);
		enum tgt_state st = round % T_NSTATES;
		unsigned int nseg = 20 + fz_below(&r, 300);
		struct target t;

		if (one && round > first)
			break;
		if (!one && nseg > total - cnt.sent - cnt.not_sent)
			nseg = total - cnt.sent - cnt.not_sent;
		write_file(TTP_TRACE, "clear");
		fz_kmsg_mark("ttp fuzz_segments: seed %llu round %llu %s\n",
			     (unsigned long long)seed, round, tgt_name[st]);
		if (target_make(&t, st, round, &r)) {
			printf("# round %llu: making %s failed: %s\n", round,
			       tgt_name[st], strerror(errno));
			target_close(&t);
			continue;
		}
		per_state[st] += nseg;
		reached[st] += t.reached;
		if (verbose)
			printf("# round %llu: %u segments at %s %d<-%d%s, snd %u rcv %u wnd %u\n",
			       round, nseg, tgt_name[st], t.tport, t.pport,
			       t.reached ? "" : " (state not reached)",
			       t.snd, t.rcv, t.wnd);

		for (unsigned int i = 0; i < nseg; i++) {
			char desc[256];
			bool filtered;
			size_t len = build_segment(&r, &t, pkt, &cnt, &filtered,
						   desc, sizeof(desc));

			if (verbose >= 2)
				printf("#   %s\n", desc);
			if (raw_send(pkt, len) < 0) {
				/* a full queue under load; nothing else */
				ASSERT_TRUE(errno == ENOBUFS || errno == EAGAIN) {
					TH_LOG("sendto: %s", strerror(errno));
				}
				cnt.not_sent++;
			} else {
				cnt.sent++;
				cnt.filtered += filtered;
			}
			if (i % 32 == 31) {
				target_drain(&t);
				target_info(&t);
			}
		}
		target_drain(&t);
		target_close(&t);

		if (fz_kmsg_splat(splat, sizeof(splat), true)) {
			splats++;
			printf("# round %llu (%s) was running: replay with",
			       round, tgt_name[st]);
			printf(" TTP_FUZZ_SEED=%llu TTP_FUZZ_ONE=%llu\n",
			       (unsigned long long)seed, round);
		}
		if (live_error(&live))
			break;
		if (fz_now() - last_report > 60) {
			/* a sign of life in long runs, and where they were */
			printf("# progress: %llu segments, round %llu, %.0f s\n",
			       cnt.sent, round, fz_now() - t0);
			fflush(stdout);
			last_report = fz_now();
		}
		if (fz_now() - last_check > 20) {
			if (live_progress(&live) == last_progress) {
				why = "the live connection moved nothing for 20 s";
				break;
			}
			last_progress = live_progress(&live);
			last_check = fz_now();
		}
	}

	if (!why)
		why = live_stop(&live);
	EXPECT_EQ(NULL, why) {
		TH_LOG("live connection: %s", why);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(stat); i++)
		delta[i] = ttp_stat(stat[i]) - before[i];
	close(raw_fd);
	write_file(TTP_FAULTS, "clear");
	left = fz_wait_clean(PORT_LO, PEER_LO + 999, extra, 1, 30000, left_why,
			     sizeof(left_why));
	fz_sysctls_restore(&saved);

	printf("# %llu segments (%llu more not sent) in %llu rounds, %.1f s, seed %llu\n",
	       cnt.sent, cnt.not_sent, round - first, fz_now() - t0,
	       (unsigned long long)seed);
	for (int s = 0; s < T_NSTATES; s++)
		printf("#   %-11s %8llu segments, state reached in %llu rounds\n",
		       tgt_name[s], per_state[s], reached[s]);
	printf("# live connection: %llu and %llu bytes\n",
	       (unsigned long long)__atomic_load_n(&live.end[0].sent,
						   __ATOMIC_RELAXED),
	       (unsigned long long)__atomic_load_n(&live.end[1].sent,
						   __ATOMIC_RELAXED));
	printf("# dropped by the state's own fault rule: %llu\n",
	       cnt.filtered);
	printf("# bad checksums %llu (%llu in well-formed headers), data offsets under 5: %llu\n",
	       cnt.bad_csum, cnt.bad_csum_wellformed, cnt.short_doff);
	for (unsigned int i = 0; i < ARRAY_SIZE(stat); i++)
		printf("#   %-14s +%ld\n", stat[i], delta[i]);

	EXPECT_EQ(0, splats);
	EXPECT_EQ(0, left) {
		TH_LOG("left behind: %s", left_why);
	}
	/* each segment that reached TTP counted once; the replies too */
	EXPECT_LE(cnt.sent - cnt.filtered, delta[0]);
	/* TTP checks every well-formed header's checksum, as TCP does */
	if (!cnt.not_sent)
		EXPECT_EQ(cnt.bad_csum_wellformed, delta[2]);
	EXPECT_LE(cnt.bad_csum_wellformed + cnt.short_doff, delta[1]);
	if (cnt.no_socket > 100)
		EXPECT_LT(0, delta[3]);
}

/* The harness's timeout follows the count: the default 30 s would not do. */
int main(int argc, char **argv)
{
	unsigned long long total = fz_env("TTP_FUZZ_SEGMENTS", DEFAULT_SEGMENTS);

	_segments_object.timeout = 300 + total / 100;
	return test_harness_run(argc, argv);
}
