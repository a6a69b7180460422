// SPDX-License-Identifier: GPL-2.0
/*
 * ttpstat: TTP's sockets, counters and segments, with the conventions of
 * ss and nstat.  See ttpstat.8.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ladder.h"
#include "pcap.h"
#include "plot.h"
#include "procfs.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *proc_dir = "/proc/net";
static bool json;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ttpstat [-l] [-e] [-j] [-t STATE]... [-p PORT]\n"
		"       ttpstat -s [-d] [-j]\n"
		"       ttpstat -w [-j] [-c COUNT] [--poll]\n"
		"       ttpstat ladder [PORT] [--absolute] [--svg FILE] [-j]\n"
		"                      [--pcap FILE [--proto N]]\n"
		"       ttpstat plot PORT [--svg FILE] [--events FILE] (see plot -h)\n"
		"\n"
		"Show TTP sockets (all states by default), counters, state changes\n"
		"as they happen, or the segments of /proc/net/ttp_trace as ladder\n"
		"diagrams.\n"
		"\n"
		"  -l, --listening    listening sockets only\n"
		"  -t, --state STATE  sockets in STATE only (may be repeated)\n"
		"  -p, --port PORT    sockets with PORT at either end only\n"
		"  -e, --extended     add timer, retransmissions, uid, inode and the\n"
		"                     congestion window, threshold, state, algorithm\n"
		"  -s, --stats        the counters of /proc/net/ttp_stats\n"
		"  -d, --delta        with -s: the change since the previous -s -d\n"
		"  -w, --watch        print each change of state with a timestamp\n"
		"  -c, --count N      with -w: stop after N changes\n"
		"      --poll         with -w: poll /proc/net/ttp, not the tracepoint\n"
		"  -j, --json         JSON output\n"
		"      --absolute     ladder: absolute sequence numbers\n"
		"      --svg FILE     ladder: also write the diagram as SVG to FILE\n"
		"      --pcap FILE    ladder: the segments of a capture (tcpdump -w),\n"
		"                     with their SACK blocks and timestamps\n"
		"      --proto N      with --pcap: TTP's IP protocol (default 253)\n"
		"  -h, --help         this help\n"
		"\n"
		"TTPSTAT_PROC names another directory than /proc/net to read.\n");
}

static FILE *open_proc(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", proc_dir, name);
	f = fopen(path, "r");
	if (!f)
		fprintf(stderr, "ttpstat: %s: %s%s\n", path, strerror(errno),
			errno == ENOENT ? " (is ttp.ko loaded?)" : "");
	return f;
}

/* ---- the socket table ---------------------------------------------- */

struct sock_filter {
	bool listening;
	const char *states[16];
	int nstates;
	int port;
};

static bool row_wanted(const struct sock_filter *flt,
		       const struct ttp_sock_row *r)
{
	int i;

	if (flt->listening && strcmp(r->state, "LISTEN"))
		return false;
	if (flt->port >= 0 && ttp_addr_port(r->local) != flt->port &&
	    ttp_addr_port(r->remote) != flt->port)
		return false;
	if (!flt->nstates)
		return true;
	for (i = 0; i < flt->nstates; i++)
		if (!strcasecmp(flt->states[i], r->state))
			return true;
	return false;
}

/* A count for -e: "-" for none. */
static const char *count_text(long v, char *buf, size_t size)
{
	if (v < 0)
		return "-";
	snprintf(buf, size, "%ld", v);
	return buf;
}

/* A count in JSON: null for none. */
static void json_count(const char *key, long v)
{
	if (v < 0)
		printf(", \"%s\": null", key);
	else
		printf(", \"%s\": %ld", key, v);
}

/* A word in JSON, escaped: null for "-". */
static void json_word(const char *key, const char *w)
{
	printf(", \"%s\": ", key);
	if (!strcmp(w, "-")) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *w; w++) {
		if (*w == '"' || *w == '\\')
			printf("\\%c", *w);
		else if ((unsigned char)*w < 0x20)
			printf("\\u%04x", *w);
		else
			putchar(*w);
	}
	putchar('"');
}

