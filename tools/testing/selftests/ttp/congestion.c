// SPDX-License-Identifier: GPL-2.0
/*
 * Congestion control, watched through the ttp:ttp_cong tracepoint and
 * TTP_INFO: slow start doubles the window each round trip, one lost
 * segment halves it (Reno) or cuts it to 0.7 (CUBIC) through fast
 * recovery, a retransmission timeout takes it to one segment, an
 * application that never fills the window does not grow it, and
 * TTP_CONGESTION and the congestion_control sysctls choose the algorithm.
 *
 * Each test runs in a network namespace of its own, so that netem on its
 * lo, its fault rules and its sysctls touch nobody else.  The tracepoint
 * is read through a tracefs instance of this test's own.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "kselftest_harness.h"
#include "ttp_util.h"

#define LO		"127.0.0.1"
#define SPORT		5000	/* the listener, which only reads */
#define CPORT		5001	/* the client, which sends */
#define MSS		1000
#define TSOPT		12	/* the timestamps every segment carries */
#define BIGBUF		(4 << 20)
#define INIT_CWND	10
#define NO_SSTHRESH	0x7fffffffU
#define NOBODY		65534
#define CA_NAME_LEN	16	/* struct ttp_info's congestion[] */

#define TRACEFS		"/sys/kernel/tracing"
#define INSTANCE	TRACEFS "/instances/ttp_congestion"
#define EVENT		INSTANCE "/events/ttp/ttp_cong"

/* TCP's numbers, as struct ttp_info's ca_state has them */
#define CA_OPEN		0
#define CA_DISORDER	1
#define CA_RECOVERY	3
#define CA_LOSS		4

/* One ttp:ttp_cong event of the sending socket. */
struct cong_ev {
	uint32_t una, nxt, cwnd, ssthresh, state;
};

FIXTURE(cong) {
	int lfd, cfd, sfd;
	pid_t reader;
	uint64_t acked0;	/* the client's bytes_acked before any data */
	bool traced;
	struct cong_ev *ev;
	int nev;
};

/*
 * Netem on lo hands each segment on from whichever CPU its timer or the
 * next transmission ran on, and two CPUs' backlogs reorder what they
 * deliver: enough for three duplicate ACKs, and a fast retransmit of a
 * segment never lost.  On one CPU every segment takes the same path.
 */
static int one_cpu(void)
{
	cpu_set_t cpus;
	int cpu;

	if (sched_getaffinity(0, sizeof(cpus), &cpus))
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &cpus); cpu++)
		;
	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	return sched_setaffinity(0, sizeof(cpus), &cpus);
}

FIXTURE_SETUP(cong)
{
	self->lfd = -1;
	self->cfd = -1;
	self->sfd = -1;
	self->reader = 0;
	self->traced = false;
	self->ev = NULL;
	self->nev = 0;
	ASSERT_EQ(0, one_cpu());
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, loopback_up());
	/* TIME_WAIT ends soon; every segment is acknowledged at once */
	ASSERT_EQ(0, write_file(TTP_SYSCTL "msl_ms", "500"));
	ASSERT_EQ(0, write_file(TTP_SYSCTL "delayed_ack_ms", "0"));
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(cong)
{
	if (self->reader > 0) {
		kill(self->reader, SIGKILL);
		waitpid(self->reader, NULL, 0);
	}
	if (self->cfd >= 0)
		close(self->cfd);
	if (self->sfd >= 0)
		close(self->sfd);
	if (self->lfd >= 0)
		close(self->lfd);
	if (self->traced) {
		write_file(EVENT "/enable", "0");
		rmdir(INSTANCE);
	}
	free(self->ev);
}

static void sleep_ms(int ms)
{
	usleep(ms * 1000);
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000ULL + t.tv_nsec / 1000000;
}

static struct ttp_info info_of(int fd)
{
	struct ttp_info info = { 0 };
	socklen_t len = sizeof(info);

	getsockopt(fd, SOL_TTP, TTP_INFO, &info, &len);
	return info;
}

static int set_cong(int fd, const char *name)
{
	return setsockopt(fd, SOL_TTP, TTP_CONGESTION, name, strlen(name));
}

/* The socket's algorithm, or "" */
static const char *cong_of(int fd)
{
	static char name[CA_NAME_LEN + 1];
	socklen_t len = CA_NAME_LEN;

	memset(name, 0, sizeof(name));
	if (getsockopt(fd, SOL_TTP, TTP_CONGESTION, name, &len))
		return "";
	return name;
}

/* Every segment on lo waits 20 ms: a round trip of 40 ms. */
static int netem_delay(void)
{
	return system("tc qdisc add dev lo root netem delay 20ms limit 100000");
}

/*
 * The ttp_cong events of the client's socket go to a tracefs instance of
 * this test's own, from an empty buffer large enough for all of them.
 */
