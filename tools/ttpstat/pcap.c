// SPDX-License-Identifier: GPL-2.0
/* Segments from a pcap capture file, options included (see pcap.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pcap.h"

#define PCAP_MAGIC_US	0xa1b2c3d4
#define PCAP_MAGIC_NS	0xa1b23c4d
/* the link types tcpdump writes for an interface, loopback's included */
#define LINKTYPE_NULL	0
#define LINKTYPE_ETHER	1
#define LINKTYPE_RAW	101
#define LINKTYPE_SLL	113
#define LINKTYPE_SLL2	276
/* what does not fit in one record is no segment of ours */
#define SNAP_MAX	262144

static uint32_t get32(const unsigned char *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint16_t be16(const unsigned char *p)
{
	return p[0] << 8 | p[1];
}

/* tcpdump's letters in tcpdump's order, as the trace ring writes them */
static void flags_text(unsigned char flags, char *buf)
{
	static const char letters[] = "SFRPU.";
	static const unsigned char bits[] = { 0x02, 0x01, 0x04, 0x08, 0x20,
					      0x10 };
	int i, n = 0;

	for (i = 0; i < 6; i++)
		if (flags & bits[i])
			buf[n++] = letters[i];
	buf[n] = '\0';
	if (!n)
		strcpy(buf, "none");
}

int ttp_parse_header(const unsigned char *p, size_t len,
		     struct ttp_segment *seg)
{
	size_t doff, i;

	if (len < 20)
		return -1;
	doff = (p[12] >> 4) * 4;
	if (doff < 20 || doff > len)
		return -1;
	seg->seq = be32(p + 4);
	seg->ack = be32(p + 8);
	seg->win = be16(p + 14);
	seg->len = len - doff;
	flags_text(p[13], seg->flags);
	/* as TCP reads them: a malformed option ends the list */
	for (i = 20; i < doff && p[i];) {
		size_t olen;

		if (p[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= doff || p[i + 1] < 2 || i + p[i + 1] > doff)
			break;
		olen = p[i + 1];
		if (p[i] == 8 && olen == 10) {
			seg->has_ts = true;
			seg->tsval = be32(p + i + 2);
			seg->tsecr = be32(p + i + 6);
		} else if (p[i] == 5 && olen > 2 && (olen - 2) % 8 == 0 &&
			   olen <= 2 + 8 * TTP_MAX_SACK_BLOCKS) {
			int b;

			seg->nsacks = (olen - 2) / 8;
			for (b = 0; b < seg->nsacks; b++) {
				seg->sacks[b][0] = be32(p + i + 2 + 8 * b);
				seg->sacks[b][1] = be32(p + i + 6 + 8 * b);
			}
		} else if (p[i] == 4 && olen == 2) {
			seg->sack_ok = true;
		}
		i += olen;
	}
	return 0;
}

/* The IPv4 packet in a frame of the link type, or NULL. */
static const unsigned char *ip_of(const unsigned char *f, size_t *len,
				  uint32_t link)
{
	size_t hdr;
	uint16_t type;

	switch (link) {
	case LINKTYPE_NULL:	/* the address family, in the writer's order */
		hdr = 4;
		if (*len < hdr || (f[0] != 2 && f[3] != 2))
			return NULL;
		break;
	case LINKTYPE_ETHER:
		hdr = 14;
		if (*len < hdr || be16(f + 12) != 0x0800)
			return NULL;
		break;
	case LINKTYPE_RAW:
		hdr = 0;
		break;
	case LINKTYPE_SLL:
		hdr = 16;
		if (*len < hdr || be16(f + 14) != 0x0800)
			return NULL;
		break;
	case LINKTYPE_SLL2:
		hdr = 20;
		if (*len < hdr || be16(f) != 0x0800)
			return NULL;
		break;
	default:
		return NULL;
	}
	type = *len > hdr ? f[hdr] >> 4 : 0;
	if (type != 4)
		return NULL;
	*len -= hdr;
	return f + hdr;
}

/* A frame into seg: an IPv4 packet of proto, whole and unfragmented. */
static int frame_segment(const unsigned char *f, size_t len, uint32_t link,
			 int proto, struct ttp_segment *seg)
{
	const unsigned char *ip = ip_of(f, &len, link);
	size_t ihl, total;

	if (!ip || len < 20)
		return -1;
	ihl = (ip[0] & 15) * 4;
	total = be16(ip + 2);
	if (ihl < 20 || total < ihl || total > len || ip[9] != proto ||
	    (be16(ip + 6) & 0x3fff))
		return -1;
	snprintf(seg->src, sizeof(seg->src), "%u.%u.%u.%u:%u", ip[12], ip[13],
		 ip[14], ip[15], be16(ip + ihl));
	snprintf(seg->dst, sizeof(seg->dst), "%u.%u.%u.%u:%u", ip[16], ip[17],
		 ip[18], ip[19], total >= ihl + 4 ? be16(ip + ihl + 2) : 0);
	return ttp_parse_header(ip + ihl, total - ihl, seg);
}

int ttp_read_pcap(FILE *f, int proto, struct ttp_segment **segs)
{
	unsigned char hdr[24], rec[16], *frame;
	struct ttp_segment *out = NULL;
	int n = 0, cap = 0;
	uint32_t magic, link;
	bool swap, nano;

	*segs = NULL;
	if (fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr))
		return -1;
	memcpy(&magic, hdr, 4);
	swap = magic == __builtin_bswap32(PCAP_MAGIC_US) ||
	       magic == __builtin_bswap32(PCAP_MAGIC_NS);
	if (swap)
		magic = __builtin_bswap32(magic);
	if (magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS)
		return -1;
	nano = magic == PCAP_MAGIC_NS;
	link = get32(hdr + 20, swap) & 0xffff;
	frame = malloc(SNAP_MAX);
	if (!frame)
		return -1;
	while (fread(rec, 1, sizeof(rec), f) == sizeof(rec)) {
		uint32_t caplen = get32(rec + 8, swap);
		struct ttp_segment seg = { 0 };

		if (caplen > SNAP_MAX || fread(frame, 1, caplen, f) != caplen)
			goto bad;
		if (frame_segment(frame, caplen, link, proto, &seg))
			continue;
		seg.time_us = (uint64_t)get32(rec, swap) * 1000000 +
			      get32(rec + 4, swap) / (nano ? 1000 : 1);
		if (n + 2 > cap) {
			struct ttp_segment *grown;

			cap = cap ? 2 * cap : 1024;
			grown = realloc(out, cap * sizeof(*out));
			if (!grown)
				goto bad;
			out = grown;
		}
		seg.out = true;
		out[n++] = seg;
		seg.out = false;
		out[n++] = seg;
	}
	free(frame);
	*segs = out;
	return n;
bad:
	free(frame);
	free(out);
	return -1;
}
