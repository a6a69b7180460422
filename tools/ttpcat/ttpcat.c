// SPDX-License-Identifier: GPL-2.0
/*
 * ttpcat: netcat for TTP.  Standard input goes to the connection and the
 * connection to standard output.  At the end of the input the sending side
 * is shut down (SHUT_WR) and the peer's data is still read to its end, as
 * "nc -N" does; ttpcat exits once both directions are finished.
 *
 *   ttpcat [-v] HOST PORT             connect
 *   ttpcat [-v] [-k] -l [ADDR] PORT   listen and serve one connection
 *                                     (-k: one after the other, forever)
 *
 * Exit status: 0 when the connection ended cleanly, 1 on an error (with a
 * message "ttpcat: WHAT ADDR:PORT: REASON"), 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ttp.h>

static bool verbose;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ttpcat [-v] HOST PORT\n"
		"       ttpcat [-v] [-k] -l [ADDR] PORT\n"
		"\n"
		"Copy standard input to a TTP connection and the connection to\n"
		"standard output; at the end of the input, shut down the sending\n"
		"side and read the peer's data to its end.\n"
		"\n"
		"  -l   listen on ADDR (default 0.0.0.0) and PORT, serve one connection\n"
		"  -k   with -l: keep listening, one connection after another\n"
		"  -v   say on standard error what happens\n"
		"  -h   this help\n");
}

static void note(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	fputs("ttpcat: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* "ttpcat: connect 10.0.0.2:7000: Connection refused" */
static void fail_at(const char *what, const struct sockaddr_ttp *addr, int err)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &addr->sttp_addr, ip, sizeof(ip));
	fprintf(stderr, "ttpcat: %s %s:%u: %s\n", what, ip,
		ntohs(addr->sttp_port), strerror(err));
}

/* HOST as a dotted quad or a name with an IPv4 address; PORT in decimal. */
static int parse_addr(const char *host, const char *port,
		      struct sockaddr_ttp *addr)
{
	struct addrinfo hints = { .ai_family = AF_INET }, *res;
	char *end;
	unsigned long p;
	int err;

	p = strtoul(port, &end, 10);
	if (!*port || *end || p > 65535) {
		fprintf(stderr, "ttpcat: bad port '%s'\n", port);
		return -1;
	}
	memset(addr, 0, sizeof(*addr));
	addr->sttp_family = AF_TTP;
	addr->sttp_port = htons(p);
	if (inet_pton(AF_INET, host, &addr->sttp_addr) == 1)
		return 0;
	err = getaddrinfo(host, NULL, &hints, &res);
	if (err) {
		fprintf(stderr, "ttpcat: %s: %s\n", host, gai_strerror(err));
		return -1;
	}
	addr->sttp_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr;
	freeaddrinfo(res);
	return 0;
}

/* Write all of buf; false on an error, which is reported. */
static bool write_all(int fd, const char *buf, size_t len, const char *what)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "ttpcat: %s: %s\n", what, strerror(errno));
			return false;
		}
		buf += n;
		len -= n;
	}
	return true;
}

/* Did a read or write fail only for now (interrupted, or would block)? */
static bool again(ssize_t n)
{
	return n < 0 && (errno == EINTR || errno == EAGAIN);
}

/*
 * Copy both ways until the input has ended (and the sending side is shut
 * down) and the peer has sent its FIN.  in_done says the input already
 * ended, as it has for every connection after the first with -k.
 *
 * The socket is non-blocking and written only when poll() says it has
 * room: with both ends sending at once, a send blocked on a full peer
 * would stop this end from reading, and the peer, blocked the same way,
 * would never read either.
 */