static int show_socks(const struct sock_filter *flt, bool extended)
{
	struct ttp_sock_row *rows;
	int n, i, shown = 0;
	FILE *f;

	f = open_proc("ttp");
	if (!f)
		return 1;
	n = ttp_read_socks(f, &rows);
	fclose(f);
	if (n < 0) {
		fprintf(stderr, "ttpstat: %s/ttp: unreadable table\n", proc_dir);
		return 1;
	}
	if (json)
		printf("{\"sockets\": [");
	else if (extended)
		printf("%-12s %-6s %-6s %-21s %-21s %-12s %-7s %-6s %-8s %-6s %-8s %-8s %s\n",
		       "State", "Recv-Q", "Send-Q", "Local Address:Port",
		       "Peer Address:Port", "Timer", "Retrans", "Uid",
		       "Inode", "Cwnd", "Ssthresh", "CA", "CC");
	else
		printf("%-12s %-6s %-6s %-21s %s\n", "State", "Recv-Q",
		       "Send-Q", "Local Address:Port", "Peer Address:Port");
	for (i = 0; i < n; i++) {
		const struct ttp_sock_row *r = &rows[i];
		char cwnd[24], ssthresh[24];

		if (!row_wanted(flt, r))
			continue;
		if (json) {
			fprintf(stdout,
				"%s\n {\"state\": \"%s\", \"recvq\": %lu, \"sendq\": %lu, \"local\": \"%s\", \"remote\": \"%s\", \"timer\": \"%s\", \"retrans\": %u, \"uid\": %u, \"inode\": %lu",
			       shown ? "," : "", r->state, r->recvq, r->sendq,
			       r->local, r->remote, r->timer, r->retrans,
			       r->uid, r->inode);
			json_count("cwnd", r->cwnd);
			json_count("ssthresh", r->ssthresh);
			json_word("ca", r->ca);
			json_word("cc", r->cc);
			putchar('}');
		} else if (extended) {
			fprintf(stdout,
				"%-12s %-6lu %-6lu %-21s %-21s %-12s %-7u %-6u %-8lu %-6s %-8s %-8s %s\n",
			       r->state, r->recvq, r->sendq, r->local,
			       r->remote, r->timer, r->retrans, r->uid,
			       r->inode,
			       count_text(r->cwnd, cwnd, sizeof(cwnd)),
			       count_text(r->ssthresh, ssthresh,
					  sizeof(ssthresh)),
			       r->ca, r->cc);
		} else {
			printf("%-12s %-6lu %-6lu %-21s %s\n", r->state,
			       r->recvq, r->sendq, r->local, r->remote);
		}
		shown++;
	}
	if (json)
		printf("\n]}\n");
	free(rows);
	return 0;
}

/* ---- counters ------------------------------------------------------ */

/* nstat keeps its history per user in a file; so does ttpstat -s -d. */
static void history_path(char *buf, size_t size)
{
	const char *env = getenv("TTPSTAT_HISTORY");

	if (env)
		snprintf(buf, size, "%s", env);
	else
		snprintf(buf, size, "/tmp/.ttpstat.u%u", (unsigned int)getuid());
}

static uint64_t previous_value(const struct ttp_counter *prev, int nprev,
			       const char *name)
{
	int i;

	for (i = 0; i < nprev; i++)
		if (!strcmp(prev[i].name, name))
			return prev[i].value;
	return 0;
}

