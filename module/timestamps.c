// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: the timestamps option (RFC 7323 3-5), as TCP has it.
 *
 * Both ends put a TSval of their own clock and echo (TSecr) the peer's
 * latest in-sequence TSval on every segment, once both SYNs carried the
 * option.  Echoes time the round trip even of retransmitted data, and a
 * TSval older than the last one kept (TS.Recent) marks an old duplicate,
 * which PAWS drops: with fast links the sequence numbers wrap within a
 * maximum segment lifetime, and then the sequence check alone lets it in.
 *
 * The clock counts milliseconds, plus an offset drawn for each connection
 * so that a TSval tells nothing of the host's uptime.  Everything here
 * runs on a socket its caller holds.
 */
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/timekeeping.h>
#include <net/sock.h>

#include "ttp.h"
#include "wire.h"

/* A TS.Recent this old is forgotten: the peer's clock may have wrapped. */
#define TTP_PAWS_24DAYS		(60 * 60 * 24 * 24)
/* A TSval this far behind TS.Recent is still believed (TCP_PAWS_WINDOW) */
#define TTP_PAWS_WINDOW		1

/*
 * Read the timestamps of skb, a segment for sk, into rx_saw_ts, rx_tsval
 * and rx_tsecr.  The layout TCP and TTP send, two NOPs then the option,
 * is read without walking the list.
 */
void ttp_ts_parse(struct sock *sk, const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const __be32 *opt = (const __be32 *)(th + 1);
	struct ttp_sock *ts = ttp_sk(sk);
	struct ttp_hdr h;

	ts->rx_saw_ts = 0;
	if (!ts->ts_ok)
		return;
	if (th->doff == (sizeof(*th) + TTP_OLEN_TS_ALIGNED) / 4 &&
	    *opt == htonl(TTP_OPT_NOP << 24 | TTP_OPT_NOP << 16 |
			  TTP_OPT_TIMESTAMP << 8 | 10)) {
		ts->rx_saw_ts = 1;
		ts->rx_tsval = ntohl(opt[1]);
		ts->rx_tsecr = ntohl(opt[2]);
		return;
	}
	if (th->doff * 4 == sizeof(*th) ||
	    ttp_hdr_parse(th, th->doff * 4, &h) || !h.has_ts)
		return;
	ts->rx_saw_ts = 1;
	ts->rx_tsval = h.tsval;
	ts->rx_tsecr = h.tsecr;
}

/* Is the segment's TSval no older than TS.Recent, give or take win? */
static bool ttp_paws_check(const struct ttp_sock *ts, int win)
{
	if ((s32)(ts->ts_recent - ts->rx_tsval) <= win)
		return true;
	/* RFC 7323 5.5: after 24 idle days TS.Recent is void */
	if ((s32)((u32)ktime_get_seconds() -
		  (ts->ts_recent_stamp + TTP_PAWS_24DAYS)) >= 0)
		return true;
	/* nothing kept yet to compare with */
	return !ts->ts_recent_stamp;
}

/*
 * As tcp_disordered_ack(): a duplicate ACK that the network reordered
 * behind a later one carries an older TSval, but it says nothing new
 * (no data, no new ACK, the same window), and fast retransmit counts it.
 */
static bool ttp_disordered_ack(const struct sock *sk,
			       const struct sk_buff *skb)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	const struct ttp_sock *ts = ttp_sk(sk);

	return (cb->flags & (TCPHDR_ACK | TCPHDR_SYN | TCPHDR_FIN)) ==
		TCPHDR_ACK && cb->seq == cb->end_seq &&
	       cb->seq == ts->rcv_nxt && cb->ack_seq == ts->snd_una &&
	       ((u32)cb->window << ts->snd_wscale) == ts->snd_wnd &&
	       /* and sits in the replay window: no older than an RTO */
	       (s32)(ts->ts_recent - ts->rx_tsval) <=
	       (s32)(inet_csk(sk)->icsk_rto * 1024 / HZ);
}

/*
 * RFC 7323 5.3, PAWS: a segment whose TSval is older than TS.Recent is an
 * old duplicate, dropped (with an ACK, as for any unacceptable segment).
 * A RST passes: the sequence checks of RFC 5961 judge it.
 */
bool ttp_paws_reject(const struct sock *sk, const struct sk_buff *skb)
{
	const struct ttp_sock *ts = ttp_sk(sk);

	return ts->rx_saw_ts && !(TTP_SKB_CB(skb)->flags & TCPHDR_RST) &&
	       !ttp_paws_check(ts, TTP_PAWS_WINDOW) &&
	       !ttp_disordered_ack(sk, skb);
}

/*
 * RFC 7323 4.3: keep the TSval of a segment that is acceptable, covers
 * the left edge of the window we last announced (seq <= Last.ACK.sent,
 * which is rcv_wup), and is no older than TS.Recent: the one to echo.
 */
