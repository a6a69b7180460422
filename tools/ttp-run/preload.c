// SPDX-License-Identifier: GPL-2.0
/*
 * libttp-preload.so: run an unmodified TCP program over TTP.
 *
 * Loaded with LD_PRELOAD (by ttp-run), it wraps the libc socket calls so
 * that the program's IPv4 TCP sockets are TTP sockets, while the program
 * goes on seeing AF_INET and IPPROTO_TCP.  TTP is its own family, so more
 * calls are involved than for MPTCP's mptcpize: the family of every
 * address crossing bind/connect/accept/getsockname/getpeername, SO_DOMAIN
 * and SO_PROTOCOL, and the IPPROTO_TCP options, which TTP has at SOL_TTP
 * under TCP's numbers (TCP_INFO is built from TTP_INFO).
 *
 * TTP_PORTS unset: socket(AF_INET, SOCK_STREAM, 0 or IPPROTO_TCP) makes a
 * TTP socket at once, so every option the program sets reaches TTP itself.
 * TTP_PORTS set: the socket starts as TCP; bind() or connect() to a listed
 * port swaps a new TTP socket in over the same descriptor with dup3(),
 * with its file flags and the options set so far; other sockets stay TCP.
 *
 * What goes around libc cannot be seen: static binaries, raw syscalls (Go),
 * io_uring, and libc's own internal calls (its DNS resolver).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <linux/ttp.h>

#include "ports.h"

#define EXPORT __attribute__((visibility("default")))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct {
	int (*socket)(int domain, int type, int protocol);
	int (*socketpair)(int domain, int type, int protocol, int sv[2]);
	int (*bind)(int fd, const struct sockaddr *addr, socklen_t len);
	int (*connect)(int fd, const struct sockaddr *addr, socklen_t len);
	int (*accept)(int fd, struct sockaddr *addr, socklen_t *len);
	int (*accept4)(int fd, struct sockaddr *addr, socklen_t *len,
		       int flags);
	int (*getsockname)(int fd, struct sockaddr *addr, socklen_t *len);
	int (*getpeername)(int fd, struct sockaddr *addr, socklen_t *len);
	int (*getsockopt)(int fd, int level, int name, void *val,
			  socklen_t *len);
	int (*setsockopt)(int fd, int level, int name, const void *val,
			  socklen_t len);
	int (*close)(int fd);
	int (*dup2)(int oldfd, int newfd);
	int (*dup3)(int oldfd, int newfd, int flags);
} real;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool ports_mode;		/* TTP_PORTS given: swap lazily */
static unsigned long ports[TTP_PORT_WORDS];

/*
 * One bit per descriptor: this one is a TTP socket.  It only saves a
 * syscall: a descriptor beyond it, or one whose bit is wrong (inherited
 * across exec, duplicated with fcntl, closed behind libc's back), is
 * asked with SO_DOMAIN when a call fails the way a family mismatch does.
 */
#define FD_MAP_SIZE 65536
static unsigned long ttp_fds[FD_MAP_SIZE / TTP_WORD_BITS];

static void warn(const char *msg)
{
	ssize_t n = write(STDERR_FILENO, msg, strlen(msg));

	(void)n;
}

static void *next(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p) {
		warn("libttp-preload: no libc function to wrap\n");
		abort();
	}
	return p;
}

static void init(void)
{
	const char *list = getenv("TTP_PORTS");

	real.socket = next("socket");
	real.socketpair = next("socketpair");
	real.bind = next("bind");
	real.connect = next("connect");
	real.accept = next("accept");
	real.accept4 = next("accept4");
	real.getsockname = next("getsockname");
	real.getpeername = next("getpeername");
	real.getsockopt = next("getsockopt");
	real.setsockopt = next("setsockopt");
	real.close = next("close");
	real.dup2 = next("dup2");
	real.dup3 = next("dup3");

	if (list && *list) {
		ports_mode = true;
		/* ttp-run checks the list; a bad one here switches nothing */
		if (ttp_parse_ports(list, ports))
			warn("libttp-preload: malformed TTP_PORTS: every socket stays TCP\n");
	}
}

