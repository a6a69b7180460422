/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TTP: what differs between the kernels TTP builds for, Debian's 6.1 and
 * 6.12, so that the rest of the module is written once.  Each difference
 * is a ttp_ wrapper or macro here, or a header to include; the version in
 * each test is that of the upstream change.  The two places that differ in
 * a structure of operations (proto_ops.sendpage, request_sock_ops'
 * send_reset) test the version where they are.
 *
 * The version, not the presence of a macro, decides: Debian's 6.1 has
 * backports (MSG_SPLICE_PAGES, for one) that a feature test would take for
 * the newer kernel's API.
 */
#ifndef _TTP_COMPAT_H
#define _TTP_COMPAT_H

#include <linux/version.h>

/* Is the kernel a.b.c or newer?  As LINUX_VERSION_IS_GEQ() of backports. */
#define TTP_LINUX_GEQ(a, b, c)	(KERNEL_VERSION(a, b, c) <= LINUX_VERSION_CODE)

/* 6.12 moved <asm/unaligned.h> to <linux/unaligned.h>. */
#if TTP_LINUX_GEQ(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include <net/inet_hashtables.h>
#include <net/inet_sock.h>
#include <net/inet_timewait_sock.h>
#include <net/net_namespace.h>
#include <net/request_sock.h>
#include <net/sock.h>

/* 6.10 moved sk_under_memory_pressure() to <net/proto_memory.h>. */
#if TTP_LINUX_GEQ(6, 10, 0)
#include <net/proto_memory.h>
#endif

/* 6.11 moved skb_frag_unref() and its kin to <linux/skbuff_ref.h>. */
#if TTP_LINUX_GEQ(6, 11, 0)
#include <linux/skbuff_ref.h>
#endif

/*
 * Set one of inet_sock's flags, as inet_set_bit(): 6.6 made the bitfields
 * bits of inet->inet_flags.  These are the ones TTP sets.
 */
#if TTP_LINUX_GEQ(6, 6, 0)
#define ttp_inet_set_bit(nr, sk)	inet_set_bit(nr, sk)
#else
#define ttp_inet_set_bit(nr, sk)	(inet_sk(sk)->TTP_INET_FLAG_##nr = 1)
#define TTP_INET_FLAG_IS_ICSK		is_icsk
#define TTP_INET_FLAG_MC_LOOP		mc_loop
#define TTP_INET_FLAG_MC_ALL		mc_all
#endif

/*
 * Register a table of size entries, a terminating empty one not counted:
 * 6.1 needs that entry and ignores the size, 6.12 takes the size and
 * rejects an entry without a name (register_net_sysctl_sz() is 6.6's).
 */
static inline struct ctl_table_header *
ttp_register_net_sysctl(struct net *net, const char *path,
			struct ctl_table *table, size_t size)
{
#if TTP_LINUX_GEQ(6, 6, 0)
	return register_net_sysctl_sz(net, path, table, size);
#else
	return register_net_sysctl(net, path, table);
#endif
}

/* Since 6.11 a sysctl handler is given its table const. */
#if TTP_LINUX_GEQ(6, 11, 0)
#define ttp_handler_const const
#else
#define ttp_handler_const
#endif

/*
 * Hand sk's connection to the TIME_WAIT sock tw, in sk's place in the hash
 * tables, and arm tw's timer for timeo.  Since 6.11 one call does it, with
 * the timer armed under the ehash lock once tw holds its references; before,
 * the timer is pinned to the CPU and armed first, with BHs off so that it
 * cannot fire before the dance is done, as tcp_time_wait() of 6.1 does.
 * Either way tw is not the caller's to touch afterwards.
 */
static inline void ttp_twsk_hashdance_schedule(struct inet_timewait_sock *tw,
					       struct sock *sk,
					       struct inet_hashinfo *hashinfo,
					       int timeo)
{
#if TTP_LINUX_GEQ(6, 11, 0)
	inet_twsk_hashdance_schedule(tw, sk, hashinfo, timeo);
#else
	local_bh_disable();
	inet_twsk_schedule(tw, timeo);
	inet_twsk_hashdance(tw, sk, hashinfo);
	local_bh_enable();
#endif
}

/*
 * A RST from a request sock's address family, for a SYN in its window:
 * since 6.10 send_reset() also takes the reason, TCP's for the same case.
 */
static inline void ttp_req_send_reset(const struct sock *sk,
				      struct sk_buff *skb,
				      const struct request_sock *req)
{
#if TTP_LINUX_GEQ(6, 10, 0)
	req->rsk_ops->send_reset(sk, skb, SK_RST_REASON_INVALID_SYN);
#else
	req->rsk_ops->send_reset(sk, skb);
#endif
}

/*
 * Every socket, full or TIME_WAIT, that holds the port of bind bucket tb.
 * Until 6.8 they are on tb's owners list; since, each is on the owners
 * list of one of tb's bhash2 buckets (by local address), which change only
 * under tb's bhash lock too.  continue skips a socket; leave the walk by
 * goto, as break may only end one bhash2 bucket's.
 */
#if TTP_LINUX_GEQ(6, 8, 0)
#define ttp_bind_bucket_for_each_owner(sk, tb)				\
	for (struct inet_bind2_bucket *__tb2 =				\
		hlist_entry_safe((tb)->bhash2.first,			\
				 struct inet_bind2_bucket, bhash_node);	\
	     __tb2;							\
	     __tb2 = hlist_entry_safe(__tb2->bhash_node.next,		\
				      struct inet_bind2_bucket, bhash_node)) \
		sk_for_each_bound(sk, &__tb2->owners)
#else
#define ttp_bind_bucket_for_each_owner(sk, tb)				\
	sk_for_each_bound(sk, &(tb)->owners)
#endif

#endif /* _TTP_COMPAT_H */
