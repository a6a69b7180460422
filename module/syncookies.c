// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: SYN cookies, as net/ipv4/syncookies.c makes them for TCP.
 *
 * When a listener's queue of request socks is full (or syncookies is 2),
 * its SYN+ACK carries a cookie as its sequence number and the listener
 * keeps nothing.  The cookie is a keyed hash of the 4-tuple and the
 * peer's ISN, a minute counter, and a few bits of what the SYN said: the
 * peer's MSS (as an index into a table of common values) and its window
 * scale.  The handshake's last ACK acknowledges cookie + 1, so a valid
 * one brings back all the connection needs, and its full socket is made
 * then, straight into the accept queue.
 *
 * A listener takes cookies only for two minutes after its queue was last
 * full (always with syncookies 2), so that an attacker cannot make
 * connections with guessed cookies while nothing floods it.
 */
#include <linux/random.h>
#include <linux/siphash.h>
#include <net/inet_connection_sock.h>

#include "ttp.h"
#include "wire.h"

#define COOKIEBITS	24	/* the low bits: hash + data */
#define COOKIEMASK	((1U << COOKIEBITS) - 1)
#define COOKIE_PERIOD	(60 * HZ)	/* the counter ticks every minute */
#define COOKIE_MAX_AGE	2		/* accepted for up to two ticks */
#define COOKIE_OVERFLOW_WINDOW	(2 * COOKIE_PERIOD)

/* The peer's MSS, rounded down to one of these: TCP's table. */
static const u16 ttp_cookie_mss[] = { 536, 1300, 1440, 1460 };
/* data: MSS index in bits 0-1, the peer's window scale in 2-5, 15 none */
#define COOKIE_NO_WSCALE	15
#define COOKIE_DATA_MAX		(ARRAY_SIZE(ttp_cookie_mss) << 4)

static siphash_aligned_key_t ttp_cookie_key[2];

void ttp_syncookie_init(void)
{
	get_random_bytes(ttp_cookie_key, sizeof(ttp_cookie_key));
}

static u32 ttp_cookie_time(void)
{
	u64 t = get_jiffies_64();

	do_div(t, COOKIE_PERIOD);
	return t;
}

static u32 ttp_cookie_hash(const struct sk_buff *skb, u32 count, int c)
{
	const struct tcphdr *th = tcp_hdr(skb);
	const struct iphdr *iph = ip_hdr(skb);

	return siphash_4u32((__force u32)iph->saddr, (__force u32)iph->daddr,
			    (__force u32)th->source << 16 |
			    (__force u32)th->dest, count, &ttp_cookie_key[c]);
}

/* A listener's queue was full: cookies are worth checking for a while. */
void ttp_syncookie_overflow(struct sock *sk)
{
	unsigned long now = jiffies;

	/* a flood writes it for every SYN: only when it moves, lockless */
	if (READ_ONCE(ttp_sk(sk)->synq_overflow) != now)
		WRITE_ONCE(ttp_sk(sk)->synq_overflow, now);
}

/*
 * The ISN of a SYN+ACK that carries a cookie for the SYN in skb, whose
 * options are in h.  h's MSS becomes the table value the cookie keeps.
 */
u32 ttp_syncookie_isn(const struct sk_buff *skb, struct ttp_hdr *h)
{
	u32 sseq = TTP_SKB_CB(skb)->seq, count = ttp_cookie_time(), data;
	u16 mss = h->mss ?: TTP_DEFAULT_MSS;
	int i;

	for (i = ARRAY_SIZE(ttp_cookie_mss) - 1; i > 0; i--)
		if (mss >= ttp_cookie_mss[i])
			break;
	h->mss = ttp_cookie_mss[i];
	data = i | (h->has_wscale ? h->wscale : COOKIE_NO_WSCALE) << 2;
	return ttp_cookie_hash(skb, 0, 0) + sseq + (count << COOKIEBITS) +
	       ((ttp_cookie_hash(skb, count, 1) + data) & COOKIEMASK);
}

