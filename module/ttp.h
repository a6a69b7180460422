/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TTP: internal definitions shared by the module's files.
 *
 * TTP sockets are inet_connection_socks, as DCCP's are: the generic inet
 * code then gives us port allocation, the bind/listen/established hash
 * tables, request and TIME_WAIT minisocks, and the accept queue.  States use
 * TCP's numbering (TCP_ESTABLISHED ... TCP_CLOSING) because that code tests
 * sk_state against those values.
 */
#ifndef _TTP_H
#define _TTP_H

#include <linux/types.h>
#include <linux/percpu.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/ip.h>
#include <net/request_sock.h>
#include <net/netns/generic.h>
#include <net/snmp.h>
#include <uapi/linux/ttp.h>

#include "compat.h"
#include "cong.h"
#include "state.h"

#if !IS_ENABLED(CONFIG_IP_DCCP)
/*
 * Without CONFIG_IP_DCCP, tcp_or_dccp_get_hashinfo() ignores
 * sk_prot->h.hashinfo and inet_csk_get_port() would hand out TCP's ports.
 */
#error "TTP needs a kernel built with CONFIG_IP_DCCP (y or m)"
#endif

extern int ttp_ipproto;
extern struct proto ttp_prot;
extern struct inet_hashinfo ttp_hashinfo;
extern unsigned int ttp_net_id;

/* What TTP keeps in skb->cb; the IP layer's part stays where IP put it. */
struct ttp_skb_cb {
	union {
		struct inet_skb_parm	h4;
	} header;
	u32	seq;		/* first sequence number */
	u32	end_seq;	/* seq + payload + SYN + FIN */
	u32	ack_seq;	/* acknowledgment of a received segment */
	u8	flags;		/* TCPHDR_* */
	u8	sacked;		/* TTP_SACKED ... of a segment in flight */
	u16	window;		/* raw window field of a received segment */
	u64	sent_us;	/* last transmission; 0 once retransmitted */
};

/* The SACK scoreboard of a sent segment (sack.c). */
#define TTP_SACKED	BIT(0)	/* the peer holds it */
#define TTP_LOST	BIT(1)	/* presumed lost: SACKs arrived above it */
#define TTP_RETRANS	BIT(2)	/* lost, and sent again since */

#define TTP_SKB_CB(skb)	((struct ttp_skb_cb *)&((skb)->cb[0]))

/* Room for the TTP, IP and link headers in front of a segment. */
#define MAX_TTP_HEADER	L1_CACHE_ALIGN(128 + MAX_HEADER)
/* Sized for tens of thousands of connections without long chains. */
#define TTP_EHASH_SIZE	BIT(14)
/* TIME_WAIT socks per namespace, beyond which a closer skips TIME_WAIT */
#define TTP_MAX_TW_BUCKETS	65536
/* RFC 9293 3.7.1: the MSS to assume when the peer sends none. */
#define TTP_DEFAULT_MSS	536
/*
 * The smallest MSS we send with, whatever the peer announces: at MSS 1 a
 * peer would have us send a 41-byte packet per byte (TCP's floor since
 * CVE-2019-11479).
 */
#define TTP_MIN_MSS	48

struct ttp_sock {
	/* inet_connection_sock has to be the first member */
	struct inet_connection_sock	icsk;

	struct sk_buff_head	ooo_queue;	/* out of order, by seq */
	/* timers that fired while the application held the socket */
	unsigned long	deferred;
	/* a listener: jiffies when its request queue was last full */
	unsigned long	synq_overflow;

	/*
	 * Set by the application (SOL_TTP options, TCP's numbers and
	 * meanings): a child inherits them from its listener, and
	 * ttp_disconnect() keeps them but user_mss, as tcp_disconnect()
	 * does.  0 in a keepalive field means TCP's default.
	 */
	u32	keepalive_time;		/* TTP_KEEPIDLE, jiffies */
	u32	keepalive_intvl;	/* TTP_KEEPINTVL, jiffies */
	u8	keepalive_probes;	/* TTP_KEEPCNT */
	u16	user_mss;		/* TTP_MAXSEG; 0: none */
	u8	nodelay:1,		/* TTP_NODELAY */
		cork:1;			/* TTP_CORK */
	/* TTP_CONGESTION, or the namespace's congestion_control */
	const struct ttp_congestion_ops	*ca_ops;

