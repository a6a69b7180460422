/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TTP: pluggable congestion control, shaped like Linux's
 * struct tcp_congestion_ops so that an algorithm ports line for line.
 *
 * The window is counted in segments (snd_cwnd, snd_ssthresh), as Linux
 * counts it; cong.c turns it into bytes only where the sender asks how
 * much may be in flight.  An algorithm keeps its own state in
 * inet_csk_ca(sk) (ICSK_CA_PRIV_SIZE bytes; icsk_ca_ops itself is
 * TCP's type and stays NULL on a TTP socket).
 *
 * Locking: every hook runs with the socket held (bh_lock_sock or the
 * owner), as TCP's do.  The list of algorithms is RCU-protected and
 * written under ttp_cong_list_lock.
 */
#ifndef _TTP_CONG_H
#define _TTP_CONG_H

#include <linux/list.h>
#include <linux/module.h>
#include <linux/types.h>
#include <uapi/linux/ttp.h>

struct sock;

#define TTP_CA_NAME_MAX		16
/* RFC 6928: ten segments at the start, and after an idle period */
#define TTP_INIT_CWND		10
#define TTP_INFINITE_SSTHRESH	0x7fffffff

enum ttp_ca_event {
	TTP_CA_EVENT_TX_START,	/* first data sent with nothing in flight */
	TTP_CA_EVENT_CWND_RESTART,	/* restart after idle (RFC 5681 4.1) */
	TTP_CA_EVENT_LOSS,	/* retransmission timeout */
};

struct ttp_congestion_ops {
	struct list_head	list;

	/* required: the slow-start threshold after a loss */
	u32 (*ssthresh)(struct sock *sk);
	/* required: grow the window; acked segments newly acknowledged */
	void (*cong_avoid)(struct sock *sk, u32 ack, u32 acked);
	/* required: the window to go back to when a reduction was wrong */
	u32 (*undo_cwnd)(struct sock *sk);
	/* optional */
	void (*init)(struct sock *sk);
	void (*release)(struct sock *sk);
	void (*set_state)(struct sock *sk, u8 new_state);
	void (*cwnd_event)(struct sock *sk, enum ttp_ca_event ev);
	/* acked segments and an RTT sample (-1: none) of one ACK */
	void (*pkts_acked)(struct sock *sk, u32 acked, s32 rtt_us);

	char			name[TTP_CA_NAME_MAX];
	/*
	 * The module that provides it, referenced by each socket and
	 * namespace default using it; NULL for those built into ttp.ko,
	 * which the sockets pin already.
	 */
	struct module		*owner;
};

int ttp_register_congestion_control(struct ttp_congestion_ops *ca);
void ttp_unregister_congestion_control(struct ttp_congestion_ops *ca);

/* What an algorithm builds on (cong.c), as tcp_slow_start() & co. */
u32 ttp_slow_start(struct sock *sk, u32 acked);
void ttp_cong_avoid_ai(struct sock *sk, u32 w, u32 acked);
bool ttp_in_slow_start(const struct sock *sk);
bool ttp_is_cwnd_limited(const struct sock *sk);
u32 ttp_reno_ssthresh(struct sock *sk);
void ttp_reno_cong_avoid(struct sock *sk, u32 ack, u32 acked);
u32 ttp_reno_undo_cwnd(struct sock *sk);

/* The sender's side (cong.c). */
int ttp_cong_init(void);
void ttp_cong_exit(void);
void ttp_cong_init_sock(struct sock *sk);
void ttp_cong_inherit(struct sock *newsk);
void ttp_cong_established(struct sock *sk);
void ttp_cong_reset(struct sock *sk);
void ttp_cong_start(struct sock *sk);
void ttp_cong_stop(struct sock *sk);
void ttp_cong_release(struct sock *sk);
int ttp_cong_set(struct sock *sk, const char *name);
bool ttp_cwnd_allows(const struct sock *sk, u32 len);
void ttp_cong_sent(struct sock *sk, bool blocked);
void ttp_cong_tx_start(struct sock *sk);
bool ttp_cong_dupack(struct sock *sk);
u32 ttp_acked_segs(struct sock *sk, u32 bytes);
void ttp_cong_ack(struct sock *sk, u32 ack, u32 prior_in_flight,
		  u32 acked, s32 rtt_us);
void ttp_cong_timeout(struct sock *sk);

/* The namespace's default, sysctl congestion_control (cong.c). */
struct ttp_net;
void ttp_cong_net_init(struct ttp_net *tn);
void ttp_cong_net_exit(struct ttp_net *tn);
int ttp_cong_set_default(struct ttp_net *tn, const char *name);
void ttp_cong_get_default(struct ttp_net *tn, char *name);
void ttp_cong_get_available(char *buf, size_t len);

/* cubic.c */
extern struct ttp_congestion_ops ttp_cubic;
void ttp_cubic_setup(void);
#if IS_ENABLED(CONFIG_KUNIT)
u32 ttp_cubic_root(u64 a);
#endif

#endif /* _TTP_CONG_H */
