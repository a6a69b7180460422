// SPDX-License-Identifier: GPL-2.0
/*
 * How hard a SYN flood a listener holds, TCP's and TTP's on the same
 * machine.  Two network namespaces joined by a veth pair: the listener
 * on one host, and on the other a flooder sending spoofed SYNs from
 * 10.97.0.0/16 (routed back through that host, which does not forward, so
 * the SYN+ACKs are lost as a real spoofer's are) beside a real client
 * that connects, again and again, for as long as each step of the flood
 * lasts.  The listener's host takes its packets in as from a NIC: a ring
 * of 256 that a NAPI thread empties, so a flood faster than the listener
 * overflows the ring (and drops the client's SYNs with the rest) instead
 * of slowing the flooder down to the listener's pace.
 *
 * The flood's rate rises from step to step until the client once needs
 * a second or more to connect (a SYN retransmitted), or fails, or the
 * flooder cannot send as fast as asked.  Each step prints the rate
 * offered and the rate sent, the SYN cookies the listener sent, the
 * packets the veth pair dropped, and the client's connects: how many,
 * how many failed, how many were slow (a second or more), the slowest.
 * "rate held" is the highest rate sent at which every connect of its
 * step, and of every step below it, took less than a second.  make
 * stress runs it; make check does not.
 *
 *   TTP_FLOOD_RATES="100 200 ..."  SYNs a second of each step
 *   TTP_FLOOD_MS=N                 how long each step floods (10000)
 */
#include "ttp_conn.h"

#define SRV_NS		"ttp_fs"
#define CLI_NS		"ttp_fc"
#define SRV_IP		"10.98.0.1"
#define CLI_IP		"10.98.0.2"
#define SPOOF_BASE	0x0a610001	/* 10.97.0.1 */
#define SPOOF_SPAN	65533
#define PORT		9100
#define BACKLOG		256	/* TCP's request queue; TTP's is max_syn_backlog */
#define SLOW_MS		1000	/* a connect this slow needed a second SYN */
#define DEFAULT_RATES	"100 200 300 400 500 600 800 1000 1200 1600 2400 3200"

static const char * const setup[] = {
	"ip netns add " SRV_NS,
	"ip netns add " CLI_NS,
	"ip link add vs netns " SRV_NS " type veth peer name vc netns " CLI_NS,
	"ip -n " SRV_NS " addr add " SRV_IP "/24 dev vs",
	"ip -n " CLI_NS " addr add " CLI_IP "/24 dev vc",
	"ip -n " SRV_NS " link set vs up",
	"ip -n " CLI_NS " link set vc up",
	"ip -n " SRV_NS " link set lo up",
	"ip -n " SRV_NS " route add 10.97.0.0/16 via " CLI_IP,
	/* NAPI on vs: GRO on it, and TSO off on the side that sends to it */
	"ip netns exec " CLI_NS " ethtool -K vc tso off",
	"ip netns exec " SRV_NS " ethtool -K vs gro on",
	"ip netns exec " SRV_NS " sh -c 'echo 1 > /sys/class/net/vs/threaded'",
};

/* What one step of the flood measured. */
struct step {
	int rate;
	uint32_t sent, ms;		/* the flooder's SYNs, in ms */
	long cookies, drops;
	int connects, failed, slow;	/* the client's */
	uint32_t slowest_ms;
};

/* The client's tally, sent up a pipe. */
struct tally {
	int connects, failed, slow;
	uint32_t slowest_ms;
};

/* Packets dev dropped, received and sent, in this namespace's /proc/net/dev. */
static long link_drops(const char *dev)
{
	unsigned long rx_drop, tx_drop;
	char line[512], name[32];
	FILE *f = fopen("/proc/net/dev", "r");
	long n = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %31[^:]: %*u %*u %*u %lu %*u %*u %*u %*u %*u %*u %*u %lu",
			   name, &rx_drop, &tx_drop) == 3 && !strcmp(name, dev))
			n = rx_drop + tx_drop;
	fclose(f);
	return n;
}

/* A counter of /proc/net/netstat's TcpExt lines. */
static long tcpext(const char *name)
{
	static char names[8192], values[8192];
	FILE *f = fopen("/proc/net/netstat", "r");
	long val = -1;

	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f) &&
	       fgets(values, sizeof(values), f)) {
		char *n, *v, *sn, *sv;

		if (strncmp(names, "TcpExt:", 7))
			continue;
		n = strtok_r(names + 7, "\n ", &sn);
		v = strtok_r(values + 7, "\n ", &sv);
		for (; n && v; n = strtok_r(NULL, "\n ", &sn),
		     v = strtok_r(NULL, "\n ", &sv))
			if (!strcmp(n, name))
				val = strtol(v, NULL, 10);
	}
	fclose(f);
	return val;
}