static inline void setup(void)
{
	pthread_once(&once, init);
}

static void fd_set_ttp(int fd, bool ttp)
{
	unsigned long bit;

	if (fd < 0 || fd >= FD_MAP_SIZE)
		return;
	bit = 1UL << (fd % TTP_WORD_BITS);
	if (ttp)
		__atomic_fetch_or(&ttp_fds[fd / TTP_WORD_BITS], bit,
				  __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&ttp_fds[fd / TTP_WORD_BITS], ~bit,
				   __ATOMIC_RELAXED);
}

static int fd_domain(int fd)
{
	socklen_t len = sizeof(int);
	int domain;

	if (real.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len))
		return -1;
	return domain;
}

/* Ask the kernel, and remember the answer. */
static bool fd_check_ttp(int fd)
{
	int saved = errno;
	bool ttp = fd_domain(fd) == AF_TTP;

	errno = saved;
	fd_set_ttp(fd, ttp);
	return ttp;
}

static bool fd_is_ttp(int fd)
{
	if (fd < 0)
		return false;
	if (fd >= FD_MAP_SIZE)
		return fd_check_ttp(fd);
	return __atomic_load_n(&ttp_fds[fd / TTP_WORD_BITS], __ATOMIC_RELAXED) &
	       (1UL << (fd % TTP_WORD_BITS));
}

static bool is_tcp4(int domain, int type, int protocol)
{
	return domain == AF_INET &&
	       (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_STREAM &&
	       (protocol == 0 || protocol == IPPROTO_TCP);
}

static const struct sockaddr_in *inet_addr_of(const struct sockaddr *addr,
					      socklen_t len)
{
	if (!addr || len < sizeof(struct sockaddr_in) ||
	    addr->sa_family != AF_INET)
		return NULL;
	return (const struct sockaddr_in *)addr;
}

static void to_ttp(struct sockaddr_ttp *ta, const struct sockaddr_in *sin)
{
	memset(ta, 0, sizeof(*ta));
	ta->sttp_family = AF_TTP;
	ta->sttp_port = sin->sin_port;
	ta->sttp_addr = sin->sin_addr.s_addr;
}

/*
 * After a call that filled an address: an AF_TTP one reads as AF_INET (the
 * layouts are the same) and tells that fd is TTP.  in_len is what the
 * caller's buffer holds; the kernel's *len may be longer.
 */
static bool from_ttp(struct sockaddr *addr, socklen_t in_len)
{
	if (!addr || in_len < sizeof(sa_family_t) ||
	    addr->sa_family != AF_TTP)
		return false;
	addr->sa_family = AF_INET;
	return true;
}

static void warn_no_ttp(void)
{
	static int warned;

	if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		warn("libttp-preload: socket(AF_TTP) failed (is ttp.ko loaded?): using TCP\n");
}

/*
 * The options carried from a still-TCP socket to the TTP socket that
 * replaces it: those that differ from a fresh TCP socket's are the ones
 * the program set.  Reading them back needs no per-descriptor record.
 */
static const struct {
	int level, name;
} carried[] = {
	{ SOL_SOCKET, SO_REUSEADDR },	{ SOL_SOCKET, SO_REUSEPORT },
	{ SOL_SOCKET, SO_KEEPALIVE },	{ SOL_SOCKET, SO_LINGER },
	{ SOL_SOCKET, SO_RCVBUF },	{ SOL_SOCKET, SO_SNDBUF },
	{ SOL_SOCKET, SO_RCVTIMEO },	{ SOL_SOCKET, SO_SNDTIMEO },
	{ SOL_SOCKET, SO_OOBINLINE },	{ SOL_SOCKET, SO_PRIORITY },
	{ SOL_SOCKET, SO_RCVLOWAT },	{ SOL_SOCKET, SO_MARK },
	{ SOL_SOCKET, SO_BINDTODEVICE },
	{ IPPROTO_IP, IP_TOS },		{ IPPROTO_IP, IP_TTL },
	{ IPPROTO_IP, IP_FREEBIND },	{ IPPROTO_IP, IP_TRANSPARENT },
	{ IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT },
	{ IPPROTO_TCP, TCP_NODELAY },	{ IPPROTO_TCP, TCP_MAXSEG },
	{ IPPROTO_TCP, TCP_CORK },	{ IPPROTO_TCP, TCP_KEEPIDLE },
	{ IPPROTO_TCP, TCP_KEEPINTVL },	{ IPPROTO_TCP, TCP_KEEPCNT },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT },
};

