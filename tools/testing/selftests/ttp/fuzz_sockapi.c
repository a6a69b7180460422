// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile input from the socket API: random programs of socket calls on
 * AF_TTP sockets in every state, with option numbers, lengths and values
 * no caller should pass.  Each program runs in a child process of its own,
 * so a call that never returns, or a child that dies, is seen and named;
 * every call must come back with success or an errno a socket may give.
 * What the kernel itself finds (KASAN, lockdep, WARN) fails the VM run,
 * and is tied here to the program that was running from the kernel log.
 *
 * A program is made from (seed, index) alone, so one can be replayed or
 * cut down without the others:
 *
 *   TTP_FUZZ_SEED=S        the seed (default: from the clock, printed)
 *   TTP_FUZZ_PROGRAMS=N    how many programs (default sized for ~60 s of
 *                          the debug kernel under TCG)
 *   TTP_FUZZ_FIRST=K       start at program K (default 0)
 *   TTP_FUZZ_JOBS=J        J programs at once, each worker in a network
 *                          namespace of its own (default 1)
 *   TTP_FUZZ_ONE=K         run program K only
 *   TTP_FUZZ_SHRINK=1      with TTP_FUZZ_ONE: drop calls one at a time
 *                          while the program still fails, print the rest
 *                          as C; a race may need TTP_FUZZ_TRIES=N runs
 *                          of each candidate (default 3)
 *   TTP_FUZZ_VERBOSE=1|2   print each program (2: and each call's result)
 *   TTP_FUZZ_PRINT=1       only print the programs, run nothing
 *   TTP_FUZZ_KMSG_LEVEL=3  the kernel log's marks on the console too
 *
 * A failing program is printed as C-like lines with how to replay it.
 */
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

#include "ttp_fuzz.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif
#ifndef SOL_TCP
#define SOL_TCP 6
#endif

#define NSLOT		10
#define MAXOPS		64
#define MAXTHREADS	4
#define PORT_LO		30000
#define NBLOCKS		1000	/* of 8 ports each: 30000-37999 */
#define LOW_PORT	80	/* below 1024: EACCES without the capability */
#define CALL_SIGNAL_MS	500	/* a blocked call gets a signal this often */
#define CALL_SLOW_S	10.0	/* a call this long ignored its signals */
#define DEFAULT_PROGRAMS 200	/* 50-100 s under TCG with KASAN */

/*
 * How much longer than alone a program may take: with more workers than
 * CPUs, each program has a share of one.  The limits of a call and of a
 * program grow by as much: a call that never returns is caught later,
 * but a busy VM is not taken for a hang.
 */
static double slack = 1.0;

enum op_kind {
	OP_MAKE, OP_SOCKET, OP_SETSOCKOPT, OP_GETSOCKOPT, OP_SEND, OP_RECV,
	OP_SHUTDOWN, OP_DISCONNECT, OP_CONNECT, OP_BIND, OP_LISTEN, OP_ACCEPT,
	OP_IOCTL, OP_POLL, OP_FCNTL, OP_GETNAME, OP_CLOSE, OP_DUP, OP_SLEEP,
	OP_NKINDS
};

/* How often each kind of call is drawn. */
static const int op_weight[OP_NKINDS] = {
	[OP_SOCKET] = 2, [OP_SETSOCKOPT] = 26, [OP_GETSOCKOPT] = 14,
	[OP_SEND] = 10, [OP_RECV] = 10, [OP_SHUTDOWN] = 4,
	[OP_DISCONNECT] = 3, [OP_CONNECT] = 4, [OP_BIND] = 3,
	[OP_LISTEN] = 3, [OP_ACCEPT] = 4, [OP_IOCTL] = 4, [OP_POLL] = 4,
	[OP_FCNTL] = 2, [OP_GETNAME] = 2, [OP_CLOSE] = 3, [OP_DUP] = 1,
	[OP_SLEEP] = 2,
};

/* Everything a call needs is drawn when the program is made. */
struct op {
	uint8_t kind;
	uint8_t thread;
	uint8_t slot, slot2, slot3;	/* fd slots; NONE: no slot */
	int32_t a, b, c, d;		/* what each kind says */
	uint64_t r;			/* seed of the call's random bytes */
};

#define NONE 0xff

struct program {
	uint64_t seed, index;
	int nthreads;
	bool unpriv;
	int port;			/* the first of the program's 8 ports */
	int nops;
	struct op op[MAXOPS];
};

/* Option lengths worth trying: around an int, a struct, the 40 of IP_OPTIONS. */
static const int opt_lens[] = { 0, 1, 2, 3, 4, 5, 8, 16, 40, 41, 100, 4096 };

/* What an option's bytes hold. */
enum {
	V_ZERO, V_MINUS1, V_INTMAX, V_ONE, V_RANDOM, V_SMALL, V_SPECIAL,
	V_NKINDS
};

/* ---- making programs ---------------------------------------------- */

static int pick_kind(struct fz_rng *r)
{
	int total = 0, x;

	for (int k = 0; k < OP_NKINDS; k++)
		total += op_weight[k];
	x = fz_below(r, total);
	for (int k = 0; k < OP_NKINDS; k++) {
		if (x < op_weight[k])
			return k;
		x -= op_weight[k];
	}
	return OP_SLEEP;
}

static int pick_level(struct fz_rng *r)
{
	static const int other[] = { -1, INT_MAX, 41, 255, 256, 263, 299,
				     301, 1000, 0x10000 };
	int x = fz_below(r, 100);

	if (x < 30)
		return SOL_SOCKET;
	if (x < 60)
		return IPPROTO_IP;
	if (x < 80)
		return SOL_TTP;
	if (x < 90)
		return SOL_TCP;
	if (fz_chance(r, 70))
		return other[fz_below(r, ARRAY_SIZE(other))];
	return fz_next(r);
}

static int pick_optname(struct fz_rng *r)
{
	static const int huge[] = { -1, INT_MAX, INT_MIN, 0x10000, 255, 256,
				    1024, 0x7fff };

	if (fz_chance(r, 88))
		return fz_below(r, 101);
	if (fz_chance(r, 70))
		return huge[fz_below(r, ARRAY_SIZE(huge))];
	return fz_next(r);
}

/* A slot with a socket in it most of the time; any slot sometimes. */
static int pick_slot(struct fz_rng *r, int filled)
{
	if (filled && fz_chance(r, 85))
		return fz_below(r, filled);
	return fz_below(r, NSLOT);
}

static void set_op(struct program *p, struct op o)
{
	if (p->nops < MAXOPS)
		p->op[p->nops++] = o;
}

static void gen_program(uint64_t seed, uint64_t index, struct program *p)
{
	struct fz_rng r = fz_rng(seed, index);
	int nmake = 1 + fz_below(&r, 3), filled = 0, ncalls;

	memset(p, 0, sizeof(*p));
	p->seed = seed;
	p->index = index;
	p->nthreads = fz_chance(&r, 25) ? 2 + fz_below(&r, MAXTHREADS - 1) : 1;
	p->unpriv = fz_chance(&r, 25);
	p->port = PORT_LO + (index % NBLOCKS) * 8;

	for (int k = 0; k < nmake; k++) {
		struct op o = { .kind = OP_MAKE, .a = fz_below(&r, FZ_NSTATES),
				.b = k, .slot = filled, .slot2 = filled + 1,
				.slot3 = filled + 2 };
		enum fz_state st = o.a;

		set_op(p, o);
		filled += 3;
		/* the calls that crashed the kernel before: often */
		if ((st == FZ_SYN_SENT || st == FZ_SYN_SENT_LATE ||
		     st == FZ_SYN_RCVD) && fz_chance(&r, 60)) {
			struct op tos = { .kind = OP_SETSOCKOPT,
					  .slot = o.slot, .slot2 = NONE,
					  .slot3 = NONE, .a = IPPROTO_IP,
					  .b = IP_TOS, .c = 4, .d = V_SPECIAL,
					  .r = fz_next(&r) };

			set_op(p, tos);
		}
		if (st >= FZ_SYN_SENT && fz_chance(&r, 40)) {
			/* one draw per statement: the order is the C order */
			int end = fz_below(&r, 2);
			struct op ipopt = { .kind = OP_SETSOCKOPT,
					    .slot = o.slot + end,
					    .slot2 = NONE, .slot3 = NONE,
					    .a = IPPROTO_IP, .b = IP_OPTIONS,
					    .c = -2, .d = V_SPECIAL };

			ipopt.r = fz_next(&r);
			set_op(p, ipopt);
		}
	}

	ncalls = 4 + fz_below(&r, 36);
	for (int i = 0; i < ncalls; i++) {
		struct op o = { .slot2 = NONE, .slot3 = NONE };

		o.kind = pick_kind(&r);
		o.r = fz_next(&r);
		o.thread = fz_below(&r, p->nthreads);
		o.slot = pick_slot(&r, filled);
		switch (o.kind) {
		case OP_SOCKET:
			o.a = fz_below(&r, 8);
			o.b = fz_below(&r, 7);
			break;
		case OP_SETSOCKOPT:
		case OP_GETSOCKOPT:
			o.a = pick_level(&r);
			o.b = pick_optname(&r);
			if (o.kind == OP_GETSOCKOPT && fz_chance(&r, 5))
				o.c = -1;
			else if (fz_chance(&r, 30))
				o.c = -2;	/* the option's own size */
			else
				o.c = opt_lens[fz_below(&r, ARRAY_SIZE(opt_lens))];
			o.d = fz_below(&r, V_NKINDS);
			/* the IP_ options that must not crash: more often */
			if (o.kind == OP_SETSOCKOPT && fz_chance(&r, 8)) {
				o.a = IPPROTO_IP;
				o.b = fz_chance(&r, 50) ? IP_OPTIONS : IP_TOS;
				o.c = -2;
				o.d = V_SPECIAL;
			}
			break;
		case OP_SEND:
		case OP_RECV: {
			static const int lens[] = { 0, 1, 100, 1000, 4096,
						    65536, 200000 };

			o.a = lens[fz_below(&r, ARRAY_SIZE(lens))];
			o.b = fz_chance(&r, 5) ? (int)fz_next(&r) :
						 (int)fz_below(&r, 1 << 9);
			o.c = fz_below(&r, 8);
			break;
		}
		case OP_SHUTDOWN:
			o.a = fz_chance(&r, 85) ? (int)fz_below(&r, 3) :
						  (int)fz_next(&r);
			break;
		case OP_CONNECT:
			o.a = fz_below(&r, 12);
			o.b = fz_chance(&r, 50);
			o.c = fz_below(&r, nmake);
			break;
		case OP_BIND:
			o.a = fz_below(&r, 10);
			break;
		case OP_LISTEN: {
			static const int backlogs[] = { -1, 0, 1, 5, 128,
							INT_MAX };

			o.a = fz_chance(&r, 80) ?
			      backlogs[fz_below(&r, ARRAY_SIZE(backlogs))] :
			      (int)fz_next(&r);
			break;
		}
		case OP_ACCEPT:
			o.slot2 = fz_below(&r, NSLOT);
			o.a = fz_below(&r, 5);
			o.b = fz_chance(&r, 70);
			o.c = fz_below(&r, 4);
			break;
		case OP_IOCTL:
			o.a = fz_below(&r, 10);
			break;
		case OP_POLL:
			o.slot2 = pick_slot(&r, filled);
			o.a = fz_below(&r, 1 << 14);
			o.b = fz_below(&r, 50);
			break;
		case OP_FCNTL:
			o.a = fz_chance(&r, 50);
			break;
		case OP_GETNAME:
			o.a = fz_chance(&r, 50);
			o.b = fz_below(&r, 6);
			break;
		case OP_CLOSE:
			o.a = fz_below(&r, 3);
			break;
		case OP_DUP:
			o.slot2 = fz_below(&r, NSLOT);
			break;
		case OP_SLEEP:
			o.a = 1 + fz_below(&r, 100);
			break;
		}
		set_op(p, o);
	}
}

/* ---- names, for programs printed as C ----------------------------- */

static const char * const so_names[] = {
	[1] = "SO_DEBUG", "SO_REUSEADDR", "SO_TYPE", "SO_ERROR",
	"SO_DONTROUTE", "SO_BROADCAST", "SO_SNDBUF", "SO_RCVBUF",
	"SO_KEEPALIVE", "SO_OOBINLINE", "SO_NO_CHECK", "SO_PRIORITY",
	"SO_LINGER", "SO_BSDCOMPAT", "SO_REUSEPORT", "SO_PASSCRED",
	"SO_PEERCRED", "SO_RCVLOWAT", "SO_SNDLOWAT", "SO_RCVTIMEO_OLD",
	"SO_SNDTIMEO_OLD", "SO_SECURITY_AUTHENTICATION",
	"SO_SECURITY_ENCRYPTION_TRANSPORT", "SO_SECURITY_ENCRYPTION_NETWORK",
	"SO_BINDTODEVICE", "SO_ATTACH_FILTER", "SO_DETACH_FILTER",
	"SO_PEERNAME", "SO_TIMESTAMP_OLD", "SO_ACCEPTCONN", "SO_PEERSEC",
	"SO_SNDBUFFORCE", "SO_RCVBUFFORCE", "SO_PASSSEC",
	"SO_TIMESTAMPNS_OLD", "SO_MARK", "SO_TIMESTAMPING_OLD",
	"SO_PROTOCOL", "SO_DOMAIN", "SO_RXQ_OVFL", "SO_WIFI_STATUS",
	"SO_PEEK_OFF", "SO_NOFCS", "SO_LOCK_FILTER", "SO_SELECT_ERR_QUEUE",
	"SO_BUSY_POLL", "SO_MAX_PACING_RATE", "SO_BPF_EXTENSIONS",
	"SO_INCOMING_CPU", "SO_ATTACH_BPF", "SO_ATTACH_REUSEPORT_CBPF",
	"SO_ATTACH_REUSEPORT_EBPF", "SO_CNX_ADVICE",
	"SCM_TIMESTAMPING_OPT_STATS", "SO_MEMINFO", "SO_INCOMING_NAPI_ID",
	"SO_COOKIE", "SCM_TIMESTAMPING_PKTINFO", "SO_PEERGROUPS",
	"SO_ZEROCOPY", "SO_TXTIME", "SO_BINDTOIFINDEX", "SO_TIMESTAMP_NEW",
	"SO_TIMESTAMPNS_NEW", "SO_TIMESTAMPING_NEW", "SO_RCVTIMEO_NEW",
	"SO_SNDTIMEO_NEW", "SO_DETACH_REUSEPORT_BPF", "SO_PREFER_BUSY_POLL",
	"SO_BUSY_POLL_BUDGET", "SO_NETNS_COOKIE", "SO_BUF_LOCK",
	"SO_RESERVE_MEM", "SO_TXREHASH", "SO_RCVMARK",
};

static const char * const ip_names[] = {
	[1] = "IP_TOS", "IP_TTL", "IP_HDRINCL", "IP_OPTIONS",
	"IP_ROUTER_ALERT", "IP_RECVOPTS", "IP_RETOPTS", "IP_PKTINFO",
	"IP_PKTOPTIONS", "IP_MTU_DISCOVER", "IP_RECVERR", "IP_RECVTTL",
	"IP_RECVTOS", "IP_MTU", "IP_FREEBIND", "IP_IPSEC_POLICY",
	"IP_XFRM_POLICY", "IP_PASSSEC", "IP_TRANSPARENT", "IP_ORIGDSTADDR",
	"IP_MINTTL", "IP_NODEFRAG", "IP_CHECKSUM", "IP_BIND_ADDRESS_NO_PORT",
	"IP_RECVFRAGSIZE", "IP_RECVERR_RFC4884",
	[32] = "IP_MULTICAST_IF", "IP_MULTICAST_TTL", "IP_MULTICAST_LOOP",
	"IP_ADD_MEMBERSHIP", "IP_DROP_MEMBERSHIP", "IP_UNBLOCK_SOURCE",
	"IP_BLOCK_SOURCE", "IP_ADD_SOURCE_MEMBERSHIP",
	"IP_DROP_SOURCE_MEMBERSHIP", "IP_MSFILTER", "MCAST_JOIN_GROUP",
	"MCAST_BLOCK_SOURCE", "MCAST_UNBLOCK_SOURCE", "MCAST_LEAVE_GROUP",
	"MCAST_JOIN_SOURCE_GROUP", "MCAST_LEAVE_SOURCE_GROUP",
	"MCAST_MSFILTER", "IP_MULTICAST_ALL", "IP_UNICAST_IF",
};

static const char * const ttp_names[] = {
	[1] = "TTP_NODELAY", "TTP_MAXSEG", "TTP_CORK", "TTP_KEEPIDLE",
	"TTP_KEEPINTVL", "TTP_KEEPCNT", [11] = "TTP_INFO", "TTP_QUICKACK",
	"TTP_CONGESTION", [18] = "TTP_USER_TIMEOUT",
};

static const char *level_name(int level, char *tmp, size_t size)
{
	switch (level) {
	case SOL_SOCKET:
		return "SOL_SOCKET";
	case IPPROTO_IP:
		return "IPPROTO_IP";
	case SOL_TTP:
		return "SOL_TTP";
	case SOL_TCP:
		return "IPPROTO_TCP";
	}
	snprintf(tmp, size, "%d", level);
	return tmp;
}

static const char *opt_name(int level, int name)
{
	const char * const *t = NULL;
	unsigned int n = 0;

	if (level == SOL_SOCKET) {
		t = so_names;
		n = ARRAY_SIZE(so_names);
	} else if (level == IPPROTO_IP) {
		t = ip_names;
		n = ARRAY_SIZE(ip_names);
	} else if (level == SOL_TTP) {
		t = ttp_names;
		n = ARRAY_SIZE(ttp_names);
	}
	if (t && name >= 0 && (unsigned int)name < n && t[name])
		return t[name];
	return NULL;
}

/* ---- option values ------------------------------------------------- */

/* Filters for SO_ATTACH_FILTER: take everything, take nothing. */
static struct sock_filter accept_all[] = { { BPF_RET | BPF_K, 0, 0, 0xffff } };
static struct sock_filter drop_all[] = { { BPF_RET | BPF_K, 0, 0, 0 } };

/*
 * A value the option means: a valid IP options buffer, a linger, a short
 * timeout, a congestion control name, a filter.  Its length, or -1 for
 * an int of random value.
 */
static int special_value(int level, int name, struct fz_rng *r, uint8_t *v)
{
	/* IP options that ip_options_compile() accepts from a user */
	static const uint8_t ipopts[][12] = {
		{ 1, 1, 1, 0 },				/* NOP NOP NOP EOL */
		{ 7, 11, 4 },				/* record route, 2 slots */
		{ 68, 12, 5, 0 },			/* timestamps only */
		{ 131, 7, 4, 127, 0, 0, 1, 0 },		/* LSRR via 127.0.0.1 */
		{ 137, 7, 4, 127, 0, 0, 2, 0 },		/* SSRR via 127.0.0.2 */
		{ 1, 0, 0, 0 },				/* NOP EOL */
	};
	static const int ipopt_len[] = { 4, 12, 12, 8, 8, 4 };

	if (level == IPPROTO_IP && name == IP_OPTIONS) {
		int i = fz_below(r, ARRAY_SIZE(ipopts));

		memcpy(v, ipopts[i], ipopt_len[i]);
		return ipopt_len[i];
	}
	if (level == IPPROTO_IP &&
	    (name == IP_ADD_MEMBERSHIP || name == IP_DROP_MEMBERSHIP)) {
		struct ip_mreq m = { .imr_multiaddr.s_addr = htonl(0xe0000001),
				     .imr_interface.s_addr = htonl(0x7f000001) };

		memcpy(v, &m, sizeof(m));
		return sizeof(m);
	}
	if (level == SOL_SOCKET && name == SO_LINGER) {
		struct linger l = { .l_onoff = fz_chance(r, 70) };

		l.l_linger = fz_below(r, 2);
		memcpy(v, &l, sizeof(l));
		return sizeof(l);
	}
	if (level == SOL_SOCKET && (name == 20 || name == 21 ||
				    name == 66 || name == 67)) {
		struct timeval tv = { 0, fz_below(r, 300000) };

		memcpy(v, &tv, sizeof(tv));
		return sizeof(tv);
	}
	if (level == SOL_SOCKET && name == SO_BINDTODEVICE) {
		static const char * const dev[] = { "lo", "", "nosuchdev0" };
		const char *d = dev[fz_below(r, ARRAY_SIZE(dev))];

		strcpy((char *)v, d);
		return strlen(d) + 1;
	}
	if (level == SOL_SOCKET && name == SO_ATTACH_FILTER) {
		struct sock_fprog prog = {
			.len = 1,
			.filter = fz_chance(r, 50) ? accept_all : drop_all,
		};

		memcpy(v, &prog, sizeof(prog));
		return sizeof(prog);
	}
	if ((level == SOL_TTP || level == SOL_TCP) && name == 13) {
		static const char * const cc[] = { "cubic", "reno", "",
						   "nosuchcc0123456" };
		const char *c = cc[fz_below(r, ARRAY_SIZE(cc))];

		strcpy((char *)v, c);
		return strlen(c);
	}
	/* an int: a small one, a byte for IP_TOS, sometimes any */
	{
		int x = fz_chance(r, 20) ? (int)fz_next(r) :
					   (int)fz_below(r, 256);

		memcpy(v, &x, sizeof(x));
		return -1;
	}
}

/* The bytes and length a setsockopt or getsockopt op passes. */
static int op_value(const struct op *o, uint8_t *v, size_t size)
{
	struct fz_rng r = fz_rng(o->r, 1);
	int len = o->c, x, slen = -1;

	memset(v, 0, size);
	switch (o->d) {
	case V_MINUS1:
		memset(v, 0xff, size);
		break;
	case V_INTMAX:
		x = INT_MAX;
		memcpy(v, &x, sizeof(x));
		break;
	case V_ONE:
		x = 1;
		memcpy(v, &x, sizeof(x));
		break;
	case V_RANDOM:
		fz_bytes(&r, v, size);
		break;
	case V_SMALL:
		x = fz_below(&r, 256);
		memcpy(v, &x, sizeof(x));
		break;
	case V_SPECIAL:
		slen = special_value(o->a, o->b, &r, v);
		break;
	}
	if (len == -2)		/* the option's own size */
		len = slen >= 0 ? slen : (int)sizeof(int);
	return len;
}

/* ---- running programs ---------------------------------------------- */

static int fds[NSLOT];		/* the child's sockets, shared by its threads */
static uint8_t *bigbuf;		/* what send sends, where recv receives */
#define BIGBUF (256 << 10)
static int memfd = -1;		/* what sendfile sends */
static int verbose;
static const struct program *running;
static pthread_barrier_t start_line;
static int failures;		/* in this child (atomic) */

struct result {
	long ret;
	int err;
	double secs;
};

static int slot_fd(int slot)
{
	return slot < NSLOT ? __atomic_load_n(&fds[slot], __ATOMIC_RELAXED) : -1;
}

static void slot_set(int slot, int fd)
{
	if (slot < NSLOT)
		__atomic_store_n(&fds[slot], fd, __ATOMIC_RELAXED);
}

static void fmt_op(const struct op *o, char *out, size_t size);

static void report(const struct op *o, int i, const struct result *res,
		   const char *why)
{
	char line[512];

	fmt_op(o, line, sizeof(line));
	printf("# program %llu call %d: %s\n#   %s\n#   returned %ld, errno %d (%s), %.2f s\n",
	       (unsigned long long)running->index, i, why, line, res->ret,
	       res->err, res->err ? strerror(res->err) : "-", res->secs);
	fflush(stdout);
	__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
}

/* Errnos a socket call may give; anything else is a finding. */
static bool errno_ok(const struct op *o, int err)
{
	static const int ok[] = {
		EPERM, ENOENT, EINTR, EBADF, EAGAIN, ENOMEM, EACCES, EBUSY,
		EEXIST, ENODEV, EINVAL, ENFILE, EMFILE, ENOTTY, ENOSPC,
		ESPIPE, EPIPE, EDOM, ERANGE, ENOTSOCK, EDESTADDRREQ, EMSGSIZE,
		EPROTOTYPE, ENOPROTOOPT, EPROTONOSUPPORT, ESOCKTNOSUPPORT,
		EOPNOTSUPP, EPFNOSUPPORT, EAFNOSUPPORT, EADDRINUSE,
		EADDRNOTAVAIL, ENETDOWN, ENETUNREACH, ECONNABORTED, ECONNRESET,
		ENOBUFS, EISCONN, ENOTCONN, ETIMEDOUT, ECONNREFUSED,
		EHOSTUNREACH, EALREADY, EINPROGRESS,
		EPROTO,		/* multicast groups on a connection socket */
		ENODATA,	/* SO_PEERGROUPS with no peer credentials */
	};

	if (!err)
		return true;
	/* a pointer inside random option bytes, or in a filter */
	if (err == EFAULT && o->kind == OP_SETSOCKOPT &&
	    (o->d == V_RANDOM || o->d == V_MINUS1 || o->d == V_SPECIAL))
		return true;
	for (unsigned int i = 0; i < ARRAY_SIZE(ok); i++)
		if (err == ok[i])
			return true;
	return false;
}

/* Where a connect op goes: the program's own ports and some odd places. */
static const struct {
	const char *ip;
	int port;	/* offset in the program's ports; -1: 0, -2: LOW_PORT */
	int family;
	socklen_t len;
} connect_to_addr[] = {
	{ LO, 0, AF_TTP, 16 },			/* a listener of the program */
	{ LO, 4, AF_TTP, 16 },			/* a port nobody listens on */
	{ "127.0.0.2", 0, AF_TTP, 16 },
	{ "10.1.2.3", 0, AF_TTP, 16 },		/* no route in the VM */
	{ "224.0.0.1", 0, AF_TTP, 16 },		/* multicast */
	{ "255.255.255.255", 0, AF_TTP, 16 },	/* broadcast */
	{ "0.0.0.0", 0, AF_TTP, 16 },
	{ "127.255.255.255", 0, AF_TTP, 16 },	/* lo's broadcast */
	{ LO, 0, AF_INET6, 28 },
	{ LO, 0, AF_TTP, 4 },			/* too short */
	{ LO, -1, AF_TTP, 16 },
	{ LO, 0, AF_INET, 16 },
}, bind_to_addr[] = {
	{ LO, 5, AF_TTP, 16 },
	{ LO, -1, AF_TTP, 16 },
	{ LO, -2, AF_TTP, 16 },			/* below 1024 */
	{ "127.0.0.2", 5, AF_TTP, 16 },
	{ "10.1.2.3", 5, AF_TTP, 16 },		/* not ours */
	{ "0.0.0.0", 6, AF_TTP, 16 },
	{ LO, 0, AF_TTP, 16 },			/* a listener's port */
	{ LO, 5, AF_UNSPEC, 16 },
	{ LO, 5, AF_TTP, 3 },
	{ "224.0.0.1", 5, AF_TTP, 16 },
};

/* Address what of the table (connect or bind), for the make'th socket. */
static void addr_of(const struct program *p, bool bind, int what, int make,
		    struct sockaddr_in *a, socklen_t *len)
{
	int n = bind ? ARRAY_SIZE(bind_to_addr) : ARRAY_SIZE(connect_to_addr);
	typeof(connect_to_addr[0]) *e = bind ? &bind_to_addr[what % n] :
					       &connect_to_addr[what % n];
	int port = p->port + e->port + (e->port ? 0 : make);

	if (e->port < 0)
		port = e->port == -1 ? 0 : LOW_PORT;

	*a = ttp_sockaddr(e->family, e->ip, port);
	*len = e->len;
}

/* The MSG_* flags that o->b's nine bits pick from f; other values as they are. */
static int msg_flags(const struct op *o, const int f[9])
{
	int flags = 0;

	if (o->b < 0 || o->b >= 1 << 9)
		return o->b;
	for (unsigned int i = 0; i < 9; i++)
		if (o->b & (1 << i))
			flags |= f[i];
	return flags;
}

static int send_flags(const struct op *o)
{
	static const int f[9] = { MSG_DONTWAIT, MSG_OOB, MSG_NOSIGNAL,
				  MSG_MORE, MSG_EOR, MSG_ZEROCOPY,
				  MSG_FASTOPEN, MSG_CONFIRM, MSG_PEEK };

	return msg_flags(o, f);
}

static int recv_flags(const struct op *o)
{
	static const int f[9] = { MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL, MSG_OOB,
				  MSG_TRUNC, MSG_ERRQUEUE, MSG_CMSG_CLOEXEC,
				  MSG_NOSIGNAL, MSG_DONTWAIT };

	return msg_flags(o, f);
}

static long do_make(const struct program *p, const struct op *o)
{
	struct fz_conn c;
	int ret = fz_make(o->a, p->port + o->b, 200, &c);
	const uint8_t slot[3] = { o->slot, o->slot2, o->slot3 };

	for (int i = 0; i < 3; i++) {
		if (slot[i] < NSLOT)
			slot_set(slot[i], c.fd[i]);
		else if (c.fd[i] >= 0)
			close(c.fd[i]);
	}
	if (verbose >= 2)
		printf("#   make %s: %s\n", fz_state_name[o->a],
		       ret ? "failed" : c.reached ? "reached" : "not reached");
	return 0;
}

static long do_sockopt(const struct program *p, const struct op *o, int fd)
{
	static __thread uint8_t v[8192];
	int len = op_value(o, v, 4200);

	if (o->kind == OP_SETSOCKOPT)
		return setsockopt(fd, o->a, o->b, v, len);
	{
		socklen_t l = len;
		long ret = getsockopt(fd, o->a, o->b, v, &l);

		/* what came back must fit what was offered */
		if (!ret && len >= 0 && l > (socklen_t)len) {
			errno = 0;
			return -1000 - (long)l;
		}
		return ret;
	}
}

static long do_send(const struct program *p, const struct op *o, int fd)
{
	int flags = send_flags(o);
	struct sockaddr_in a;
	socklen_t alen;
	struct iovec iov[3] = { { bigbuf, o->a / 2 }, { bigbuf, 0 },
				{ bigbuf + o->a / 2, o->a - o->a / 2 } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 3 };
	union {
		struct cmsghdr h;
		uint8_t b[64];
	} ctl;

	switch (o->c) {
	case 0:
		return send(fd, bigbuf, o->a, flags);
	case 1:
		addr_of(p, false, o->r % 12, 0, &a, &alen);
		return sendto(fd, bigbuf, o->a, flags, (struct sockaddr *)&a,
			      alen);
	case 2:
		return sendmsg(fd, &m, flags);
	case 3:
		return write(fd, bigbuf, o->a);
	case 4:
		return writev(fd, iov, 3);
	case 5: {
		struct fz_rng r = fz_rng(o->r, 2);

		/* a control message TTP does not look at, or nonsense */
		fz_bytes(&r, ctl.b, sizeof(ctl.b));
		ctl.h.cmsg_len = CMSG_LEN(4 + fz_below(&r, 8));
		ctl.h.cmsg_level = fz_chance(&r, 50) ? IPPROTO_IP : SOL_SOCKET;
		ctl.h.cmsg_type = fz_below(&r, 40);
		m.msg_control = &ctl;
		m.msg_controllen = ctl.h.cmsg_len;
		return sendmsg(fd, &m, flags);
	}
	case 6: {
		struct mmsghdr mm[2] = { { .msg_hdr = m }, { .msg_hdr = m } };

		return sendmmsg(fd, mm, 2, flags);
	}
	default: {
		off_t off = 0;

		return sendfile(fd, memfd, &off, o->a);
	}
	}
}

static long do_recv(const struct program *p, const struct op *o, int fd)
{
	int flags = recv_flags(o);
	struct sockaddr_in a;
	socklen_t alen = (o->r >> 8) % 3 ? sizeof(a) : 3;
	struct iovec iov[3] = { { bigbuf, o->a / 2 }, { bigbuf, 0 },
				{ bigbuf + o->a / 2, o->a - o->a / 2 } };
	uint8_t ctl[256];
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 3,
			    .msg_name = &a, .msg_namelen = sizeof(a),
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };

	switch (o->c) {
	case 0:
		return recv(fd, bigbuf, o->a, flags);
	case 1:
		return recvfrom(fd, bigbuf, o->a, flags, (struct sockaddr *)&a,
				&alen);
	case 2:
		return recvmsg(fd, &m, flags);
	case 3:
		return read(fd, bigbuf, o->a);
	case 4:
		return readv(fd, iov, 3);
	case 5: {
		struct mmsghdr mm[2] = { { .msg_hdr = m }, { .msg_hdr = m } };
		struct timespec t = { 0, 50 * 1000000 };

		return recvmmsg(fd, mm, 2, flags, &t);
	}
	default: {
		int pfd[2];
		long ret;

		/* splice: the socket read through the generic pipe path */
		if (pipe2(pfd, O_NONBLOCK))
			return -1;
		ret = splice(fd, NULL, pfd[1], NULL, o->a ? o->a : 1,
			     SPLICE_F_NONBLOCK | (o->c == 7 ? 0 :
						  SPLICE_F_MORE));
		{
			int e = errno;

			close(pfd[0]);
			close(pfd[1]);
			errno = e;
		}
		return ret;
	}
	}
}

