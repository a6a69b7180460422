// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: SYN cookies, as net/ipv4/syncookies.c makes them for TCP.
 *
 * When a listener's queue of request socks is full (or syncookies is 2),
 * its SYN+ACK carries a cookie as its sequence number and the listener
 * keeps nothing.  The cookie is a keyed hash of the 4-tuple and the
 * peer's ISN, a minute counter, and four bits of what the SYN said: the
 * peer's MSS and its window scale, each rounded down to one of four
 * values.  The handshake's last ACK acknowledges cookie + 1, so a valid
 * one brings back all the connection needs, and its full socket is made
 * then, straight into the accept queue.
 *
 * A blind attacker's guess passes with a chance of 2/256 (the counter)
 * times 16/2^24 (the data), 2^-27: TCP's is 2^-29, for it keeps the
 * window scale in the timestamp option, which TTP does not have.  A
 * listener takes cookies back only for two minutes after it last sent
 * one, so that nobody can make connections with guessed cookies while
 * nothing floods it.
 *
 * The hash and the lookup read the IPv4 header: like TCP's, these cookies
 * are IPv4's, and another address family would bring its own.
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
/*
 * The peer's window scale, rounded down to one of these (-1: none).  A
 * smaller scale than the peer's only underestimates its window; 7 is what
 * Linux and TTP announce with their default buffers.
 */
static const s8 ttp_cookie_wscale[] = { -1, 0, 5, 7 };
/* data: MSS index in bits 0-1, window scale index in bits 2-3 */
#define COOKIE_DATA_MAX		16

static siphash_aligned_key_t ttp_cookie_key[2];

/*
 * Two copies of one valid ACK, on two CPUs at once, must not make two
 * children of one 4-tuple.  TCP has inet_ehash_insert() look for the
 * first, but that lookup matches AF_INET sockets only, not AF_TTP ones:
 * here the lookup and the insertion of a cookie's child happen under one
 * lock instead.  Only ACKs whose cookie is valid take it.
 */
static DEFINE_SPINLOCK(ttp_cookie_child_lock);

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

/* A listener sent a cookie: cookies are worth checking for a while. */
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
	int wscale = h->has_wscale ? h->wscale : -1;
	u16 mss = h->mss ?: TTP_DEFAULT_MSS;
	int i, w;

	for (i = ARRAY_SIZE(ttp_cookie_mss) - 1; i > 0; i--)
		if (mss >= ttp_cookie_mss[i])
			break;
	for (w = ARRAY_SIZE(ttp_cookie_wscale) - 1; w > 0; w--)
		if (wscale >= ttp_cookie_wscale[w])
			break;
	h->mss = ttp_cookie_mss[i];
	/*
	 * The cookie has no room for the peer's TSval nor our clock's
	 * offset: its SYN+ACK offers no timestamps, and the connection goes
	 * without them.  Nor SACK, which TCP keeps in the timestamp's bits.
	 */
	h->has_ts = false;
	h->sack_ok = false;
	data = i | w << 2;
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
	if (data >= COOKIE_DATA_MAX)
		return false;

	memset(h, 0, sizeof(*h));
	h->mss = ttp_cookie_mss[data & 3];
	h->has_wscale = ttp_cookie_wscale[data >> 2] >= 0;
	h->wscale = h->has_wscale ? ttp_cookie_wscale[data >> 2] : 0;
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
	struct sock *child, *dup;
	struct ttp_hdr h;
	bool own_req;

	*valid = false;
	if ((cb->flags & (TCPHDR_SYN | TCPHDR_RST | TCPHDR_ACK)) !=
	    TCPHDR_ACK || !syncookies ||
	    time_after(jiffies, READ_ONCE(ttp_sk(sk)->synq_overflow) +
			       COOKIE_OVERFLOW_WINDOW))
		return NULL;
	if (!ttp_cookie_decode(skb, &h)) {
		TTP_INC_STATS(net, TTP_MIB_SYNCOOKIESFAILED);
		return NULL;
	}
	*valid = true;
	TTP_INC_STATS(net, TTP_MIB_SYNCOOKIESRECV);

	req = ttp_reqsk_make(&ttp_v4_request_af_ops, sk, skb, &h, cb->seq - 1,
			     cb->ack_seq - 1, false);
	if (!req)
		return NULL;
	spin_lock(&ttp_cookie_child_lock);
	dup = __inet_lookup_established(net, &ttp_hashinfo, ip_hdr(skb)->saddr,
					tcp_hdr(skb)->source,
					ip_hdr(skb)->daddr,
					ntohs(tcp_hdr(skb)->dest),
					inet_iif(skb), inet_sdif(skb));
	/* not hashed: there is no request sock for the child to replace */
	child = dup ? NULL :
		inet_csk(sk)->icsk_af_ops->syn_recv_sock(sk, skb, req, NULL,
							 NULL, &own_req, NULL);
	spin_unlock(&ttp_cookie_child_lock);
	if (dup)
		sock_gen_put(dup);	/* the copy that lost: dropped */
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