static void carry_options(int from, int to)
{
	unsigned char a[64], b[64];
	socklen_t alen, blen;
	unsigned int i;
	int ref, level;

	ref = real.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ref < 0)
		return;
	for (i = 0; i < ARRAY_SIZE(carried); i++) {
		alen = sizeof(a);
		blen = sizeof(b);
		if (real.getsockopt(from, carried[i].level, carried[i].name,
				    a, &alen) ||
		    real.getsockopt(ref, carried[i].level, carried[i].name,
				    b, &blen))
			continue;
		if (alen == blen && !memcmp(a, b, alen))
			continue;
		/* the kernel doubles what was asked for and reports that */
		if (carried[i].level == SOL_SOCKET &&
		    (carried[i].name == SO_RCVBUF ||
		     carried[i].name == SO_SNDBUF) && alen == sizeof(int))
			*(int *)a /= 2;
		level = carried[i].level == IPPROTO_TCP ? SOL_TTP
							: carried[i].level;
		/* best effort, as the program's own setsockopt would be */
		real.setsockopt(to, level, carried[i].name, a, alen);
	}
	real.close(ref);
}

/*
 * Put a TTP socket in place of the IPv4 TCP socket fd, which must be
 * neither connected nor listening.  For a connect(), a socket the program
 * bound keeps its address (and its port, if TTP has it free).  Returns 0;
 * or -1, leaving fd as it was, with errno unchanged.
 */
static int swap_in_ttp(int fd, bool connecting)
{
	struct sockaddr_in local;
	struct sockaddr_ttp ta;
	int saved = errno, nfd, fl, fdfl;
	socklen_t len = 1;
	unsigned char state;

	if (fd_domain(fd) != AF_INET ||
	    real.getsockopt(fd, IPPROTO_TCP, TCP_INFO, &state, &len) ||
	    state != TTP_CLOSE)	/* TCP_CLOSE: the numbering is TCP's */
		goto keep;
	fl = fcntl(fd, F_GETFL);
	fdfl = fcntl(fd, F_GETFD);
	if (fl < 0 || fdfl < 0)
		goto keep;
	nfd = real.socket(AF_TTP, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (nfd < 0) {
		warn_no_ttp();
		goto keep;
	}
	/* O_NONBLOCK and the other status flags live in the open file */
	if (fcntl(nfd, F_SETFL, fl))
		goto drop;
	carry_options(fd, nfd);
	len = sizeof(local);
	if (connecting && !real.getsockname(fd, (struct sockaddr *)&local,
					    &len) &&
	    local.sin_family == AF_INET &&
	    (local.sin_port || local.sin_addr.s_addr)) {
		to_ttp(&ta, &local);
		if (real.bind(nfd, (struct sockaddr *)&ta, sizeof(ta))) {
			ta.sttp_port = 0;
			if (real.bind(nfd, (struct sockaddr *)&ta, sizeof(ta)))
				goto drop;
		}
	}
	if (real.dup3(nfd, fd, fdfl & FD_CLOEXEC ? O_CLOEXEC : 0) < 0)
		goto drop;
	real.close(nfd);
	fd_set_ttp(fd, true);
	errno = saved;
	return 0;
drop:
	real.close(nfd);
keep:
	errno = saved;
	return -1;
}

/* Whether bind/connect of fd to sin should go over TTP, swapping if need be. */
static bool want_ttp(int fd, const struct sockaddr_in *sin, bool connecting)
{
	if (fd_is_ttp(fd))
		return true;
	if (!ports_mode || !ttp_port_listed(ports, ntohs(sin->sin_port)))
		return false;
	return !swap_in_ttp(fd, connecting);
}

EXPORT int socket(int domain, int type, int protocol)
{
	int fd;

	setup();
	if (!ports_mode && is_tcp4(domain, type, protocol)) {
		/* TTP's protocol is 0 (or IPPROTO_TTP), never IPPROTO_TCP */
		fd = real.socket(AF_TTP, type, 0);
		if (fd >= 0) {
			fd_set_ttp(fd, true);
			return fd;
		}
		if (errno != EAFNOSUPPORT)
			return fd;
		warn_no_ttp();
	}
	fd = real.socket(domain, type, protocol);
	fd_set_ttp(fd, false);
	return fd;
}

EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	int ret;

	setup();
	ret = real.socketpair(domain, type, protocol, sv);
	if (!ret) {
		fd_set_ttp(sv[0], false);
		fd_set_ttp(sv[1], false);
	}
	return ret;
}

