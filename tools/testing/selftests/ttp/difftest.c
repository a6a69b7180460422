// SPDX-License-Identifier: GPL-2.0
/*
 * Differential tester: TCP is the oracle.  Random programs of socket calls
 * on a listener, two clients and the sockets accepted from them run once on
 * AF_INET/TCP and once on AF_TTP, on 127.0.0.1 in the same kernel; every
 * observation (return value, errno, byte count, poll and epoll bits,
 * SIGPIPE, the states in /proc/net/tcp or /proc/net/ttp) is written as
 * normalized text and the two texts must be equal.  fuzz_sockapi covers
 * hostile option values on TTP alone; this covers sequences of ordinary
 * calls, the ones a TCP program makes.
 *
 * A program is a list of lines such as
 *
 *	listener listen 1
 *	client connect lport nb
 *	listener accept
 *	accepted send 100 DONTWAIT|NOSIGNAL
 *	wait 100
 *
 * run after an implicit start: "listener" is a socket with SO_REUSEADDR
 * bound to lport, "client" and "client2" are fresh sockets, "accepted" and
 * "accepted2" are empty until accept fills them.  lport, nport (nothing
 * there) and cport (a port for a client to bind, and so connect to itself)
 * are three ports of a block that no other run uses.  Every socket has
 * SO_RCVTIMEO and SO_SNDTIMEO of OP_TIMEO_MS, so a blocking call ends.
 *
 * Normalization, so that only what a TCP program can rely on is compared:
 * ports are named (lport, nport, cport, eph1, ...), fds do not appear;
 * byte counts are exact while every send was taken whole and the bytes in
 * the program stay below what any window or buffer holds (EXACT_BYTES),
 * else a positive count reads "some" and POLLOUT, which then depends on
 * buffer accounting, is left out; SO_RCVBUF/SO_SNDBUF read "default"
 * unless the program set them (TTP's defaults are the core's, not TCP's
 * autotuned ones: module/sysctl.c); /proc's CLOSED lines are left out
 * (TTP lists bound sockets, TCP does not: interface.md); /proc/net/tcp's
 * state numbers become /proc/net/ttp's names, and their queue columns are
 * left out but for a listener's accept queue (TCP's rx_queue counts an
 * unread FIN; the "inq" call, FIONREAD, compares what a program sees).
 * The two runs go at once, in two children.  A mismatch is run twice more:
 * if TCP answers differently, or the first difference is not the same, the
 * program depends on timing and counts as unstable (printed,
 * not a failure).
 *
 * A confirmed mismatch is shrunk (calls dropped one at a time while the
 * same first difference remains) and saved as a case file (the log has
 * it too) in TTP_DIFF_SAVE, by default in the VM tools/vm/run's run
 * directory (TTP_VM_KEEP=1 keeps it), elsewhere /var/tmp/ttp-difftest.
 * The suite replays the case files of difftest.cases/ on every run:
 *
 *	difftest.cases/NAME.case	TCP and TTP must answer the same;
 *	difftest.cases/open/NAME.case	known, not yet fixed: printed as
 *					"# open mismatch", never a failure;
 *	a file with "# deliberate: REASON" must still differ exactly as the
 *	"--- tcp" and "--- ttp" blocks it holds say.
 *
 * Where this kernel's TCP answers otherwise than the case's "--- tcp"
 * block (6.12's TCP does, in two cases recorded on 6.1), the case holds
 * if TTP answers as it was recorded to, and the log shows TCP's answer.
 *
 * A mismatch is known by its first difference reduced to the call's kind
 * and the two results ("recv: -N EINVAL <> recv: -N ENOTCONN"); a random
 * one known from an open or deliberate case is reported and does not fail,
 * a new one fails the test.  make check runs DEFAULT_PROGRAMS of seed 1
 * (about three minutes under TCG with the cases), tools/stress 10000 of a
 * random seed with TTP_STRESS_ONLY=difftest.
 *
 * Environment:
 *	TTP_DIFF_SEED=S       the seed (default 1: make check is repeatable)
 *	TTP_DIFF_PROGRAMS=N   programs to run (default DEFAULT_PROGRAMS)
 *	TTP_DIFF_FIRST=K      start at program K
 *	TTP_DIFF_ONE=K        run program K only, printing both texts
 *	TTP_DIFF_PRINT=1      print the programs, run nothing
 *	TTP_DIFF_CASE=FILE    replay one case file, printing both texts
 *	TTP_DIFF_CASES=DIR    the case directory (default: next to the binary)
 *	TTP_DIFF_SHRINK=0     do not shrink mismatches
 *	TTP_DIFF_SAVE=DIR     where shrunk mismatches go
 *	TTP_DIFF_VERBOSE=1    print every program's texts
 *	TTP_DIFF_FUZZ=1       no comparison: TTP only, TTP_DIFF_THREADS=N
 *	                      threads (default 3) sharing the sockets of one
 *	                      program, checking only that every call returns
 *	                      in time with a sane errno and that the kernel
 *	                      log stays clean (the hostile-input fuzzer's
 *	                      checks, on call sequences)
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <dirent.h>
#include <libgen.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "ttp_fuzz.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define MAXOPS		48
#define MAXTHREADS	8
#define PORT_LO		10000	/* below the ephemeral range */
#define PORTS_PER_RUN	3	/* lport, nport, cport */
#define NBLOCKS		6666	/* 10000-29997: TCP's TIME_WAIT is 60 s */
#define OP_TIMEO_MS	150	/* SO_RCVTIMEO, SO_SNDTIMEO */
#define CALL_SIGNAL_MS	2000	/* a call still blocked then gets EINTR */
#define CALL_SLOW_S	10.0
#define EXACT_BYTES	20000	/* below every window and buffer */
#define EXACT_BYTES_BUF	500	/* the same once SO_RCVBUF/SNDBUF was set */
#define DEFAULT_PROGRAMS 300	/* about 3 minutes under TCG */
#define BIGBUF		(1024 * 1024)
#define TEXT_MAX	(64 * 1024)

enum slot { S_LISTENER, S_CLIENT, S_CLIENT2, S_ACCEPTED, S_ACCEPTED2,
	    NSLOTS, S_NONE = NSLOTS };

static const char * const slot_name[NSLOTS] = {
	"listener", "client", "client2", "accepted", "accepted2",
};

enum op_kind {
	K_SOCKET, K_BIND, K_LISTEN, K_CONNECT, K_ACCEPT, K_SEND, K_RECV,
	K_SHUTDOWN, K_CLOSE, K_LINGER, K_SETBUF, K_GETOPT, K_NODELAY,
	K_POLL, K_EPOLL, K_FORKCLOSE, K_NONBLOCK, K_PEERNAME, K_SOCKNAME,
	K_INQ, K_WAIT, K_NKINDS
};

static const char * const op_name[K_NKINDS] = {
	"socket", "bind", "listen", "connect", "accept", "send", "recv",
	"shutdown", "close", "linger", "setbuf", "getopt", "nodelay",
	"poll", "epoll", "fork-close", "nonblock", "peername", "sockname",
	"inq", "wait",
};

/* How often each kind is drawn. */
static const int op_weight[K_NKINDS] = {
	[K_SOCKET] = 2, [K_BIND] = 2, [K_LISTEN] = 3, [K_CONNECT] = 5,
	[K_ACCEPT] = 5, [K_SEND] = 14, [K_RECV] = 14, [K_SHUTDOWN] = 6,
	[K_CLOSE] = 5, [K_LINGER] = 3, [K_SETBUF] = 2, [K_GETOPT] = 6,
	[K_NODELAY] = 2, [K_POLL] = 8, [K_EPOLL] = 3, [K_FORKCLOSE] = 2,
	[K_NONBLOCK] = 2, [K_PEERNAME] = 2, [K_SOCKNAME] = 2,
	[K_INQ] = 4, [K_WAIT] = 10,
};

/* Ports a call can name, as offsets into the run's block. */
enum target { T_LPORT, T_NPORT, T_CPORT, T_ANY, T_UNSPEC, T_NTARGETS };

static const char * const target_name[T_NTARGETS] = {
	"lport", "nport", "cport", "any", "unspec",
};

static const char * const shut_name[] = { "rd", "wr", "rdwr" };
static const char * const getopt_name[] = {
	"error", "rcvbuf", "sndbuf", "nodelay", "acceptconn",
};

struct flag_name {
	int flag;
	const char *name;
};

static const struct flag_name send_flags[] = {
	{ MSG_DONTWAIT, "DONTWAIT" }, { MSG_NOSIGNAL, "NOSIGNAL" },
	{ MSG_OOB, "OOB" }, { MSG_MORE, "MORE" },
};