static long do_ioctl(const struct op *o, int fd)
{
	/*
	 * Only socket ioctls that act on the socket itself: no interface or
	 * route ioctls (root could take lo down), and no SIOCSPGRP/FIOASYNC
	 * (SIGIO to another process).
	 */
	static const unsigned long cmd[] = {
		SIOCINQ, SIOCOUTQ, SIOCOUTQNSD, FIONBIO, SIOCATMARK,
		SIOCGSTAMP_OLD, SIOCGSTAMPNS_OLD, SIOCGPGRP, 0x89f0,
	};
	int arg[64] = { (int)o->r & 1 };

	/*
	 * SIOCDEVPRIVATE goes on to the device ioctls once TTP declines it:
	 * name a device that exists, or the kernel runs modprobe for
	 * "netdev-<name>", which under TCG can take longer than a call may.
	 */
	if (o->a < (int)ARRAY_SIZE(cmd) && cmd[o->a] == 0x89f0)
		memcpy(arg, "lo", 3);
	if (o->a < (int)ARRAY_SIZE(cmd))
		return ioctl(fd, cmd[o->a], arg);
	/* anything else: an ioctl no socket has (the top bits are TTY's) */
	return ioctl(fd, 0x5400 | (o->r & 0xff) | 0xabcd0000, arg);
}