/* bind or connect, through the AF_TTP address when fd is (or becomes) TTP */
static int bind_or_connect(int fd, const struct sockaddr *addr,
			   socklen_t len, bool connecting)
{
	int (*call)(int fd, const struct sockaddr *addr, socklen_t len);
	const struct sockaddr_in *sin = inet_addr_of(addr, len);
	struct sockaddr_ttp ta;
	int ret;

	call = connecting ? real.connect : real.bind;
	if (!sin)
		return call(fd, addr, len);
	if (!want_ttp(fd, sin, connecting)) {
		ret = call(fd, addr, len);
		/* a TTP socket the bitmap did not know about */
		if (ret == 0 || errno != EAFNOSUPPORT || !fd_check_ttp(fd))
			return ret;
	}
	to_ttp(&ta, sin);
	return call(fd, (struct sockaddr *)&ta, sizeof(ta));
}

EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	setup();
	return bind_or_connect(fd, addr, len, false);
}

EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	setup();
	return bind_or_connect(fd, addr, len, true);
}

static int accepted(int lfd, int fd, struct sockaddr *addr, socklen_t in_len)
{
	bool ttp = fd_is_ttp(lfd);

	if (fd < 0)
		return fd;
	if (from_ttp(addr, in_len))
		ttp = true;
	fd_set_ttp(fd, ttp);
	return fd;
}

EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	socklen_t in_len = addr && len ? *len : 0;

	setup();
	return accepted(fd, real.accept(fd, addr, len), addr, in_len);
}

EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	socklen_t in_len = addr && len ? *len : 0;

	setup();
	return accepted(fd, real.accept4(fd, addr, len, flags), addr, in_len);
}

/*
 * getsockname() or getpeername(), the real one being get (setup() done):
 * a TTP address reads as AF_INET.
 */
static int get_name(int (*get)(int, struct sockaddr *, socklen_t *), int fd,
		    struct sockaddr *addr, socklen_t *len)
{
	socklen_t in_len = addr && len ? *len : 0;
	int ret;

	ret = get(fd, addr, len);
	if (!ret && from_ttp(addr, in_len))
		fd_set_ttp(fd, true);
	return ret;
}

EXPORT int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	setup();
	return get_name(real.getsockname, fd, addr, len);
}

EXPORT int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	setup();
	return get_name(real.getpeername, fd, addr, len);
}