	/*
	 * From iss to the end: all that one connection learns, which a new
	 * child and ttp_disconnect() start again from zero (memset_startat).
	 */
	/* sending */
	u32	iss;		/* initial send sequence number */
	u32	snd_una;	/* oldest unacknowledged sequence number */
	u32	snd_nxt;	/* next sequence number to send */
	u32	write_seq;	/* end of the data queued by the application */
	u32	snd_wnd;	/* the peer's window, scaled */
	u32	snd_wl1;	/* seq of the segment that last set snd_wnd */
	u32	max_window;	/* the largest window the peer offered */
	u32	recover;	/* snd_nxt when loss recovery began */
	u32	retransmit_high; /* after a timeout: the end of what went again */
	struct sk_buff	*send_head;	/* first queued skb not yet sent */
	u32	mtu_info;	/* path MTU of the last ICMP "fragmentation needed" */
	u16	mss;		/* payload bytes per segment */
	u16	advmss;		/* the MSS we announce */
	u16	peer_mss;	/* the peer's MSS option; 0: none, 536 */
	u8	snd_wscale;	/* the peer's window scale */
	u8	rcv_wscale;	/* ours */
	u8	dupacks;	/* duplicate ACKs in a row */
	u8	fin_unqueued:1;	/* the FIN's skb could not be had yet */

	/* congestion control (cong.c), in segments */
	u32	snd_cwnd;
	u32	snd_cwnd_cnt;	/* acknowledged toward the next increase */
	u32	acked_bytes_rem; /* acknowledged bytes short of a segment */
	u32	snd_ssthresh;
	u32	prior_cwnd;	/* before the last reduction */
	u32	lsndtime;	/* jiffies when data was last sent */
	u32	bytes_in_flight_prior;	/* before the ACK being processed */
	u8	ca_state;	/* enum ttp_ca_state */
	u8	cwnd_limited:1,	/* the window, not the application, held data */
		after_recovery:1, /* no ACK beyond recover since it ended */
		ca_initialized:1, /* ca_ops->init ran, ->release is owed */
		wscale_ok:1,	/* both ends sent a window scale option */
		/* timestamps (RFC 7323): offered in our SYN, then agreed */
		ts_ok:1,
		rx_saw_ts:1,	/* the segment being processed has them */
		/* SACK (RFC 2018): offered in our SYN, then agreed */
		sack_ok:1;

	/*
	 * The SACK scoreboard (sack.c), recounted from the skbs' marks: the
	 * segments the peer holds and those presumed lost, and the bytes
	 * between SND.UNA and SND.NXT that are not in the network (SACKed,
	 * or lost and not yet sent again).
	 */
	u32	sacked_out;
	u32	lost_out;
	u32	sack_left_out;
	/* how far the path reorders, in segments; 0: not seen (DupThresh) */
	u32	reordering;
	/* receiving: seq of the last segment queued out of order */
	u32	sack_recent;

	/* timestamps: our clock's offset, and what the peer's said */
	u32	ts_off;		/* added to ttp_ts_now() in each TSval */
	u32	ts_recent;	/* TS.Recent: the TSval to echo */
	u32	ts_recent_stamp; /* seconds when ts_recent was set */
	u32	rx_tsval;	/* of the segment being processed */
	u32	rx_tsecr;

	/* receiving */
	u32	rcv_nxt;	/* next sequence number expected */
	u32	copied_seq;	/* next byte the application will read */
	u32	rcv_wnd;	/* window last announced */
	u32	rcv_wup;	/* rcv_nxt when it was announced */
	u32	rcv_mss;	/* largest segment received: "full-sized" */
	u32	last_oow_ack;	/* jiffies of the last rate-limited ACK */
	u32	rcv_tstamp;	/* jiffies of the last segment received */
	/* jiffies the oldest retransmitted segment was first sent; 0: none */
	u32	retrans_stamp;

	/* round-trip time, RFC 6298 */
	u32	srtt_us;	/* 0: no sample yet */
	u32	rttvar_us;