static long run_op(const struct program *p, const struct op *o,
		   struct result *res)
{
	int fd = slot_fd(o->slot);
	long ret = 0;

	errno = 0;
	switch (o->kind) {
	case OP_MAKE:
		return do_make(p, o);
	case OP_SOCKET: {
		static const int type[] = {
			SOCK_STREAM, SOCK_STREAM | SOCK_NONBLOCK,
			SOCK_STREAM | SOCK_CLOEXEC, SOCK_DGRAM,
			SOCK_SEQPACKET, SOCK_RAW, SOCK_STREAM | 0x400000, 77,
		};
		static const int proto[] = { 0, IPPROTO_TTP, 6, 254, -1, 0,
					     0x10000 };

		ret = socket(AF_TTP, type[o->a], proto[o->b]);
		if (ret >= 0)
			slot_set(o->slot, ret);
		return ret;
	}
	case OP_SETSOCKOPT:
	case OP_GETSOCKOPT:
		return do_sockopt(p, o, fd);
	case OP_SEND:
		return do_send(p, o, fd);
	case OP_RECV:
		return do_recv(p, o, fd);
	case OP_SHUTDOWN:
		return shutdown(fd, o->a);
	case OP_DISCONNECT: {
		struct sockaddr a = { .sa_family = AF_UNSPEC };

		return connect(fd, &a, sizeof(a));
	}
	case OP_CONNECT: {
		struct sockaddr_in a;
		socklen_t len;
		int fl;

		addr_of(p, false, o->a, o->c, &a, &len);
		fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && o->b)
			fcntl(fd, F_SETFL, fl | O_NONBLOCK);
		errno = 0;
		return connect(fd, (struct sockaddr *)&a, len);
	}
	case OP_BIND: {
		struct sockaddr_in a;
		socklen_t len;

		addr_of(p, true, o->a, 0, &a, &len);
		return bind(fd, (struct sockaddr *)&a, len);
	}
	case OP_LISTEN:
		return listen(fd, o->a);
	case OP_ACCEPT: {
		static const int flags[] = { 0, SOCK_NONBLOCK, SOCK_CLOEXEC,
					     SOCK_NONBLOCK | SOCK_CLOEXEC,
					     0x40 };
		struct sockaddr_in a;
		socklen_t len = o->c == 2 ? 0 : o->c == 3 ? 3 : sizeof(a);
		int fl = fcntl(fd, F_GETFL);

		if (fl >= 0 && o->b)
			fcntl(fd, F_SETFL, fl | O_NONBLOCK);
		errno = 0;
		ret = accept4(fd, o->c ? (struct sockaddr *)&a : NULL,
			      o->c ? &len : NULL, flags[o->a]);
		if (ret >= 0)
			slot_set(o->slot2, ret);
		return ret;
	}
	case OP_IOCTL:
		return do_ioctl(o, fd);
	case OP_POLL: {
		struct pollfd pf[2] = { { fd, o->a, 0 },
					{ slot_fd(o->slot2), o->a, 0 } };

		ret = poll(pf, 2, o->b);
		for (int i = 0; ret > 0 && i < 2; i++) {
			short may = o->a | POLLERR | POLLHUP | POLLNVAL;

			if (pf[i].revents & ~may) {
				errno = 0;
				return -2000 - pf[i].revents;
			}
		}
		return ret;
	}
	case OP_FCNTL: {
		int fl = fcntl(fd, F_GETFL);

		if (fl < 0)
			return fl;
		return fcntl(fd, F_SETFL,
			     o->a ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
	}
	case OP_GETNAME: {
		static const int lens[] = { 0, 2, 8, 16, 128, 1 };
		uint8_t a[128];
		socklen_t len = lens[o->b];

		ret = o->a ? getsockname(fd, (struct sockaddr *)a, &len) :
			     getpeername(fd, (struct sockaddr *)a, &len);
		/* the full length comes back even when cut short: at most 16 */
		if (!ret && len > 16) {
			errno = 0;
			return -1000 - (long)len;
		}
		return ret;
	}
	case OP_CLOSE: {
		struct linger lin = { 1, o->a - 1 };

		if (o->a && fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
		errno = 0;
		ret = close(fd);
		if (!ret)
			slot_set(o->slot, -1);
		return ret;
	}
	case OP_DUP:
		ret = dup(fd);
		if (ret >= 0)
			slot_set(o->slot2, ret);
		return ret;
	case OP_SLEEP:
		usleep(o->a * 1000);
		return 0;
	}
	return 0;
}

/* The most a send or recv op may return. */
static long most_bytes(const struct op *o)
{
	/* sendmmsg and recvmmsg count messages, of 2 */
	if ((o->kind == OP_SEND && o->c == 6) ||
	    (o->kind == OP_RECV && o->c == 5))
		return 2;
	/* splice asks for a byte at least */
	if (o->kind == OP_RECV && o->c >= 6 && !o->a)
		return 1;
	return o->a;
}

static void on_alarm(int sig)
{
	/* only to interrupt the blocked call */
}

struct thread_arg {
	const struct program *p;
	int thread;
};

/* Each call of the thread's share, under a timer that interrupts it. */
static void *run_thread(void *arg)
{
	const struct thread_arg *ta = arg;
	const struct program *p = ta->p;
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID,
				.sigev_signo = SIGALRM };
	struct itimerspec on = {
		.it_value = { 0, CALL_SIGNAL_MS * 1000000L },
		.it_interval = { 0, CALL_SIGNAL_MS * 1000000L },
	}, off = { 0 };
	timer_t timer;