/*
 * What the cookie that skb's ACK acknowledges says, into h; false if it
 * is no cookie of ours from the last COOKIE_MAX_AGE minutes.
 */
static bool ttp_cookie_decode(const struct sk_buff *skb, struct ttp_hdr *h)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	u32 cookie = cb->ack_seq - 1, sseq = cb->seq - 1;
	u32 count = ttp_cookie_time(), diff, data;

	cookie -= ttp_cookie_hash(skb, 0, 0) + sseq;
	diff = (count - (cookie >> COOKIEBITS)) & ((u32)-1 >> COOKIEBITS);
	if (diff >= COOKIE_MAX_AGE)
		return false;
	data = (cookie - ttp_cookie_hash(skb, count - diff, 1)) & COOKIEMASK;
	if (data >= COOKIE_DATA_MAX || (data >> 2 > TTP_MAX_WSCALE &&
					data >> 2 != COOKIE_NO_WSCALE))
		return false;

	memset(h, 0, sizeof(*h));
	h->mss = ttp_cookie_mss[data & 3];
	h->has_wscale = data >> 2 != COOKIE_NO_WSCALE;
	h->wscale = h->has_wscale ? data >> 2 : 0;
	return true;
}

/*
 * A child that syn_recv_sock() made, locked, but that the accept queue
 * did not take (its listener closed): inet_csk_reqsk_queue_add() has
 * already disposed of it; this lets go of the lock and our reference.
 */
static void ttp_cookie_child_put(struct sock *child)
	__releases(&child->sk_lock.slock)
{
	bh_unlock_sock(child);
	sock_put(child);
}

/*
 * The last ACK of a handshake that a SYN cookie answered: if skb carries
 * a valid cookie, the new connection's full socket, locked, already in
 * the accept queue (as tcp_get_cookie_sock()).  NULL if skb is no such
 * ACK, its cookie is not valid, or the socket could not be made; *valid
 * says which.
 */
struct sock *ttp_syncookie_check(struct sock *sk, struct sk_buff *skb,
				 bool *valid)
{
	const struct ttp_skb_cb *cb = TTP_SKB_CB(skb);
	struct net *net = sock_net(sk);
	int syncookies = READ_ONCE(ttp_pernet(net)->sysctl.syncookies);
	struct request_sock *req;
	struct sock *child;
	struct ttp_hdr h;
	bool own_req;

	*valid = false;
	if ((cb->flags & (TCPHDR_SYN | TCPHDR_RST | TCPHDR_ACK)) !=
	    TCPHDR_ACK || !syncookies)
		return NULL;
	if (syncookies == 1 &&
	    time_after(jiffies, READ_ONCE(ttp_sk(sk)->synq_overflow) +
			       COOKIE_OVERFLOW_WINDOW))
		return NULL;
	if (!ttp_cookie_decode(skb, &h)) {
		TTP_INC_STATS(net, TTP_MIB_SYNCOOKIESFAILED);
		return NULL;
	}
	*valid = true;
	TTP_INC_STATS(net, TTP_MIB_SYNCOOKIESRECV);

	req = ttp_reqsk_make(sk, skb, &h, cb->seq - 1, cb->ack_seq - 1, false);
	if (!req)
		return NULL;
	/* not hashed: there is no request sock for the child to replace */
	child = inet_csk(sk)->icsk_af_ops->syn_recv_sock(sk, skb, req, NULL,
							 NULL, &own_req, NULL);
	if (child) {
		refcount_set(&req->rsk_refcnt, 1);
		if (inet_csk_reqsk_queue_add(sk, req, child))
			return child;
		/* for sparse: syn_recv_sock() returned it locked */
		__acquire(&child->sk_lock.slock);
		ttp_cookie_child_put(child);
	}
	__reqsk_free(req);
	return NULL;
}
