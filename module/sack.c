// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: selective acknowledgment (RFC 2018) and the scoreboard of RFC 6675.
 *
 * Both ends offer SACK-permitted in their SYNs (sysctl sack); once both
 * did, the receiver lists in each bare ACK the blocks of data it holds
 * beyond a hole (from its out-of-order queue), and the sender marks the
 * segments those blocks cover.  A segment with DupThresh (3) SACKed
 * segments above it is presumed lost (RFC 6675 IsLost()); in fast
 * recovery the sender sends the lost ones again before new data, and
 * only as the pipe allows: the bytes in flight less those the peer holds
 * or that are lost and not yet sent again.  A segment presumed lost that
 * the peer then SACKs without a retransmission was only reordered: the
 * threshold grows to the distance it was overtaken by, as Linux's
 * tp->reordering does, so that a path that reorders (loopback does, across
 * CPUs) does not have whole runs sent again.  Data the peer holds is not
 * sent again, and several holes are filled in one round trip where
 * NewReno fills one.
 *
 * The marks are hints, not acknowledgments: a receiver may drop what it
 * SACKed (TTP's own prunes its out-of-order queue when memory runs
 * short), so SACKed data stays queued until the cumulative ACK covers
 * it, and a retransmission timeout forgets every mark (RFC 2018 8) and
 * sends again from SND.UNA.
 *
 * Only bare ACKs carry blocks: a data segment with them would need a
 * smaller MSS.  No D-SACK.
 *
 * Locking: everything here runs with the socket held (bh_lock_sock or
 * its owner), as the rest of the sender and receiver do.
 */
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/sock.h>

#include "trace.h"
#include "ttp.h"
#include "wire.h"

/* RFC 6675 DupThresh: SACKed segments above one that make it lost */
#define TTP_DUPTHRESH	3
/*
 * The most reordering believed (Linux's tcp_max_reordering is 300): no
 * more than the duplicate ACKs the u8 dupacks can count.
 */
#define TTP_MAX_REORDERING	127

/* SACKed segments above one, or duplicate ACKs, that make it lost. */
u32 ttp_dupthresh(const struct sock *sk)
{
	return max_t(u32, ttp_sk(sk)->reordering, TTP_DUPTHRESH);
}

/*
 * The blocks of data the receiver holds past rcv_nxt, for an ACK: the one
 * with the segment that arrived last first (RFC 2018 4), then the others
 * from the lowest, those that the sender's holes are next to.
 */
void ttp_sack_fill(const struct sock *sk, struct ttp_hdr *h)
{
	const struct ttp_sock *ts = ttp_sk(sk);
	unsigned int max = ts->ts_ok ? 3 : TTP_MAX_SACKS, nlow = 0, i;
	struct ttp_sack_block low[TTP_MAX_SACKS], cur = {}, first = {};
	bool recent = false, open = false;
	struct sk_buff *skb;

	if (!ts->sack_ok || skb_queue_empty(&ts->ooo_queue))
		return;
	skb_queue_walk(&ts->ooo_queue, skb) {
		const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
		bool last = skb_queue_is_last(&ts->ooo_queue, skb);

		if (open && !after(cb->seq, cur.end)) {
			if (after(cb->end_seq, cur.end))
				cur.end = cb->end_seq;
		} else {
			cur.start = cb->seq;
			cur.end = cb->end_seq;
			open = true;
		}
		/* the block ends here unless the next segment continues it */
		if (!last && !after(TTP_SKB_CB(skb->next)->seq, cur.end))
			continue;
		open = false;
		if (!recent && !before(ts->sack_recent, cur.start) &&
		    before(ts->sack_recent, cur.end)) {
			first = cur;
			recent = true;
		} else if (nlow < max) {
			low[nlow++] = cur;
		}
		if (recent && nlow + 1 >= max)
			break;
	}
	/* none holds the last segment if it was a duplicate, or pruned */
	h->num_sacks = 0;
	if (recent)
		h->sacks[h->num_sacks++] = first;
	for (i = 0; i < nlow && h->num_sacks < max; i++)
		h->sacks[h->num_sacks++] = low[i];
}