static const struct flag_name recv_flags[] = {
	{ MSG_PEEK, "PEEK" }, { MSG_DONTWAIT, "DONTWAIT" },
	{ MSG_WAITALL, "WAITALL" }, { MSG_OOB, "OOB" },
};

/*
 * One call.  a, b: what the kind says (a size, a target, a how, a
 * timeout...), flags for send and recv.  thread: which thread runs it in
 * the fuzz mode; not part of the text.
 */
struct op {
	uint8_t kind, slot, thread;
	int32_t a, b, flags;
};

struct program {
	uint64_t seed, index;
	int nops;
	struct op op[MAXOPS];
};

/* ---- the text of a program ---- */

static void fmt_flags(const struct flag_name *t, int n, int flags, char *out,
		      size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < n; i++)
		if (flags & t[i].flag)
			len += snprintf(out + len, size - len, "%s%s",
					len ? "|" : "", t[i].name);
	if (!len)
		snprintf(out, size, "0");
}

static int parse_flags(const struct flag_name *t, int n, const char *s,
		       int *flags)
{
	char tmp[128], *tok, *save;

	*flags = 0;
	if (!strcmp(s, "0"))
		return 0;
	snprintf(tmp, sizeof(tmp), "%s", s);
	for (tok = strtok_r(tmp, "|", &save); tok;
	     tok = strtok_r(NULL, "|", &save)) {
		int i;

		for (i = 0; i < n && strcmp(tok, t[i].name); i++)
			;
		if (i == n)
			return -1;
		*flags |= t[i].flag;
	}
	return 0;
}

static void fmt_op(const struct op *o, char *out, size_t size)
{
	const char *s = o->slot < NSLOTS ? slot_name[o->slot] : "?";
	const char *k = op_name[o->kind];
	char f[64];

	switch (o->kind) {
	case K_WAIT:
		snprintf(out, size, "wait %d", o->a);
		return;
	case K_BIND:
		snprintf(out, size, "%s %s %s", s, k, target_name[o->a]);
		return;
	case K_CONNECT:
		snprintf(out, size, "%s %s %s%s", s, k, target_name[o->a],
			 o->b ? " nb" : "");
		return;
	case K_ACCEPT:
		snprintf(out, size, "%s %s%s", s, k, o->b ? " nb" : "");
		return;
	case K_LISTEN:
	case K_NODELAY:
	case K_POLL:
	case K_EPOLL:
	case K_NONBLOCK:
		snprintf(out, size, "%s %s %d", s, k, o->a);
		return;
	case K_SEND:
	case K_RECV:
		if (o->kind == K_SEND)
			fmt_flags(send_flags, ARRAY_SIZE(send_flags), o->flags,
				  f, sizeof(f));
		else
			fmt_flags(recv_flags, ARRAY_SIZE(recv_flags), o->flags,
				  f, sizeof(f));
		snprintf(out, size, "%s %s %d %s", s, k, o->a, f);
		return;
	case K_SHUTDOWN:
		snprintf(out, size, "%s %s %s", s, k, shut_name[o->a]);
		return;
	case K_LINGER:
		if (o->a)
			snprintf(out, size, "%s %s on %d", s, k, o->b);
		else
			snprintf(out, size, "%s %s off", s, k);
		return;
	case K_SETBUF:
		snprintf(out, size, "%s %s %s %d", s, k, o->a ? "snd" : "rcv",
			 o->b);
		return;
	case K_GETOPT:
		snprintf(out, size, "%s %s %s", s, k, getopt_name[o->a]);
		return;
	default:
		snprintf(out, size, "%s %s", s, k);
		return;
	}
}

static int lookup(const char * const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return i;
	return -1;
}

/* One line of a case file into o; 0, or -1 if it is not a call. */
static int parse_op(const char *line, struct op *o)
{
	char w[5][64] = { "" }, tmp[512];
	int n = 0;
	char *tok, *save;

	snprintf(tmp, sizeof(tmp), "%s", line);
	for (tok = strtok_r(tmp, " \t\n", &save); tok && n < 5;
	     tok = strtok_r(NULL, " \t\n", &save))
		snprintf(w[n++], sizeof(w[0]), "%s", tok);
	memset(o, 0, sizeof(*o));
	if (n == 2 && !strcmp(w[0], "wait")) {
		o->kind = K_WAIT;
		o->slot = S_NONE;
		o->a = atoi(w[1]);
		return 0;
	}
	if (n < 2)
		return -1;
	o->slot = lookup(slot_name, NSLOTS, w[0]);
	o->kind = lookup(op_name, K_NKINDS, w[1]);
	if (o->slot == (uint8_t)-1 || o->kind == (uint8_t)-1)
		return -1;
	switch (o->kind) {
	case K_BIND:
	case K_CONNECT:
		o->a = lookup(target_name, T_NTARGETS, w[2]);
		o->b = !strcmp(w[3], "nb");
		return o->a < 0 ? -1 : 0;
	case K_ACCEPT:
		o->b = !strcmp(w[2], "nb");
		return 0;
	case K_LISTEN:
	case K_NODELAY:
	case K_POLL:
	case K_EPOLL:
	case K_NONBLOCK:
		o->a = atoi(w[2]);
		return n == 3 ? 0 : -1;
	case K_SEND:
		o->a = atoi(w[2]);
		return parse_flags(send_flags, ARRAY_SIZE(send_flags), w[3],
				   &o->flags);
	case K_RECV:
		o->a = atoi(w[2]);
		return parse_flags(recv_flags, ARRAY_SIZE(recv_flags), w[3],
				   &o->flags);
	case K_SHUTDOWN:
		o->a = lookup(shut_name, 3, w[2]);
		return o->a < 0 ? -1 : 0;
	case K_LINGER:
		o->a = !strcmp(w[2], "on");
		o->b = atoi(w[3]);
		return 0;
	case K_SETBUF:
		o->a = !strcmp(w[2], "snd");
		o->b = atoi(w[3]);
		return 0;
	case K_GETOPT:
		o->a = lookup(getopt_name, ARRAY_SIZE(getopt_name), w[2]);
		return o->a < 0 ? -1 : 0;
	default:
		return 0;
	}
}

static void print_program(const struct program *p, const char *prefix)
{
	char line[128];

	for (int i = 0; i < p->nops; i++) {
		fmt_op(&p->op[i], line, sizeof(line));
		printf("%s%s\n", prefix, line);
	}
}

/* ---- making programs ---- */

static int pick(struct fz_rng *r, const int *weight, int n)
{
	int total = 0, x;

	for (int i = 0; i < n; i++)
		total += weight[i];
	x = fz_below(r, total);
	for (int i = 0; i < n; i++) {
		if (x < weight[i])
			return i;
		x -= weight[i];
	}
	return n - 1;
}

static void add(struct program *p, struct op o)
{
	if (p->nops < MAXOPS)
		p->op[p->nops++] = o;
}

/*
 * A call of kind on a slot; slot_w weighs the slots by what the program
 * made so far, so that few calls go to sockets that do not exist.
 */
static struct op gen_op(struct fz_rng *r, int kind, const int *slot_w)
{
	static const int send_len[] = { 0, 1, 100, 1000, 4000, 65536, 300000 };
	static const int send_len_w[] = { 3, 20, 30, 20, 10, 8, 5 };
	static const int recv_len[] = { 0, 1, 50, 100, 1000, 65536 };
	static const int recv_len_w[] = { 2, 10, 15, 15, 30, 20 };
	static const int backlog[] = { 0, 1, 2, 5, 16 };
	static const int bufs[] = { 1, 1000, 4096, 65536, 1 << 20 };
	static const int target_w[] = { 60, 15, 15, 0, 10 };
	struct op o = { .kind = kind, .slot = pick(r, slot_w, NSLOTS) };