	/* counters of struct ttp_info */
	u32	total_retrans;
	u32	segs_in;
	u32	segs_out;
	u64	bytes_acked;
	u64	bytes_received;
};

enum ttp_deferred_bits {
	TTP_WRITE_TIMER_DEFERRED,
	TTP_DELACK_TIMER_DEFERRED,
	TTP_MTU_REDUCED_DEFERRED,
};

static inline struct ttp_sock *ttp_sk(const struct sock *sk)
{
	return (struct ttp_sock *)sk;
}

/* Bytes the application can read: rcv_nxt counts a received FIN too. */
static inline u32 ttp_inq(const struct sock *sk)
{
	const struct ttp_sock *ts = ttp_sk(sk);
	int inq = READ_ONCE(ts->rcv_nxt) - READ_ONCE(ts->copied_seq);

	if (inq > 0 && sock_flag(sk, SOCK_DONE))
		inq--;
	return max(inq, 0);
}

/* Free an skb of the write queue, and the room it took in sk_sndbuf. */
static inline void ttp_wmem_free_skb(struct sock *sk, struct sk_buff *skb)
{
	sk_wmem_queued_add(sk, -skb->truesize);
	sk_mem_uncharge(sk, skb->truesize);
	__kfree_skb(skb);
}

/* A TIME_WAIT minisock: what it needs to acknowledge a retransmitted FIN. */
struct ttp_timewait_sock {
	struct inet_timewait_sock	tw;
	u32	snd_nxt;
	u32	rcv_nxt;
	u32	last_oow_ack;	/* jiffies of the last rate-limited ACK */
	u16	rcv_wnd;	/* raw window field to announce */
	bool	ts_ok;		/* the connection had timestamps */
	u32	ts_off;
	u32	ts_recent;
};

static inline struct ttp_timewait_sock *ttp_twsk(const struct sock *sk)
{
	return (struct ttp_timewait_sock *)sk;
}

/* A request minisock: a connection in SYN_RCVD, before the final ACK. */
struct ttp_request_sock {
	struct inet_request_sock	ireq;
	u32	iss;
	u32	irs;
	u32	snd_wnd;	/* the window of the peer's SYN, unscaled */
	u32	last_oow_ack;	/* jiffies of the last rate-limited ACK */
	u64	synack_sent_us;	/* the first SYN+ACK; 0 for a SYN cookie */
	u32	ts_off;		/* the child's ts_off, if ireq->tstamp_ok */
	u32	ts_recent;	/* the SYN's TSval */
};

static inline struct ttp_request_sock *ttp_rsk(const struct request_sock *req)
{
	return (struct ttp_request_sock *)req;
}

/* Counters of /proc/net/ttp_stats, in the order that file lists them. */
enum ttp_mib_field {
	TTP_MIB_ACTIVEOPENS,
	TTP_MIB_PASSIVEOPENS,
	TTP_MIB_ATTEMPTFAILS,
	TTP_MIB_ESTABRESETS,
	TTP_MIB_CURRESTAB,
	TTP_MIB_INSEGS,
	TTP_MIB_OUTSEGS,
	TTP_MIB_RETRANSSEGS,
	TTP_MIB_INERRS,
	TTP_MIB_INCSUMERRORS,
	TTP_MIB_OUTRSTS,
	TTP_MIB_INRSTS,
	TTP_MIB_TIMEWAITS,
	TTP_MIB_DELAYEDACKS,
	TTP_MIB_SYNDROPS,
	TTP_MIB_FAULTDROPS,
	TTP_MIB_OFOPRUNED,
	TTP_MIB_OFODROP,
	TTP_MIB_RCVQDROP,
	TTP_MIB_OUTOFWINDOWICMPS,
	TTP_MIB_LISTENOVERFLOWS,
	TTP_MIB_LISTENDROPS,
	TTP_MIB_ORPHANDROPS,
	TTP_MIB_CHALLENGEACKS,
	TTP_MIB_TIMEOUTS,
	TTP_MIB_ACKSKIPPEDSEQ,
	TTP_MIB_ACKSKIPPEDCHALLENGE,
	TTP_MIB_ACKSKIPPEDSYNRECV,
	TTP_MIB_ACKSKIPPEDTIMEWAIT,
	TTP_MIB_MEMORYPRESSURES,
	TTP_MIB_SYNCOOKIESSENT,
	TTP_MIB_SYNCOOKIESRECV,
	TTP_MIB_SYNCOOKIESFAILED,
	TTP_MIB_SACKRECOVERY,
	TTP_MIB_MAX
};

