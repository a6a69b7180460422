// SPDX-License-Identifier: GPL-2.0
/*
 * The user-space tools on a live module: ttpcat moving data both ways,
 * ttpstat listing real connections and counting them, ladder diagrams of
 * scripted connections compared with golden ones (addresses and ISNs
 * normalised), the SVG rendered, and the ttp:* tracepoints seen through
 * tracefs.  Run from this directory (run_tests.sh does).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ttp_util.h"

#define GOLDEN		"golden/"
#define LO		"127.0.0.1"
#define TRACEFS		"/sys/kernel/tracing"

static char out[65536];

/* Run cmd with sh; its stdout in out; its exit status, or -1. */
static int run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	size_t n = 0;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Start cmd with sh in the background. */
static pid_t spawn(const char *cmd)
{
	pid_t pid = fork();

	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* The exit status of pid, 128 + N if signal N ended it, or -errno. */
static int wait_exit(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void sleep_ms(int ms)
{
	usleep(ms * 1000);
}

/* Wait until dir/watch has text. */
static bool wait_output(const char *dir, const char *text, int ms)
{
	char path[128], buf[4096];

	snprintf(path, sizeof(path), "%s/watch", dir);
	for (int i = 0; i < ms / 10; i++) {
		if (read_file(path, buf, sizeof(buf)) > 0 && strstr(buf, text))
			return true;
		sleep_ms(10);
	}
	return false;
}

/* Is there a line "127.0.0.1:port ... STATE" in /proc/net/ttp? */
static bool has_sock(int port, const char *state)
{
	static char buf[65536];
	char want[64], *line;

	snprintf(want, sizeof(want), LO ":%d ", port);
	if (read_file(TTP_PROC, buf, sizeof(buf)) < 0)
		return false;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, want, strlen(want)) && strstr(line, state))
			return true;
	return false;
}

static bool wait_sock(int port, const char *state, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (has_sock(port, state))
			return true;
		sleep_ms(10);
	}
	return has_sock(port, state);
}

static int test_port(int n)
{
	/* five digits, so normalised ladders line up the same every run */
	return 20000 + (getpid() % 4000) * 10 + n;
}

FIXTURE(tools) {
	int port;
	char dir[64];
};

FIXTURE_SETUP(tools)
{
	self->port = test_port(0);
	snprintf(self->dir, sizeof(self->dir), "/tmp/ttp-tools.%d", getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0700));
	ASSERT_EQ(0, write_file(TTP_FAULTS, "clear"));
	ASSERT_EQ(0, write_file(TTP_TRACE, "clear"));
}

FIXTURE_TEARDOWN(tools)
{
	write_file(TTP_FAULTS, "clear");
	run("rm -rf %s", self->dir);
}

TEST_F_TIMEOUT(tools, ttpcat_both_ways, 240)
{
	char cmd[512];
	pid_t server;

	/*
	 * Both ways at once, each far more than the socket buffers of both
	 * ends hold: a ttpcat that blocked in send() would stop reading, and
	 * both would wait for ever.
	 */
	ASSERT_EQ(0, run("head -c 4000000 /dev/urandom > %s/a", self->dir));
	ASSERT_EQ(0, run("head -c 3000000 /dev/urandom > %s/b", self->dir));
	snprintf(cmd, sizeof(cmd), TTPCAT " -l " LO " %d < %s/b > %s/got_a",
		 self->port, self->dir, self->dir);
	server = spawn(cmd);
	ASSERT_TRUE(wait_sock(self->port, "LISTEN", 10000));
	/* the client's input ends first; the server's data still arrives */
	EXPECT_EQ(0, run(TTPCAT " " LO " %d < %s/a > %s/got_b", self->port,
			 self->dir, self->dir));
	EXPECT_EQ(0, wait_exit(server));
	EXPECT_EQ(0, run("cmp %s/a %s/got_a && cmp %s/b %s/got_b", self->dir,
			 self->dir, self->dir, self->dir));
}