	switch (kind) {
	case K_BIND:
		o.a = fz_chance(r, 60) ? T_CPORT :
		      fz_chance(r, 50) ? T_LPORT : T_ANY;
		break;
	case K_LISTEN:
		o.a = backlog[fz_below(r, ARRAY_SIZE(backlog))];
		break;
	case K_CONNECT:
		o.a = pick(r, target_w, T_NTARGETS);
		o.b = fz_chance(r, 50);
		break;
	case K_ACCEPT:
		o.slot = S_LISTENER;
		o.b = fz_chance(r, 50);
		break;
	case K_SEND:
		o.a = send_len[pick(r, send_len_w, ARRAY_SIZE(send_len))];
		/*
		 * No MSG_OOB: TTP refuses to send urgent data (EOPNOTSUPP),
		 * a difference kept on purpose (README, selftest options).
		 */
		o.flags = (fz_chance(r, 40) ? MSG_DONTWAIT : 0) |
			  (fz_chance(r, 30) ? MSG_NOSIGNAL : 0) |
			  (fz_chance(r, 5) ? MSG_MORE : 0);
		break;
	case K_RECV:
		o.a = recv_len[pick(r, recv_len_w, ARRAY_SIZE(recv_len))];
		o.flags = (fz_chance(r, 25) ? MSG_PEEK : 0) |
			  (fz_chance(r, 50) ? MSG_DONTWAIT : 0) |
			  (fz_chance(r, 15) ? MSG_WAITALL : 0) |
			  (fz_chance(r, 6) ? MSG_OOB : 0);
		break;
	case K_SHUTDOWN:
		o.a = fz_below(r, 3);
		break;
	case K_LINGER:
		o.a = fz_chance(r, 80);
		o.b = fz_chance(r, 60) ? 0 : 1;
		break;
	case K_SETBUF:
		o.a = fz_chance(r, 50);
		o.b = bufs[fz_below(r, ARRAY_SIZE(bufs))];
		break;
	case K_GETOPT:
		o.a = fz_chance(r, 60) ? 0 :
		      (int)fz_below(r, ARRAY_SIZE(getopt_name));
		break;
	case K_NODELAY:
	case K_NONBLOCK:
		o.a = fz_chance(r, 60);
		break;
	case K_POLL:
	case K_EPOLL:
		o.a = fz_chance(r, 40) ? 0 : 100;
		break;
	case K_WAIT:
		o.slot = S_NONE;
		o.a = fz_chance(r, 70) ? 100 : 300;
		break;
	}
	return o;
}

/*
 * Program index of seed: most open a connection first, so that the calls
 * after meet connected sockets, then 3 to 16 calls drawn by weight.
 */
static void gen_program(uint64_t seed, uint64_t index, int nthreads,
			struct program *p)
{
	struct fz_rng r = fz_rng(seed, index);
	int ncalls;

	memset(p, 0, sizeof(*p));
	p->seed = seed;
	p->index = index;
	if (fz_chance(&r, 85)) {
		const int listen_w[NSLOTS] = { 1 };
		struct op o = gen_op(&r, K_LISTEN, listen_w);

		o.slot = S_LISTENER;
		add(p, o);
	}
	if (fz_chance(&r, 15))
		add(p, (struct op){ .kind = K_BIND, .slot = S_CLIENT,
		    .a = T_CPORT });
	if (fz_chance(&r, 80))
		add(p, (struct op){ .kind = K_CONNECT, .slot = S_CLIENT,
		    .a = fz_chance(&r, 85) ? T_LPORT : T_CPORT,
		    .b = fz_chance(&r, 40) });
	if (fz_chance(&r, 25))
		add(p, (struct op){ .kind = K_CONNECT, .slot = S_CLIENT2,
		    .a = T_LPORT, .b = fz_chance(&r, 50) });
	if (fz_chance(&r, 70))
		add(p, (struct op){ .kind = K_ACCEPT, .slot = S_LISTENER,
		    .b = fz_chance(&r, 50) });
	ncalls = 3 + fz_below(&r, 14);
	for (int i = 0; i < ncalls; i++) {
		int slot_w[NSLOTS] = { 10, 35, 5, 5, 1 };
		struct op o;

		/* accepted sockets once an accept was drawn, client2 once used */
		for (int j = 0; j < p->nops; j++) {
			if (p->op[j].kind == K_ACCEPT) {
				slot_w[S_ACCEPTED] = 35;
				slot_w[S_ACCEPTED2] = 5;
			}
			if (p->op[j].slot == S_CLIENT2)
				slot_w[S_CLIENT2] = 15;
		}
		o = gen_op(&r, pick(&r, op_weight, K_NKINDS), slot_w);
		add(p, o);
	}
	for (int i = 0; i < p->nops; i++)
		p->op[i].thread = fz_below(&r, nthreads);
}

/* ---- running a program on one stack ---- */

struct run {
	const struct program *p;
	int family;
	int port;		/* lport; nport and cport follow */
	bool fuzz;
	FILE *out;		/* the observations; NULL: none */
	int fd[NSLOTS];
	bool bufset[NSLOTS][2];	/* SO_RCVBUF, SO_SNDBUF set by the program */
	int extra[16];		/* accepted with both slots full */
	int nextra;
	int eph[8];		/* ports the kernel chose, in order seen */
	int neph;
	long bytes;		/* sent in all, as the calls returned */
	long exact_limit;
	bool overflow;		/* a send was not taken whole */
	int failures;		/* fuzz mode: calls that broke a rule */
};

static sig_atomic_t sigpipes;	/* __atomic: written by a signal handler */
static char *bigbuf;

static void on_sigpipe(int sig)
{
	__atomic_fetch_add(&sigpipes, 1, __ATOMIC_SEQ_CST);
}

static void on_alarm(int sig)
{
	/* only to interrupt the blocked call */
}

static bool exact(const struct run *r)
{
	return !r->overflow && r->bytes <= r->exact_limit;
}

static const char *port_name(struct run *r, int port, char *tmp, size_t size)
{
	if (port == 0)
		return "*";
	if (port >= r->port && port < r->port + PORTS_PER_RUN)
		return target_name[port - r->port];
	for (int i = 0; i < r->neph; i++) {
		if (r->eph[i] == port) {
			snprintf(tmp, size, "eph%d", i + 1);
			return tmp;
		}
	}
	return "eph?";
}

static bool our_port(const struct run *r, int port)
{
	if (port >= r->port && port < r->port + PORTS_PER_RUN)
		return true;
	for (int i = 0; i < r->neph; i++)
		if (r->eph[i] == port)
			return true;
	return false;
}

/* Name the ports the kernel chose, in the order the calls show them. */
static void learn_ports(struct run *r)
{
	for (int s = 0; s < NSLOTS; s++) {
		int fd = __atomic_load_n(&r->fd[s], __ATOMIC_RELAXED), port;

		if (fd < 0)
			continue;
		port = ttp_local_port(fd);
		if (port <= 0 || our_port(r, port) ||
		    r->neph >= (int)ARRAY_SIZE(r->eph))
			continue;
		r->eph[r->neph++] = port;
	}
}

static struct sockaddr_in target_addr(const struct run *r, int t)
{
	struct sockaddr_in a = ttp_sockaddr(r->family, "127.0.0.1",
					    t == T_ANY ? 0 : r->port + t);

	if (t == T_UNSPEC) {
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_UNSPEC;
	}
	return a;
}