static int show_counters(bool delta)
{
	struct ttp_counter *c, *prev = NULL;
	int n, nprev = 0, i;
	char hist[512];
	FILE *f;

	f = open_proc("ttp_stats");
	if (!f)
		return 1;
	n = ttp_read_counters(f, &c);
	fclose(f);
	if (n < 0) {
		fprintf(stderr, "ttpstat: %s/ttp_stats: unreadable\n", proc_dir);
		return 1;
	}
	if (delta) {
		history_path(hist, sizeof(hist));
		f = fopen(hist, "r");
		if (f) {
			nprev = ttp_read_counters(f, &prev);
			fclose(f);
			if (nprev < 0)
				nprev = 0;
		}
		f = fopen(hist, "w");
		if (f) {
			for (i = 0; i < n; i++)
				fprintf(f, "%s %llu\n", c[i].name,
					(unsigned long long)c[i].value);
			fclose(f);
		}
	}
	if (json)
		printf("{\"delta\": %s, \"counters\": {", delta ? "true" : "false");
	for (i = 0; i < n; i++) {
		uint64_t v = c[i].value;

		/* CurrEstab is a gauge: its delta is its change, maybe negative */
		if (delta)
			v -= previous_value(prev, nprev, c[i].name);
		if (json)
			printf("%s\n \"%s\": %lld", i ? "," : "", c[i].name,
			       (long long)v);
		else
			printf("%-20s %lld\n", c[i].name, (long long)v);
	}
	if (json)
		printf("\n}}\n");
	free(c);
	free(prev);
	return 0;
}

/* ---- watching state changes ------------------------------------------ */

static sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void print_change(double t, const char *local, const char *remote,
			 const char *old, const char *new, const char *source)
{
	if (json)
		fprintf(stdout,
			"{\"time\": %.6f, \"local\": \"%s\", \"remote\": \"%s\", \"old\": \"%s\", \"new\": \"%s\", \"source\": \"%s\"}\n",
		       t, local, remote, old, new, source);
	else
		printf("%12.6f  %-21s %-21s %-11s -> %s\n", t, local, remote,
		       old, new);
	fflush(stdout);
}

static const char *tracefs_dir(void)
{
	static const char * const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/events/ttp/ttp_set_state/enable",
			 dirs[i]);
		if (!access(path, W_OK))
			return dirs[i];
	}
	return NULL;
}

static bool write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return false;
	ok = fputs(text, f) >= 0;
	return !fclose(f) && ok;
}

/*
 * "<task>-<pid> [cpu] flags 123.456789: ttp_set_state: saddr=A sport=P
 * daddr=B dport=Q oldstate=X newstate=Y"
 */
static bool parse_trace_line(const char *line, double *t, char *local,
			     char *remote, char *old, char *new)
{
	const char *ev = strstr(line, ": ttp_set_state: ");
	const char *p = ev;
	char saddr[16], daddr[16];
	unsigned int sport, dport;

	if (!ev)
		return false;
	while (p > line && p[-1] != ' ')
		p--;
	*t = strtod(p, NULL);
	if (sscanf(ev + strlen(": ttp_set_state: "),
		   "saddr=%15s sport=%u daddr=%15s dport=%u oldstate=%15s newstate=%15s",
		   saddr, &sport, daddr, &dport, old, new) != 6)
		return false;
	snprintf(local, TTP_ADDR_LEN, "%s:%u", saddr, sport);
	snprintf(remote, TTP_ADDR_LEN, "%s:%u", daddr, dport);
	return true;
}

static void print_watch_header(void)
{
	if (!json)
		printf("%12s  %-21s %-21s %-11s    %s\n", "Time", "Local",
		       "Peer", "Old", "New");
	fflush(stdout);
}

/*
 * Read ttp:ttp_set_state from a tracefs instance of our own: its buffer
 * holds only what happens from now on, and other tracing is left alone.
 */
static int watch_tracepoint(const char *dir, long count)
{
	char line[512], inst[256], path[512];
	char local[TTP_ADDR_LEN], remote[TTP_ADDR_LEN], old[16], new[16];
	int ret = -1;
	long seen = 0;
	FILE *pipe;
	double t;

	snprintf(inst, sizeof(inst), "%s/instances/ttpstat-%d", dir, getpid());
	if (mkdir(inst, 0700))
		return -1;
	if (!write_file(inst, "events/ttp/ttp_set_state/enable", "1"))
		goto out;
	snprintf(path, sizeof(path), "%s/trace_pipe", inst);
	pipe = fopen(path, "r");
	if (!pipe)
		goto out;
	print_watch_header();
	while (!stop && (count < 0 || seen < count) &&
	       fgets(line, sizeof(line), pipe)) {
		if (!parse_trace_line(line, &t, local, remote, old, new))
			continue;
		print_change(t, local, remote, old, new, "tracepoint");
		seen++;
	}
	fclose(pipe);
	ret = 0;
out:
	write_file(inst, "events/ttp/ttp_set_state/enable", "0");
	rmdir(inst);
	return ret;
}