struct ttp_mib {
	unsigned long mibs[TTP_MIB_MAX];
};

/* Tunables of /proc/sys/net/ttp, one set per network namespace. */
struct ttp_sysctl {
	int msl_ms;
	int rto_initial_ms;
	int rto_min_ms;
	int rto_max_ms;
	int syn_retries;
	int retries;
	int delayed_ack_ms;
	int fin_wait2_timeout_ms;
	int max_syn_backlog;
	int orphan_retries;
	int challenge_ack_limit;
	int syncookies;
	int timestamps;		/* offer and accept RFC 7323 timestamps */
	int sack;		/* offer and accept SACK (RFC 2018) */
	int rmem[3];	/* receive buffer: min (guaranteed), default, max */
	int wmem[3];	/* send buffer: the same */
};

/* Tunables of /proc/sys/net/ttp that are global, as TCP's are. */
extern int ttp_max_orphans;
extern long ttp_mem[3];

struct ttp_faults;
struct ttp_trace;

struct ttp_net {
	struct ttp_sysctl		sysctl;
	struct sock			*ctl_sk;	/* answers with no socket */
	struct inet_timewait_death_row	tw_row;
	struct ctl_table_header		*sysctl_hdr;
	struct ttp_mib __percpu		*mib;
	struct ttp_faults		*faults;
	struct ttp_trace		*trace;
	/* congestion_control: new sockets' algorithm, referenced (cong.c) */
	const struct ttp_congestion_ops __rcu *ca_default;
	/* RFC 5961 7: challenge ACKs left in the second challenge_ts */
	u32				challenge_ts;
	u32				challenge_count;
};

static inline struct ttp_net *ttp_pernet(const struct net *net)
{
	return net_generic(net, ttp_net_id);
}

#define TTP_INC_STATS(net, field) \
	SNMP_INC_STATS(ttp_pernet(net)->mib, field)
#define TTP_DEC_STATS(net, field) \
	SNMP_DEC_STATS(ttp_pernet(net)->mib, field)

/* The sysctls of the namespace a socket lives in. */
static inline const struct ttp_sysctl *ttp_sysctl(const struct sock *sk)
{
	return &ttp_pernet(sock_net(sk))->sysctl;
}

/* A sysctl in milliseconds, read once, in jiffies. */
static inline unsigned long ttp_jiffies(const int *ms)
{
	return msecs_to_jiffies(READ_ONCE(*ms));
}

/* proto.c */
int ttp_proto_init(void);
void ttp_proto_exit(void);
extern const struct proto_ops ttp_stream_ops;
int ttp_create_socket(struct net *net, struct socket *sock, int protocol,
		      int kern);
void ttp_set_state(struct sock *sk, int state);
int ttp_step(struct sock *sk, enum ttp_event ev, u32 seq);
void ttp_done(struct sock *sk);
bool ttp_orphan_drop_if_too_many(struct sock *sk);

/* input.c */
void ttp_trace_rcv_reset(const struct sk_buff *skb, int state);
bool ttp_oow_rate_limited(struct net *net, const struct sk_buff *skb,
			  int mib, u32 *last);
/* what ttp_rcv_state_process() returns for a segment that needs a RST */
#define TTP_RESET	1
int ttp_listen_rcv(struct sock *sk, struct sk_buff *skb);
int ttp_rcv_state_process(struct sock *sk, struct sk_buff *skb);
void ttp_cleanup_rbuf(struct sock *sk, int copied);