static int new_socket(struct run *r)
{
	struct timeval tv = { 0, OP_TIMEO_MS * 1000 };
	int fd = socket(r->family, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static const char *errname(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

/* "some" for a count that depends on buffer accounting. */
static void fmt_count(const struct run *r, long ret, int err, char *out,
		      size_t size)
{
	if (ret < 0)
		snprintf(out, size, "-1 %s", errname(err));
	else if (ret == 0 || exact(r))
		snprintf(out, size, "%ld", ret);
	else
		snprintf(out, size, "some");
}

static void fmt_events(const struct run *r, unsigned int ev, bool epoll,
		       char *out, size_t size)
{
	static const struct { unsigned int bit; const char *name; } t[] = {
		{ POLLIN, "IN" }, { POLLPRI, "PRI" }, { POLLOUT, "OUT" },
		{ POLLERR, "ERR" }, { POLLHUP, "HUP" }, { POLLNVAL, "NVAL" },
		{ POLLRDNORM, "RDNORM" }, { POLLRDBAND, "RDBAND" },
		{ POLLWRNORM, "WRNORM" }, { POLLWRBAND, "WRBAND" },
		{ POLLRDHUP, "RDHUP" },
	};
	size_t len = 0;

	/* room in the send buffer is the stack's own accounting */
	if (!exact(r))
		ev &= ~(POLLOUT | POLLWRNORM | POLLWRBAND);
	out[0] = '\0';
	for (unsigned int i = 0; i < ARRAY_SIZE(t); i++)
		if (ev & t[i].bit)
			len += snprintf(out + len, size - len, "%s%s",
					len ? "|" : "", t[i].name);
	if (!len)
		snprintf(out, size, "0");
}

/*
 * The sockets of the run in /proc/net/tcp or /proc/net/ttp, one sorted
 * line each: local and remote port names, the state in /proc/net/ttp's
 * words, and a listener's accept queue.
 */
static const char * const tcp_state[] = {
	[1] = "ESTABLISHED", "SYN_SENT", "SYN_RCVD", "FIN_WAIT_1",
	"FIN_WAIT_2", "TIME_WAIT", "CLOSED", "CLOSE_WAIT", "LAST_ACK",
	"LISTEN", "CLOSING", "SYN_RCVD",
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

static void dump_states(struct run *r)
{
	static char text[1 << 20];
	char *line, *save, *lines[64];
	int n = 0;

	if (read_file(r->family == AF_INET ? "/proc/net/tcp" : TTP_PROC,
		      text, sizeof(text)) < 0) {
		fprintf(r->out, "  (no /proc file)\n");
		return;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char state[16], t1[16], t2[16], out[96];
		unsigned int la, ra, lp, rp, st, txq, rxq;
		bool listen;

		if (r->family == AF_INET) {
			if (sscanf(line, " %*d: %x:%x %x:%x %x %x:%x", &la, &lp,
				   &ra, &rp, &st, &txq, &rxq) != 7 ||
			    st >= ARRAY_SIZE(tcp_state) || !tcp_state[st])
				continue;
			snprintf(state, sizeof(state), "%s", tcp_state[st]);
		} else {
			unsigned int a[8];

			if (sscanf(line, "%u.%u.%u.%u:%u %u.%u.%u.%u:%u %15s %u %u",
				   &a[0], &a[1], &a[2], &a[3], &lp, &a[4],
				   &a[5], &a[6], &a[7], &rp, state, &txq,
				   &rxq) != 13)
				continue;
		}
		if (!our_port(r, lp) && !our_port(r, rp))
			continue;
		/* TTP lists sockets that are only bound; TCP does not */
		if (!strcmp(state, "CLOSED"))
			continue;
		/*
		 * TCP's rx_queue counts a FIN not yet read as a byte, TTP's
		 * recvq only bytes (interface.md): the "inq" call compares
		 * what a program sees.  A listener's is its accept queue.
		 */
		listen = !strcmp(state, "LISTEN");
		snprintf(out, sizeof(out), "  %s %s %s",
			 port_name(r, lp, t1, sizeof(t1)),
			 port_name(r, rp, t2, sizeof(t2)), state);
		if (listen)
			snprintf(out + strlen(out), sizeof(out) - strlen(out),
				 " acceptq=%u", rxq);
		if (n < (int)ARRAY_SIZE(lines))
			lines[n++] = strdup(out);
	}
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	for (int i = 0; i < n; i++) {
		fprintf(r->out, "%s\n", lines[i]);
		free(lines[i]);
	}
}

static int nodelay_level(const struct run *r)
{
	return r->family == AF_INET ? IPPROTO_TCP : SOL_TTP;
}

/* Put an accepted socket in the first free slot. */
static void store_accepted(struct run *r, int fd)
{
	int exp = -1;

	for (int s = S_ACCEPTED; s <= S_ACCEPTED2; s++) {
		exp = -1;
		if (__atomic_compare_exchange_n(&r->fd[s], &exp, fd, false,
						__ATOMIC_RELAXED,
						__ATOMIC_RELAXED)) {
			/* the listener's buffer sizes come with it */
			r->bufset[s][0] = r->bufset[S_LISTENER][0];
			r->bufset[s][1] = r->bufset[S_LISTENER][1];
			return;
		}
	}
	if (r->nextra < (int)ARRAY_SIZE(r->extra))
		r->extra[r->nextra++] = fd;
	else
		fz_abort(fd);
}

/*
 * Run one call; its result as text in res.  Returns the call's return
 * value (errno set) so that the fuzz mode can judge it.
 */
static long run_op(struct run *r, const struct op *o, char *res, size_t size)
{
	int fd = o->slot < NSLOTS ?
		 __atomic_load_n(&r->fd[o->slot], __ATOMIC_RELAXED) : -1;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	long ret = 0;
	int err = 0, val, fl;
	char t1[16];

	snprintf(res, size, "0");
	errno = 0;
	switch (o->kind) {
	case K_SOCKET:
		if (fd >= 0) {
			snprintf(res, size, "busy");
			return 0;
		}
		fd = new_socket(r);
		if (fd < 0)
			break;
		if (o->slot == S_LISTENER) {
			val = 1;
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &val,
				   sizeof(val));
		}
		memset(r->bufset[o->slot], 0, sizeof(r->bufset[0]));
		__atomic_store_n(&r->fd[o->slot], fd, __ATOMIC_RELAXED);
		return 0;
	case K_BIND:
		a = target_addr(r, o->a);
		ret = bind(fd, (struct sockaddr *)&a, sizeof(a));
		break;
	case K_LISTEN:
		ret = listen(fd, o->a);
		break;
	case K_CONNECT:
		a = target_addr(r, o->a);
		fl = fcntl(fd, F_GETFL);
		if (o->b && fl >= 0)
			fcntl(fd, F_SETFL, fl | O_NONBLOCK);
		ret = connect(fd, (struct sockaddr *)&a, sizeof(a));
		err = errno;
		if (o->b && fl >= 0)
			fcntl(fd, F_SETFL, fl);
		errno = err;
		break;
	case K_ACCEPT:
		fl = fcntl(fd, F_GETFL);
		if (o->b && fl >= 0)
			fcntl(fd, F_SETFL, fl | O_NONBLOCK);
		ret = accept(fd, (struct sockaddr *)&a, &alen);
		err = errno;
		if (o->b && fl >= 0)
			fcntl(fd, F_SETFL, fl);
		errno = err;
		if (ret < 0)
			break;
		store_accepted(r, ret);
		learn_ports(r);
		snprintf(res, size, "ok peer=%s",
			 port_name(r, ntohs(a.sin_port), t1, sizeof(t1)));
		return ret;
	case K_SEND: {
		int before = __atomic_load_n(&sigpipes, __ATOMIC_SEQ_CST);

		ret = send(fd, bigbuf, o->a, o->flags);
		err = errno;
		if (ret != o->a && o->a > 0)
			r->overflow = true;
		if (ret > 0)
			r->bytes += ret;
		fmt_count(r, ret, err, res, size);
		if (__atomic_load_n(&sigpipes, __ATOMIC_SEQ_CST) != before)
			snprintf(res + strlen(res), size - strlen(res),
				 " SIGPIPE");
		errno = err;
		return ret;
	}
	case K_RECV:
		ret = recv(fd, bigbuf, o->a, o->flags);
		fmt_count(r, ret, errno, res, size);
		return ret;
	case K_SHUTDOWN:
		ret = shutdown(fd, o->a);
		break;
	case K_CLOSE:
		if (fd < 0) {
			snprintf(res, size, "-1 EBADF");
			return 0;
		}
		__atomic_store_n(&r->fd[o->slot], -1, __ATOMIC_RELAXED);
		ret = close(fd);
		break;
	case K_LINGER: {
		struct linger l = { .l_onoff = o->a, .l_linger = o->b };

		ret = setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		break;
	}
	case K_SETBUF:
		val = o->b;
		ret = setsockopt(fd, SOL_SOCKET, o->a ? SO_SNDBUF : SO_RCVBUF,
				 &val, sizeof(val));
		if (!ret) {
			r->bufset[o->slot][o->a] = true;
			r->exact_limit = EXACT_BYTES_BUF;
		}
		break;
	case K_GETOPT: {
		static const int opt[] = { SO_ERROR, SO_RCVBUF, SO_SNDBUF, 0,
					   SO_ACCEPTCONN };
		socklen_t len = sizeof(val);

		val = 0;
		if (o->a == 3)
			ret = getsockopt(fd, nodelay_level(r), TCP_NODELAY,
					 &val, &len);
		else
			ret = getsockopt(fd, SOL_SOCKET, opt[o->a], &val, &len);
		if (ret < 0)
			break;
		if (o->a == 0)
			snprintf(res, size, "%s", val ? errname(val) : "0");
		else if ((o->a == 1 || o->a == 2) &&
			 !r->bufset[o->slot][o->a - 1])
			snprintf(res, size, "default");
		else if ((o->a == 1 || o->a == 2) && !exact(r))
			snprintf(res, size, "some");
		else
			snprintf(res, size, "%d", val);
		return 0;
	}
	case K_NODELAY:
		val = o->a;
		ret = setsockopt(fd, nodelay_level(r), TCP_NODELAY, &val,
				 sizeof(val));
		break;
	case K_POLL: {
		struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLPRI |
				      POLLOUT | POLLRDHUP | POLLRDNORM |
				      POLLRDBAND | POLLWRNORM | POLLWRBAND };

		ret = poll(&pfd, 1, o->a);
		if (ret < 0)
			break;
		fmt_events(r, pfd.revents, false, res, size);
		return ret;
	}
	case K_EPOLL: {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLPRI |
					  EPOLLOUT | EPOLLRDHUP |
					  EPOLLRDNORM | EPOLLWRNORM };
		int ep = epoll_create1(EPOLL_CLOEXEC);

		if (ep < 0)
			break;
		ret = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
		if (!ret) {
			memset(&ev, 0, sizeof(ev));
			ret = epoll_wait(ep, &ev, 1, o->a);
		}
		err = errno;
		close(ep);
		errno = err;
		if (ret < 0)
			break;
		fmt_events(r, ret ? ev.events : 0, true, res, size);
		return ret;
	}
	case K_FORKCLOSE: {
		pid_t pid = fork();
		int status;

		if (pid < 0)
			break;
		if (!pid)
			_exit(close(fd) ? 1 : 0);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
			snprintf(res, size, "child died");
			return 0;
		}
		snprintf(res, size, "child close %s",
			 WEXITSTATUS(status) ? "failed" : "ok");
		return 0;
	}
	case K_NONBLOCK:
		fl = fcntl(fd, F_GETFL);
		if (fl < 0) {
			ret = -1;
			break;
		}
		ret = fcntl(fd, F_SETFL, o->a ? fl | O_NONBLOCK :
					       fl & ~O_NONBLOCK);
		break;
	case K_PEERNAME:
	case K_SOCKNAME:
		if (o->kind == K_PEERNAME)
			ret = getpeername(fd, (struct sockaddr *)&a, &alen);
		else
			ret = getsockname(fd, (struct sockaddr *)&a, &alen);
		if (ret < 0)
			break;
		snprintf(res, size, "%s",
			 port_name(r, ntohs(a.sin_port), t1, sizeof(t1)));
		return 0;
	case K_INQ:
		ret = ioctl(fd, FIONREAD, &val);
		if (ret < 0)
			break;
		fmt_count(r, val, 0, res, size);
		return 0;
	case K_WAIT:
		usleep(o->a * 1000);
		return 0;
	}
	if (ret < 0)
		snprintf(res, size, "-1 %s", errname(errno));
	else
		snprintf(res, size, "%ld", ret);
	return ret;
}

