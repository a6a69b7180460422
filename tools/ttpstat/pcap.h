/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading TTP's segments from a capture file, as tcpdump -w writes it
 * (pcap, either byte order, micro- or nanosecond stamps), so that a
 * ladder can show what the trace ring does not keep: the options, SACK
 * blocks and timestamps.
 */
#ifndef TTPSTAT_PCAP_H
#define TTPSTAT_PCAP_H

#include <stdio.h>

#include "procfs.h"

/*
 * The IPv4 segments of IP protocol proto in the capture f, each as two
 * records, leaving and arriving, as the trace ring has a segment on
 * loopback (the capture saw it on the wire).  Returns how many went into
 * *segs (malloc'd), or -1 if f is no capture this reads.
 */
int ttp_read_pcap(FILE *f, int proto, struct ttp_segment **segs);

/*
 * One TTP segment of len bytes at p (its header first) into seg's
 * header fields and options; 0, or -1 if it is malformed.
 */
int ttp_parse_header(const unsigned char *p, size_t len,
		     struct ttp_segment *seg);

#endif