static int trace_start(struct _test_data_cong *self)
{
	char filter[64];

	rmdir(INSTANCE);	/* left by a run that was killed */
	if (mkdir(INSTANCE, 0755))
		return -1;
	self->traced = true;
	snprintf(filter, sizeof(filter), "sport == %d && dport == %d",
		 CPORT, SPORT);
	/* a new instance's buffer is empty */
	if (write_file(INSTANCE "/buffer_size_kb", "8192") ||
	    write_file(EVENT "/filter", filter) ||
	    write_file(EVENT "/enable", "1"))
		return -1;
	return 0;
}

/* The start of the event's line; the fields after ca_state are not read */
#define EVENT_FORMAT \
	"ttp_cong: saddr=%*s sport=%u daddr=%*s dport=%u snd_una=%u snd_nxt=%u snd_cwnd=%u ssthresh=%u ca_state=%u"

/* Stop tracing and read the events into self->ev; their number or -1. */
static int trace_read(struct _test_data_cong *self)
{
	FILE *f;
	char *line = NULL;
	size_t size = 0, max = 0;

	if (write_file(EVENT "/enable", "0"))
		return -1;
	f = fopen(INSTANCE "/trace", "r");
	if (!f)
		return -1;
	self->nev = 0;
	while (getline(&line, &size, f) > 0) {
		char *p = strstr(line, "ttp_cong: ");
		unsigned int sport, dport;
		struct cong_ev e;

		if (!p || sscanf(p, EVENT_FORMAT, &sport, &dport, &e.una,
				 &e.nxt, &e.cwnd, &e.ssthresh, &e.state) != 7)
			continue;
		if (sport != CPORT || dport != SPORT)
			continue;
		if ((size_t)self->nev == max) {
			max = max ? 2 * max : 1024;
			self->ev = realloc(self->ev, max * sizeof(*self->ev));
			if (!self->ev)
				break;
		}
		self->ev[self->nev++] = e;
	}
	free(line);
	fclose(f);
	return self->ev || !self->nev ? self->nev : -1;
}

/* The events, one a line, for a failure's log. */
static void trace_log(struct __test_metadata *_metadata,
		      struct _test_data_cong *self, int from, int to)
{
	if (from < 0)
		from = 0;
	if (to > self->nev)
		to = self->nev;
	for (int i = from; i < to; i++)
		TH_LOG("ev %d: una=%u nxt=%u cwnd=%u ssthresh=%u ca_state=%u",
		       i, self->ev[i].una, self->ev[i].nxt, self->ev[i].cwnd,
		       self->ev[i].ssthresh, self->ev[i].state);
}