TEST(ttpcat_refused)
{
	int port = test_port(1);
	char want[128];

	EXPECT_EQ(1, run(TTPCAT " " LO " %d < /dev/null 2>&1", port));
	snprintf(want, sizeof(want),
		 "ttpcat: connect " LO ":%d: Connection refused\n", port);
	EXPECT_STREQ(want, out);
	EXPECT_EQ(2, run(TTPCAT " -k " LO " %d 2>/dev/null", port));
}

TEST_F_TIMEOUT(tools, ttpcat_keeps_listening, 240)
{
	char cmd[512];
	pid_t server;

	snprintf(cmd, sizeof(cmd), "exec " TTPCAT " -k -l " LO " %d < /dev/null > %s/got",
		 self->port, self->dir);
	server = spawn(cmd);
	ASSERT_TRUE(wait_sock(self->port, "LISTEN", 10000));
	EXPECT_EQ(0, run("echo one | " TTPCAT " " LO " %d", self->port));
	EXPECT_EQ(0, run("echo two | " TTPCAT " " LO " %d", self->port));
	/* still listening after two connections */
	EXPECT_TRUE(has_sock(self->port, "LISTEN"));
	kill(server, SIGTERM);
	wait_exit(server);
	EXPECT_EQ(0, run("cat %s/got", self->dir));
	EXPECT_STREQ("one\ntwo\n", out);
}