static long cookies_sent(bool ttp)
{
	return ttp ? ttp_stat("SyncookiesSent") : tcpext("SyncookiesSent");
}

/*
 * One connect to the listener, non-blocking with a poll so that a lost
 * SYN is retried by the kernel and the wait is measured: its time in ms,
 * or -1 if it failed.
 */
static int timed_connect(int family)
{
	struct sockaddr_in a = ttp_sockaddr(family, SRV_IP, PORT);
	struct pollfd p = { .events = POLLOUT };
	uint32_t start = now_ms();
	int err = 0, took = -1;
	socklen_t len = sizeof(err);

	p.fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (p.fd < 0)
		return -1;
	if ((!connect(p.fd, (struct sockaddr *)&a, sizeof(a)) ||
	     errno == EINPROGRESS) && poll(&p, 1, 10000) == 1 &&
	    !getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len) && !err)
		took = now_ms() - start;
	close(p.fd);
	return took;
}

/* The client: connect again and again for ms, a tally up fd. */
static void client(int family, int ms, int fd)
{
	uint32_t start = now_ms();
	struct tally t = { 0 };

	while (now_ms() - start < (uint32_t)ms) {
		int took = timed_connect(family);

		t.connects++;
		if (took < 0) {
			t.failed++;
			continue;
		}
		t.slow += took >= SLOW_MS;
		if ((uint32_t)took > t.slowest_ms)
			t.slowest_ms = took;
		sleep_ms(20);
	}
	write(fd, &t, sizeof(t));
}

/*
 * Fork the flooder or the client into the client's namespace; it writes
 * what it measured to a pipe whose read end is returned in *rd.
 */
static pid_t in_client_ns(int *rd, int family, int proto, int rate, int ms,
			  bool flooder)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid) {
		close(p[1]);
		*rd = p[0];
		return pid;
	}
	close(p[0]);
	if (ttp_enter_netns(CLI_NS))
		_exit(1);
	if (flooder) {
		long drops = link_drops("vc");
		uint32_t start = now_ms(), n, took;

		n = syn_flood(proto, SPOOF_BASE, SPOOF_SPAN, SRV_IP, PORT,
			      rate, ms);
		took = now_ms() - start;
		drops = link_drops("vc") - drops;
		write(p[1], &n, sizeof(n));
		write(p[1], &took, sizeof(took));
		write(p[1], &drops, sizeof(drops));
	} else {
		/* until the flood has filled the queue of requests */
		int wait = BACKLOG * 1000 / rate + 500;

		wait = wait < ms / 2 ? wait : ms / 2;
		sleep_ms(wait);
		client(family, ms - wait, p[1]);
	}
	_exit(0);
}

/* Accept and close what the client makes until both children end. */
static void serve(int lfd)
{
	int left = 2, status;

	while (left) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		if (poll(&p, 1, 50) == 1) {
			int fd = accept(lfd, NULL, NULL);

			if (fd >= 0)
				close(fd);
		}
		while (left && waitpid(-1, &status, WNOHANG) > 0)
			left--;
	}
}

/* One step of the flood at rate against the listener lfd. */
static int flood_step(int lfd, bool ttp, int rate, int ms, struct step *s)
{
	int family = ttp ? AF_TTP : AF_INET, frd, crd, err;
	struct tally t = { 0 };
	long cookies = cookies_sent(ttp), drops = link_drops("vs"), vc_drops;
	pid_t f, c;

	f = in_client_ns(&frd, family, proto_of(lfd), rate, ms, true);
	c = in_client_ns(&crd, family, 0, rate, ms, false);
	if (f < 0 || c < 0) {
		/* the test fails; a child that started ends after ms */
		if (f > 0)
			close(frd);
		if (c > 0)
			close(crd);
		return -1;
	}
	serve(lfd);
	memset(s, 0, sizeof(*s));
	s->rate = rate;
	err = read(frd, &s->sent, sizeof(s->sent)) != sizeof(s->sent) ||
	      read(frd, &s->ms, sizeof(s->ms)) != sizeof(s->ms) ||
	      read(frd, &vc_drops, sizeof(vc_drops)) != sizeof(vc_drops) ||
	      read(crd, &t, sizeof(t)) != sizeof(t);
	close(frd);
	close(crd);
	if (err)
		return -1;
	s->cookies = cookies_sent(ttp) - cookies;
	s->drops = link_drops("vs") - drops + vc_drops;
	s->connects = t.connects;
	s->failed = t.failed;
	s->slow = t.slow;
	s->slowest_ms = t.slowest_ms;
	return 0;
}

static uint32_t reached(const struct step *s)
{
	return s->sent * 1000ULL / (s->ms ?: 1);
}

/* Every connect of the step quick, at the rate asked for. */
static bool held(const struct step *s)
{
	return s->connects > 0 && !s->failed && !s->slow &&
	       reached(s) * 10 >= s->rate * 9U;
}

