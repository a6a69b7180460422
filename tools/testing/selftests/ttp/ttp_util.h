/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the TTP selftests: addresses, procfs and sysctl files,
 * raw TTP segments and capabilities.
 */
#ifndef _TTP_UTIL_H
#define _TTP_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/ttp.h>

#define TTP_PROC	"/proc/net/ttp"
#define TTP_STATS	"/proc/net/ttp_stats"
#define TTP_FAULTS	"/proc/net/ttp_faults"
#define TTP_TRACE	"/proc/net/ttp_trace"
#define TTP_SYSCTL	"/proc/sys/net/ttp/"

/* the repository's top, from this directory (run_tests.sh runs here) */
#define TTP_TOP		"../../../.."
#define TTPCAT		TTP_TOP "/tools/ttpcat/ttpcat"
#define TTPSTAT		TTP_TOP "/tools/ttpstat/ttpstat"

/* sockaddr_ttp has sockaddr_in's layout, so one builder serves both. */
static inline struct sockaddr_in ttp_sockaddr(int family, const char *ip,
					      int port)
{
	struct sockaddr_in a = { .sin_family = family, .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static inline int ttp_bind(int fd, int family, const char *ip, int port)
{
	struct sockaddr_in a = ttp_sockaddr(family, ip, port);

	return bind(fd, (struct sockaddr *)&a, sizeof(a));
}

static inline int ttp_local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		return -1;
	return ntohs(a.sin_port);
}

/* The whole file, NUL-terminated; the byte count or -errno. */
static inline ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf + total, size - 1 - total)) > 0)
		total += n;
	if (n < 0)
		total = -errno;
	close(fd);
	buf[total < 0 ? 0 : total] = '\0';
	return total;
}

/* One write(2) of text; 0 or -errno. */
static inline int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static inline long read_long(const char *path)
{
	char buf[64];

	if (read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* A counter of /proc/net/ttp_stats, or -1 if it is not there. */
static inline long ttp_stat(const char *name)
{
	static char buf[4096];
	size_t len = strlen(name);
	char *line;

	if (read_file(TTP_STATS, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, name, len) && line[len] == ' ')
			return strtol(line + len + 1, NULL, 10);
	return -1;
}

/* The line of /proc/net/ttp whose local address is ip:port, copied to out. */
static inline bool ttp_proc_line(const char *ip, int port, char *out,
				 size_t size)
{
	static char buf[1 << 16];
	char want[32], *line;

	snprintf(want, sizeof(want), "%s:%d ", ip, port);
	if (read_file(TTP_PROC, buf, sizeof(buf)) < 0)
		return false;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, want, strlen(want))) {
			snprintf(out, size, "%s", line);
			return true;
		}
	}
	return false;
}

static inline int ttp_proc_lines(void)
{
	static char buf[1 << 16];
	int n = 0;
	char *p;

	if (read_file(TTP_PROC, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; *p; p++)
		n += *p == '\n';
	return n;
}

/* The namespace's ip_local_port_range. */
static inline int ttp_port_range(int *lo, int *hi)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%d %d", lo, hi);
	fclose(f);
	return n == 2 ? 0 : -1;
}

/*
 * Whether ports the kernel chose look random: each in ip_local_port_range,
 * no two alike, and spread over more than a quarter of the range (ports
 * taken one after another would span n).  "spread", or what is wrong.
 */
static inline const char *ttp_ports_spread(const int *port, int n)
{
	static char why[64];
	int lo, hi, min = 65536, max = 0;

	if (ttp_port_range(&lo, &hi))
		return "no ip_local_port_range";
	for (int i = 0; i < n; i++) {
		if (port[i] < lo || port[i] > hi) {
			snprintf(why, sizeof(why), "port %d outside %d-%d",
				 port[i], lo, hi);
			return why;
		}
		for (int j = 0; j < i; j++) {
			if (port[j] == port[i]) {
				snprintf(why, sizeof(why), "port %d twice",
					 port[i]);
				return why;
			}
		}
		min = port[i] < min ? port[i] : min;
		max = port[i] > max ? port[i] : max;
	}
	if (max - min <= (hi - lo) / 4) {
		snprintf(why, sizeof(why), "ports only from %d to %d", min, max);
		return why;
	}
	return "spread";
}