static int connect_lo(int fd, int port)
{
	struct sockaddr_in a = ttp_sockaddr(AF_TTP, LO, port);

	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

/*
 * A listener on SPORT with a 4 MB receive buffer (so that the window
 * never limits the sender) and a client from CPORT sending segments of
 * MSS bytes with algorithm ca from a 4 MB send buffer, connected.  The
 * MSS set pays for the timestamps option, so segments carry MSS bytes.
 */
static int open_bulk(struct _test_data_cong *self, const char *ca)
{
	int one = 1, big = BIGBUF, mss = MSS + TSOPT;

	self->lfd = socket(AF_TTP, SOCK_STREAM, 0);
	if (self->lfd < 0 ||
	    setsockopt(self->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(self->lfd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) ||
	    ttp_bind(self->lfd, AF_TTP, LO, SPORT) || listen(self->lfd, 4))
		return -1;
	self->cfd = socket(AF_TTP, SOCK_STREAM, 0);
	if (self->cfd < 0 ||
	    setsockopt(self->cfd, SOL_TTP, TTP_MAXSEG, &mss, sizeof(mss)) ||
	    setsockopt(self->cfd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) ||
	    (ca && set_cong(self->cfd, ca)) ||
	    ttp_bind(self->cfd, AF_TTP, LO, CPORT) ||
	    connect_lo(self->cfd, SPORT))
		return -1;
	self->sfd = accept(self->lfd, NULL, NULL);
	/* the SYN counts: TCP's tcpi_bytes_acked does the same */
	self->acked0 = info_of(self->cfd).bytes_acked;
	return self->sfd < 0 ? -1 : 0;
}

static uint8_t pattern(size_t i)
{
	/* 251 is prime: no segment boundary lines the bytes up again */
	return i % 251;
}

/*
 * A child reads self->sfd to its end: exit status 0 if it had exactly len
 * bytes of pattern(), else what was wrong.
 */
static int start_reader(struct _test_data_cong *self, size_t len)
{
	self->reader = fork();
	if (self->reader < 0)
		return -1;
	if (!self->reader) {
		static uint8_t chunk[1 << 16];
		size_t got = 0;
		ssize_t n;

		close(self->cfd);
		while ((n = read(self->sfd, chunk, sizeof(chunk))) > 0) {
			for (ssize_t i = 0; i < n; i++)
				if (got + i >= len || chunk[i] != pattern(got + i))
					_exit(1);
			got += n;
		}
		_exit(n < 0 ? 2 : got != len ? 3 : 0);
	}
	close(self->sfd);
	self->sfd = -1;
	return 0;
}

/*
 * Queue bytes from to from + len of pattern(); 0 or -errno.  One send()
 * holds the socket while it copies: the ACKs that come meanwhile wait in
 * the backlog, so that everything is queued before the window opens and
 * only the window limits the sender.
 */
static int send_pattern(int fd, size_t from, size_t len)
{
	uint8_t *data = malloc(len);
	size_t sent = 0;
	int err = 0;

	if (!data)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++)
		data[i] = pattern(from + i);
	while (sent < len) {
		ssize_t w = send(fd, data + sent, len - sent, 0);

		if (w < 0) {
			err = -errno;
			break;
		}
		sent += w;
	}
	free(data);
	return err;
}

/*
 * Wait until the peer acknowledged bytes of data and nothing is in
 * flight; false on timeout.
 */
static bool wait_acked(struct _test_data_cong *self, uint64_t bytes, int ms)
{
	uint64_t end = now_ms() + ms;

	do {
		struct ttp_info info = info_of(self->cfd);

		if (info.bytes_acked >= self->acked0 + bytes &&
		    info.snd_una == info.snd_nxt)
			return true;
		sleep_ms(5);
	} while (now_ms() < end);
	return false;
}

/* The reader's verdict once the client's FIN reached it. */
static int reader_status(struct _test_data_cong *self)
{
	int st;

	if (shutdown(self->cfd, SHUT_WR) ||
	    waitpid(self->reader, &st, 0) != self->reader)
		return -1;
	self->reader = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A fault rule for the connection's data: "drop ... port=SPORT ..." */
static int drop_data(int skip, int count)
{
	char rule[128];

	snprintf(rule, sizeof(rule),
		 "drop dir=out flags=PSH port=%d skip=%d count=%d", SPORT,
		 skip, count);
	return write_file(TTP_FAULTS, rule);
}

/* The fault rules' hits, summed. */
static int fault_hits(void)
{
	char text[1024], *p = text;
	int hits = 0;

	if (read_file(TTP_FAULTS, text, sizeof(text)) < 0)
		return -1;
	while ((p = strstr(p, "hits=")))
		hits += atoi(p += 5);
	return hits;
}

/*
 * Slow start's rounds, as a time-sequence graph shows them: a round ends
 * when what was in flight at its start is acknowledged.  The first round
 * starts at the first event with the initial window; each later one at
 * the event that ended the one before.  cwnd[] gets the window at each
 * round's end, after cwnd[0] = the initial window; returns how many.
 */
static int rounds(const struct cong_ev *ev, int n, uint32_t *cwnd, int max)
{
	uint32_t end;
	int r = 0;

	if (!n || !max)
		return 0;
	cwnd[r++] = INIT_CWND;
	end = ev[0].nxt;
	for (int i = 1; i < n && r < max; i++) {
		if ((int32_t)(ev[i].una - end) >= 0) {
			cwnd[r++] = ev[i].cwnd;
			end = ev[i].nxt;
		}
	}
	return r;
}

/* The first event with ca_state state at or after from, or -1. */
static int find_state(const struct _test_data_cong *self, int from,
		      uint32_t state)
{
	for (int i = from; i < self->nev; i++)
		if (self->ev[i].state == state)
			return i;
	return -1;
}

/*
 * 1.5 MB from an empty window with nothing lost: slow start, one segment
 * more per segment acknowledged, so twice the window each round trip.
 */
TEST_F_TIMEOUT(cong, slow_start_doubles_per_round, 180)
{
	const size_t len = 1500 * 1000;
	uint32_t cwnd[32];
	struct ttp_info info;
	int n;

	ASSERT_EQ(0, netem_delay());
	ASSERT_EQ(0, open_bulk(self, "reno"));
	ASSERT_EQ(MSS, info_of(self->cfd).mss);
	ASSERT_EQ(0, trace_start(self));
	ASSERT_EQ(0, start_reader(self, len));
	ASSERT_EQ(0, send_pattern(self->cfd, 0, len));
	ASSERT_TRUE(wait_acked(self, len, 60000));
	info = info_of(self->cfd);
	EXPECT_EQ(0, reader_status(self));
	ASSERT_LT(0, trace_read(self));

	/* nothing lost: never out of slow start */
	for (int i = 0; i < self->nev; i++) {
		if (self->ev[i].state != CA_OPEN ||
		    self->ev[i].ssthresh != NO_SSTHRESH) {
			trace_log(_metadata, self, i - 2, i + 3);
			ASSERT_EQ(CA_OPEN, self->ev[i].state);
			ASSERT_EQ(NO_SSTHRESH, self->ev[i].ssthresh);
		}
	}
	n = rounds(self->ev, self->nev, cwnd, 32);
	for (int i = 0; i < n; i++)
		TH_LOG("round %d ends with cwnd %u", i, cwnd[i]);
	/* 10, 20, 38, 74, 146, ... */
	ASSERT_LE(5, n);
	for (int i = 1; i < n; i++) {
		EXPECT_LE(cwnd[i - 1] * 17, cwnd[i] * 10) TH_LOG("round %d", i);
		EXPECT_GE(cwnd[i - 1] * 21, cwnd[i] * 10) TH_LOG("round %d", i);
	}

	EXPECT_LT(80, info.snd_cwnd);
	EXPECT_EQ(NO_SSTHRESH, info.snd_ssthresh);
	EXPECT_EQ(CA_OPEN, info.ca_state);
	EXPECT_STREQ("reno", info.congestion);
	EXPECT_TRUE(info.options & TTP_INFO_OPT_WSCALE);
	EXPECT_EQ(0, info.total_retrans);
}

/* Segments in flight at an event, as the module counts them. */
static uint32_t flight(const struct cong_ev *e, uint32_t mss)
{
	return (e->nxt - e->una + mss - 1) / mss;
}

/*
 * Reno's ssthresh at event e, before being the one before it: half the
 * segments in flight, two at least; in disorder no more than the window,
 * as Limited Transmit's segments past it do not count.
 */
static uint32_t reno_ssthresh(const struct cong_ev *e,
			      const struct cong_ev *before, uint32_t mss)
{
	uint32_t segs = flight(e, mss);

	if (before->state == CA_DISORDER && before->cwnd < segs)
		segs = before->cwnd;
	return segs / 2 > 2 ? segs / 2 : 2;
}

/*
 * One data segment lost with a large window in flight: the third
 * duplicate ACK sends it again and starts fast recovery with ssthresh
 * from the algorithm.  Without SACK (NewReno), cwnd = ssthresh + 3 and
 * each further duplicate ACK adds a segment (no more than were in
 * flight); with SACK, cwnd = ssthresh throughout and the pipe lets new
 * segments out once what is in flight falls below it (RFC 6675).  The
 * ACK of everything sent before the loss ends recovery at ssthresh, or
 * at one segment more than is still in flight if that is less (RFC 6582
 * 3.2 step 6, its first choice).  No timeout.  Returns the index of the
 * event that entered recovery.
 */
static int one_loss(struct __test_metadata *_metadata,
		    struct _test_data_cong *self, const char *ca, bool sack,
		    struct ttp_info *info)
{
	const size_t len = 1500 * 1000;
	uint32_t most = 0, want;
	int rec, open;

	/*
	 * A slow VM under load can stall a round trip of recovery past the
	 * 200 ms floor of the RTO, and a timeout is not what this looks at.
	 */
	ASSERT_EQ(0, write_file(TTP_SYSCTL "rto_min_ms", "1000"));
	ASSERT_EQ(0, write_file(TTP_SYSCTL "sack", sack ? "1" : "0"));
	ASSERT_EQ(0, netem_delay());
	ASSERT_EQ(0, open_bulk(self, ca));
	ASSERT_EQ(MSS, info_of(self->cfd).mss);
	ASSERT_EQ(sack, !!(info_of(self->cfd).options & TTP_INFO_OPT_SACK));
	/* the 101st data segment, with 50 or more in flight */
	ASSERT_EQ(0, drop_data(100, 1));
	ASSERT_EQ(0, trace_start(self));
	ASSERT_EQ(0, start_reader(self, len));
	ASSERT_EQ(0, send_pattern(self->cfd, 0, len));
	ASSERT_TRUE(wait_acked(self, len, 60000));
	*info = info_of(self->cfd);
	EXPECT_EQ(0, reader_status(self));
	EXPECT_EQ(1, fault_hits());
	ASSERT_LT(0, trace_read(self));

	rec = find_state(self, 0, CA_RECOVERY);
	if (rec < 1)
		trace_log(_metadata, self, 0, self->nev);
	ASSERT_LE(1, rec);
	open = find_state(self, rec, CA_OPEN);
	trace_log(_metadata, self, rec - 2, rec + 1);
	if (open >= 0)
		trace_log(_metadata, self, open - 1, open + 1);
	EXPECT_EQ(-1, find_state(self, 0, CA_LOSS));
	EXPECT_EQ(self->ev[rec].ssthresh + (sack ? 0 : 3), self->ev[rec].cwnd);
	ASSERT_LT(rec, open);
	for (int i = rec; i < open; i++) {
		EXPECT_EQ(CA_RECOVERY, self->ev[i].state);
		if (self->ev[i].cwnd > most)
			most = self->ev[i].cwnd;
	}
	if (sack) {
		/* no inflation, and yet new segments went out */
		EXPECT_EQ(self->ev[rec].cwnd, most);
		EXPECT_LT(10 * MSS, self->ev[open].nxt - self->ev[rec].nxt);
	} else {
		/* the duplicate ACKs let out new segments, not more than left */
		EXPECT_LT(self->ev[rec].cwnd + 10, most);
		EXPECT_GE(self->ev[rec].ssthresh + self->ev[rec - 1].cwnd,
			  most);
	}
	/* the full ACK: everything sent before recovery began */
	EXPECT_LE(0, (int32_t)(self->ev[open].una - self->ev[rec].nxt));
	EXPECT_EQ(self->ev[rec].ssthresh, self->ev[open].ssthresh);
	want = flight(&self->ev[open], MSS);
	want = (want > 1 ? want : 1) + 1;
	if (want > self->ev[open].ssthresh)
		want = self->ev[open].ssthresh;
	EXPECT_EQ(want, self->ev[open].cwnd);
	/* nothing lost later: recovery was entered once */
	EXPECT_EQ(-1, find_state(self, open, CA_RECOVERY));

	EXPECT_EQ(1, info->total_retrans);
	EXPECT_EQ(CA_OPEN, info->ca_state);
	EXPECT_EQ(self->ev[rec].ssthresh, info->snd_ssthresh);
	EXPECT_STREQ(ca, info->congestion);
	return rec;
}

TEST_F_TIMEOUT(cong, one_loss_halves_reno, 180)
{
	const struct cong_ev *e, *before;
	struct ttp_info info;
	int rec = one_loss(_metadata, self, "reno", true, &info);

	e = &self->ev[rec];
	before = &self->ev[rec - 1];
	/* half what was in flight, which the window limited */
	EXPECT_EQ(reno_ssthresh(e, before, MSS), e->ssthresh);
	EXPECT_LE(before->cwnd * 4, e->ssthresh * 10);
	EXPECT_GE(before->cwnd * 6, e->ssthresh * 10);
	/* with 100 segments through, the window was larger than 50 */
	EXPECT_LT(50, before->cwnd);
}

/* The same without SACK: NewReno's inflated window. */
TEST_F_TIMEOUT(cong, one_loss_without_sack_inflates_the_window, 180)
{
	const struct cong_ev *e, *before;
	struct ttp_info info;
	int rec = one_loss(_metadata, self, "reno", false, &info);

	e = &self->ev[rec];
	before = &self->ev[rec - 1];
	EXPECT_EQ(reno_ssthresh(e, before, MSS), e->ssthresh);
}

TEST_F_TIMEOUT(cong, one_loss_cuts_cubic_to_0_7, 180)
{
	const struct cong_ev *e, *before;
	struct ttp_info info;
	int rec = one_loss(_metadata, self, "cubic", true, &info);
	uint32_t want;

	e = &self->ev[rec];
	before = &self->ev[rec - 1];
	/* beta_cubic = 717/1024 of the window */
	want = before->cwnd * 717 / 1024;
	EXPECT_EQ(want > 2 ? want : 2, e->ssthresh);
	EXPECT_LT(50, before->cwnd);
}

/*
 * All data of the connection lost for 1.5 s: the retransmission timer
 * fires, the window falls to one segment with ssthresh half of what was
 * in flight, and once segments get through again slow start takes the
 * window up from there and the transfer completes.
 */
TEST_F_TIMEOUT(cong, rto_resets_cwnd_to_one, 180)
{
	const size_t len = 300 * 1000;
	struct ttp_info info;
	int loss, open;

	ASSERT_EQ(0, netem_delay());
	ASSERT_EQ(0, open_bulk(self, "reno"));
	ASSERT_EQ(MSS, info_of(self->cfd).mss);
	/* everything from the 51st data segment on, until cleared */
	ASSERT_EQ(0, drop_data(50, 1000000));
	ASSERT_EQ(0, trace_start(self));
	ASSERT_EQ(0, start_reader(self, len));
	ASSERT_EQ(0, send_pattern(self->cfd, 0, len));
	sleep_ms(1500);
	ASSERT_EQ(0, write_file(TTP_FAULTS, "clear"));
	ASSERT_TRUE(wait_acked(self, len, 60000));
	info = info_of(self->cfd);
	EXPECT_EQ(0, reader_status(self));
	ASSERT_LT(0, trace_read(self));

	loss = find_state(self, 0, CA_LOSS);
	if (loss < 1)
		trace_log(_metadata, self, 0, self->nev);
	ASSERT_LE(1, loss);
	trace_log(_metadata, self, loss - 2, loss + 3);
	EXPECT_EQ(1, self->ev[loss].cwnd);
	/* no duplicate ACKs came: no fast recovery before the timeout */
	EXPECT_EQ(CA_OPEN, self->ev[loss - 1].state);
	EXPECT_EQ(reno_ssthresh(&self->ev[loss], &self->ev[loss - 1], MSS),
		  self->ev[loss].ssthresh);
	EXPECT_LE(self->ev[loss - 1].cwnd * 4, self->ev[loss].ssthresh * 10);
	EXPECT_GE(self->ev[loss - 1].cwnd * 6, self->ev[loss].ssthresh * 10);
	/* the first ACK after the timeout: slow start from one segment */
	ASSERT_LT(loss + 1, self->nev);
	EXPECT_EQ(2, self->ev[loss + 1].cwnd);
	EXPECT_EQ(CA_LOSS, self->ev[loss + 1].state);
	/* and out of LOSS once all that was in flight is acknowledged */
	open = find_state(self, loss, CA_OPEN);
	EXPECT_LT(loss, open);
	if (open > loss)
		EXPECT_LE(0, (int32_t)(self->ev[open].una - self->ev[loss].nxt));

	EXPECT_EQ(CA_OPEN, info.ca_state);
	EXPECT_EQ(self->ev[loss].ssthresh, info.snd_ssthresh);
	if (self->ev[loss].ssthresh != info.snd_ssthresh)
		trace_log(_metadata, self, loss, self->nev);
	EXPECT_LE(1, info.total_retrans);
}

static int set_reno_as_nobody(void *unused)
{
	int fd;

	if (setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return 100;
	fd = socket(AF_TTP, SOCK_STREAM, 0);
	if (fd < 0)
		return 1;
	if (set_cong(fd, "reno"))
		return 2;
	if (strcmp(cong_of(fd), "reno"))
		return 3;
	if (set_cong(fd, "cubic") || strcmp(cong_of(fd), "cubic"))
		return 4;
	/* the namespace's default is root's to choose */
	if (!write_file(TTP_SYSCTL "congestion_control", "reno"))
		return 5;
	close(fd);
	return 0;
}

TEST_F(cong, congestion_option_and_sysctls)
{
	char name[CA_NAME_LEN + 1] = "", text[256];
	socklen_t len = CA_NAME_LEN;
	int fd, old, lfd, cfd, afd;

	fd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	old = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, old);
	ASSERT_EQ(0, getsockopt(fd, SOL_TTP, TTP_CONGESTION, name, &len));
	EXPECT_STREQ("cubic", name);
	EXPECT_STREQ("cubic", info_of(fd).congestion);

	ASSERT_EQ(0, set_cong(fd, "reno"));
	EXPECT_STREQ("reno", cong_of(fd));
	EXPECT_STREQ("reno", info_of(fd).congestion);
	EXPECT_EQ(-1, set_cong(fd, "nosuch"));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, setsockopt(fd, SOL_TTP, TTP_CONGESTION, "reno", 0));
	EXPECT_EQ(EINVAL, errno);
	/* what failed changed nothing */
	EXPECT_STREQ("reno", cong_of(fd));
	ASSERT_EQ(0, set_cong(fd, "cubic"));
	EXPECT_STREQ("cubic", cong_of(fd));

	ASSERT_LT(0, read_file(TTP_SYSCTL "congestion_control", text, sizeof(text)));
	EXPECT_STREQ("cubic\n", text);
	ASSERT_LT(0, read_file(TTP_SYSCTL "available_congestion_control",
			       text, sizeof(text)));
	EXPECT_NE(NULL, strstr(text, "reno")) TH_LOG("%s", text);
	EXPECT_NE(NULL, strstr(text, "cubic")) TH_LOG("%s", text);
	/* read-only */
	EXPECT_EQ(-EACCES, write_file(TTP_SYSCTL "available_congestion_control",
				      "reno"));

	/* the default is for sockets made after it */
	ASSERT_EQ(0, write_file(TTP_SYSCTL "congestion_control", "reno"));
	ASSERT_LT(0, read_file(TTP_SYSCTL "congestion_control", text, sizeof(text)));
	EXPECT_STREQ("reno\n", text);
	close(fd);
	fd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_STREQ("reno", cong_of(fd));
	EXPECT_STREQ("cubic", cong_of(old));

	EXPECT_EQ(-EINVAL, write_file(TTP_SYSCTL "congestion_control", "bogus"));
	ASSERT_LT(0, read_file(TTP_SYSCTL "congestion_control", text, sizeof(text)));
	EXPECT_STREQ("reno\n", text);

	/* an accepted socket has its listener's algorithm, not the default */
	lfd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, set_cong(lfd, "cubic"));
	ASSERT_EQ(0, ttp_bind(lfd, AF_TTP, LO, SPORT));
	ASSERT_EQ(0, listen(lfd, 1));
	cfd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, connect_lo(cfd, SPORT));
	afd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, afd);
	EXPECT_STREQ("reno", cong_of(cfd));
	EXPECT_STREQ("cubic", cong_of(afd));

	/* any user may choose a built-in algorithm for a socket */
	EXPECT_EQ(0, in_child_without(-1, set_reno_as_nobody, NULL));
	ASSERT_LT(0, read_file(TTP_SYSCTL "congestion_control", text, sizeof(text)));
	EXPECT_STREQ("reno\n", text);

	close(afd);
	close(cfd);
	close(lfd);
	close(old);
	close(fd);
}

