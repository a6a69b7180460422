// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: building and parsing segment headers, and their checksum.
 */
/* ror32(), for <net/checksum.h>: with Debian's 6.12 config none else has it */
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/minmax.h>
#include <net/checksum.h>
#include <kunit/visibility.h>

#include "compat.h"
#include "wire.h"

#define TTP_OLEN_MSS		4
#define TTP_OLEN_WSCALE		3
#define TTP_OLEN_TIMESTAMP	10
#define TTP_OLEN_SACK_PERM	2
#define TTP_OLEN_SACK_BLOCK	8
#define TTP_OLEN_OPTIONS	(TTP_HDR_MAX_LEN - TTP_HDR_MIN_LEN)

/* The header's options without SACK blocks, in bytes. */
static unsigned int ttp_hdr_base_olen(const struct ttp_hdr *h)
{
	unsigned int len = 0;

	if (h->mss)
		len += TTP_OLEN_MSS;
	if (h->sack_ok)
		len += 2 + TTP_OLEN_SACK_PERM;
	if (h->has_ts)
		len += TTP_OLEN_TS_ALIGNED;
	if (h->has_wscale)
		len += 1 + TTP_OLEN_WSCALE;
	return len;
}

/*
 * The SACK blocks that go: as many of h's as fit after the other options,
 * two NOPs and the option's kind and length (three beside timestamps, as
 * in TCP, four alone).
 */
static unsigned int ttp_hdr_sacks(const struct ttp_hdr *h)
{
	unsigned int room;

	/* the usual case, before counting the other options' room */
	if (!h->num_sacks)
		return 0;
	room = TTP_OLEN_OPTIONS - ttp_hdr_base_olen(h);
	if (room < 4 + TTP_OLEN_SACK_BLOCK)
		return 0;
	return min_t(unsigned int, h->num_sacks,
		     (room - 4) / TTP_OLEN_SACK_BLOCK);
}

/*
 * Header length in bytes, padded as TCP pads: MSS, SACK-permitted and
 * timestamps after two NOPs each, window scale after one, SACK blocks
 * after two, so that each 32-bit field is aligned.
 */
unsigned int ttp_hdr_len(const struct ttp_hdr *h)
{
	unsigned int sacks = ttp_hdr_sacks(h);

	return TTP_HDR_MIN_LEN + ttp_hdr_base_olen(h) +
	       (sacks ? 4 + sacks * TTP_OLEN_SACK_BLOCK : 0);
}
EXPORT_SYMBOL_IF_KUNIT(ttp_hdr_len);

