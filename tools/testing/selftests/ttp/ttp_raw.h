/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A hand-written peer's view of the wire: building options, reading what
 * the server sends from a raw socket of TTP's protocol with the options
 * parsed, and a raw handshake with chosen SYN options.  For the suites
 * whose peer must choose its options (timestamps, sack).
 */
#ifndef _TTP_RAW_H
#define _TTP_RAW_H

#include <netinet/in.h>

#include "ttp_conn.h"

#define TSOPT_LEN	12

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* A timestamps option as TCP sends it: two NOPs, kind 8, length 10. */
static void put_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	put32(o + 4, tsval);
	put32(o + 8, tsecr);
}

/* What the server sent, as the raw socket saw it. */
struct rx_seg {
	uint8_t flags;
	uint32_t seq, ack;
	int len;		/* payload bytes */
	bool has_ts;
	uint32_t tsval, tsecr;
	bool sack_ok;		/* SACK-permitted */
	int nsacks;		/* SACK blocks, as sent */
	uint32_t sacks[4][2];
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/*
 * The next segment from sport to dport on the raw socket rfd within ms
 * milliseconds, with its options read; -1 if none came.
 */
static int rx_next(int rfd, int sport, int dport, struct rx_seg *s, int ms)
{
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	uint8_t pkt[4096];

	while (poll(&p, 1, ms) > 0) {
		ssize_t n = recv(rfd, pkt, sizeof(pkt), 0);
		int ihl = (pkt[0] & 15) * 4, doff;
		uint8_t *h = pkt + ihl, *o;

		if (n < ihl + 20 || (h[0] << 8 | h[1]) != sport ||
		    (h[2] << 8 | h[3]) != dport)
			continue;
		doff = (h[12] >> 4) * 4;
		memset(s, 0, sizeof(*s));
		s->flags = h[13];
		s->seq = be32(h + 4);
		s->ack = be32(h + 8);
		s->len = n - ihl - doff;
		for (o = h + 20; o < h + doff && *o;) {
			if (*o == 1) {
				o++;
				continue;
			}
			if (o + 1 >= h + doff || o[1] < 2)
				break;
			if (o[0] == 8 && o[1] == 10) {
				s->has_ts = true;
				s->tsval = be32(o + 2);
				s->tsecr = be32(o + 6);
			}
			if (o[0] == 4 && o[1] == 2)
				s->sack_ok = true;
			if (o[0] == 5 && o[1] >= 10 && (o[1] - 2) % 8 == 0 &&
			    o[1] <= 34) {
				s->nsacks = (o[1] - 2) / 8;
				for (int i = 0; i < s->nsacks; i++) {
					s->sacks[i][0] = be32(o + 2 + 8 * i);
					s->sacks[i][1] = be32(o + 6 + 8 * i);
				}
			}
			o += o[1];
		}
		return 0;
	}
	return -1;
}

/*
 * A raw peer's handshake with the listener on self->port: a SYN with
 * options synopt, *synack the answer, then the ACK with window win and
 * options ackopt, or timestamps echoing the SYN+ACK's (TSval ack_tsval)
 * if ackopt is NULL and the SYN+ACK had them.  rfd is the raw socket
 * that sees the server's segments.  No accept().
 */
static int hs_raw(struct _test_data_life *self, struct raw_peer *peer, int rfd,
		  const uint8_t *synopt, size_t synoptlen,
		  const uint8_t *ackopt, size_t ackoptlen, uint16_t win,
		  uint32_t ack_tsval, struct rx_seg *synack)
{
	struct ttp_raw_seg seg = { .flags = SYN, .win = 65535,
				   .opt = synopt, .optlen = synoptlen };
	uint8_t ack_ts[TSOPT_LEN];

	self->lfd = listener(self->port, 8);
	if (self->lfd < 0 ||
	    fault("drop dir=out flags=RST port=%d count=100000", self->port))
		return -1;
	peer->proto = proto_of(self->lfd);
	peer->port = self->port - 10000;
	peer->seq = 1000000;
	self->cport = peer->port;

	seg.sport = peer->port;
	seg.dport = self->port;
	seg.seq = peer->seq++;
	if (ttp_raw_send(peer->proto, LO, LO, &seg) < 0 ||
	    rx_next(rfd, self->port, peer->port, synack, 2000) ||
	    synack->flags != (SYN | ACK))
		return -1;
	peer->ack = synack->seq + 1;

	if (!ackopt && synack->has_ts) {
		put_ts(ack_ts, ack_tsval, synack->tsval);
		ackopt = ack_ts;
		ackoptlen = sizeof(ack_ts);
	}
	memset(&seg, 0, sizeof(seg));
	seg.sport = peer->port;
	seg.dport = self->port;
	seg.seq = peer->seq;
	seg.ack = peer->ack;
	seg.flags = ACK;
	seg.win = win;
	seg.opt = ackopt;
	seg.optlen = ackoptlen;
	return ttp_raw_send(peer->proto, LO, LO, &seg) < 0 ? -1 : 0;
}

static int raw_socket(int fd)
{
	return socket(AF_INET, SOCK_RAW, proto_of(fd));
}

#endif /* _TTP_RAW_H */