/*
 * 1000 bytes at a time, each acknowledged before the next goes: one
 * segment in flight of a window of ten.  The window grows only when it
 * limits the sender (RFC 7661), so it stays where it started.
 */
TEST_F_TIMEOUT(cong, app_limited_window_does_not_grow, 120)
{
	const int rounds_ = 50, chunk = 1000;
	struct ttp_info info;
	int one = 1;

	/* a timeout on a loaded host is not what this looks at */
	ASSERT_EQ(0, write_file(TTP_SYSCTL "rto_min_ms", "1000"));
	ASSERT_EQ(0, open_bulk(self, "reno"));
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_TTP, TTP_NODELAY, &one, sizeof(one)));
	ASSERT_EQ(0, trace_start(self));
	ASSERT_EQ(0, start_reader(self, rounds_ * chunk));
	for (int i = 0; i < rounds_; i++) {
		uint64_t start = now_ms();
		int left;

		ASSERT_EQ(0, send_pattern(self->cfd, i * chunk, chunk));
		ASSERT_TRUE(wait_acked(self, (uint64_t)(i + 1) * chunk,
				       5000)) TH_LOG("chunk %d", i);
		info = info_of(self->cfd);
		ASSERT_EQ(INIT_CWND, info.snd_cwnd) TH_LOG("chunk %d", i);
		left = 100 - (int)(now_ms() - start);
		if (left > 0)
			sleep_ms(left);
	}
	info = info_of(self->cfd);
	EXPECT_EQ(self->acked0 + rounds_ * chunk, info.bytes_acked);
	EXPECT_EQ(INIT_CWND, info.snd_cwnd);
	EXPECT_EQ(NO_SSTHRESH, info.snd_ssthresh);
	EXPECT_EQ(CA_OPEN, info.ca_state);
	EXPECT_EQ(0, reader_status(self));
	/* and no change of the window was ever traced */
	ASSERT_LE(0, trace_read(self));
	trace_log(_metadata, self, 0, 5);
	EXPECT_EQ(0, self->nev);
}