void ttp_ts_store_recent(struct sock *sk, u32 seq)
{
	struct ttp_sock *ts = ttp_sk(sk);

	if (!ts->rx_saw_ts || after(seq, ts->rcv_wup) ||
	    !ttp_paws_check(ts, 0))
		return;
	ts->ts_recent = ts->rx_tsval;
	ts->ts_recent_stamp = ktime_get_seconds();
}

/*
 * An RTT sample from the echo of an ACK that acknowledged new data, in
 * microseconds; 0 for none.  RFC 7323 4.1: an echo is good even when the
 * data went more than once, where Karn's rule leaves the sender without.
 */
u32 ttp_ts_rtt_us(const struct sock *sk)
{
	const struct ttp_sock *ts = ttp_sk(sk);
	s32 ms;

	if (!ts->rx_saw_ts || !ts->rx_tsecr)
		return 0;
	ms = ttp_ts_now() + ts->ts_off - ts->rx_tsecr;
	/* an echo from the future, or of a clock long gone, is a lie */
	if (ms < 0 || ms > (s32)jiffies_to_msecs(ttp_rto_max(sk)))
		return 0;
	return max_t(u32, ms * USEC_PER_MSEC, 1);
}

/*
 * As tcp_check_req(): PAWS for a request sock.  A segment whose TSval is
 * older than the SYN's is an old duplicate, answered and dropped before it
 * makes a child, which would else sit in the accept queue in SYN_RECV
 * after its own PAWS check dropped the ACK.  A RST passes.
 */
bool ttp_req_paws_reject(const struct request_sock *req,
			 const struct sk_buff *skb)
{
	const struct tcphdr *th = tcp_hdr(skb);
	struct ttp_hdr h;

	if (!inet_rsk(req)->tstamp_ok || th->rst ||
	    th->doff * 4 == sizeof(*th) ||
	    ttp_hdr_parse(th, th->doff * 4, &h) || !h.has_ts)
		return false;
	return (s32)(ttp_rsk(req)->ts_recent - h.tsval) > 0;
}

/*
 * Our timestamps on a segment sk sends, when the connection has them.
 * now_us is the ttp_clock_us() the sender read for this send already, or
 * 0: a clock read less for each data segment.
 */
void ttp_ts_fill(const struct sock *sk, struct ttp_hdr *h, u64 now_us)
{
	const struct ttp_sock *ts = ttp_sk(sk);

	if (!ts->ts_ok)
		return;
	h->has_ts = true;
	h->tsval = (now_us ? div_u64(now_us, USEC_PER_MSEC) : ttp_ts_now()) +
		   ts->ts_off;
	h->tsecr = ts->ts_recent;
}

/*
 * The SYN+ACK and ACKs of a request whose SYN carried timestamps: they
 * carry ours and echo the SYN's.
 */
void ttp_ts_fill_req(const struct request_sock *req, struct ttp_hdr *h)
{
	const struct ttp_request_sock *treq = ttp_rsk(req);

	if (!inet_rsk(req)->tstamp_ok)
		return;
	h->has_ts = true;
	h->tsval = ttp_ts_now() + treq->ts_off;
	h->tsecr = treq->ts_recent;
}

/* The ACKs of TIME_WAIT, as those of the connection it ends. */
void ttp_ts_fill_tw(const struct inet_timewait_sock *tw, struct ttp_hdr *h)
{
	const struct ttp_timewait_sock *ttw = ttp_twsk((const struct sock *)tw);

	if (!ttw->ts_ok)
		return;
	h->has_ts = true;
	h->tsval = ttp_ts_now() + ttw->ts_off;
	h->tsecr = ttw->ts_recent;
}

/*
 * A new connection offers timestamps if the namespace says so, with a
 * clock offset of its own.
 */
void ttp_ts_init(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);

	ts->ts_ok = !!READ_ONCE(ttp_sysctl(sk)->timestamps);
	ts->ts_off = get_random_u32();
}

/*
 * The peer's SYN or SYN+ACK, options in h: timestamps are on if both
 * sent them (RFC 7323 3.2), and its TSval is the first to echo.
 */
void ttp_ts_synced(struct sock *sk, const struct ttp_hdr *h)
{
	struct ttp_sock *ts = ttp_sk(sk);

	ts->ts_ok = ts->ts_ok && h->has_ts;
	ts->rx_saw_ts = ts->ts_ok;
	if (!ts->ts_ok)
		return;
	/* a SYN+ACK's echo times even a SYN that went more than once */
	ts->rx_tsval = h->tsval;
	ts->rx_tsecr = h->tsecr;
	ts->ts_recent = h->tsval;
	ts->ts_recent_stamp = ktime_get_seconds();
}
