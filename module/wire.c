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

/*
 * Header length in bytes, padded as TCP pads: MSS, timestamps after two
 * NOPs, window scale after one, so that each 32-bit field is aligned.
 */
unsigned int ttp_hdr_len(const struct ttp_hdr *h)
{
	unsigned int len = TTP_HDR_MIN_LEN;

	if (h->mss)
		len += TTP_OLEN_MSS;
	if (h->has_ts)
		len += TTP_OLEN_TS_ALIGNED;
	if (h->has_wscale)
		len += 1 + TTP_OLEN_WSCALE;
	return len;
}
EXPORT_SYMBOL_IF_KUNIT(ttp_hdr_len);

/* Write ttp_hdr_len(h) bytes at buf; the checksum field is left zero. */
void ttp_hdr_write(void *buf, const struct ttp_hdr *h)
{
	struct tcphdr *th = buf;
	u8 *opt = (u8 *)(th + 1);
	unsigned int len = ttp_hdr_len(h);

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
