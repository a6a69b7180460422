/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TTP: the segment header.
 *
 * The header is laid out exactly as TCP's (RFC 9293 3.1), so struct tcphdr
 * and the TCPHDR_* flag bits describe it.  These helpers work on plain
 * buffers so that KUnit can check them without an skb.
 */
#ifndef _TTP_WIRE_H
#define _TTP_WIRE_H

#include <linux/types.h>
#include <linux/tcp.h>
#include <net/tcp.h>	/* tcp_flag_byte(), TCPHDR_* */

#define TTP_OPT_EOL		0
#define TTP_OPT_NOP		1
#define TTP_OPT_MSS		2
#define TTP_OPT_WSCALE		3
#define TTP_OPT_SACK_PERM	4
#define TTP_OPT_SACK		5
#define TTP_OPT_TIMESTAMP	8
/* what timestamps take of every segment: NOP, NOP, kind 8 (RFC 7323 A) */
#define TTP_OLEN_TS_ALIGNED	12
#define TTP_MAX_WSCALE		14	/* RFC 7323 2.3 */
/* SACK blocks that fit in the 40 bytes of options (RFC 2018 3) */
#define TTP_MAX_SACKS		4
#define TTP_HDR_MIN_LEN		sizeof(struct tcphdr)
#define TTP_HDR_MAX_LEN		60

/* A SACK block: the peer holds [start, end) (RFC 2018 3). */
struct ttp_sack_block {
	u32	start;
	u32	end;
};

/* A header in host order; the options TTP knows about are parsed out. */
struct ttp_hdr {
	u16	sport;
	u16	dport;
	u32	seq;
	u32	ack;
	u8	flags;		/* TCPHDR_FIN ... TCPHDR_CWR */
	u16	window;		/* the raw field, not scaled */
	u16	urg_ptr;
	u16	mss;		/* MSS option; 0: absent */
	u8	wscale;		/* window scale option, if has_wscale */
	bool	has_wscale;
	bool	has_ts;		/* timestamps option (RFC 7323 3) */
	u32	tsval;
	u32	tsecr;
	bool	sack_ok;	/* SACK-permitted option (RFC 2018 2) */
	/* SACK blocks; ttp_hdr_len() and ttp_hdr_write() keep what fits */
	u8	num_sacks;
	struct ttp_sack_block	sacks[TTP_MAX_SACKS];
	u8	len;		/* header length with options, in bytes */
};

unsigned int ttp_hdr_len(const struct ttp_hdr *h);
void ttp_hdr_write(void *buf, const struct ttp_hdr *h);
int ttp_hdr_parse(const void *buf, unsigned int len, struct ttp_hdr *h);
__sum16 ttp_checksum(__be32 saddr, __be32 daddr, u8 proto,
		     const void *seg, unsigned int len);

#endif /* _TTP_WIRE_H */