/*
 * RFC 5681 4.1: after an idle period longer than an RTO the window no
 * longer says what the path holds, and the next data starts again from
 * the initial window; a pause shorter than that keeps the window.  Under
 * TCG the round trip of the bulk's tail is over 100 ms, and its last ACK
 * may wait for the delayed-ACK timer too: an RTO of at least a second
 * keeps "about a round trip" well short of one.
 */
TEST_F_TIMEOUT(cong, idle_restarts_from_the_initial_window, 120)
{
	const size_t len = 300 * 1000, chunk = 1000;
	uint32_t grown;

	ASSERT_EQ(0, write_file(TTP_SYSCTL "rto_min_ms", "1000"));
	ASSERT_EQ(0, netem_delay());
	ASSERT_EQ(0, open_bulk(self, "reno"));
	ASSERT_EQ(0, start_reader(self, len + 2 * chunk));
	ASSERT_EQ(0, send_pattern(self->cfd, 0, len));
	ASSERT_TRUE(wait_acked(self, len, 60000));
	grown = info_of(self->cfd).snd_cwnd;
	ASSERT_LT(2 * INIT_CWND, grown);

	/* about a round trip since the last send: the window stays */
	ASSERT_EQ(0, send_pattern(self->cfd, len, chunk));
	ASSERT_TRUE(wait_acked(self, len + chunk, 5000));
	EXPECT_EQ(grown, info_of(self->cfd).snd_cwnd);

	/* two and a half RTOs */
	sleep_ms(2500);
	ASSERT_EQ(0, send_pattern(self->cfd, len + chunk, chunk));
	ASSERT_TRUE(wait_acked(self, len + 2 * chunk, 5000));
	EXPECT_EQ(INIT_CWND, info_of(self->cfd).snd_cwnd);
	EXPECT_EQ(0, reader_status(self));
}