/* output.c */
u16 ttp_mtu_to_mss(const struct sock *sk, u32 mtu);
u16 ttp_advmss(const struct sock *sk, u32 mtu);
unsigned int ttp_sync_mss(struct sock *sk, u32 pmtu);
void ttp_mtu_reduced(struct sock *sk);
u16 ttp_select_window(struct sock *sk);
int ttp_transmit_skb(struct sock *sk, struct sk_buff *skb, gfp_t gfp);
void ttp_queue_skb(struct sock *sk, struct sk_buff *skb);
struct sk_buff *ttp_alloc_skb(struct sock *sk, gfp_t gfp);
/* What ttp_push() does with a short segment at the end of the queue. */
enum ttp_push_mode {
	TTP_PUSH_NOW,		/* send it */
	TTP_PUSH_NAGLE,		/* hold it if Nagle or TTP_CORK says so */
	TTP_PUSH_MORE,		/* hold it: MSG_MORE, more data is coming */
	TTP_PUSH_PROBE,		/* the probe timer: send even a small window */
};

void ttp_push(struct sock *sk, enum ttp_push_mode mode);
bool ttp_write_wakeup(struct sock *sk);
int ttp_send_syn(struct sock *sk);
void ttp_send_synack(struct sock *sk);
void ttp_send_ack(struct sock *sk);
void ttp_send_delayed_ack(struct sock *sk);
void ttp_send_fin(struct sock *sk);
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
void ttp_fail_fin_init(void);
void ttp_fail_fin_exit(void);
#else
static inline void ttp_fail_fin_init(void) {}
static inline void ttp_fail_fin_exit(void) {}
#endif
void ttp_send_active_reset(struct sock *sk, gfp_t gfp);
void ttp_send_probe(struct sock *sk);
void ttp_retransmit_head(struct sock *sk);
void ttp_retransmit_lost(struct sock *sk);
void ttp_retransmit_sack_holes(struct sock *sk);
void ttp_write_queue_purge(struct sock *sk);

/* timer.c */
void ttp_init_xmit_timers(struct sock *sk);
void ttp_rearm_rto(struct sock *sk);
void ttp_rtt_sample(struct sock *sk, u32 rtt_us);
void ttp_set_rto(struct sock *sk);
u32 ttp_rto_min(const struct sock *sk);
u32 ttp_rto_max(const struct sock *sk);
u32 ttp_rto_backoff(u32 rto, unsigned int backoff, u32 max);
void ttp_release_cb(struct sock *sk);
void ttp_set_keepalive(struct sock *sk, int val);
void ttp_start_keepalive(struct sock *sk);
int ttp_set_keepidle(struct sock *sk, int secs);
u32 ttp_keepalive_time(const struct sock *sk);
u32 ttp_keepalive_intvl(const struct sock *sk);
u8 ttp_keepalive_probes(const struct sock *sk);
u32 ttp_us_since(u64 stamp);

/*
 * TTP's one clock, in microseconds: RTT samples, when a segment was sent,
 * the trace ring's times, and (in milliseconds) TSval.  Not local_clock(),
 * as TCP's tcp_clock_ns() is: the local clocks of two CPUs may disagree
 * (by milliseconds under QEMU's TCG), so an ACK handled on another CPU
 * than the send would time it wrong, and a TSval that stepped back would
 * have the peer's PAWS drop what follows.
 */
static inline u64 ttp_clock_us(void)
{
	return div_u64(ktime_get_ns(), NSEC_PER_USEC);
}

/* The clock of our timestamps' TSval, in milliseconds as TCP's. */
static inline u32 ttp_ts_now(void)
{
	return div_u64(ttp_clock_us(), USEC_PER_MSEC);
}

/* timestamps.c */
struct ttp_hdr;
void ttp_ts_parse(struct sock *sk, const struct sk_buff *skb);
bool ttp_paws_reject(const struct sock *sk, const struct sk_buff *skb);
bool ttp_req_paws_reject(const struct request_sock *req,
			 const struct sk_buff *skb);
void ttp_ts_store_recent(struct sock *sk, u32 seq);
u32 ttp_ts_rtt_us(const struct sock *sk);
void ttp_ts_fill(const struct sock *sk, struct ttp_hdr *h, u64 now_us);
void ttp_ts_fill_req(const struct request_sock *req, struct ttp_hdr *h);
void ttp_ts_fill_tw(const struct inet_timewait_sock *tw, struct ttp_hdr *h);
void ttp_ts_init(struct sock *sk);
void ttp_ts_synced(struct sock *sk, const struct ttp_hdr *h);

