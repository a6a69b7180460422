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
#include <net/netns/generic.h>
#include <net/snmp.h>
#include <uapi/linux/ttp.h>

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

struct ttp_sock {
	/* inet_connection_sock has to be the first member */
	struct inet_connection_sock	icsk;
	u32	snd_una;	/* oldest unacknowledged sequence number */
	u32	snd_nxt;	/* next sequence number to send */
	u32	write_seq;	/* end of the data queued by the application */
	u32	rcv_nxt;	/* next sequence number expected */
	u32	copied_seq;	/* next byte the application will read */
	u8	nodelay:1;	/* TTP_NODELAY */
};

static inline struct ttp_sock *ttp_sk(const struct sock *sk)
{
	return (struct ttp_sock *)sk;
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
};

struct ttp_faults;
struct ttp_trace;

struct ttp_net {
	struct ttp_sysctl		sysctl;
	struct ctl_table_header		*sysctl_hdr;
	struct ttp_mib __percpu		*mib;
	struct ttp_faults		*faults;
	struct ttp_trace		*trace;
};

static inline struct ttp_net *ttp_pernet(const struct net *net)
{
	return net_generic(net, ttp_net_id);
}

#define TTP_INC_STATS(net, field) \
	SNMP_INC_STATS(ttp_pernet(net)->mib, field)
#define TTP_DEC_STATS(net, field) \
	SNMP_DEC_STATS(ttp_pernet(net)->mib, field)

/* proto.c */
extern const struct proto_ops ttp_stream_ops;
int ttp_create_socket(struct net *net, struct socket *sock, int protocol,
		      int kern);

/* ipv4.c */
int ttp_ipv4_init(void);
void ttp_ipv4_exit(void);

/* sysctl.c */
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