/* The bytes of skb not yet cumulatively acknowledged. */
static u32 ttp_skb_unacked(const struct ttp_sock *ts, const struct sk_buff *skb)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);

	return cb->end_seq - (before(cb->seq, ts->snd_una) ? ts->snd_una :
			      cb->seq);
}

/* The last skb sent, or NULL: send_head is the first that was not. */
static struct sk_buff *ttp_last_sent(struct sock *sk)
{
	struct sk_buff *skb = ttp_sk(sk)->send_head;

	if (!skb)
		return skb_peek_tail(&sk->sk_write_queue);
	if (skb_queue_is_first(&sk->sk_write_queue, skb))
		return NULL;
	return skb->prev;
}

/*
 * Recount the scoreboard from the marks, from the last segment sent down:
 * each segment not SACKed with DupThresh SACKed ones above it is lost.
 */
static void ttp_sack_count(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct sk_buff *skb = ttp_last_sent(sk);
	u32 above = 0, thresh = ttp_dupthresh(sk);

	ts->sacked_out = 0;
	ts->lost_out = 0;
	ts->sack_left_out = 0;
	for (; skb && skb != (struct sk_buff *)&sk->sk_write_queue;
	     skb = skb->prev) {
		struct ttp_skb_cb *cb = TTP_SKB_CB(skb);

		if (cb->sacked & TTP_SACKED) {
			above++;
			ts->sacked_out++;
			ts->sack_left_out += ttp_skb_unacked(ts, skb);
			continue;
		}
		if (above >= thresh)
			cb->sacked |= TTP_LOST;
		if (!(cb->sacked & TTP_LOST))
			continue;
		ts->lost_out++;
		if (!(cb->sacked & TTP_RETRANS))
			ts->sack_left_out += ttp_skb_unacked(ts, skb);
	}
}

/*
 * A block the peer may truly hold: non-empty, above SND.UNA (one below
 * is a D-SACK, which TTP does not use) and not past SND.NXT.  Anything
 * else is a lie or an accident, and ignored.
 */
static bool ttp_sack_block_valid(const struct ttp_sock *ts,
				 const struct ttp_sack_block *b)
{
	return after(b->end, b->start) && !before(b->start, ts->snd_una) &&
	       !after(b->end, ts->snd_nxt);
}

/*
 * A segment presumed lost and never sent again is SACKed: it was
 * overtaken, not lost, by data up to high (as tcp_check_sack_reordering()).
 */
static void ttp_sack_reordered(struct sock *sk, u32 seq, u32 high)
{
	struct ttp_sock *ts = ttp_sk(sk);
	u32 dist = DIV_ROUND_UP(high - seq, ts->mss);

	if (after(high, seq) && dist > ttp_dupthresh(sk))
		ts->reordering = min_t(u32, dist, TTP_MAX_REORDERING);
}

/* Mark the sent segments that lie wholly in one of the valid blocks. */
static void ttp_sack_mark(struct sock *sk, const struct ttp_hdr *h)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct ttp_sack_block blocks[TTP_MAX_SACKS];
	unsigned int i, n = 0;
	struct sk_buff *skb;
	u32 high = ts->snd_una;

	for (i = 0; i < h->num_sacks; i++) {
		if (!ttp_sack_block_valid(ts, &h->sacks[i]))
			continue;
		blocks[n++] = h->sacks[i];
		if (after(h->sacks[i].end, high))
			high = h->sacks[i].end;
	}
	if (!n)
		return;
	trace_ttp_sack(sk, ts->snd_una, blocks, n);
	skb_queue_walk(&sk->sk_write_queue, skb) {
		struct ttp_skb_cb *cb = TTP_SKB_CB(skb);

		/* in sequence order: none past the highest block is covered */
		if (skb == ts->send_head || !before(cb->seq, high))
			break;
		if (cb->sacked & TTP_SACKED)
			continue;
		for (i = 0; i < n; i++) {
			if (!before(cb->seq, blocks[i].start) &&
			    !after(cb->end_seq, blocks[i].end)) {
				if ((cb->sacked & (TTP_LOST | TTP_RETRANS)) ==
				    TTP_LOST)
					ttp_sack_reordered(sk, cb->seq, high);
				/* in the peer's hands: no longer in flight */
				cb->sacked = TTP_SACKED;
				break;
			}
		}
	}
}