/* The start every program has: a bound listener and two fresh clients. */
static void start_run(struct run *r)
{
	int one = 1;

	for (int s = 0; s < NSLOTS; s++)
		r->fd[s] = -1;
	r->exact_limit = EXACT_BYTES;
	r->fd[S_LISTENER] = new_socket(r);
	setsockopt(r->fd[S_LISTENER], SOL_SOCKET, SO_REUSEADDR, &one,
		   sizeof(one));
	if (ttp_bind(r->fd[S_LISTENER], r->family, "127.0.0.1", r->port) &&
	    r->out)
		fprintf(r->out, "start: bind lport: %s\n", errname(errno));
	r->fd[S_CLIENT] = new_socket(r);
	r->fd[S_CLIENT2] = new_socket(r);
}

/* Close everything with an RST: nothing of the run lingers. */
static void end_run(struct run *r)
{
	for (int s = 0; s < NSLOTS; s++)
		fz_abort(r->fd[s]);
	for (int i = 0; i < r->nextra; i++)
		fz_abort(r->extra[i]);
}

/* Whether an errno from a socket call is one a program may see. */
static bool errno_sane(int err)
{
	return err < 512;
}

struct thread_arg {
	struct run *r;
	int thread;
};

/* The calls of one thread (all of them but in the fuzz mode). */
static void *run_calls(void *arg)
{
	struct thread_arg *ta = arg;
	struct run *r = ta->r;
	const struct program *p = r->p;
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID,
				.sigev_signo = SIGALRM };
	struct itimerspec on = {
		.it_value = { CALL_SIGNAL_MS / 1000,
			      CALL_SIGNAL_MS % 1000 * 1000000L },
		.it_interval = { 0, 100000000L },
	}, off = { 0 };
	timer_t timer;
	bool have_timer;

	sev.sigev_notify_thread_id = syscall(SYS_gettid);
	have_timer = !timer_create(CLOCK_MONOTONIC, &sev, &timer);
	for (int i = 0; i < p->nops; i++) {
		const struct op *o = &p->op[i];
		char line[128], res[96];
		double t0 = fz_now();
		long ret;
		int err;

		if (r->fuzz && o->thread != ta->thread)
			continue;
		if (have_timer)
			timer_settime(timer, 0, &on, NULL);
		ret = run_op(r, o, res, sizeof(res));
		err = errno;
		if (have_timer)
			timer_settime(timer, 0, &off, NULL);
		if (!r->fuzz) {
			learn_ports(r);
			fmt_op(o, line, sizeof(line));
			fprintf(r->out, "%s = %s\n", line, res);
			if (o->kind == K_WAIT)
				dump_states(r);
			continue;
		}
		if ((ret < 0 && !errno_sane(err)) ||
		    fz_now() - t0 > CALL_SLOW_S ||
		    ((o->kind == K_SEND || o->kind == K_RECV) && ret > o->a)) {
			fmt_op(o, line, sizeof(line));
			printf("# FAIL: [t%d] %s = %ld %s in %.1f s\n",
			       ta->thread, line, ret, errname(err),
			       fz_now() - t0);
			__atomic_add_fetch(&r->failures, 1, __ATOMIC_RELAXED);
		}
	}
	if (have_timer)
		timer_delete(timer);
	return NULL;
}

/* The child's work: the program on one stack, the text to out. */
static int child_main(const struct program *p, int family, int port,
		      bool fuzz, int nthreads, int outfd)
{
	struct sigaction alrm = { .sa_handler = on_alarm };
	struct sigaction pipe = { .sa_handler = on_sigpipe };
	struct thread_arg ta[MAXTHREADS];
	pthread_t th[MAXTHREADS];
	struct run r = { .p = p, .family = family, .port = port,
			 .fuzz = fuzz };

	sigaction(SIGALRM, &alrm, NULL);	/* no SA_RESTART */
	sigaction(SIGPIPE, &pipe, NULL);
	signal(SIGURG, SIG_IGN);
	if (outfd >= 0)
		r.out = fdopen(outfd, "w");
	start_run(&r);
	if (!fuzz)
		nthreads = 1;
	for (int t = 0; t < nthreads; t++) {
		ta[t] = (struct thread_arg){ &r, t };
		if (t && pthread_create(&th[t], NULL, run_calls, &ta[t]))
			return 2;
	}
	run_calls(&ta[0]);
	for (int t = 1; t < nthreads; t++)
		pthread_join(th[t], NULL);
	if (r.out) {
		/* where the teardown got to once segments had time to pass */
		usleep(100000);
		learn_ports(&r);
		fprintf(r.out, "end\n");
		dump_states(&r);
		fflush(r.out);
	}
	end_run(&r);
	fflush(stdout);
	return r.failures ? 1 : 0;
}

/* ---- running programs on both stacks ---- */

static unsigned long run_counter;	/* a fresh port block per run */

/*
 * Where a test starts in the blocks: a hundred blocks on for each second
 * of the clock, faster than any run uses them, so that a test never meets
 * the TIME_WAIT socks (60 s on TCP) of the test or the invocation before.
 */
static void first_block(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	run_counter = (unsigned long)t.tv_sec * 100 % NBLOCKS;
}

static int nthreads = 3;

static double program_timeout(const struct program *p)
{
	return 30.0 + p->nops * 3.0 * CALL_SIGNAL_MS / 1000.0;
}

struct child {
	pid_t pid;
	int memfd;
	int status;
	bool hung;
};

static void start_child(struct child *c, const struct program *p, int family,
			int port, bool fuzz)
{
	c->memfd = fuzz ? -1 : memfd_create("difftest", 0);
	c->hung = false;
	fflush(stdout);
	c->pid = fork();
	if (!c->pid)
		_exit(child_main(p, family, port, fuzz, nthreads, c->memfd));
}

