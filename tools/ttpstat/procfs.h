/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsers of TTP's procfs files (the formats of interface.md): the socket
 * table /proc/net/ttp, the counters /proc/net/ttp_stats and the segment
 * ring /proc/net/ttp_trace.  Pure functions of text, so that the host-side
 * tests can feed them fixtures.
 */
#ifndef TTPSTAT_PROCFS_H
#define TTPSTAT_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define TTP_ADDR_LEN	24	/* "255.255.255.255:65535" */
#define TTP_MAX_SACK_BLOCKS	4	/* what 40 bytes of options hold */

struct ttp_sock_row {
	char local[TTP_ADDR_LEN];
	char remote[TTP_ADDR_LEN];
	char state[16];
	unsigned long sendq;
	unsigned long recvq;
	char timer[24];		/* "-" or NAME:MS */
	unsigned int retrans;
	unsigned int uid;
	unsigned long inode;
	/*
	 * Congestion control, from the columns cwnd, ssthresh, ca and cc
	 * when the table has them (modules before congestion control do
	 * not).  -1 and "-": none, for a listener, TIME_WAIT or SYN_RCVD
	 * socket, or no such column; ssthresh is also -1 until a loss.
	 */
	long cwnd;		/* segments */
	long ssthresh;		/* segments */
	char ca[16];		/* "open", "disorder", "cwr", "recovery", "loss" */
	char cc[32];		/* the algorithm: "cubic", "reno", ... */
};

/* Port of "A.B.C.D:PORT", or -1. */
int ttp_addr_port(const char *addr);

/*
 * Read the socket table from f, by the names of its header line: the nine
 * columns up to inode must be there, the congestion control's may.  Returns
 * the number of rows put in *rows (malloc'd), or -1 on a malformed table.
 */
int ttp_read_socks(FILE *f, struct ttp_sock_row **rows);

struct ttp_counter {
	char name[48];
	uint64_t value;
};

/* Read "Name Value" lines; returns the count (malloc'd *out) or -1. */
int ttp_read_counters(FILE *f, struct ttp_counter **out);

struct ttp_segment {
	uint64_t time_us;
	bool out;			/* dir: out or in */
	char src[TTP_ADDR_LEN];
	char dst[TTP_ADDR_LEN];
	char flags[8];			/* tcpdump's letters: "S.", "F.", ... */
	uint32_t seq;
	uint32_t ack;
	uint32_t len;
	uint32_t win;
	bool dropped;			/* verdict drop */
	/*
	 * Options, which only a capture has (pcap.c): the trace ring's line
	 * carries none.
	 */
	bool has_ts;
	uint32_t tsval, tsecr;
	bool sack_ok;			/* SACK-permitted */
	int nsacks;
	uint32_t sacks[TTP_MAX_SACK_BLOCKS][2];	/* [start, end) */
};

/* One line of /proc/net/ttp_trace; 0, or -1 when it is malformed. */
int ttp_parse_segment(const char *line, struct ttp_segment *seg);

/* Does the flags text carry flag letter c ('S', 'F', 'R', 'P', '.')? */
bool ttp_seg_has(const struct ttp_segment *seg, char c);

#endif
