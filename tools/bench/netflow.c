// SPDX-License-Identifier: GPL-2.0
/*
 * netflow: one bulk flow through the emulated bottleneck of make bench-net
 * (tools/bench/net), on TCP or TTP, with the congestion control chosen.
 *
 *   netflow send [-p tcp|ttp] [-c ALGO] [-t SECONDS] ADDRESS PORT
 *	connects and writes for SECONDS, then prints "sent BYTES retrans N"
 *   netflow recv [-p tcp|ttp] [-t SECONDS] [-i MS] PORT
 *	accepts one connection and reads it for SECONDS from the accept,
 *	printing "TIME BYTES" for each interval of MS milliseconds (100),
 *	then "total BYTES SECONDS"
 *
 * TIME is CLOCK_MONOTONIC at the start of the interval, and intervals are
 * whole multiples of MS: the namespaces share the one clock, so the lines
 * of two receivers line up and the flows can be compared interval by
 * interval.  Under QEMU's -icount the clock counts guest instructions.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <linux/ttp.h>

#define CHUNK	65536

static int family = AF_INET;
static char chunk[CHUNK];

static void die(const char *what)
{
	fprintf(stderr, "netflow: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Milliseconds from now until when, for poll(): at least 1 if any left. */
static int ms_until(double when)
{
	double left = when - now_s();

	return left <= 0 ? 0 : (int)ceil(left * 1e3);
}

/*
 * The receiver may not be listening yet: the script starts both ends at
 * once, and a refused connection is cheaper than a handshake between
 * them.  Five seconds of retries, then give up.
 */
static int connect_to(const char *addr, int port, const char *algo)
{
	struct sockaddr_in a = {
		.sin_family = family,
		.sin_port = htons(port),
	};
	double give_up = now_s() + 5;

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		fprintf(stderr, "netflow: bad address %s\n", addr);
		exit(2);
	}
	for (;;) {
		int fd = socket(family, SOCK_STREAM, 0);
		int level = family == AF_TTP ? SOL_TTP : IPPROTO_TCP;

		if (fd < 0)
			die("socket");
		/* TTP_CONGESTION and TCP_CONGESTION share the number 13 */
		if (algo && setsockopt(fd, level, TCP_CONGESTION, algo,
				       strlen(algo)))
			die(algo);
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return fd;
		if (errno != ECONNREFUSED || now_s() > give_up)
			die("connect");
		close(fd);
		usleep(10000);
	}
}

/* Retransmissions so far, from TCP_INFO or TTP_INFO. */
static unsigned int retransmissions(int fd)
{
	struct tcp_info ti;
	struct ttp_info ui;
	socklen_t len;

	if (family == AF_TTP) {
		len = sizeof(ui);
		if (getsockopt(fd, SOL_TTP, TTP_INFO, &ui, &len))
			die("TTP_INFO");
		return ui.total_retrans;
	}
	len = sizeof(ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		die("TCP_INFO");
	return ti.tcpi_total_retrans;
}

/*
 * Write for secs seconds.  Non-blocking, so that a flow the bottleneck
 * has stalled still stops on time; the receiver stops on its own clock
 * and its close resets the connection, which ends the writes too.
 */
static int run_send(const char *addr, int port, const char *algo,
		    double secs)
{
	int fd = connect_to(addr, port, algo);
	double end = now_s() + secs;
	unsigned long long bytes = 0;
	unsigned int retrans;

	if (fcntl(fd, F_SETFL, O_NONBLOCK))
		die("O_NONBLOCK");
	while (now_s() < end) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		if (poll(&p, 1, ms_until(end)) < 0)
			die("poll");
		if (!(p.revents & (POLLOUT | POLLERR | POLLHUP)))
			continue;
		n = write(fd, chunk, CHUNK);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			break;
		if (n <= 0)
			die("write");
		bytes += n;
	}
	retrans = retransmissions(fd);
	close(fd);
	printf("sent %llu retrans %u\n", bytes, retrans);
	return 0;
}

static int run_recv(int port, double secs, int interval_ms)
{
	struct sockaddr_in a = {
		.sin_family = family,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	double step = interval_ms / 1e3, start, end, bin, next;
	unsigned long long bytes = 0, total = 0;
	int one = 1, lfd, fd;

	lfd = socket(family, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1))
		die("listen");
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	close(lfd);

	start = now_s();
	end = start + secs;
	bin = floor(start / step) * step;
	next = bin + step;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n = -1;
		double t;

		if (poll(&p, 1, ms_until(next < end ? next : end)) < 0)
			die("poll");
		if (p.revents) {
			n = read(fd, chunk, CHUNK);
			if (n < 0)
				die("read");
		}
		/* a read's bytes go to the interval it ended in */
		t = now_s();
		while (t >= next) {
			printf("%.1f %llu\n", bin, bytes);
			bytes = 0;
			bin = next;
			next += step;
		}
		if (n > 0) {
			bytes += n;
			total += n;
		}
		if (!n || t >= end) {
			printf("%.1f %llu\n", bin, bytes);
			break;
		}
	}
	printf("total %llu %.3f\n", total, now_s() - start);
	/* unread data left: the close resets, which stops the sender */
	close(fd);
	return 0;
}

static void bad_arguments(void)
{
	fputs("usage: netflow send [-p tcp|ttp] [-c ALGO] [-t SECONDS] ADDRESS PORT\n"
	      "       netflow recv [-p tcp|ttp] [-t SECONDS] [-i MS] PORT\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *proto = "tcp", *algo = NULL, *mode;
	double secs = 10;
	int opt, interval_ms = 100;

	/*
	 * stdout's buffer now, not at the first printf() in the middle of a
	 * flow: glibc sizes its own with an fstat(), which on the VM's 9p
	 * share is a round trip to the host, and under -icount with
	 * sleep=off the guest clock jumps from timer to timer while the
	 * receiver waits for the host (seconds of guest time, with the
	 * window shut).  Whatever is printed then leaves at exit.
	 */
	static char outbuf[1 << 16];

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (argc < 2)
		bad_arguments();
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "p:c:t:i:")) != -1) {
		if (opt == 'p')
			proto = optarg;
		else if (opt == 'c')
			algo = optarg;
		else if (opt == 't')
			secs = atof(optarg);
		else if (opt == 'i')
			interval_ms = atoi(optarg);
		else
			bad_arguments();
	}
	if (secs <= 0 || interval_ms <= 0)
		bad_arguments();
	if (!strcmp(proto, "ttp"))
		family = AF_TTP;
	else if (strcmp(proto, "tcp"))
		bad_arguments();
	signal(SIGPIPE, SIG_IGN);

	if (!strcmp(mode, "send") && optind == argc - 2)
		return run_send(argv[optind], atoi(argv[optind + 1]), algo,
				secs);
	if (!strcmp(mode, "recv") && optind == argc - 1)
		return run_recv(atoi(argv[optind]), secs, interval_ms);
	bad_arguments();
	return 2;
}
