// SPDX-License-Identifier: GPL-2.0
/*
 * A first look at TTP: open a listening socket and a bound one, then show
 * them as the kernel lists them in /proc/net/ttp.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ttp.h>

static void die(const char *what)
{
	fprintf(stderr, "ttp-demo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int ttp_socket_at(const char *ip, int port)
{
	struct sockaddr_ttp a = {
		.sttp_family = AF_TTP,
		.sttp_port = htons(port),
	};
	int fd = socket(AF_TTP, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket(AF_TTP, SOCK_STREAM, 0)");
	inet_pton(AF_INET, ip, &a.sttp_addr);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die("bind");
	return fd;
}

static void show(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		die(path);
	printf("$ cat %s\n", path);
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
	printf("\n");
}

int main(void)
{
	struct sockaddr_ttp a;
	socklen_t len = sizeof(a);
	struct ttp_info info;
	int server, other, proto;

	server = ttp_socket_at("127.0.0.1", 7000);
	if (listen(server, 16))
		die("listen");
	other = ttp_socket_at("127.0.0.1", 0);
	if (getsockname(other, (struct sockaddr *)&a, &len))
		die("getsockname");

	len = sizeof(proto);
	getsockopt(server, SOL_SOCKET, SO_PROTOCOL, &proto, &len);
	len = sizeof(info);
	if (getsockopt(server, SOL_TTP, TTP_INFO, &info, &len))
		die("getsockopt(TTP_INFO)");

	printf("A TTP socket listens on 127.0.0.1:7000 (IP protocol %d, state %u = LISTEN),\n",
	       proto, info.state);
	printf("and another is bound to the ephemeral port %u.\n\n",
	       ntohs(a.sttp_port));
	show("/proc/net/ttp");
	show("/proc/sys/net/ttp/msl_ms");
	show("/proc/net/ttp_stats");
	close(other);
	close(server);
	return 0;
}