	sev.sigev_notify_thread_id = syscall(SYS_gettid);
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer)) {
		perror("timer_create");
		__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
		return NULL;
	}
	if (p->nthreads > 1)
		pthread_barrier_wait(&start_line);
	for (int i = 0; i < p->nops; i++) {
		const struct op *o = &p->op[i];
		struct result res;
		double t0;

		if (o->kind == OP_MAKE || o->thread != ta->thread)
			continue;
		timer_settime(timer, 0, &on, NULL);
		t0 = fz_now();
		res.ret = run_op(p, o, &res);
		res.err = res.ret < 0 ? errno : 0;
		res.secs = fz_now() - t0;
		timer_settime(timer, 0, &off, NULL);

		if (verbose >= 2) {
			char line[512];

			fmt_op(o, line, sizeof(line));
			printf("#   %s = %ld%s%s\n", line, res.ret,
			       res.err ? " " : "",
			       res.err ? strerror(res.err) : "");
		}
		if (res.ret <= -2000 && res.err == 0)
			report(o, i, &res, "poll bits nobody asked for");
		else if (res.ret <= -1000 && res.err == 0)
			report(o, i, &res, "a length longer than offered");
		else if (res.err >= 512)
			report(o, i, &res, "an errno of the kernel's own");
		else if (!errno_ok(o, res.err))
			report(o, i, &res, "an errno no socket call gives");
		else if ((o->kind == OP_SEND || o->kind == OP_RECV) &&
			 res.ret > most_bytes(o))
			report(o, i, &res, "more bytes than asked for");
		if (res.secs > CALL_SLOW_S * slack)
			report(o, i, &res, "the call ignored its signals");
	}
	timer_delete(timer);
	return NULL;
}