/* sack.c */
void ttp_sack_fill(const struct sock *sk, struct ttp_hdr *h);
void ttp_sack_rcv(struct sock *sk, const struct sk_buff *skb);
void ttp_sack_mark_head_lost(struct sock *sk);
void ttp_sack_retransmitted(struct sock *sk, struct sk_buff *skb);
void ttp_sack_reset(struct sock *sk);
u32 ttp_sack_pipe(const struct sock *sk);
u32 ttp_dupthresh(const struct sock *sk);

/* minisocks.c */
extern struct timewait_sock_ops ttp_timewait_sock_ops;

/*
 * What an address family gives the core for a SYN on a listener, as TCP's
 * tcp_request_sock_ops: the core decides what to answer, the family knows
 * the addresses, what the ISN and a SYN cookie are made of, and how to send.
 */
struct ttp_request_af_ops {
	/* the request's addresses, from skb's network header */
	void (*init_req)(struct request_sock *req, const struct sk_buff *skb);
	/* the ISN for skb's 4-tuple, or the SYN cookie that encodes h */
	u32 (*init_seq)(const struct sk_buff *skb);
	u32 (*cookie_init_seq)(const struct sk_buff *skb, struct ttp_hdr *h);
	int (*send_synack)(const struct sock *sk, struct request_sock *req);
};

struct request_sock *ttp_reqsk_make(const struct ttp_request_af_ops *af,
				    struct sock *sk, struct sk_buff *skb,
				    const struct ttp_hdr *h, u32 irs, u32 iss,
				    bool attach_listener);
int ttp_conn_request(const struct ttp_request_af_ops *af, struct sock *sk,
		     struct sk_buff *skb);
struct sock *ttp_create_openreq_child(const struct sock *sk,
				      struct request_sock *req);
struct sock *ttp_openreq_child_finish(const struct sock *sk,
				      struct sock *newsk,
				      struct request_sock *req,
				      struct request_sock *req_unhash,
				      struct dst_entry *dst, bool *own_req);
struct sock *ttp_check_req(struct sock *sk, struct sk_buff *skb,
			   struct request_sock *req);
int ttp_child_process(struct sock *parent, struct sock *child,
		      struct sk_buff *skb);
void ttp_time_wait(struct sock *sk);
void ttp_init_wscale(struct sock *sk);
enum ttp_tw_verdict {
	TTP_TW_DROP,	/* nothing to answer */
	TTP_TW_ACK,	/* answer with an ACK of where TIME_WAIT stands */
	TTP_TW_SYN,	/* a new connection may take the 4-tuple */
};

enum ttp_tw_verdict ttp_timewait_process(struct inet_timewait_sock *tw,
					 struct sk_buff *skb);

/* syncookies.c */
void ttp_syncookie_init(void);
void ttp_syncookie_overflow(struct sock *sk);
u32 ttp_syncookie_isn(const struct sk_buff *skb, struct ttp_hdr *h);
struct sock *ttp_syncookie_check(struct sock *sk, struct sk_buff *skb,
				 bool *valid);

/* ipv4.c */
extern const struct inet_connection_sock_af_ops ttp_ipv4_af_ops;
extern const struct ttp_request_af_ops ttp_v4_request_af_ops;
extern struct request_sock_ops ttp_request_sock_ops;
int ttp_ipv4_init(void);
void ttp_ipv4_exit(void);
int ttp_v4_connect(struct sock *sk, struct sockaddr *uaddr, int addr_len);
int ttp_v4_do_rcv(struct sock *sk, struct sk_buff *skb);
int ttp_ctl_net_init(struct net *net);
void ttp_ctl_net_exit(struct net *net);

/* sysctl.c */
int ttp_sysctl_init(void);
void ttp_sysctl_exit(void);
int ttp_sysctl_net_init(struct net *net);
void ttp_sysctl_net_exit(struct net *net);

/* proc.c */
const char *ttp_state_name(int state);
int ttp_proc_net_init(struct net *net);
void ttp_proc_net_exit(struct net *net);

/* netfilter.c */
int ttp_netfilter_net_init(struct net *net);
void ttp_netfilter_net_exit(struct net *net);

#endif /* _TTP_H */