/* Move this process into the network namespace "ip netns add ns" made. */
static inline int ttp_enter_netns(const char *ns)
{
	char path[64];
	int fd, err;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	err = setns(fd, CLONE_NEWNET);
	close(fd);
	return err;
}

/* Drop a capability from the effective set of this process. */
static inline int drop_capability(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[cap / 32].effective &= ~(1U << (cap % 32));
	return syscall(SYS_capset, &hdr, data);
}

/*
 * Run fn(arg) in a child process that has given up one capability (cap < 0:
 * none); its return value is the child's exit status, which comes back.
 * -1 if the child could not run or died.
 */
static inline int in_child_without(int cap, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (!pid) {
		if (cap >= 0 && drop_capability(cap))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Internet checksum (RFC 1071) of a buffer, added to sum. */
static inline uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (p[0] << 8) | p[1];
	if (len)
		sum += p[0] << 8;
	return sum;
}

static inline uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

struct ttp_raw_seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;		/* TCP's flag byte */
	uint16_t win;
	uint8_t doff;		/* header words; 0: 5 and the options */
	const void *opt;	/* options, TCP's encoding */
	size_t optlen;
	const void *data;
	size_t len;
	bool bad_csum;
};

/*
 * Send a hand-built TTP segment from a raw IP socket of protocol proto;
 * the kernel adds the IP header.  Returns sendto()'s result.
 */
static inline ssize_t ttp_raw_send(int proto, const char *src, const char *dst,
				   const struct ttp_raw_seg *s)
{
	uint8_t pkt[2048] = { 0 };
	uint8_t doff = s->doff ? s->doff : 5 + (s->optlen + 3) / 4;
	size_t hlen = doff * 4 > 20 ? doff * 4 : 20, total = hlen + s->len;
	struct sockaddr_in to = ttp_sockaddr(AF_INET, dst, 0);
	struct sockaddr_in from = ttp_sockaddr(AF_INET, src, 0);
	uint8_t pseudo[12];
	uint16_t sum;
	ssize_t ret;
	int fd;

	fd = socket(AF_INET, SOCK_RAW, proto);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&from, sizeof(from))) {
		close(fd);
		return -1;
	}
	pkt[0] = s->sport >> 8; pkt[1] = s->sport;
	pkt[2] = s->dport >> 8; pkt[3] = s->dport;
	pkt[4] = s->seq >> 24; pkt[5] = s->seq >> 16;
	pkt[6] = s->seq >> 8; pkt[7] = s->seq;
	pkt[8] = s->ack >> 24; pkt[9] = s->ack >> 16;
	pkt[10] = s->ack >> 8; pkt[11] = s->ack;
	pkt[12] = doff << 4;
	pkt[13] = s->flags;
	pkt[14] = s->win >> 8; pkt[15] = s->win;
	memcpy(pkt + 20, s->opt, s->optlen);
	memcpy(pkt + hlen, s->data, s->len);

	memcpy(pseudo, &from.sin_addr, 4);
	memcpy(pseudo + 4, &to.sin_addr, 4);
	pseudo[8] = 0;
	pseudo[9] = proto;
	pseudo[10] = total >> 8;
	pseudo[11] = total;
	sum = csum_fold(csum_add(csum_add(0, pseudo, 12), pkt, total));
	if (s->bad_csum)
		sum ^= 0x5555;
	pkt[16] = sum >> 8;
	pkt[17] = sum;

	ret = sendto(fd, pkt, total, 0, (struct sockaddr *)&to, sizeof(to));
	close(fd);
	return ret;
}

/* Bring up lo, in a network namespace of one's own. */
static inline int loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err;

	if (fd < 0)
		return -1;
	err = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	err = err ?: ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return err;
}

#endif /* _TTP_UTIL_H */