/* TCP_INFO from TTP_INFO: the fields TTP has, the rest zero. */
static int get_tcp_info(int fd, void *val, socklen_t *len)
{
	struct ttp_info ti;
	struct tcp_info out;
	socklen_t tlen = sizeof(ti), n;

	if (!len) {
		errno = EFAULT;
		return -1;
	}
	if ((int)*len < 0) {
		errno = EINVAL;
		return -1;
	}
	memset(&ti, 0, sizeof(ti));
	if (real.getsockopt(fd, SOL_TTP, TTP_INFO, &ti, &tlen))
		return -1;
	memset(&out, 0, sizeof(out));
	out.tcpi_state = ti.state;
	out.tcpi_retransmits = ti.retransmits;
	out.tcpi_backoff = ti.retransmits;
	out.tcpi_rto = ti.rto_ms * 1000;
	out.tcpi_snd_mss = ti.mss;
	/* TTP reports one MSS; segments come in the peer's, alike on loopback */
	out.tcpi_rcv_mss = ti.mss;
	out.tcpi_advmss = ti.mss;
	out.tcpi_rtt = ti.srtt_us;
	out.tcpi_rttvar = ti.rttvar_us;
	out.tcpi_total_retrans = ti.total_retrans;
	out.tcpi_segs_in = ti.segs_in;
	out.tcpi_segs_out = ti.segs_out;
	out.tcpi_bytes_acked = ti.bytes_acked;
	out.tcpi_bytes_received = ti.bytes_received;
	out.tcpi_snd_wnd = ti.snd_wnd;
	n = *len < sizeof(out) ? *len : sizeof(out);
	if (n && !val) {
		errno = EFAULT;
		return -1;
	}
	memcpy(val, &out, n);
	*len = n;
	return 0;
}

EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int ret;

	setup();
	if (level == SOL_SOCKET && (name == SO_DOMAIN || name == SO_PROTOCOL)) {
		ret = real.getsockopt(fd, level, name, val, len);
		if (ret || !val || !len || *len < sizeof(int))
			return ret;
		if (name == SO_DOMAIN && *(int *)val == AF_TTP)
			*(int *)val = AF_INET;
		else if (name == SO_PROTOCOL && fd_check_ttp(fd))
			*(int *)val = IPPROTO_TCP;
		return ret;
	}
	if (level != IPPROTO_TCP)
		return real.getsockopt(fd, level, name, val, len);
	if (!fd_is_ttp(fd)) {
		ret = real.getsockopt(fd, level, name, val, len);
		if (!ret || errno != ENOPROTOOPT || !fd_check_ttp(fd))
			return ret;
	}
	if (name == TCP_INFO)
		return get_tcp_info(fd, val, len);
	ret = real.getsockopt(fd, SOL_TTP, name, val, len);
	if (ret && errno == ENOPROTOOPT && !fd_check_ttp(fd))
		return real.getsockopt(fd, level, name, val, len);
	return ret;
}

EXPORT int setsockopt(int fd, int level, int name, const void *val,
		      socklen_t len)
{
	int ret;

	setup();
	if (level != IPPROTO_TCP)
		return real.setsockopt(fd, level, name, val, len);
	if (!fd_is_ttp(fd)) {
		ret = real.setsockopt(fd, level, name, val, len);
		if (!ret || errno != ENOPROTOOPT || !fd_check_ttp(fd))
			return ret;
	}
	/*
	 * An option TTP lacks fails with ENOPROTOOPT, as TCP fails one it
	 * does not know; none is faked.  nginx, redis, iperf3, curl and socat
	 * log such a failure and go on (tools/testing/selftests/ttp/programs.sh).
	 */
	ret = real.setsockopt(fd, SOL_TTP, name, val, len);
	if (ret && errno == ENOPROTOOPT && !fd_check_ttp(fd))
		return real.setsockopt(fd, level, name, val, len);
	return ret;
}

EXPORT int close(int fd)
{
	setup();
	/* before: once closed, the number may be another thread's new socket */
	fd_set_ttp(fd, false);
	return real.close(fd);
}

EXPORT int dup2(int oldfd, int newfd)
{
	int ret;

	setup();
	ret = real.dup2(oldfd, newfd);
	if (ret >= 0 && ret != oldfd)
		fd_set_ttp(ret, fd_is_ttp(oldfd));
	return ret;
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	int ret;

	setup();
	ret = real.dup3(oldfd, newfd, flags);
	if (ret >= 0)
		fd_set_ttp(ret, fd_is_ttp(oldfd));
	return ret;
}