/* Write ttp_hdr_len(h) bytes at buf; the checksum field is left zero. */
void ttp_hdr_write(void *buf, const struct ttp_hdr *h)
{
	struct tcphdr *th = buf;
	u8 *opt = (u8 *)(th + 1);
	unsigned int len = ttp_hdr_len(h), sacks = ttp_hdr_sacks(h), i;

	memset(th, 0, sizeof(*th));
	th->source = htons(h->sport);
	th->dest = htons(h->dport);
	th->seq = htonl(h->seq);
	th->ack_seq = htonl(h->ack);
	th->doff = len / 4;
	tcp_flag_byte(th) = h->flags;
	th->window = htons(h->window);
	th->urg_ptr = htons(h->urg_ptr);

	if (h->mss) {
		*opt++ = TTP_OPT_MSS;
		*opt++ = TTP_OLEN_MSS;
		put_unaligned_be16(h->mss, opt);
		opt += 2;
	}
	if (h->sack_ok) {
		*opt++ = TTP_OPT_NOP;
		*opt++ = TTP_OPT_NOP;
		*opt++ = TTP_OPT_SACK_PERM;
		*opt++ = TTP_OLEN_SACK_PERM;
	}
	if (h->has_ts) {
		*opt++ = TTP_OPT_NOP;
		*opt++ = TTP_OPT_NOP;
		*opt++ = TTP_OPT_TIMESTAMP;
		*opt++ = TTP_OLEN_TIMESTAMP;
		put_unaligned_be32(h->tsval, opt);
		put_unaligned_be32(h->tsecr, opt + 4);
		opt += 8;
	}
	if (h->has_wscale) {
		*opt++ = TTP_OPT_NOP;
		*opt++ = TTP_OPT_WSCALE;
		*opt++ = TTP_OLEN_WSCALE;
		*opt++ = min_t(u8, h->wscale, TTP_MAX_WSCALE);
	}
	if (sacks) {
		*opt++ = TTP_OPT_NOP;
		*opt++ = TTP_OPT_NOP;
		*opt++ = TTP_OPT_SACK;
		*opt++ = 2 + sacks * TTP_OLEN_SACK_BLOCK;
		for (i = 0; i < sacks; i++) {
			put_unaligned_be32(h->sacks[i].start, opt);
			put_unaligned_be32(h->sacks[i].end, opt + 4);
			opt += TTP_OLEN_SACK_BLOCK;
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(ttp_hdr_write);

/*
 * Parse the header at the start of a segment of len bytes.  A data offset
 * that is too small or runs past the segment is malformed (-EINVAL).  As in
 * TCP, unknown options are skipped and a malformed option ends option
 * parsing without rejecting the segment.
 */
int ttp_hdr_parse(const void *buf, unsigned int len, struct ttp_hdr *h)
{
	const struct tcphdr *th = buf;
	const u8 *opt = (const u8 *)(th + 1);
	unsigned int hlen, left;

	if (len < TTP_HDR_MIN_LEN)
		return -EINVAL;
	hlen = th->doff * 4;
	if (hlen < TTP_HDR_MIN_LEN || hlen > len)
		return -EINVAL;

	memset(h, 0, sizeof(*h));
	h->sport = ntohs(th->source);
	h->dport = ntohs(th->dest);
	h->seq = ntohl(th->seq);
	h->ack = ntohl(th->ack_seq);
	h->flags = tcp_flag_byte(th);
	h->window = ntohs(th->window);
	h->urg_ptr = ntohs(th->urg_ptr);
	h->len = hlen;

	left = hlen - TTP_HDR_MIN_LEN;
	while (left) {
		u8 kind = opt[0], olen;

		if (kind == TTP_OPT_EOL)
			break;
		if (kind == TTP_OPT_NOP) {
			opt++;
			left--;
			continue;
		}
		if (left < 2)
			break;
		olen = opt[1];
		if (olen < 2 || olen > left)
			break;
		if (kind == TTP_OPT_MSS && olen == TTP_OLEN_MSS) {
			h->mss = get_unaligned_be16(opt + 2);
		} else if (kind == TTP_OPT_WSCALE && olen == TTP_OLEN_WSCALE) {
			h->wscale = min_t(u8, opt[2], TTP_MAX_WSCALE);
			h->has_wscale = true;
		} else if (kind == TTP_OPT_TIMESTAMP &&
			   olen == TTP_OLEN_TIMESTAMP) {
			h->tsval = get_unaligned_be32(opt + 2);
			h->tsecr = get_unaligned_be32(opt + 6);
			h->has_ts = true;
		} else if (kind == TTP_OPT_SACK_PERM &&
			   olen == TTP_OLEN_SACK_PERM) {
			h->sack_ok = true;
		} else if (kind == TTP_OPT_SACK && olen > 2 &&
			   !((olen - 2) % TTP_OLEN_SACK_BLOCK)) {
			/* at most four fit in a header; the last list counts */
			unsigned int i, n = (olen - 2) / TTP_OLEN_SACK_BLOCK;

			for (i = 0; i < n; i++) {
				const u8 *b = opt + 2 + i * TTP_OLEN_SACK_BLOCK;

				h->sacks[i].start = get_unaligned_be32(b);
				h->sacks[i].end = get_unaligned_be32(b + 4);
			}
			h->num_sacks = n;
		}
		opt += olen;
		left -= olen;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(ttp_hdr_parse);

/* Internet checksum over the IPv4 pseudo-header, the header and the data. */
__sum16 ttp_checksum(__be32 saddr, __be32 daddr, u8 proto,
		     const void *seg, unsigned int len)
{
	return csum_tcpudp_magic(saddr, daddr, len, proto,
				 csum_partial(seg, len, 0));
}
EXPORT_SYMBOL_IF_KUNIT(ttp_checksum);