/* The child: sockets first (as root), then the calls; exit 0 if all fine. */
static int child_main(const struct program *p)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct thread_arg ta[MAXTHREADS];
	pthread_t th[MAXTHREADS];

	running = p;
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: calls come back */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGURG, SIG_IGN);
	signal(SIGIO, SIG_IGN);
	for (int i = 0; i < NSLOT; i++)
		fds[i] = -1;

	for (int i = 0; i < p->nops; i++)
		if (p->op[i].kind == OP_MAKE)
			do_make(p, &p->op[i]);

	if (p->unpriv &&
	    (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	     setresuid(65534, 65534, 65534))) {
		perror("dropping to uid 65534");
		return 2;
	}

	if (p->nthreads > 1)
		pthread_barrier_init(&start_line, NULL, p->nthreads);
	for (int t = 0; t < p->nthreads; t++) {
		ta[t] = (struct thread_arg){ p, t };
		if (t && pthread_create(&th[t], NULL, run_thread, &ta[t])) {
			perror("pthread_create");
			return 2;
		}
	}
	run_thread(&ta[0]);
	for (int t = 1; t < p->nthreads; t++)
		pthread_join(th[t], NULL);
	fflush(stdout);
	return __atomic_load_n(&failures, __ATOMIC_RELAXED) ? 1 : 0;
}

