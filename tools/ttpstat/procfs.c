// SPDX-License-Identifier: GPL-2.0
/* Parsers of /proc/net/ttp, /proc/net/ttp_stats and /proc/net/ttp_trace. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "procfs.h"

int ttp_addr_port(const char *addr)
{
	const char *colon = strrchr(addr, ':');
	char *end;
	long port;

	if (!colon || !colon[1])
		return -1;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 0 || port > 65535)
		return -1;
	return port;
}

enum ttp_column {
	COL_LOCAL, COL_REMOTE, COL_STATE, COL_SENDQ, COL_RECVQ, COL_TIMER,
	COL_RETRANS, COL_UID, COL_INODE,
	COL_REQUIRED,
	/* since congestion control: optional */
	COL_CWND = COL_REQUIRED, COL_SSTHRESH, COL_CA, COL_CC,
	COL_COUNT
};

static const char * const ttp_column_names[COL_COUNT] = {
	"local", "remote", "state", "sendq", "recvq", "timer", "retrans",
	"uid", "inode", "cwnd", "ssthresh", "ca", "cc",
};

#define TTP_MAX_FIELDS	32

/* Split line in place on blanks; returns the number of fields. */
static int split(char *line, char **fields)
{
	int n = 0;
	char *tok, *save;

	for (tok = strtok_r(line, " \t\n", &save); tok && n < TTP_MAX_FIELDS;
	     tok = strtok_r(NULL, " \t\n", &save))
		fields[n++] = tok;
	return n;
}

static bool copy_field(char *dst, size_t size, const char *src)
{
	if (strlen(src) >= size)
		return false;
	strcpy(dst, src);
	return true;
}

static bool parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	*v = strtoul(s, &end, 10);
	return *s && !*end;
}

/* An optional count of segments: "-" (or no column) is -1. */
static bool parse_segments(char **f, int col, long *v)
{
	unsigned long n;

	*v = -1;
	if (col < 0 || !strcmp(f[col], "-"))
		return true;
	if (!parse_ulong(f[col], &n) || n > UINT32_MAX)
		return false;
	*v = n;
	return true;
}

/* An optional word: "-" when there is no column. */
static bool copy_word(char *dst, size_t size, char **f, int col)
{
	return copy_field(dst, size, col < 0 ? "-" : f[col]);
}

static bool fill_row(struct ttp_sock_row *r, char **f, const int *col)
{
	unsigned long retrans, uid;

	if (!copy_field(r->local, sizeof(r->local), f[col[COL_LOCAL]]) ||
	    !copy_field(r->remote, sizeof(r->remote), f[col[COL_REMOTE]]) ||
	    !copy_field(r->state, sizeof(r->state), f[col[COL_STATE]]) ||
	    !copy_field(r->timer, sizeof(r->timer), f[col[COL_TIMER]]) ||
	    !parse_ulong(f[col[COL_SENDQ]], &r->sendq) ||
	    !parse_ulong(f[col[COL_RECVQ]], &r->recvq) ||
	    !parse_ulong(f[col[COL_RETRANS]], &retrans) ||
	    !parse_ulong(f[col[COL_UID]], &uid) ||
	    !parse_ulong(f[col[COL_INODE]], &r->inode) ||
	    !parse_segments(f, col[COL_CWND], &r->cwnd) ||
	    !parse_segments(f, col[COL_SSTHRESH], &r->ssthresh) ||
	    !copy_word(r->ca, sizeof(r->ca), f, col[COL_CA]) ||
	    !copy_word(r->cc, sizeof(r->cc), f, col[COL_CC]))
		return false;
	r->retrans = retrans;
	r->uid = uid;
	return ttp_addr_port(r->local) >= 0 && ttp_addr_port(r->remote) >= 0;
}

int ttp_read_socks(FILE *f, struct ttp_sock_row **rows)
{
	char line[512], *fields[TTP_MAX_FIELDS];
	int col[COL_COUNT], nfields, n = 0, cap = 0, i, j;
	struct ttp_sock_row *out = NULL;

	*rows = NULL;
	if (!fgets(line, sizeof(line), f))
		return -1;
	nfields = split(line, fields);
	/* parsers use the header: more columns may follow, in any version */
	for (i = 0; i < COL_COUNT; i++) {
		col[i] = -1;
		for (j = 0; j < nfields; j++)
			if (!strcmp(fields[j], ttp_column_names[i]))
				col[i] = j;
		if (col[i] < 0 && i < COL_REQUIRED)
			return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (split(line, fields) < nfields)
			goto bad;
		if (n == cap) {
			struct ttp_sock_row *grown;

			cap = cap ? 2 * cap : 16;
			grown = realloc(out, cap * sizeof(*out));
			if (!grown)
				goto bad;
			out = grown;
		}
		memset(&out[n], 0, sizeof(out[n]));
		if (!fill_row(&out[n], fields, col))
			goto bad;
		n++;
	}
	*rows = out;
	return n;
bad:
	free(out);
	return -1;
}

int ttp_read_counters(FILE *f, struct ttp_counter **out)
{
	struct ttp_counter *c = NULL;
	char line[256], *fields[TTP_MAX_FIELDS];
	int n = 0, cap = 0;
	char *end;

	while (fgets(line, sizeof(line), f)) {
		if (split(line, fields) != 2)
			goto bad;
		if (n == cap) {
			struct ttp_counter *grown;

			cap = cap ? 2 * cap : 32;
			grown = realloc(c, cap * sizeof(*c));
			if (!grown)
				goto bad;
			c = grown;
		}
		if (!copy_field(c[n].name, sizeof(c[n].name), fields[0]))
			goto bad;
		c[n].value = strtoull(fields[1], &end, 10);
		if (*end)
			goto bad;
		n++;
	}
	*out = c;
	return n;
bad:
	free(c);
	*out = NULL;
	return -1;
}

int ttp_parse_segment(const char *line, struct ttp_segment *seg)
{
	char buf[256], *f[TTP_MAX_FIELDS];
	unsigned long long t;
	unsigned long v[4];
	int i;

	if (strlen(line) >= sizeof(buf))
		return -1;
	strcpy(buf, line);
	if (split(buf, f) != 10)
		return -1;
	memset(seg, 0, sizeof(*seg));
	t = strtoull(f[0], NULL, 10);
	seg->time_us = t;
	if (!strcmp(f[1], "out"))
		seg->out = true;
	else if (strcmp(f[1], "in"))
		return -1;
	if (!copy_field(seg->src, sizeof(seg->src), f[2]) ||
	    !copy_field(seg->dst, sizeof(seg->dst), f[3]) ||
	    !copy_field(seg->flags, sizeof(seg->flags), f[4]) ||
	    ttp_addr_port(seg->src) < 0 || ttp_addr_port(seg->dst) < 0)
		return -1;
	for (i = 0; i < 4; i++)
		if (!parse_ulong(f[5 + i], &v[i]) || v[i] > UINT32_MAX)
			return -1;
	seg->seq = v[0];
	seg->ack = v[1];
	seg->len = v[2];
	seg->win = v[3];
	if (!strcmp(f[9], "drop"))
		seg->dropped = true;
	else if (strcmp(f[9], "pass"))
		return -1;
	return 0;
}

bool ttp_seg_has(const struct ttp_segment *seg, char c)
{
	return strchr(seg->flags, c);
}