static double monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const struct ttp_sock_row *find_row(const struct ttp_sock_row *rows,
					   int n, const struct ttp_sock_row *r)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(rows[i].local, r->local) &&
		    !strcmp(rows[i].remote, r->remote))
			return &rows[i];
	return NULL;
}

/* Without tracefs: compare snapshots of /proc/net/ttp every 10 ms. */
static int watch_poll(long count)
{
	struct ttp_sock_row *prev = NULL, *cur;
	int nprev = -1, n, i;
	long seen = 0;
	FILE *f;

	while (!stop && (count < 0 || seen < count)) {
		f = open_proc("ttp");
		if (!f)
			return 1;
		n = ttp_read_socks(f, &cur);
		fclose(f);
		if (n < 0)
			return 1;
		if (nprev < 0)
			print_watch_header();
		for (i = 0; nprev >= 0 && i < n; i++) {
			const struct ttp_sock_row *p = find_row(prev, nprev,
								&cur[i]);

			if (!p || strcmp(p->state, cur[i].state)) {
				print_change(monotonic_now(), cur[i].local,
					     cur[i].remote,
					     p ? p->state : "CLOSED",
					     cur[i].state, "poll");
				seen++;
			}
		}
		for (i = 0; nprev >= 0 && i < nprev; i++) {
			if (!find_row(cur, n, &prev[i])) {
				print_change(monotonic_now(), prev[i].local,
					     prev[i].remote, prev[i].state,
					     "CLOSED", "poll");
				seen++;
			}
		}
		free(prev);
		prev = cur;
		nprev = n;
		usleep(10000);
	}
	free(prev);
	return 0;
}

static int watch(long count, bool poll_only)
{
	const char *dir = poll_only ? NULL : tracefs_dir();
	/* no SA_RESTART: a signal must end the read of trace_pipe */
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (dir && !watch_tracepoint(dir, count))
		return 0;
	return watch_poll(count);
}

/* ---- ladder ---------------------------------------------------------- */

/* The segments of a capture file, for a ladder with their options. */
static int read_capture(const char *path, int proto,
			struct ttp_segment **segs)
{
	FILE *f = fopen(path, "r");
	int n;