enum verdict { PASS, FAIL_CALLS, FAIL_EXIT, FAIL_SIGNAL, FAIL_HANG,
	       FAIL_SPLAT };

static const char * const verdict_name[] = {
	"pass", "a call gave a wrong answer", "the child exited badly",
	"the child died of a signal", "the child hung",
	"the kernel splatted",
};

static double program_timeout(const struct program *p)
{
	/* each call returns by its signal at worst; TCG is slow */
	return slack * (20.0 + p->nops * 3.0 * CALL_SIGNAL_MS / 1000.0);
}

/* Run one program in a child; clear the fault rules it wrote. */
static enum verdict run_program(const struct program *p, char *why,
				size_t size)
{
	double end = fz_now() + program_timeout(p);
	enum verdict v = PASS;
	int status = 0;
	pid_t pid;

	why[0] = '\0';
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		snprintf(why, size, "fork: %s", strerror(errno));
		return FAIL_EXIT;
	}
	if (!pid)
		_exit(child_main(p));
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (fz_now() > end) {
			snprintf(why, size, "still running after %.0f s",
				 program_timeout(p));
			v = FAIL_HANG;
			kill(pid, SIGKILL);
			/* a task stuck in the kernel may not even die */
			for (int i = 0; i < 100 && waitpid(pid, &status,
							   WNOHANG) != pid; i++)
				usleep(100000);
			break;
		}
		usleep(2000);
	}
	if (v == PASS && WIFSIGNALED(status)) {
		snprintf(why, size, "signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
		v = FAIL_SIGNAL;
	} else if (v == PASS && WIFEXITED(status) && WEXITSTATUS(status) == 1) {
		v = FAIL_CALLS;
	} else if (v == PASS && WIFEXITED(status) && WEXITSTATUS(status)) {
		snprintf(why, size, "exit %d", WEXITSTATUS(status));
		v = FAIL_EXIT;
	}
	write_file(TTP_FAULTS, "clear");
	if (fz_kmsg_splat(v == PASS ? why : NULL, size, true) && v == PASS)
		v = FAIL_SPLAT;
	return v;
}

/* ---- printing programs as C ---------------------------------------- */

static void fmt_value(const struct op *o, char *out, size_t size)
{
	uint8_t v[4200];
	int len = op_value(o, v, sizeof(v)), n = 0;

	if (len <= 0 || len > 16 || o->kind == OP_GETSOCKOPT) {
		snprintf(out, size, "buf");
		return;
	}
	n += snprintf(out + n, size - n, "\"");
	for (int i = 0; i < len && n < (int)size - 8; i++)
		n += snprintf(out + n, size - n, "\\x%02x", v[i]);
	snprintf(out + n, size - n, "\"");
}