/* A listener, a client and the accepted socket on port. */
static void open_pair(struct __test_metadata *_metadata, int port, int fd[3])
{
	struct sockaddr_in a = ttp_sockaddr(AF_TTP, LO, port);
	int one = 1;

	fd[0] = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_LE(0, fd[0]);
	setsockopt(fd[0], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ASSERT_EQ(0, ttp_bind(fd[0], AF_TTP, LO, port));
	ASSERT_EQ(0, listen(fd[0], 4));
	fd[1] = socket(AF_TTP, SOCK_STREAM, 0);
	ASSERT_EQ(0, connect(fd[1], (struct sockaddr *)&a, sizeof(a)));
	fd[2] = accept(fd[0], NULL, NULL);
	ASSERT_LE(0, fd[2]);
}

static void close_pair(int fd[3])
{
	struct linger lin = { .l_onoff = 1, .l_linger = 0 };

	/* RST: no TIME_WAIT left behind */
	setsockopt(fd[1], SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
	close(fd[1]);
	close(fd[2]);
	close(fd[0]);
}

TEST_F_TIMEOUT(tools, ttpstat_lists_connections, 240)
{
	char line[256];
	int fd[3], cport;

	open_pair(_metadata, self->port, fd);
	cport = ttp_local_port(fd[1]);
	ASSERT_EQ(0, run(TTPSTAT " -p %d", self->port));
	snprintf(line, sizeof(line), "\nLISTEN       0      4      " LO ":%d ",
		 self->port);
	EXPECT_NE(NULL, strstr(out, line)) TH_LOG("%s", out);
	snprintf(line, sizeof(line),
		 "\nESTABLISHED  0      0      " LO ":%d       " LO ":%d\n",
		 cport, self->port);
	EXPECT_NE(NULL, strstr(out, line)) TH_LOG("%s", out);
	snprintf(line, sizeof(line),
		 "\nESTABLISHED  0      0      " LO ":%d       " LO ":%d\n",
		 self->port, cport);
	EXPECT_NE(NULL, strstr(out, line)) TH_LOG("%s", out);

	ASSERT_EQ(0, run(TTPSTAT " -l -p %d | tail -n +2 | awk '{print $1}'",
			 self->port));
	EXPECT_STREQ("LISTEN\n", out);
	ASSERT_EQ(0, run(TTPSTAT " -t established -p %d | tail -n +2 | wc -l",
			 self->port));
	EXPECT_STREQ("2\n", out);
	/* JSON with the same sockets, and extended columns */
	ASSERT_EQ(0, run(TTPSTAT " -j -p %d | python3 -c 'import json, sys; "
			 "print(sorted(s[\"state\"] for s in json.load(sys.stdin)[\"sockets\"]))'",
			 self->port));
	EXPECT_STREQ("['ESTABLISHED', 'ESTABLISHED', 'LISTEN']\n", out);
	ASSERT_EQ(0, run(TTPSTAT " -e -l -p %d | tail -n 1 | awk '{print $6, $7, $8}'",
			 self->port));
	EXPECT_STREQ("- 0 0\n", out);

	/* the congestion columns: a listener has no window; -j has null */
	ASSERT_EQ(0, setsockopt(fd[1], SOL_TTP, TTP_CONGESTION, "reno", 4));
	ASSERT_EQ(0, run(TTPSTAT " -e -l -p %d | tail -n 1 | awk '{print $10, $11, $12, $13}'",
			 self->port));
	EXPECT_STREQ("- - - -\n", out);
	ASSERT_EQ(0, run(TTPSTAT " -e -p %d | awk '$4 ~ /:%d$/ {print ($10 > 0), $11, $12, $13}'",
			 self->port, cport));
	EXPECT_STREQ("1 - open reno\n", out);
	ASSERT_EQ(0, run(TTPSTAT " -j -p %d | python3 -c 'import json, sys; "
			 "socks = json.load(sys.stdin)[\"sockets\"]; "
			 "rows = [(s[\"state\"], type(s[\"cwnd\"]).__name__, s[\"ssthresh\"], s[\"ca\"]) for s in socks]; "
			 "print(\"\\n\".join(sorted(\" \".join(map(str, r)) for r in rows)))'",
			 self->port));
	EXPECT_STREQ("ESTABLISHED int None open\n"
		     "ESTABLISHED int None open\n"
		     "LISTEN NoneType None None\n", out);
	close_pair(fd);
}

TEST_F_TIMEOUT(tools, ttpstat_counter_deltas, 240)
{
	int fd[3];

	setenv("TTPSTAT_HISTORY", "/tmp/ttpstat.history", 1);
	unlink("/tmp/ttpstat.history");
	ASSERT_EQ(0, run(TTPSTAT " -s -d > /dev/null"));
	open_pair(_metadata, self->port, fd);
	ASSERT_EQ(0, run(TTPSTAT " -s -d -j | python3 -c 'import json, sys; "
			 "c = json.load(sys.stdin)[\"counters\"]; "
			 "print(c[\"ActiveOpens\"], c[\"PassiveOpens\"], c[\"CurrEstab\"])'"));
	EXPECT_STREQ("1 1 2\n", out);
	close_pair(fd);
	ASSERT_EQ(0, run(TTPSTAT " -s | grep -c '^[A-Za-z]* *[0-9]*$'"));
	EXPECT_LE(16, atoi(out));
}

/*
 * The scripted conversation of the golden ladders: a handshake, "hello",
 * the client's FIN, then the server's.  With pause_ms the server waits
 * before closing, so that its delayed ACK of the FIN goes alone (four-way
 * teardown); without, the ACK rides on its FIN (three-way).
 */
static int converse(struct __test_metadata *_metadata, int port, int pause_ms)
{
	int fd[3], cport;
	char buf[16];

	open_pair(_metadata, port, fd);
	cport = ttp_local_port(fd[1]);
	EXPECT_EQ(5, send(fd[1], "hello", 5, 0));
	EXPECT_EQ(5, recv(fd[2], buf, sizeof(buf), 0));
	/* the delayed ACK of the data goes before the FIN */
	sleep_ms(200);
	EXPECT_EQ(0, shutdown(fd[1], SHUT_WR));
	EXPECT_EQ(0, recv(fd[2], buf, sizeof(buf), 0));
	if (pause_ms)
		sleep_ms(pause_ms);
	close(fd[2]);
	EXPECT_EQ(0, recv(fd[1], buf, sizeof(buf), 0));
	close(fd[1]);
	close(fd[0]);
	EXPECT_TRUE(wait_sock(cport, "TIME_WAIT", 5000));
	/* the last ACK has arrived once the server side is gone */
	for (int i = 0; i < 100 && has_sock(port, "LAST_ACK"); i++)
		sleep_ms(20);
	return cport;
}

/* ttpstat ladder PORT with the addresses replaced by client and server. */
static int ladder_normalised(int port, int cport, const char *extra)
{
	return run(TTPSTAT " ladder %d %s | sed -e 's/" LO
		   ":%d/client:CPORT/g' -e 's/" LO ":%d/server:SPORT/g'",
		   port, extra, cport, port);
}

static void expect_golden(struct __test_metadata *_metadata, const char *name)
{
	static char want[16384];

	ASSERT_LE(0, read_file(name, want, sizeof(want)));
	EXPECT_STREQ(want, out) {
		TH_LOG("got:\n%s", out);
	}
}

TEST_F_TIMEOUT(tools, ladder_four_way_teardown, 240)
{
	int cport = converse(_metadata, self->port, 300);

	ASSERT_EQ(0, ladder_normalised(self->port, cport, ""));
	expect_golden(_metadata, GOLDEN "four-way.txt");
	/* the same diagram as a picture that a real renderer opens */
	ASSERT_EQ(0, run(TTPSTAT " ladder %d --svg %s/l.svg > /dev/null",
			 self->port, self->dir));
	ASSERT_EQ(0, run("rsvg-convert %s/l.svg -o %s/l.png", self->dir,
			 self->dir));
	ASSERT_EQ(0, run("head -c 4 %s/l.png | tail -c 3", self->dir));
	EXPECT_STREQ("PNG", out);
	ASSERT_EQ(0, run(TTPSTAT " -j ladder %d | python3 -c 'import json, sys; "
			 "c = json.load(sys.stdin)[\"connections\"]; "
			 "print(len(c), len(c[0][\"segments\"]), c[0][\"segments\"][-1][\"right_state\"])'",
			 self->port));
	EXPECT_STREQ("1 9 CLOSED\n", out);
}

TEST_F_TIMEOUT(tools, ladder_three_way_teardown, 240)
{
	int cport = converse(_metadata, self->port, 0);

	ASSERT_EQ(0, ladder_normalised(self->port, cport, ""));
	expect_golden(_metadata, GOLDEN "three-way.txt");
}

TEST_F_TIMEOUT(tools, ladder_lost_fin, 240)
{
	char rule[128];
	int cport;

	/* the client's first FIN is lost on its way out */
	snprintf(rule, sizeof(rule), "drop dir=out flags=FIN port=%d",
		 self->port);
	ASSERT_EQ(0, write_file(TTP_FAULTS, rule));
	cport = converse(_metadata, self->port, 300);
	ASSERT_EQ(0, ladder_normalised(self->port, cport, ""));
	expect_golden(_metadata, GOLDEN "lost-fin.txt");
}

/*
 * ttpstat ladder --pcap: what tcpdump captured shows the options the trace
 * ring does not keep.  The second of five small segments is lost, so the
 * receiver's ACKs of the three after it carry SACK blocks; the SYN offers
 * SACK, and every segment has timestamps.
 */
TEST_F_TIMEOUT(tools, ladder_from_a_capture_shows_the_options, 240)
{
	char rule[256], data[100], buf[600], log[256];
	int fd[3], got = 0;
	pid_t tcpdump;

	/*
	 * Each packet handed over and written as it comes: tcpdump stops at
	 * SIGINT without reading what waits in its buffer.
	 */
	snprintf(rule, sizeof(rule),
		 "exec tcpdump --immediate-mode -U -i lo -w %s/c.pcap ip proto 253 2> %s/td.log",
		 self->dir, self->dir);
	tcpdump = spawn(rule);
	ASSERT_LT(0, tcpdump);
	snprintf(log, sizeof(log), "%s/td.log", self->dir);
	for (int i = 0; i < 1500; i++) {
		if (read_file(log, buf, sizeof(buf)) > 0 &&
		    strstr(buf, "listening on"))
			break;
		sleep_ms(20);
	}
	ASSERT_NE(NULL, strstr(buf, "listening on"));

	open_pair(_metadata, self->port, fd);
	ASSERT_EQ(0, setsockopt(fd[1], SOL_TTP, TTP_NODELAY, &(int){ 1 },
				sizeof(int)));
	snprintf(rule, sizeof(rule),
		 "drop dir=out flags=PSH port=%d skip=1 count=1", self->port);
	ASSERT_EQ(0, write_file(TTP_FAULTS, rule));
	memset(data, 'd', sizeof(data));
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(100, send(fd[1], data, sizeof(data), 0));
		sleep_ms(20);
	}
	while (got < 500) {
		ssize_t n = recv(fd[2], buf, sizeof(buf), 0);

		ASSERT_LT(0, n);
		got += n;
	}
	close_pair(fd);
	sleep_ms(200);
	kill(tcpdump, SIGINT);
	wait_exit(tcpdump);

	ASSERT_EQ(0, run(TTPSTAT " ladder %d --pcap %s/c.pcap", self->port,
			 self->dir));
	if (!strstr(out, "sackOK")) {
		run("cat %s/td.log", self->dir);
		TH_LOG("tcpdump said:\n%s", out);
		ASSERT_EQ(0, run(TTPSTAT " ladder %d --pcap %s/c.pcap",
				 self->port, self->dir));
	}
	EXPECT_NE(NULL, strstr(out, "S seq=0 len=0 sackOK ts=")) {
		TH_LOG("got:\n%s", out);
	}
	/* the ACK of the fifth segment: 101-201 still missing */
	EXPECT_NE(NULL, strstr(out, "ack=101 len=0 ts=")) {
		TH_LOG("got:\n%s", out);
	}
	EXPECT_NE(NULL, strstr(out, " sack=201-501"));
	/* the trace ring's ladder has no options */
	ASSERT_EQ(0, run(TTPSTAT " ladder %d", self->port));
	EXPECT_EQ(NULL, strstr(out, "sack"));
}

/* The ttp:* events of tracefs for port, "event old>new" or "event". */
static void tracefs_events(int port, char *buf, size_t size)
{
	static char raw[262144];
	char sport[32], dport[32], *line;
	size_t n = 0;

	buf[0] = '\0';
	if (read_file(TRACEFS "/trace", raw, sizeof(raw)) < 0)
		return;
	snprintf(sport, sizeof(sport), "sport=%d ", port);
	snprintf(dport, sizeof(dport), "dport=%d ", port);
	for (line = strtok(raw, "\n"); line; line = strtok(NULL, "\n")) {
		char *ev = strstr(line, ": ttp_");
		char name[32], old[16] = "", new[16] = "";
		char *o = strstr(line, "oldstate="), *s = strstr(line, "newstate=");

		if (!ev || (!strstr(line, sport) && !strstr(line, dport)))
			continue;
		if (sscanf(ev + 2, "%31[^:]", name) != 1)
			continue;
		if (o && s && sscanf(o, "oldstate=%15s", old) == 1 &&
		    sscanf(s, "newstate=%15s", new) == 1) {
			n += snprintf(buf + n, size - n, "%s %s>%s\n", name,
				      old, new);
		} else {
			n += snprintf(buf + n, size - n, "%s\n", name);
		}
	}
}

/*
 * Whether tracefs holds a line of event with the addresses and ports
 * given (as "saddr=127.0.0.1 sport=7 daddr=127.0.0.1 dport="): the part
 * the event's sk or segment fills in.
 */
static bool tracefs_has(const char *event, const char *addrs)
{
	static char raw[262144];
	char name[48], *line;

	if (read_file(TRACEFS "/trace", raw, sizeof(raw)) < 0)
		return false;
	snprintf(name, sizeof(name), ": %s: ", event);
	for (line = strtok(raw, "\n"); line; line = strtok(NULL, "\n")) {
		char *ev = strstr(line, name);

		if (ev && !strncmp(ev + strlen(name), addrs, strlen(addrs)))
			return true;
	}
	return false;
}

TEST_F_TIMEOUT(tools, tracepoints, 240)
{
	static char events[8192];
	char rule[128], addrs[96];

	ASSERT_EQ(0, run("echo > " TRACEFS "/trace"));
	ASSERT_EQ(0, write_file(TRACEFS "/events/ttp/enable", "1"));
	/* a SYN to a closed port: a RST sent, a RST received */
	EXPECT_EQ(1, run(TTPCAT " " LO " %d < /dev/null 2>/dev/null",
			 self->port));
	tracefs_events(self->port, events, sizeof(events));
	EXPECT_STREQ("ttp_set_state CLOSED>SYN_SENT\n"
		     "ttp_send_reset\n"
		     "ttp_receive_reset\n"
		     "ttp_set_state SYN_SENT>CLOSED\n", events);
	/* the RST answers the SYN from the closed port, and arrives so */
	snprintf(addrs, sizeof(addrs), "saddr=" LO " sport=%d daddr=" LO " dport=",
		 self->port);
	EXPECT_TRUE(tracefs_has("ttp_send_reset", addrs));
	EXPECT_TRUE(tracefs_has("ttp_receive_reset", addrs));

	/* a lost SYN retransmitted, then a connection from start to end */
	ASSERT_EQ(0, run("echo > " TRACEFS "/trace"));
	snprintf(rule, sizeof(rule), "drop dir=out flags=SYN exact port=%d",
		 self->port);
	ASSERT_EQ(0, write_file(TTP_FAULTS, rule));
	converse(_metadata, self->port, 0);
	ASSERT_EQ(0, write_file(TRACEFS "/events/ttp/enable", "0"));
	tracefs_events(self->port, events, sizeof(events));
	EXPECT_STREQ("ttp_set_state CLOSED>LISTEN\n"
		     "ttp_set_state CLOSED>SYN_SENT\n"
		     "ttp_retransmit\n"
		     "ttp_set_state LISTEN>SYN_RCVD\n"
		     "ttp_set_state SYN_SENT>ESTABLISHED\n"
		     "ttp_set_state SYN_RCVD>ESTABLISHED\n"
		     "ttp_set_state ESTABLISHED>FIN_WAIT_1\n"
		     "ttp_set_state ESTABLISHED>CLOSE_WAIT\n"
		     "ttp_set_state CLOSE_WAIT>LAST_ACK\n"
		     "ttp_set_state FIN_WAIT_1>TIME_WAIT\n"
		     "ttp_set_state LAST_ACK>CLOSED\n"
		     "ttp_set_state LISTEN>CLOSED\n", events);
	/* a socket's addresses: the listener's remote ones are unset */
	snprintf(addrs, sizeof(addrs),
		 "saddr=" LO " sport=%d daddr=0.0.0.0 dport=0 oldstate=CLOSED newstate=LISTEN",
		 self->port);
	EXPECT_TRUE(tracefs_has("ttp_set_state", addrs));
}

TEST_F_TIMEOUT(tools, ttpstat_watch, 240)
{
	static const char * const modes[] = { "", "--poll" };
	char cmd[256], want[128];
	int fd[3];

	for (int m = 0; m < 2; m++) {
		pid_t watcher;

		snprintf(cmd, sizeof(cmd), "exec " TTPSTAT " -w %s > %s/watch",
			 modes[m], self->dir);
		/* not the header of the previous round */
		run("rm -f %s/watch", self->dir);
		watcher = spawn(cmd);
		/* the header says it is watching (exec from 9p can be slow) */
		ASSERT_TRUE(wait_output(self->dir, "Time", 10000));
		open_pair(_metadata, self->port, fd);
		sleep_ms(500);
		/* SIGTERM ends the watch cleanly, tracing switched off again */
		kill(watcher, SIGTERM);
		EXPECT_EQ(0, wait_exit(watcher));
		ASSERT_EQ(0, run("cat %s/watch", self->dir));
		snprintf(want, sizeof(want), LO ":%d ", self->port);
		EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, "-> LISTEN")) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, "-> ESTABLISHED")) TH_LOG("%s", out);
		close_pair(fd);
		sleep_ms(100);
	}
	/* it watched in an instance of its own, and removed it */
	EXPECT_EQ(0, run("cat " TRACEFS "/events/ttp/ttp_set_state/enable"));
	EXPECT_STREQ("0\n", out);
	EXPECT_EQ(0, run("ls " TRACEFS "/instances | grep -c ttpstat || true"));
	EXPECT_STREQ("0\n", out);
}

TEST_HARNESS_MAIN