static void wait_children(struct child *c, int n, double timeout)
{
	double end = fz_now() + timeout;
	int left = n;

	for (int i = 0; i < n; i++)
		if (c[i].pid < 0)
			left--;
	while (left) {
		for (int i = 0; i < n; i++) {
			if (c[i].pid <= 0)
				continue;
			if (waitpid(c[i].pid, &c[i].status, WNOHANG) ==
			    c[i].pid) {
				c[i].pid = 0;
				left--;
			} else if (fz_now() > end) {
				kill(c[i].pid, SIGKILL);
				waitpid(c[i].pid, &c[i].status, 0);
				c[i].hung = true;
				c[i].pid = 0;
				left--;
			}
		}
		if (left)
			usleep(2000);
	}
}

/* The child's text, with how it ended if it did not end well. */
static char *child_text(struct child *c)
{
	char *text = calloc(1, TEXT_MAX + 128);
	ssize_t n = 0;

	if (c->memfd >= 0) {
		n = pread(c->memfd, text, TEXT_MAX, 0);
		close(c->memfd);
	}
	if (n < 0)
		n = 0;
	text[n] = '\0';
	if (c->hung)
		strcat(text, "child: hung, killed\n");
	else if (WIFSIGNALED(c->status))
		sprintf(text + n, "child: killed by signal %d\n",
			WTERMSIG(c->status));
	else if (WEXITSTATUS(c->status))
		sprintf(text + n, "child: exit %d\n", WEXITSTATUS(c->status));
	return text;
}

/*
 * Run p on TCP and on TTP at once (two children: the waits overlap), each
 * on a port block of its own run.
 */
static void run_both(const struct program *p, char **tcp, char **ttp)
{
	int port = PORT_LO + (run_counter++ % NBLOCKS) * PORTS_PER_RUN;
	struct child c[2];

	fz_kmsg_mark("ttp difftest: seed %llu program %llu port %d\n",
		     (unsigned long long)p->seed,
		     (unsigned long long)p->index, port);
	start_child(&c[0], p, AF_INET, port, false);
	start_child(&c[1], p, AF_TTP, port, false);
	wait_children(c, 2, program_timeout(p));
	*tcp = child_text(&c[0]);
	*ttp = child_text(&c[1]);
}

/* The first line where a and b differ, with both versions; false if none. */
static bool first_diff(const char *a, const char *b, char *la, char *lb,
		       size_t size)
{
	while (*a || *b) {
		size_t na = strcspn(a, "\n"), nb = strcspn(b, "\n");

		if (na != nb || strncmp(a, b, na)) {
			snprintf(la, size, "%.*s", (int)na, a);
			snprintf(lb, size, "%.*s", (int)nb, b);
			return true;
		}
		a += na + !!a[na];
		b += nb + !!b[nb];
	}
	return false;
}

/*
 * A call's line reduced to its kind and result ("recv: -N EINVAL"), a
 * state line kept whole, every number as N: mismatches that differ only
 * in sizes, flags or slots count as one, and shrinking keeps to it.
 */
static size_t sig_part(const char *line, char *out, size_t size)
{
	const char *eq = strstr(line, " = ");
	size_t n = 0;

	if (eq && line[0] != ' ') {
		const char *kind = strchr(line, ' ');

		if (!kind || kind > eq)
			kind = line;		/* "wait N = 0" */
		else
			kind++;
		n = snprintf(out, size, "%.*s: ", (int)strcspn(kind, " "),
			     kind);
		line = eq + 3;
	}
	for (const char *s = line; *s && n < size - 2; s++) {
		if (*s >= '0' && *s <= '9') {
			while (s[1] >= '0' && s[1] <= '9')
				s++;
			out[n++] = 'N';
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	return n;
}

static void signature(const char *la, const char *lb, char *out, size_t size)
{
	size_t n = sig_part(la, out, size);

	n += snprintf(out + n, size - n, " <> ");
	if (n < size)
		sig_part(lb, out + n, size - n);
}

enum outcome { SAME, DIFFERS, UNSTABLE };

/*
 * Whether p differs on TTP from TCP, sure of it: a difference must show
 * three times, with TCP's text the same each time.  The first texts and the
 * first difference's signature come back.
 */
static char last_tcp_line[256], last_ttp_line[256];

static enum outcome compare(const struct program *p, char **tcp_out,
			    char **ttp_out, char *sig, size_t size)
{
	char *tcp, *ttp, *tcp2, *ttp2, *la = last_tcp_line, *lb = last_ttp_line;
	enum outcome v = SAME;

	run_both(p, &tcp, &ttp);
	if (first_diff(tcp, ttp, la, lb, sizeof(last_tcp_line))) {
		char la2[256], lb2[256], sig1[600], sig2[600];

		signature(la, lb, sig1, sizeof(sig1));
		/*
		 * The same first difference twice more, on TCP's same text: a
		 * race with a timer (a SYN retransmitted a second after a full
		 * backlog dropped it, near a program's end) can repeat once.
		 */
		v = DIFFERS;
		for (int i = 0; i < 2 && v == DIFFERS; i++) {
			run_both(p, &tcp2, &ttp2);
			if (strcmp(tcp, tcp2) ||
			    !first_diff(tcp2, ttp2, la2, lb2, sizeof(la2)))
				v = UNSTABLE;
			else
				signature(la2, lb2, sig2, sizeof(sig2));
			if (v != UNSTABLE && strcmp(sig1, sig2))
				v = UNSTABLE;
			free(tcp2);
			free(ttp2);
		}
		if (sig)
			snprintf(sig, size, "%s", sig1);
	}
	if (tcp_out)
		*tcp_out = tcp;
	else
		free(tcp);
	if (ttp_out)
		*ttp_out = ttp;
	else
		free(ttp);
	return v;
}

/* ---- case files ---- */

struct casefile {
	char path[512];
	char reason[256];	/* "# deliberate: " */
	struct program p;
	char *tcp, *ttp;	/* the "--- tcp" / "--- ttp" blocks, or NULL */
	char sig[600];		/* of the blocks' first difference */
	bool open;
};

static char *append(char *s, const char *line)
{
	size_t n = s ? strlen(s) : 0;

	s = realloc(s, n + strlen(line) + 2);
	strcpy(s + n, line);
	strcat(s + n, "\n");
	return s;
}

static int load_case(const char *path, bool open, struct casefile *c)
{
	FILE *f = fopen(path, "r");
	char line[512], **block = NULL;
	int lineno = 0;

	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->open = open;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct op o;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "--- tcp")) {
			block = &c->tcp;
			continue;
		}
		if (!strcmp(line, "--- ttp")) {
			block = &c->ttp;
			continue;
		}
		if (block) {
			*block = append(*block, line);
			continue;
		}
		if (!strncmp(line, "# deliberate:", 13)) {
			snprintf(c->reason, sizeof(c->reason), "%s",
				 line + 13 + strspn(line + 13, " "));
			continue;
		}
		if (line[0] == '#' || !line[strspn(line, " \t")])
			continue;
		if (parse_op(line, &o) || c->p.nops >= MAXOPS) {
			printf("# %s:%d: not a call: %s\n", path, lineno, line);
			fflush(stdout);
			fclose(f);
			return -1;
		}
		c->p.op[c->p.nops++] = o;
	}
	fclose(f);
	if (c->tcp && c->ttp) {
		char la[256], lb[256];

		if (first_diff(c->tcp, c->ttp, la, lb, sizeof(la)))
			signature(la, lb, c->sig, sizeof(c->sig));
	}
	return 0;
}

static char cases_dir[512];

static void find_cases_dir(void)
{
	char exe[512];
	const char *dir;
	ssize_t n;

	if (getenv("TTP_DIFF_CASES") && *getenv("TTP_DIFF_CASES")) {
		snprintf(cases_dir, sizeof(cases_dir), "%s",
			 getenv("TTP_DIFF_CASES"));
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n < 0 ? 0 : n] = '\0';
	dir = n > 0 ? dirname(exe) : ".";
	snprintf(cases_dir, sizeof(cases_dir), "%s/difftest.cases", dir);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct casefile *)a)->path,
		      ((const struct casefile *)b)->path);
}

