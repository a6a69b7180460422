// SPDX-License-Identifier: GPL-2.0
/*
 * ttpbench: the three loopback measurements of netperf, on TCP or TTP.
 *
 *   stream  one connection, 64 KiB writes for the time given: MB/s
 *   rr      one connection, 1-byte request and 1-byte response: per second
 *   crr     connect, request, response, close, over and over: per second
 *
 * The server is a child process on 127.0.0.1.  Time is CLOCK_MONOTONIC:
 * under QEMU's -icount it counts guest instructions, so the figures of a
 * run repeat, and TTP's are read as a ratio to TCP's on the same kernel.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/ttp.h>

#define CHUNK	65536

static int family = AF_INET;
static char chunk[CHUNK];

static void die(const char *what)
{
	fprintf(stderr, "ttpbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = {
		.sin_family = family,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	return a;
}

static int listener(int *port)
{
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof(a);
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 128) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		die("listen");
	*port = ntohs(a.sin_port);
	return fd;
}

static int connect_to(int port)
{
	struct sockaddr_in a = loopback(port);
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	return fd;
}

static void read_exactly(int fd, void *buf, size_t len)
{
	while (len) {
		ssize_t n = read(fd, buf, len);

		if (n <= 0)
			die("read");
		buf = (char *)buf + n;
		len -= n;
	}
}

/* The server: read to the end, then say so with one byte. */
static void serve_stream(int fd)
{
	while (read(fd, chunk, CHUNK) > 0)
		;
	if (write(fd, "", 1) != 1)
		die("write");
}

/* The server: answer each byte with one byte, until the end. */
static void serve_rr(int fd)
{
	char c;

	while (read(fd, &c, 1) == 1)
		if (write(fd, &c, 1) != 1)
			die("write");
}

/* The server: one byte in, one byte out, and close first. */
static void serve_crr(int fd)
{
	char c;

	if (read(fd, &c, 1) == 1 && write(fd, &c, 1) != 1)
		die("write");
}

/* Bytes per second through one connection for secs seconds. */
static double run_stream(int port, double secs)
{
	int fd = connect_to(port);
	double start = now_s(), end = start + secs;
	unsigned long long bytes = 0;
	char done;

	while (now_s() < end) {
		ssize_t n = write(fd, chunk, CHUNK);

		if (n <= 0)
			die("write");
		bytes += n;
	}
	/* counted once the reader has every byte */
	shutdown(fd, SHUT_WR);
	read_exactly(fd, &done, 1);
	close(fd);
	return bytes / (now_s() - start);
}

static double run_rr(int port, double secs)
{
	int fd = connect_to(port);
	double start = now_s(), end = start + secs;
	unsigned long n = 0;
	char c = 'r';

	for (; now_s() < end; n++) {
		if (write(fd, &c, 1) != 1)
			die("write");
		read_exactly(fd, &c, 1);
	}
	close(fd);
	return n / (now_s() - start);
}

static double run_crr(int port, double secs)
{
	double start = now_s(), end = start + secs;
	unsigned long n = 0;
	char c = 'c';

	for (; now_s() < end; n++) {
		int fd = connect_to(port);

		if (write(fd, &c, 1) != 1)
			die("write");
		read_exactly(fd, &c, 1);
		/* the server closes first: TIME_WAIT stays on its side */
		if (read(fd, &c, 1) != 0)
			die("read to the end");
		close(fd);
	}
	return n / (now_s() - start);
}

static void bad_arguments(void)
{
	fputs("usage: ttpbench [-p tcp|ttp] [-t SECONDS] stream|rr|crr\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *proto = "tcp", *mode;
	double secs = 2, result;
	int opt, lfd, port, status;
	pid_t server;

	while ((opt = getopt(argc, argv, "p:t:")) != -1) {
		if (opt == 'p')
			proto = optarg;
		else if (opt == 't')
			secs = atof(optarg);
		else
			bad_arguments();
	}
	if (optind != argc - 1 || secs <= 0)
		bad_arguments();
	mode = argv[optind];
	if (!strcmp(proto, "ttp"))
		family = AF_TTP;
	else if (strcmp(proto, "tcp"))
		bad_arguments();
	if (strcmp(mode, "stream") && strcmp(mode, "rr") && strcmp(mode, "crr"))
		bad_arguments();
	signal(SIGPIPE, SIG_IGN);

	lfd = listener(&port);
	server = fork();
	if (server < 0)
		die("fork");
	if (!server) {
		for (;;) {
			int fd = accept(lfd, NULL, NULL);

			if (fd < 0)
				die("accept");
			if (!strcmp(mode, "stream"))
				serve_stream(fd);
			else if (!strcmp(mode, "rr"))
				serve_rr(fd);
			else
				serve_crr(fd);
			close(fd);
		}
	}
	close(lfd);

	if (!strcmp(mode, "stream"))
		result = run_stream(port, secs) / 1e6;
	else if (!strcmp(mode, "rr"))
		result = run_rr(port, secs);
	else
		result = run_crr(port, secs);
	kill(server, SIGKILL);
	waitpid(server, &status, 0);
	printf("%s %s %.1f %s\n", mode, proto, result,
	       strcmp(mode, "stream") ? "per_s" : "MB/s");
	return 0;
}