static void fmt_op(const struct op *o, char *out, size_t size)
{
	static const char * const how[] = { "SHUT_RD", "SHUT_WR", "SHUT_RDWR" };
	char t[16] = "", lv[16], val[80];
	const char *name;
	uint8_t vbuf[4200];
	int n = 0;

	if (running && running->nthreads > 1)
		n = snprintf(t, sizeof(t), "[t%d] ", o->thread);
	(void)n;
	switch (o->kind) {
	case OP_MAKE:
		snprintf(out, size,
			 "make_%s(port %d) -> fd[%d] (in the state), fd[%d] (its peer), fd[%d] (listener);",
			 fz_state_name[o->a], running->port + o->b, o->slot,
			 o->slot2, o->slot3);
		return;
	case OP_SOCKET:
		snprintf(out, size, "%sfd[%d] = socket(AF_TTP, type#%d, proto#%d);",
			 t, o->slot, o->a, o->b);
		return;
	case OP_SETSOCKOPT:
	case OP_GETSOCKOPT:
		name = opt_name(o->a, o->b);
		fmt_value(o, val, sizeof(val));
		snprintf(out, size, "%s%ssockopt(fd[%d], %s, %d%s%s%s, %s, %d);%s",
			 t, o->kind == OP_SETSOCKOPT ? "set" : "get", o->slot,
			 level_name(o->a, lv, sizeof(lv)), o->b,
			 name ? " /* " : "", name ? name : "",
			 name ? " */" : "", val,
			 op_value(o, vbuf, sizeof(vbuf)),
			 o->kind == OP_SETSOCKOPT && o->d == V_RANDOM ?
			 " /* random bytes */" : "");
		return;
	case OP_SEND: {
		static const char * const fn[] = { "send", "sendto", "sendmsg/3 iov",
						   "write", "writev/3", "sendmsg+cmsg",
						   "sendmmsg/2", "sendfile" };

		snprintf(out, size, "%s%s(fd[%d], buf, %d, flags 0x%x);", t,
			 fn[o->c], o->slot, o->a, send_flags(o));
		return;
	}
	case OP_RECV: {
		static const char * const fn[] = { "recv", "recvfrom", "recvmsg/3 iov",
						   "read", "readv/3", "recvmmsg/2",
						   "splice", "splice" };

		snprintf(out, size, "%s%s(fd[%d], buf, %d, flags 0x%x);", t,
			 fn[o->c], o->slot, o->a, recv_flags(o));
		return;
	}
	case OP_SHUTDOWN:
		if (o->a >= 0 && o->a < 3)
			snprintf(out, size, "%sshutdown(fd[%d], %s);", t,
				 o->slot, how[o->a]);
		else
			snprintf(out, size, "%sshutdown(fd[%d], %d);", t,
				 o->slot, o->a);
		return;
	case OP_DISCONNECT:
		snprintf(out, size, "%sconnect(fd[%d], {AF_UNSPEC}, 16);", t,
			 o->slot);
		return;
	case OP_CONNECT: {
		struct sockaddr_in a;
		socklen_t len;
		char ip[32];

		addr_of(running, false, o->a, o->c, &a, &len);
		inet_ntop(AF_INET, &a.sin_addr, ip, sizeof(ip));
		snprintf(out, size, "%s%sconnect(fd[%d], {family %d, %s:%d}, %u);",
			 t, o->b ? "nonblocking " : "", o->slot, a.sin_family,
			 ip, ntohs(a.sin_port), len);
		return;
	}
	case OP_BIND: {
		struct sockaddr_in a;
		socklen_t len;
		char ip[32];

		addr_of(running, true, o->a, 0, &a, &len);
		inet_ntop(AF_INET, &a.sin_addr, ip, sizeof(ip));
		snprintf(out, size, "%sbind(fd[%d], {family %d, %s:%d}, %u);",
			 t, o->slot, a.sin_family, ip, ntohs(a.sin_port), len);
		return;
	}
	case OP_LISTEN:
		snprintf(out, size, "%slisten(fd[%d], %d);", t, o->slot, o->a);
		return;
	case OP_ACCEPT:
		snprintf(out, size, "%sfd[%d] = accept4(fd[%d]%s, addr#%d, flags#%d);",
			 t, o->slot2, o->slot, o->b ? " (O_NONBLOCK)" : "",
			 o->c, o->a);
		return;
	case OP_IOCTL:
		snprintf(out, size, "%sioctl(fd[%d], cmd#%d, &int);", t,
			 o->slot, o->a);
		return;
	case OP_POLL:
		snprintf(out, size, "%spoll({fd[%d], fd[%d]}, events 0x%x, %d ms);",
			 t, o->slot, o->slot2, o->a, o->b);
		return;
	case OP_FCNTL:
		snprintf(out, size, "%sfcntl(fd[%d], F_SETFL, %sO_NONBLOCK);",
			 t, o->slot, o->a ? "" : "~");
		return;
	case OP_GETNAME:
		snprintf(out, size, "%sget%sname(fd[%d], addr, len#%d);", t,
			 o->a ? "sock" : "peer", o->slot, o->b);
		return;
	case OP_CLOSE:
		snprintf(out, size, "%s%sclose(fd[%d]);", t,
			 o->a == 0 ? "" : o->a == 1 ? "linger(1, 0); " :
			 "linger(1, 1); ", o->slot);
		return;
	case OP_DUP:
		snprintf(out, size, "%sfd[%d] = dup(fd[%d]);", t, o->slot2,
			 o->slot);
		return;
	case OP_SLEEP:
		snprintf(out, size, "%susleep(%d000);", t, o->a);
		return;
	}
	snprintf(out, size, "?");
}

static void print_program(const struct program *p)
{
	const struct program *was = running;

	running = p;
	printf("# /* seed %llu program %llu: %d call(s), %d thread(s)%s */\n",
	       (unsigned long long)p->seed, (unsigned long long)p->index,
	       p->nops, p->nthreads, p->unpriv ? ", as uid 65534" : "");
	/* as they run: the sockets first, as root, then the calls */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < p->nops; i++) {
			char line[512];

			bool setup = p->op[i].kind == OP_MAKE;

			if (setup == !!pass)
				continue;
			fmt_op(&p->op[i], line, sizeof(line));
			printf("#   %s\n", line);
		}
		if (!pass && p->unpriv)
			printf("#   setresuid(65534, 65534, 65534);\n");
	}
	fflush(stdout);
	running = was;
}

/* ---- shrinking ------------------------------------------------------ */

static bool still_fails(const struct program *p, int tries)
{
	char why[256];

	for (int i = 0; i < tries; i++)
		if (run_program(p, why, sizeof(why)) != PASS)
			return true;
	return false;
}

/*
 * Drop calls one at a time, keeping each drop after which the program
 * still fails (a race may need a few tries), until no call can go.
 */
static void shrink(struct program *p, int tries)
{
	bool progress = true;

	printf("# cutting down program %llu (%d calls), %d tries per candidate\n",
	       (unsigned long long)p->index, p->nops, tries);
	if (!still_fails(p, tries)) {
		printf("# program %llu does not fail here: nothing to cut\n",
		       (unsigned long long)p->index);
		return;
	}
	while (progress) {
		progress = false;
		for (int i = p->nops - 1; i >= 0; i--) {
			struct program q = *p;

			memmove(&q.op[i], &q.op[i + 1],
				(q.nops - i - 1) * sizeof(q.op[0]));
			q.nops--;
			if (still_fails(&q, tries)) {
				*p = q;
				progress = true;
				printf("# still fails with %d calls\n", p->nops);
				fflush(stdout);
			}
		}
	}
	printf("# minimal program:\n");
	print_program(p);
}

/* ---- the test ------------------------------------------------------- */

/* Timers short enough that what a program leaves behind ends in seconds. */
static int short_timers(void)
{
	int err = write_file(TTP_FAULTS, "clear");

	/* SYN_SENT_LATE's SYN+ACK, TIME_WAIT and orphans end soon */
	err = err ?: set_sysctl("msl_ms", 100);
	err = err ?: set_sysctl("rto_initial_ms", 250);
	err = err ?: set_sysctl("fin_wait2_timeout_ms", 500);
	/* a connection the calls wedged gives up in seconds, not minutes */
	err = err ?: set_sysctl("retries", 4);
	err = err ?: set_sysctl("syn_retries", 3);
	set_sysctl("orphan_retries", 4);
	return err;
}

struct tally {
	unsigned long long run, failed, splats;
};

/*
 * A /proc/meminfo figure in MB, or -1: long runs print what the kernel
 * holds, so that memory that grows with the count of programs run (held
 * by something, or freed later than it is used) shows before it runs out.
 */
static long meminfo_mb(const char *key)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) &&
		    line[strlen(key)] == ':') {
			kb = strtol(line + strlen(key) + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb < 0 ? -1 : kb / 1024;
}

/*
 * From /proc/net/protocols: TTP's hashed (listening or connected) sockets
 * in this process's network namespace, a worker's own with
 * TTP_FUZZ_JOBS > 1, and the pages TTP has charged in all of them (give
 * or take what each CPU keeps in reserve).
 */
static void ttp_held(long *sockets, long *pages)
{
	char line[256], name[32];
	FILE *f = fopen("/proc/net/protocols", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %*u %ld %ld", name, sockets, pages) == 3 &&
		    !strcmp(name, "TTP")) {
			fclose(f);
			return;
		}
	}
	if (f)
		fclose(f);
	*sockets = -1;
	*pages = -1;
}