/*
 * Flood a listener of one protocol step by step; returns the highest
 * rate reached that it held (0: not even the first's; -1: an error), the
 * steps run in steps[], *n of them, and in *limited whether something
 * other than the listener ended the ladder (its last step, or the
 * flooder's own speed): then the rate held is only a lower bound.
 */
static int ladder(struct __test_metadata *_metadata, bool ttp, int ms,
		  struct step *steps, int *n, bool *limited)
{
	const char *rates = getenv("TTP_FLOOD_RATES") ?: DEFAULT_RATES;
	int family = ttp ? AF_TTP : AF_INET, lfd, one = 1, rate_held = 0;
	char *list = strdup(rates), *r, *save;

	*n = 0;
	lfd = socket(family, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!list || ttp_bind(lfd, family, SRV_IP, PORT) ||
	    listen(lfd, BACKLOG))
		rate_held = -1;
	for (r = strtok_r(list, " ", &save); r && *n < 16 && rate_held >= 0;
	     r = strtok_r(NULL, " ", &save)) {
		struct step *s = &steps[(*n)++];

		if (atoi(r) <= 0 || flood_step(lfd, ttp, atoi(r), ms, s)) {
			rate_held = -1;
			break;
		}
		TH_LOG("%s %d/s: sent %u/s, %ld cookies, %ld dropped",
		       ttp ? "TTP" : "TCP", s->rate, reached(s), s->cookies,
		       s->drops);
		TH_LOG("%s %d/s: %d connects, %d failed, %d slow, slowest %u ms",
		       ttp ? "TTP" : "TCP", s->rate, s->connects, s->failed,
		       s->slow, s->slowest_ms);
		if (!held(s))
			break;
		rate_held = reached(s);
	}
	if (rate_held >= 0 && *n) {
		struct step *s = &steps[*n - 1];

		TH_LOG("%s: %s; the listener answered %ld SYNs a second",
		       ttp ? "TTP" : "TCP",
		       held(s) ? "held every step: the steps ran out, not the listener" :
		       s->failed || s->slow ? "the client was held up" :
		       "the flooder could not send as fast as asked",
		       s->cookies * 1000 / (s->ms ?: 1));
		*limited = held(s) || !(s->failed || s->slow);
	}
	close(lfd);
	free(list);
	return rate_held;
}

FIXTURE(flood) {
};

FIXTURE_SETUP(flood)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(setup); i++) {
		int err = system(setup[i]);

		ASSERT_EQ(0, err) TH_LOG("%s", setup[i]);
	}
	ASSERT_EQ(0, ttp_enter_netns(SRV_NS));
	/* the same queue of requests for both, then cookies */
	ASSERT_EQ(0, set_sysctl("max_syn_backlog", BACKLOG));
	ASSERT_EQ(1, read_long(TTP_SYSCTL "syncookies"));
	ASSERT_EQ(1, read_long("/proc/sys/net/ipv4/tcp_syncookies"));
}

FIXTURE_TEARDOWN(flood)
{
	system("ip netns del " SRV_NS);
	system("ip netns del " CLI_NS);
}

/*
 * TTP's listener holds the first step's flood, which fills its queue of
 * requests and is answered with cookies; its rate held is printed next
 * to TCP's, flooded the same way.
 */
TEST_F_TIMEOUT(flood, rate_held_against_tcp, 3600)
{
	const char *env = getenv("TTP_FLOOD_MS");
	int ms = env ? atoi(env) : 10000, ntcp, nttp, tcp, ttp;
	struct step tcp_steps[16], ttp_steps[16];
	bool tcp_limited = false, ttp_limited = false;

	/* the client needs time after the queue fills; 16 steps fit 3600 s */
	ASSERT_LE(2000, ms);
	ASSERT_GE(60000, ms);
	tcp = ladder(_metadata, false, ms, tcp_steps, &ntcp, &tcp_limited);
	ASSERT_LE(0, tcp);
	ttp = ladder(_metadata, true, ms, ttp_steps, &nttp, &ttp_limited);
	ASSERT_LE(0, ttp);
	ASSERT_LE(1, ntcp);
	ASSERT_LE(1, nttp);
	if (tcp && !tcp_limited && !ttp_limited)
		TH_LOG("rate held: TTP %d/s, TCP %d/s (TTP/TCP %.2f)", ttp,
		       tcp, (double)ttp / tcp);
	else
		TH_LOG("rate held: TTP %d/s%s, TCP %d/s%s (no ratio)", ttp,
		       ttp_limited ? " or more" : "", tcp,
		       tcp_limited ? " or more" : "");
	EXPECT_TRUE(held(&ttp_steps[0]));
	EXPECT_LT(0, ttp_steps[0].cookies);
	EXPECT_LT(0, tcp_steps[0].cookies);
}

TEST_HARNESS_MAIN