#define RACE_PORT	5100
#define RACE_SECS	30

/* The connecting side of the race; stop is read with __atomic builtins. */
struct race {
	bool stop;
	long connects;
};

static int pin_to(int cpu)
{
	cpu_set_t cpus;

	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	return sched_setaffinity(0, sizeof(cpus), &cpus);
}

static void close_now(int fd)
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
	close(fd);
}

/*
 * On the second CPU, connect to RACE_PORT as fast as it goes: the whole
 * handshake, the listener's clone of its child included, runs in the
 * softirq of this CPU's connect().  The last 16 stay open a while.
 */
static void *race_connect(void *arg)
{
	struct race *r = arg;
	int fds[16], n = 0;

	memset(fds, -1, sizeof(fds));
	pin_to(1);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		int fd = socket(AF_TTP, SOCK_STREAM | SOCK_NONBLOCK, 0);

		if (fd < 0)
			continue;
		connect_lo(fd, RACE_PORT);
		r->connects++;
		if (fds[n] >= 0)
			close_now(fds[n]);
		fds[n] = fd;
		n = (n + 1) % 16;
	}
	for (n = 0; n < 16; n++)
		if (fds[n] >= 0)
			close_now(fds[n]);
	return NULL;
}

static void spin_us(int us)
{
	struct timespec t;
	uint64_t end;

	clock_gettime(CLOCK_MONOTONIC, &t);
	end = t.tv_sec * 1000000ULL + t.tv_nsec / 1000 + us;
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while (t.tv_sec * 1000000ULL + t.tv_nsec / 1000 < end);
}

