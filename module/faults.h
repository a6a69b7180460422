/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TTP: fault-injection rules of /proc/net/ttp_faults and the view of a
 * segment that the netfilter hook matches them against and traces.
 */
#ifndef _TTP_FAULTS_H
#define _TTP_FAULTS_H

#include <linux/types.h>

enum ttp_dir {
	TTP_DIR_IN,
	TTP_DIR_OUT,
};

/* What the hook reads out of a segment; addresses and ports as on the wire. */
struct ttp_seg {
	__be32	saddr;
	__be32	daddr;
	__be16	sport;
	__be16	dport;
	u32	seq;
	u32	ack;
	u32	len;		/* payload bytes */
	u16	win;		/* raw header field */
	u8	flags;		/* TCPHDR_* */
	u8	dir;		/* enum ttp_dir */
};

enum ttp_fault_kind {
	TTP_FAULT_DROP,
	TTP_FAULT_LOSS,
};

/* Loss percentages are kept in hundredths of a percent. */
#define TTP_LOSS_SCALE		10000

struct ttp_fault_rule {
	u8	kind;		/* enum ttp_fault_kind */
	u8	dir;		/* enum ttp_dir */
	u8	flags;		/* TCPHDR_* the segment must carry */
	bool	exact;		/* ... and no others */
	u16	port;		/* either port; 0 matches any */
	u32	skip;		/* drop: matching segments let through first */
	u32	count;		/* drop: segments to drop after that */
	u32	loss;		/* loss: probability, in 1/TTP_LOSS_SCALE */
	u32	seen;		/* matching segments so far */
	u32	hits;		/* segments dropped so far */
};

/* Longest normalised rule text, with " hits=N" and the newline. */
#define TTP_FAULT_TEXT_MAX	128

int ttp_fault_parse(const char *text, struct ttp_fault_rule *rule);
int ttp_fault_format(const struct ttp_fault_rule *rule, char *buf,
		     size_t size);
bool ttp_fault_drops(struct ttp_fault_rule *rule, const struct ttp_seg *seg,
		     u32 rnd);
int ttp_flags_format(u8 flags, char *buf, size_t size);

#endif /* _TTP_FAULTS_H */
