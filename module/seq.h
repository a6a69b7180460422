/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TTP: sequence-number arithmetic.
 *
 * Sequence numbers live on a 2^32 circle; comparisons are only meaningful
 * between numbers less than 2^31 apart (RFC 9293 3.4).  before()/after()
 * come from net/tcp.h; this adds the window tests TTP's receive path needs.
 */
#ifndef _TTP_SEQ_H
#define _TTP_SEQ_H

#include <linux/types.h>
#include <net/tcp.h>

/* lo <= seq < hi on the circle; an empty range (lo == hi) holds nothing. */
static inline bool ttp_seq_in_range(u32 seq, u32 lo, u32 hi)
{
	return seq - lo < hi - lo;
}

/*
 * RFC 9293 3.10.7.4 segment acceptability: does a segment of len sequence
 * numbers starting at seq overlap the receive window [rcv_nxt, rcv_nxt+wnd)?
 */
static inline bool ttp_seq_acceptable(u32 seq, u32 len, u32 rcv_nxt, u32 wnd)
{
	if (!len)
		return wnd ? ttp_seq_in_range(seq, rcv_nxt, rcv_nxt + wnd)
			   : seq == rcv_nxt;
	if (!wnd)
		return false;
	return ttp_seq_in_range(seq, rcv_nxt, rcv_nxt + wnd) ||
	       ttp_seq_in_range(seq + len - 1, rcv_nxt, rcv_nxt + wnd);
}

#endif /* _TTP_SEQ_H */