static int relay(int sock, bool *in_done)
{
	static char in[65536], net[65536];
	bool net_done = false, shut = false;
	size_t off = 0, end = 0;	/* in[off..end) still to be sent */
	ssize_t n;

	if (fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK) < 0) {
		fprintf(stderr, "ttpcat: fcntl: %s\n", strerror(errno));
		return 1;
	}
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = *in_done || end ? -1 : STDIN_FILENO,
			  .events = POLLIN },
			{ .fd = sock,
			  .events = (net_done ? 0 : POLLIN) | (end ? POLLOUT : 0) },
		};

		if (*in_done && !end && !shut) {
			note("end of input: shutting down the sending side");
			if (shutdown(sock, SHUT_WR) < 0) {
				fprintf(stderr, "ttpcat: shutdown: %s\n",
					strerror(errno));
				return 1;
			}
			shut = true;
		}
		if (shut && net_done)
			return 0;
		if (!pfd[1].events)
			pfd[1].fd = -1;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "ttpcat: poll: %s\n", strerror(errno));
			return 1;
		}
		if (pfd[0].revents) {
			n = read(STDIN_FILENO, in, sizeof(in));
			if (n < 0 && !again(n)) {
				fprintf(stderr, "ttpcat: read: %s\n", strerror(errno));
				return 1;
			}
			if (n == 0)
				*in_done = true;
			if (n > 0) {
				off = 0;
				end = n;
			}
		}
		if (end && pfd[1].revents) {
			n = write(sock, in + off, end - off);
			if (n < 0 && !again(n)) {
				fprintf(stderr, "ttpcat: send: %s\n", strerror(errno));
				return 1;
			}
			if (n > 0)
				off += n;
			if (off == end) {
				off = 0;
				end = 0;
			}
		}
		if (!net_done && pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(sock, net, sizeof(net));
			if (n < 0 && !again(n)) {
				fprintf(stderr, "ttpcat: receive: %s\n",
					strerror(errno));
				return 1;
			}
			if (n > 0 && !write_all(STDOUT_FILENO, net, n, "write"))
				return 1;
			if (n == 0) {
				net_done = true;
				note("the peer finished sending");
			}
		}
	}
}

static int run_connect(const struct sockaddr_ttp *addr)
{
	bool in_done = false;
	int sock, ret;

	sock = socket(AF_TTP, SOCK_STREAM, 0);
	if (sock < 0) {
		fprintf(stderr, "ttpcat: socket: %s\n", strerror(errno));
		return 1;
	}
	if (connect(sock, (const struct sockaddr *)addr, sizeof(*addr)) < 0) {
		fail_at("connect", addr, errno);
		close(sock);
		return 1;
	}
	note("connected");
	ret = relay(sock, &in_done);
	close(sock);
	return ret;
}

static int run_listen(const struct sockaddr_ttp *addr, bool keep)
{
	bool in_done = false;
	int one = 1, lsk, ret;

	lsk = socket(AF_TTP, SOCK_STREAM, 0);
	if (lsk < 0) {
		fprintf(stderr, "ttpcat: socket: %s\n", strerror(errno));
		return 1;
	}
	setsockopt(lsk, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lsk, (const struct sockaddr *)addr, sizeof(*addr)) < 0) {
		fail_at("bind", addr, errno);
		close(lsk);
		return 1;
	}
	if (listen(lsk, keep ? 16 : 1) < 0) {
		fail_at("listen", addr, errno);
		close(lsk);
		return 1;
	}
	note("listening");
	for (;;) {
		struct sockaddr_ttp peer;
		socklen_t len = sizeof(peer);
		char ip[INET_ADDRSTRLEN];
		int sock;

		sock = accept(lsk, (struct sockaddr *)&peer, &len);
		if (sock < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			fail_at("accept", addr, errno);
			close(lsk);
			return 1;
		}
		inet_ntop(AF_INET, &peer.sttp_addr, ip, sizeof(ip));
		note("connection from %s:%u", ip, ntohs(peer.sttp_port));
		ret = relay(sock, &in_done);
		close(sock);
		if (!keep)
			break;
	}
	close(lsk);
	return ret;
}

int main(int argc, char **argv)
{
	bool listening = false, keep = false;
	struct sockaddr_ttp addr;
	const char *host;
	int opt;

	while ((opt = getopt(argc, argv, "hklv")) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'k':
			keep = true;
			break;
		case 'l':
			listening = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (keep && !listening) {
		fprintf(stderr, "ttpcat: -k needs -l\n");
		return 2;
	}
	if (listening ? argc < 1 || argc > 2 : argc != 2) {
		usage(stderr);
		return 2;
	}
	host = argc == 2 ? argv[0] : "0.0.0.0";
	if (parse_addr(host, argv[argc - 1], &addr))
		return 2;
	/* a peer that is gone shows as an error of write(), not a signal */
	signal(SIGPIPE, SIG_IGN);
	return listening ? run_listen(&addr, keep) : run_connect(&addr);
}