	if (!f) {
		fprintf(stderr, "ttpstat: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = ttp_read_pcap(f, proto, segs);
	fclose(f);
	if (n < 0)
		fprintf(stderr, "ttpstat: %s: not a pcap capture\n", path);
	return n;
}

/* The segments of /proc/net/ttp_trace. */
static int read_trace(struct ttp_segment **out)
{
	struct ttp_segment *segs = NULL;
	int n = 0, cap = 0;
	char line[256];
	FILE *f;

	f = open_proc("ttp_trace");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (n == cap) {
			struct ttp_segment *grown;

			cap = cap ? 2 * cap : 1024;
			grown = realloc(segs, cap * sizeof(*segs));
			if (!grown)
				goto bad;
			segs = grown;
		}
		if (ttp_parse_segment(line, &segs[n])) {
			fprintf(stderr, "ttpstat: bad trace line: %s", line);
			goto bad;
		}
		n++;
	}
	fclose(f);
	*out = segs;
	return n;
bad:
	fclose(f);
	free(segs);
	return -1;
}

static int show_ladder(int port, bool absolute, const char *svg,
		       const char *pcap, int proto)
{
	struct ttp_segment *segs = NULL;
	struct ladder l;
	int n, ret = 0;
	FILE *f;

	n = pcap ? read_capture(pcap, proto, &segs) : read_trace(&segs);
	if (n < 0)
		return 1;
	if (ladder_build(&l, segs, n, port)) {
		free(segs);
		return 1;
	}
	if (json)
		ladder_print_json(stdout, &l, absolute);
	else
		ladder_print_text(stdout, &l, absolute);
	if (svg) {
		f = fopen(svg, "w");
		if (!f) {
			fprintf(stderr, "ttpstat: %s: %s\n", svg, strerror(errno));
			ret = 1;
		} else {
			ladder_print_svg(f, &l, absolute);
			if (fclose(f))
				ret = 1;
		}
	}
	ladder_free(&l);
	free(segs);
	return ret;
}

static int parse_port(const char *s)
{
	char *end;
	long p = strtol(s, &end, 10);

	if (!*s || *end || p < 0 || p > 65535) {
		fprintf(stderr, "ttpstat: bad port '%s'\n", s);
		exit(2);
	}
	return p;
}

enum { OPT_POLL = 256, OPT_ABSOLUTE, OPT_SVG, OPT_PCAP, OPT_PROTO };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listening",	no_argument,		NULL, 'l' },
		{ "state",	required_argument,	NULL, 't' },
		{ "port",	required_argument,	NULL, 'p' },
		{ "extended",	no_argument,		NULL, 'e' },
		{ "stats",	no_argument,		NULL, 's' },
		{ "delta",	no_argument,		NULL, 'd' },
		{ "watch",	no_argument,		NULL, 'w' },
		{ "count",	required_argument,	NULL, 'c' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "poll",	no_argument,		NULL, OPT_POLL },
		{ "absolute",	no_argument,		NULL, OPT_ABSOLUTE },
		{ "svg",	required_argument,	NULL, OPT_SVG },
		{ "pcap",	required_argument,	NULL, OPT_PCAP },
		{ "proto",	required_argument,	NULL, OPT_PROTO },
		{ "help",	no_argument,		NULL, 'h' },
		{}
	};
	struct sock_filter flt = { .port = -1 };
	bool extended = false, stats = false, delta = false, watching = false;
	bool poll_only = false, absolute = false;
	const char *svg = NULL, *pcap = NULL;
	int proto = 253;
	long count = -1;
	int opt;

	if (getenv("TTPSTAT_PROC"))
		proc_dir = getenv("TTPSTAT_PROC");
	/* plot parses options of its own */
	if (argc > 1 && !strcmp(argv[1], "plot"))
		return plot_main(argc - 1, argv + 1, proc_dir);
	while ((opt = getopt_long(argc, argv, "lt:p:esdwc:jh", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'l':
			flt.listening = true;
			break;
		case 't':
			if (flt.nstates < 16)
				flt.states[flt.nstates++] = optarg;
			break;
		case 'p':
			flt.port = parse_port(optarg);
			break;
		case 'e':
			extended = true;
			break;
		case 's':
			stats = true;
			break;
		case 'd':
			delta = true;
			break;
		case 'w':
			watching = true;
			break;
		case 'c':
			count = strtol(optarg, NULL, 10);
			break;
		case 'j':
			json = true;
			break;
		case OPT_POLL:
			poll_only = true;
			break;
		case OPT_ABSOLUTE:
			absolute = true;
			break;
		case OPT_SVG:
			svg = optarg;
			break;
		case OPT_PCAP:
			pcap = optarg;
			break;
		case OPT_PROTO:
			proto = strtol(optarg, NULL, 10);
			if (proto < 1 || proto > 255) {
				usage(stderr);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc && !strcmp(argv[optind], "ladder")) {
		int port = -1;

		if (optind + 1 < argc)
			port = parse_port(argv[optind + 1]);
		if (optind + 2 < argc) {
			usage(stderr);
			return 2;
		}
		return show_ladder(port, absolute, svg, pcap, proto);
	}
	if (optind < argc || (delta && !stats)) {
		usage(stderr);
		return 2;
	}
	if (stats)
		return show_counters(delta);
	if (watching)
		return watch(count, poll_only);
	return show_socks(&flt, extended);
}