/*
 * The SACK blocks of an acceptable ACK, after its cumulative part freed
 * what it covers: mark, and recount.  Costs a walk of the segments in
 * flight, and only while a block or a mark is about.
 */
void ttp_sack_rcv(struct sock *sk, const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct ttp_sock *ts = ttp_sk(sk);
	unsigned int hlen = th->doff * 4;
	struct ttp_hdr h;

	if (!ts->sack_ok)
		return;
	/*
	 * A header of timestamps alone, the usual case, has no blocks
	 * (ttp_ts_parse() found them in the layout TCP sends).
	 */
	h.num_sacks = 0;
	if (hlen > sizeof(*th) + (ts->rx_saw_ts ? TTP_OLEN_TS_ALIGNED : 0) &&
	    ttp_hdr_parse(th, hlen, &h))
		h.num_sacks = 0;
	if (!h.num_sacks && !ts->sacked_out && !ts->lost_out)
		return;
	ttp_sack_mark(sk, &h);
	ttp_sack_count(sk);
}

/*
 * Fast retransmit, or a partial ACK in fast recovery: the head is a hole
 * whatever the blocks say (RFC 6675 5 step 4.1, RFC 6582's partial ACK).
 */
void ttp_sack_mark_head_lost(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct sk_buff *skb = skb_peek(&sk->sk_write_queue);
	struct ttp_skb_cb *cb;

	if (!ts->sack_ok || !skb || skb == ts->send_head)
		return;
	cb = TTP_SKB_CB(skb);
	if (cb->sacked & (TTP_SACKED | TTP_LOST))
		return;
	cb->sacked |= TTP_LOST;
	ts->lost_out++;
	ts->sack_left_out += ttp_skb_unacked(ts, skb);
}

/*
 * skb goes again: a lost one is in flight once more.  After a timeout
 * every segment the go-back sends is one presumed lost, as Linux's
 * tcp_enter_loss() marks them: were it left unmarked, SACKs that came
 * later would find it lost and not sent again, leave it out of the pipe,
 * and take its arrival for reordering.
 */
void ttp_sack_retransmitted(struct sock *sk, struct sk_buff *skb)
{
	struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct ttp_sock *ts = ttp_sk(sk);

	if (!ts->sack_ok || (cb->sacked & (TTP_SACKED | TTP_RETRANS)))
		return;
	if (ts->ca_state == TTP_CA_LOSS && !(cb->sacked & TTP_LOST)) {
		cb->sacked |= TTP_LOST | TTP_RETRANS;
		ts->lost_out++;
		return;
	}
	if (!(cb->sacked & TTP_LOST))
		return;
	cb->sacked |= TTP_RETRANS;
	ts->sack_left_out -= min(ts->sack_left_out, ttp_skb_unacked(ts, skb));
}

/*
 * A retransmission timeout, before the window falls: the peer may have
 * dropped what it SACKed, so every mark goes (RFC 2018 8), and later
 * ACKs' blocks set them again.  A timeout that came while DupThresh
 * segments and more were SACKed and no recovery began shows the
 * reordering believed was too much: it falls back, as in Linux's
 * tcp_enter_loss(); else one reordered burst, or a peer that lies,
 * would cost every later loss a timeout.
 */
void ttp_sack_reset(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct sk_buff *skb;

	if (ts->ca_state <= TTP_CA_DISORDER &&
	    ts->sacked_out >= TTP_DUPTHRESH)
		ts->reordering = 0;
	if (!ts->sacked_out && !ts->lost_out)
		return;
	skb_queue_walk(&sk->sk_write_queue, skb)
		TTP_SKB_CB(skb)->sacked = 0;
	ts->sacked_out = 0;
	ts->lost_out = 0;
	ts->sack_left_out = 0;
}

/*
 * RFC 6675 pipe, in bytes: what is in flight less what the peer holds
 * and what is lost and not yet sent again.  Without SACK, all of it.
 */
u32 ttp_sack_pipe(const struct sock *sk)
{
	const struct ttp_sock *ts = ttp_sk(sk);
	u32 in_flight = ts->snd_nxt - ts->snd_una;

	return in_flight - min(in_flight, ts->sack_left_out);
}