/* The case files of dir (not recursive), sorted; their count or -1. */
static int load_cases(const char *dir, bool open, struct casefile **out,
		      int *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int bad = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[1024];
		size_t len = strlen(e->d_name);

		if (len < 6 || strcmp(e->d_name + len - 5, ".case"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		*out = realloc(*out, (*n + 1) * sizeof(**out));
		if (load_case(path, open, &(*out)[*n]))
			bad++;
		else
			(*n)++;
	}
	closedir(d);
	qsort(*out, *n, sizeof(**out), name_cmp);
	return bad;
}

static void print_text(const char *title, const char *text)
{
	printf("# --- %s\n", title);
	for (const char *s = text; *s;) {
		size_t n = strcspn(s, "\n");

		printf("#   %.*s\n", (int)n, s);
		s += n + !!s[n];
	}
}

/*
 * Replay one case: 0 if it holds.  A case TCP and TTP must agree on gets
 * three tries (a scheduling hiccup is not a difference); a deliberate one
 * must show exactly its recorded texts, also within three tries.  An open
 * case counts as agreeing only if all three tries agree, so that a fix
 * that works only sometimes does not look like one.
 *
 * TCP is the reference, and it is not the same on every kernel: on 6.12
 * its windows grow otherwise and its probe timer runs otherwise than on
 * the 6.1 the cases were recorded on.  When TCP itself answers otherwise
 * than its recorded text (*tcp_moved), the case holds if TTP still
 * answers as recorded: as TCP did (a case they agree on) or as TTP did
 * (a deliberate one).  That keeps a change of TTP's from passing
 * unseen, and the log shows what this kernel's TCP said.
 */
static bool case_holds(const struct casefile *c, const char *tcp,
		       const char *ttp, bool *tcp_moved)
{
	*tcp_moved = !c->open && c->tcp && strcmp(tcp, c->tcp);
	if (c->reason[0])
		return c->tcp && c->ttp && !strcmp(ttp, c->ttp);
	return !strcmp(tcp, ttp) || (*tcp_moved && !strcmp(ttp, c->tcp));
}

static int replay_case(struct casefile *c, bool *still_open)
{
	const char *name = strrchr(c->path, '/') ? strrchr(c->path, '/') + 1 :
						  c->path;
	char *tcp = NULL, *ttp = NULL;
	bool ok = false, tcp_moved = false;

	for (int i = 0; i < 3; i++) {
		free(tcp);
		free(ttp);
		run_both(&c->p, &tcp, &ttp);
		ok = case_holds(c, tcp, ttp, &tcp_moved);
		if (ok != c->open)
			break;
	}
	*still_open = c->open && !ok;
	if (c->open) {
		printf("# %s: %s\n", ok ? "open case now agrees" :
		       "open mismatch", name);
		if (!ok && fz_env("TTP_DIFF_VERBOSE", 0)) {
			print_text("tcp", tcp);
			print_text("ttp", ttp);
		}
	} else if (!ok) {
		printf("# FAIL: case %s: %s\n", name, c->reason[0] ?
		       "the deliberate difference changed" :
		       "TTP answers differently from TCP");
		print_text("tcp", tcp);
		print_text("ttp", ttp);
	} else if (tcp_moved) {
		printf("# case %s: holds; this kernel's TCP answers otherwise than recorded:\n",
		       name);
		print_text("tcp", tcp);
	} else if (c->reason[0]) {
		printf("# case %s: differs as recorded (deliberate: %s)\n",
		       name, c->reason);
	} else {
		printf("# case %s: same\n", name);
	}
	free(tcp);
	free(ttp);
	return c->open || ok ? 0 : 1;
}

/* ---- shrinking and saving ---- */

/* Whether q still differs with the signature sig. */
static bool still_differs(const struct program *q, const char *sig)
{
	char s[600];

	return compare(q, NULL, NULL, s, sizeof(s)) == DIFFERS &&
	       !strcmp(s, sig);
}

static void shrink(struct program *p, const char *sig)
{
	bool progress = true;

	while (progress) {
		progress = false;
		for (int i = p->nops - 1; i >= 0; i--) {
			struct program q = *p;

			memmove(&q.op[i], &q.op[i + 1],
				(q.nops - i - 1) * sizeof(q.op[0]));
			q.nops--;
			if (still_differs(&q, sig)) {
				*p = q;
				progress = true;
			}
		}
	}
}

static void write_text(FILE *f, const char *title, const char *text)
{
	fprintf(f, "--- %s\n%s", title, text);
}

/* Save a shrunk mismatch as a case file; its path. */
/*
 * Where a case goes: TTP_DIFF_SAVE, else in the VM the run directory that
 * tools/vm/run shares with the host (kept with TTP_VM_KEEP=1; the root is
 * read-only there), else /var/tmp/ttp-difftest.
 */
static void save_dir(char *dir, size_t size)
{
	char cmdline[4096], *p;

	if (getenv("TTP_DIFF_SAVE") && *getenv("TTP_DIFF_SAVE")) {
		snprintf(dir, size, "%s", getenv("TTP_DIFF_SAVE"));
		return;
	}
	snprintf(dir, size, "/var/tmp/ttp-difftest");
	if (read_file("/proc/cmdline", cmdline, sizeof(cmdline)) <= 0)
		return;
	p = strstr(cmdline, "ttp_run=");
	if (p)
		snprintf(dir, size, "%.*s/difftest", (int)strcspn(p + 8, "\n "),
			 p + 8);
}

static const char *save_case(const struct program *p, unsigned int orig_ops,
			     const char *sig)
{
	static char path[600];
	char dir[512], *tcp, *ttp, line[128], *text = NULL;
	size_t len = 0;
	FILE *f;

	save_dir(dir, sizeof(dir));
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/s%llu-p%llu.case", dir,
		 (unsigned long long)p->seed, (unsigned long long)p->index);
	/* the log gets the file too, in case the directory is not kept */
	f = open_memstream(&text, &len);
	if (!f)
		return "(not saved)";
	run_both(p, &tcp, &ttp);
	fprintf(f,
		"# found by difftest: TTP_DIFF_SEED=%llu program %llu, shrunk from %u to %d calls\n",
		(unsigned long long)p->seed, (unsigned long long)p->index,
		orig_ops, p->nops);
	fprintf(f, "# first difference (tcp <> ttp): %s\n", sig);
	for (int i = 0; i < p->nops; i++) {
		fmt_op(&p->op[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	write_text(f, "tcp", tcp);
	write_text(f, "ttp", ttp);
	fclose(f);
	free(tcp);
	free(ttp);
	print_text(path, text);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	} else {
		snprintf(path, sizeof(path), "(not saved: %s)",
			 strerror(errno));
	}
	free(text);
	return path;
}

/* ---- the tests ---- */

static struct casefile *known;	/* open and deliberate cases */
static int nknown;

static struct {
	const char *names[4];
	long vals[4];
} saved_sysctls = {
	{ TTP_SYSCTL "msl_ms", TTP_SYSCTL "fin_wait2_timeout_ms",
	  "/proc/sys/net/ipv4/tcp_fin_timeout", NULL },
};

/*
 * Timers the same on both stacks where a program could see them: an
 * orphaned FIN_WAIT_2 ends after 5 s on both.  TCP's TIME_WAIT is 60 s
 * whatever one does, so no program depends on its end (every run has
 * fresh ports); TTP's is cut to 10 s so that the suite can unload it.
 */
static void set_timers(void)
{
	for (int i = 0; saved_sysctls.names[i]; i++)
		saved_sysctls.vals[i] = read_long(saved_sysctls.names[i]);
	set_sysctl("msl_ms", 5000);
	set_sysctl("fin_wait2_timeout_ms", 5000);
	write_file("/proc/sys/net/ipv4/tcp_fin_timeout", "5");
}

static void restore_timers(void)
{
	for (int i = 0; saved_sysctls.names[i]; i++) {
		char v[32];

		if (saved_sysctls.vals[i] < 0)
			continue;
		snprintf(v, sizeof(v), "%ld", saved_sysctls.vals[i]);
		write_file(saved_sysctls.names[i], v);
	}
}

static void setup_buffers(void)
{
	if (bigbuf)
		return;
	bigbuf = mmap(NULL, BIGBUF, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(bigbuf, 'd', BIGBUF);
}

static const char *known_case(const char *sig)
{
	for (int i = 0; i < nknown; i++)
		if (known[i].sig[0] && !strcmp(known[i].sig, sig))
			return known[i].path;
	return NULL;
}

/* A mismatch found in this run: its like later is not shrunk again. */
static void remember(const char *sig, const char *where)
{
	known = realloc(known, (nknown + 1) * sizeof(*known));
	memset(&known[nknown], 0, sizeof(*known));
	snprintf(known[nknown].path, sizeof(known[0].path), "%s", where);
	snprintf(known[nknown].sig, sizeof(known[0].sig), "%s", sig);
	nknown++;
}

TEST(cases)
{
	struct casefile *cases = NULL;
	int n = 0, bad, failed = 0, open = 0, first_open;
	char dir[600];

	if (getenv("TTP_DIFF_ONE") && *getenv("TTP_DIFF_ONE"))
		return;		/* one program only: TEST(programs) */
	setup_buffers();
	find_cases_dir();
	set_timers();
	first_block();
	bad = load_cases(cases_dir, false, &cases, &n);
	ASSERT_LE(0, bad) TH_LOG("no case directory %s", cases_dir);
	first_open = n;
	snprintf(dir, sizeof(dir), "%s/open", cases_dir);
	bad += load_cases(dir, true, &cases, &n) > 0;
	if (getenv("TTP_DIFF_CASE") && *getenv("TTP_DIFF_CASE")) {
		struct casefile one;
		char *tcp, *ttp;

		ASSERT_EQ(0, load_case(getenv("TTP_DIFF_CASE"), false, &one));
		run_both(&one.p, &tcp, &ttp);
		print_text("tcp", tcp);
		print_text("ttp", ttp);
		restore_timers();
		return;
	}
	printf("# %d case files in %s (%d open)\n", n, cases_dir,
	       n - first_open);
	for (int i = 0; i < n; i++) {
		bool still_open;

		failed += replay_case(&cases[i], &still_open);
		open += still_open;
	}
	restore_timers();
	printf("# cases: %d, failed %d, open mismatches %d, unreadable %d\n",
	       n, failed, open, bad);
	EXPECT_EQ(0, failed);
	EXPECT_EQ(0, bad);
}

/* The fuzz mode: TTP only, several threads, no comparison. */
static int fuzz_programs(uint64_t seed, unsigned long long first,
			 unsigned long long count)
{
	int failed = 0;

	for (unsigned long long n = first; n < first + count; n++) {
		int port = PORT_LO + (run_counter++ % NBLOCKS) * PORTS_PER_RUN;
		struct program p;
		struct child c;
		char why[256] = "";

		gen_program(seed, n, nthreads, &p);
		fz_kmsg_mark("ttp difftest fuzz: seed %llu program %llu\n",
			     (unsigned long long)seed, n);
		start_child(&c, &p, AF_TTP, port, true);
		wait_children(&c, 1, program_timeout(&p));
		if (c.hung)
			snprintf(why, sizeof(why), "hung");
		else if (WIFSIGNALED(c.status))
			snprintf(why, sizeof(why), "killed by signal %d",
				 WTERMSIG(c.status));
		else if (WEXITSTATUS(c.status))
			snprintf(why, sizeof(why), "a call broke a rule");
		if (fz_kmsg_splat(why[0] ? NULL : why, sizeof(why), true) &&
		    !why[0])
			snprintf(why, sizeof(why), "kernel splat");
		if (!why[0])
			continue;
		failed++;
		printf("# FAIL: program %llu: %s\n", n, why);
		for (int i = 0; i < p.nops; i++) {
			char line[128];

			fmt_op(&p.op[i], line, sizeof(line));
			printf("#   [t%d] %s\n", p.op[i].thread, line);
		}
	}
	return failed;
}

TEST(programs)
{
	uint64_t seed = fz_env("TTP_DIFF_SEED", 1);
	unsigned long long count = fz_env("TTP_DIFF_PROGRAMS",
					  DEFAULT_PROGRAMS);
	unsigned long long first = fz_env("TTP_DIFF_FIRST", 0);
	bool fuzz = fz_env("TTP_DIFF_FUZZ", 0);
	bool verbose = fz_env("TTP_DIFF_VERBOSE", 0);
	bool do_shrink = fz_env("TTP_DIFF_SHRINK", 1);
	unsigned long long same = 0, differ = 0, unstable = 0, known_n = 0;
	unsigned long long n, fails = 0;
	double t0 = fz_now(), last = t0;
	char dir[600], why[256];
	int left;

	if (getenv("TTP_DIFF_CASE") && *getenv("TTP_DIFF_CASE"))
		return;		/* one case only: TEST(cases) */
	if (getenv("TTP_DIFF_ONE") && *getenv("TTP_DIFF_ONE")) {
		first = fz_env("TTP_DIFF_ONE", 0);
		count = 1;
		verbose = true;
	}
	nthreads = fz_env("TTP_DIFF_THREADS", 3);
	if (nthreads < 1 || nthreads > MAXTHREADS)
		nthreads = 3;
	printf("# seed %llu: TTP_DIFF_SEED=%llu TTP_DIFF_FIRST=%llu TTP_DIFF_PROGRAMS=%llu%s\n",
	       (unsigned long long)seed, (unsigned long long)seed, first,
	       count, fuzz ? " TTP_DIFF_FUZZ=1" : "");
	if (fz_env("TTP_DIFF_PRINT", 0)) {
		for (n = first; n < first + count; n++) {
			struct program p;

			gen_program(seed, n, 1, &p);
			printf("# program %llu:\n", n);
			print_program(&p, "#   ");
		}
		return;
	}
	setup_buffers();
	find_cases_dir();
	snprintf(dir, sizeof(dir), "%s/open", cases_dir);
	load_cases(dir, true, &known, &nknown);
	load_cases(cases_dir, false, &known, &nknown);
	set_timers();
	first_block();
	fz_kmsg_open();
	signal(SIGPIPE, SIG_IGN);

	if (fuzz) {
		fails = fuzz_programs(seed, first, count);
		n = first + count;
		goto out;
	}
	for (n = first; n < first + count; n++) {
		char *tcp, *ttp, sig[600];
		struct program p;
		enum outcome v;
		const char *k;

		gen_program(seed, n, 1, &p);
		if (fz_now() - last > 60) {
			printf("# progress: program %llu, %.0f s\n", n,
			       fz_now() - t0);
			fflush(stdout);
			last = fz_now();
		}
		v = compare(&p, &tcp, &ttp, sig, sizeof(sig));
		if (verbose) {
			printf("# program %llu:\n", n);
			print_program(&p, "#   ");
			print_text("tcp", tcp);
			print_text("ttp", ttp);
		}
		free(tcp);
		free(ttp);
		if (v == SAME) {
			same++;
			continue;
		}
		if (v == UNSTABLE) {
			unstable++;
			fprintf(stdout,
				"# program %llu: TCP or TTP answered differently when run again (timing): %s\n",
				n, sig);
			continue;
		}
		k = known_case(sig);
		if (k && strncmp(k, "program ", 8)) {
			known_n++;
			printf("# program %llu: known mismatch (%s): %s\n", n,
			       k, sig);
			continue;
		}
		if (k) {
			differ++;
			printf("# MISMATCH: program %llu: as %s: %s\n", n, k,
			       sig);
			continue;
		}
		differ++;
		snprintf(why, sizeof(why), "program %llu", n);
		remember(sig, why);
		printf("# MISMATCH: program %llu: tcp \"%s\", ttp \"%s\"\n",
		       n, last_tcp_line, last_ttp_line);
		print_program(&p, "#   ");
		if (do_shrink) {
			unsigned int orig = p.nops;

			shrink(&p, sig);
			printf("# shrunk to %d calls, saved as %s:\n", p.nops,
			       save_case(&p, orig, sig));
			print_program(&p, "#   ");
		}
		printf("# replay: TTP_DIFF_SEED=%llu TTP_DIFF_ONE=%llu\n",
		       (unsigned long long)seed, n);
		fflush(stdout);
	}
out:
	/* orphans finish under the short timers; TIME_WAIT is not counted */
	left = fz_wait_clean(PORT_LO, PORT_LO + NBLOCKS * PORTS_PER_RUN - 1,
			     NULL, 0, 30000, why, sizeof(why));
	restore_timers();
	if (fuzz)
		printf("# %llu programs (fuzz, %d threads) in %.1f s, %llu failed, seed %llu\n",
		       n - first, nthreads, fz_now() - t0, fails,
		       (unsigned long long)seed);
	else
		fprintf(stdout,
			"# %llu programs in %.1f s: %llu same, %llu new mismatches, %llu known, %llu unstable, seed %llu\n",
			n - first, fz_now() - t0, same, differ, known_n,
			unstable, (unsigned long long)seed);
	EXPECT_EQ(0, differ);
	EXPECT_EQ(0, fails);
	EXPECT_EQ(0, left) {
		TH_LOG("left behind: %s", why);
	}
}

/* The harness's timeouts follow the count: the default 30 s would not do. */
int main(int argc, char **argv)
{
	unsigned long long count = fz_env("TTP_DIFF_PROGRAMS",
					  DEFAULT_PROGRAMS);

	/* the harness ends each test with _exit(): nothing may wait in stdio */
	setvbuf(stdout, NULL, _IOLBF, 0);
	_programs_object.timeout = 600 + count * 5;
	_cases_object.timeout = 1200;
	return test_harness_run(argc, argv);
}