/*
 * A listener's child is a copy of it, its algorithm too, made in softirq
 * without the listener's lock while the owner may be closing it.  The
 * listener's destroy set its algorithm to NULL, and a child copied after
 * it but begun before (a final ACK, or a SYN cookie's, in flight on the
 * other CPU) dereferenced that: a NULL pointer in softirq, a panic.
 *
 * One CPU connects to a port without pause; the other puts a listener
 * on it, reno and cubic by turns, the request socks' way and SYN
 * cookies' by turns, takes the first children it has and closes it as
 * more are being made, RACE_SECS seconds long.  Every child has its
 * listener's algorithm and the initial window, and the stack still
 * carries data afterwards.
 */
TEST_F_TIMEOUT(cong, listener_closed_while_children_are_cloned,
	       RACE_SECS + 60)
{
	long opens = ttp_stat("PassiveOpens");
	int keeper, one = 1, closes = 0, bind_fails = 0, children = 0;
	int bad = 0, c;
	struct race r = { .stop = false };
	char data[5];
	uint64_t end;
	pthread_t t;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "one CPU: nothing runs at the same time");
	/*
	 * Bound to the port without listening, it keeps the bind bucket:
	 * a listener's close does not free it, and is quicker.
	 */
	keeper = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, keeper);
	ASSERT_EQ(0, setsockopt(keeper, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)));
	ASSERT_EQ(0, ttp_bind(keeper, AF_TTP, LO, RACE_PORT));
	ASSERT_EQ(0, pin_to(0));
	ASSERT_EQ(0, pthread_create(&t, NULL, race_connect, &r));
	end = now_ms() + RACE_SECS * 1000;
	for (int i = 0; now_ms() < end; i++) {
		const char *ca = i & 1 ? "reno" : "cubic";
		struct pollfd p;
		int l;

		write_file(TTP_SYSCTL "syncookies", i & 2 ? "2" : "0");
		l = socket(AF_TTP, SOCK_STREAM | SOCK_NONBLOCK, 0);
		ASSERT_LE(0, l);
		if (setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    set_cong(l, ca) || ttp_bind(l, AF_TTP, LO, RACE_PORT) ||
		    listen(l, 64)) {
			bind_fails++;
			close(l);
			continue;
		}
		p = (struct pollfd){ .fd = l, .events = POLLIN };
		if (poll(&p, 1, 200) == 1) {
			for (int k = 0; k < 4; k++) {
				c = accept(l, NULL, NULL);
				if (c < 0)
					break;
				children++;
				if (strcmp(cong_of(c), ca) ||
				    info_of(c).snd_cwnd != INIT_CWND) {
					if (!bad++)
						TH_LOG("a child of %s: %s, cwnd %u",
						       ca, cong_of(c),
						       info_of(c).snd_cwnd);
				}
				close_now(c);
			}
		}
		/* more children are on their way: close it among them */
		spin_us(rand() % 200);
		close(l);
		closes++;
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	close(keeper);
	TH_LOG("%d listeners closed (%d not listening), %d children taken, %ld connects, %ld opens",
	       closes, bind_fails, children, r.connects,
	       ttp_stat("PassiveOpens") - opens);
	EXPECT_EQ(0, bad);
	EXPECT_LT(100, closes);
	EXPECT_LT(100, children);
	EXPECT_GT(closes / 10 + 1, bind_fails);

	/* the stack still works */
	ASSERT_EQ(0, write_file(TTP_SYSCTL "syncookies", "1"));
	self->lfd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, self->lfd);
	ASSERT_EQ(0, setsockopt(self->lfd, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)));
	ASSERT_EQ(0, ttp_bind(self->lfd, AF_TTP, LO, RACE_PORT));
	ASSERT_EQ(0, listen(self->lfd, 4));
	self->cfd = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(0, connect_lo(self->cfd, RACE_PORT));
	self->sfd = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, self->sfd);
	ASSERT_EQ(5, write(self->cfd, "hello", 5));
	ASSERT_EQ(5, read(self->sfd, data, 5));
	EXPECT_EQ(0, memcmp(data, "hello", 5));
}

TEST_HARNESS_MAIN