static void print_progress(unsigned long long n, double secs)
{
	long socks, pages;

	ttp_held(&socks, &pages);
	printf("# progress: program %llu, %.0f s, ", n, secs);
	printf("MemAvailable %ld MB, SUnreclaim %ld MB, ",
	       meminfo_mb("MemAvailable"), meminfo_mb("SUnreclaim"));
	printf("TTP %ld sockets %ld pages\n", socks, pages);
}

/* Programs first, first + step, ... below end; what failed is printed. */
static void run_programs(uint64_t seed, unsigned long long first,
			 unsigned long long end, unsigned int step,
			 struct tally *t)
{
	double t0 = fz_now(), last_report = t0;
	struct program p;
	char why[512];

	for (unsigned long long n = first; n < end; n += step) {
		enum verdict v;

		gen_program(seed, n, &p);
		if (verbose)
			print_program(&p);
		if (fz_now() - last_report > 60) {
			/* a sign of life in long runs, and where they were */
			print_progress(n, fz_now() - t0);
			fflush(stdout);
			last_report = fz_now();
		}
		fz_kmsg_mark("ttp fuzz_sockapi: seed %llu program %llu\n",
			     (unsigned long long)seed, n);
		v = run_program(&p, why, sizeof(why));
		t->run++;
		if (v == PASS)
			continue;
		t->failed++;
		t->splats += v == FAIL_SPLAT;
		printf("# FAIL: program %llu: %s%s%s\n", n, verdict_name[v],
		       why[0] ? ": " : "", why);
		if (step > 1)
			printf("# (%u workers ran programs at once)\n", step);
		print_program(&p);
		printf("# replay: TTP_FUZZ_SEED=%llu TTP_FUZZ_ONE=%llu",
		       (unsigned long long)seed, n);
		printf(" (and TTP_FUZZ_SHRINK=1 to cut it down)\n");
		fflush(stdout);
	}
}

/*
 * TTP_FUZZ_JOBS=J runs J workers at once, worker w the programs w, w + J,
 * ...: most of a program's time is spent waiting (for segments, timers and
 * the signals that end blocked calls), so J workers run nearly J times as
 * many.  Each worker has a network namespace of its own, and with it its
 * own fault rules, ports, sysctls and /proc/net/ttp, so that the programs
 * cannot disturb each other; each namespace's end is exercised too.  A
 * worker's tally comes back through a pipe.
 */
static int run_workers(uint64_t seed, unsigned long long first,
		       unsigned long long count, unsigned int jobs,
		       struct tally *total, char *why, size_t size)
{
	const int extra[] = { LOW_PORT };
	int fd[2], left = 0;
	pid_t pid[64];

	if (pipe(fd))
		return -1;
	for (unsigned int w = 0; w < jobs; w++) {
		pid[w] = fork();
		if (pid[w] < 0)
			return -1;
		if (!pid[w]) {
			struct tally t = { 0 };
			char ws[512];

			close(fd[0]);
			if (unshare(CLONE_NEWNET) || loopback_up() ||
			    short_timers()) {
				perror("worker: a network namespace of its own");
				_exit(2);
			}
			run_programs(seed, first + w, first + count, jobs, &t);
			write_file(TTP_FAULTS, "clear");
			if (fz_wait_clean(PORT_LO, PORT_LO + NBLOCKS * 8 - 1,
					  extra, 1, 30000, ws, sizeof(ws))) {
				printf("# worker %u left behind: %s\n", w, ws);
				t.failed++;
			}
			fflush(stdout);
			if (write(fd[1], &t, sizeof(t)) != sizeof(t))
				_exit(2);
			_exit(0);
		}
	}
	close(fd[1]);
	for (unsigned int w = 0; w < jobs; w++) {
		struct tally t;
		int status;

		if (read(fd[0], &t, sizeof(t)) == sizeof(t)) {
			total->run += t.run;
			total->failed += t.failed;
			total->splats += t.splats;
		}
		if (waitpid(-1, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status)) {
			snprintf(why, size, "a worker ended badly (%#x)",
				 status);
			left++;
		}
	}
	close(fd[0]);
	return left;
}

TEST(programs)
{
	uint64_t seed = fz_seed();
	unsigned long long count = fz_env("TTP_FUZZ_PROGRAMS", DEFAULT_PROGRAMS);
	unsigned long long first = fz_env("TTP_FUZZ_FIRST", 0);
	unsigned int jobs = fz_env("TTP_FUZZ_JOBS", 1);
	bool one = getenv("TTP_FUZZ_ONE") && *getenv("TTP_FUZZ_ONE");
	const int extra[] = { LOW_PORT };
	struct fz_sysctls saved;
	struct tally total = { 0 };
	struct program p;
	double t0 = fz_now();
	char why[512] = "";
	int left;

	verbose = fz_env("TTP_FUZZ_VERBOSE", 0);
	if (one) {
		first = fz_env("TTP_FUZZ_ONE", 0);
		count = 1;
		jobs = 1;
	}
	ASSERT_LE(1, jobs);
	ASSERT_GE(64, jobs);
	if (jobs > sysconf(_SC_NPROCESSORS_ONLN))
		slack = (double)jobs / sysconf(_SC_NPROCESSORS_ONLN);
	printf("# seed %llu: TTP_FUZZ_SEED=%llu TTP_FUZZ_FIRST=%llu",
	       (unsigned long long)seed, (unsigned long long)seed, first);
	printf(" TTP_FUZZ_PROGRAMS=%llu TTP_FUZZ_JOBS=%u (time limits x%.1f)\n",
	       count, jobs, slack);
	fflush(stdout);
	if (fz_env("TTP_FUZZ_PRINT", 0)) {
		for (unsigned long long n = first; n < first + count; n++) {
			gen_program(seed, n, &p);
			print_program(&p);
		}
		return;
	}

	bigbuf = mmap(NULL, BIGBUF, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, bigbuf);
	memset(bigbuf, 'f', BIGBUF);
	memfd = memfd_create("fuzz_sockapi", 0);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(BIGBUF, write(memfd, bigbuf, BIGBUF));

	fz_sysctls_save(&saved);
	ASSERT_EQ(0, short_timers());
	signal(SIGPIPE, SIG_IGN);
	fz_kmsg_open();

	if (one && fz_env("TTP_FUZZ_SHRINK", 0)) {
		gen_program(seed, first, &p);
		print_program(&p);
		shrink(&p, fz_env("TTP_FUZZ_TRIES", 3));
		total.run = 1;
		left = 0;
	} else if (jobs > 1) {
		left = run_workers(seed, first, count, jobs, &total, why,
				   sizeof(why));
	} else {
		run_programs(seed, first, first + count, 1, &total);
		left = 0;
	}
	write_file(TTP_FAULTS, "clear");
	/* orphans finish their teardown under the short timers first */
	if (!left)
		left = fz_wait_clean(PORT_LO, PORT_LO + NBLOCKS * 8 - 1, extra,
				     1, 30000, why, sizeof(why));
	fz_sysctls_restore(&saved);
	printf("# %llu programs in %.1f s, %llu failed (%llu by a kernel splat), seed %llu\n",
	       total.run, fz_now() - t0, total.failed, total.splats,
	       (unsigned long long)seed);
	EXPECT_EQ(count, total.run);
	EXPECT_EQ(0, total.failed);
	EXPECT_EQ(0, left) {
		TH_LOG("left behind: %s", why);
	}
}

/* The harness's timeout follows the count: the default 30 s would not do. */
int main(int argc, char **argv)
{
	unsigned long long count = fz_env("TTP_FUZZ_PROGRAMS", DEFAULT_PROGRAMS);

	if (getenv("TTP_FUZZ_ONE") && *getenv("TTP_FUZZ_ONE"))
		count = fz_env("TTP_FUZZ_SHRINK", 0) ? 2000 : 1;
	_programs_object.timeout = 300 + count * 2;
	return test_harness_run(argc, argv);
}
