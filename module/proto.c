// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: the socket calls of AF_TTP.
 *
 * Every call answers what Linux TCP answers in the same situation; where
 * the generic inet code already does that (release, connect, accept,
 * shutdown) it is used as is, with TTP's struct proto below it.  This file
 * also holds ttp_step(), through which every change of state goes.
 */
#include <linux/capability.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <asm/ioctls.h>
#include <linux/sockios.h>
#include <net/inet_common.h>
#include <net/inet_connection_sock.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tcp_states.h>

#include "ttp.h"
#include "trace.h"

static DEFINE_PER_CPU(unsigned int, ttp_orphan_count);

/*
 * Memory accounting, as TCP's: what every socket queues to send or keeps
 * received is charged (sk_wmem_schedule(), sk_rmem_schedule()) against
 * the pages of ttp_mem, for all namespaces together.  /proc/net/protocols
 * shows the sum, the sockets and the pressure flag on its "TTP" line.
 */
static atomic_long_t ttp_memory_allocated;
static DEFINE_PER_CPU(int, ttp_memory_per_cpu_fw_alloc);
static struct percpu_counter ttp_sockets_allocated;
static unsigned long ttp_memory_pressure;

/* Over ttp_mem[1]: note when, and count it where it happened. */
static void ttp_enter_memory_pressure(struct sock *sk)
{
	if (READ_ONCE(ttp_memory_pressure))
		return;
	WRITE_ONCE(ttp_memory_pressure, jiffies ?: 1);
	TTP_INC_STATS(sock_net(sk), TTP_MIB_MEMORYPRESSURES);
}

static void ttp_leave_memory_pressure(struct sock *sk)
{
	WRITE_ONCE(ttp_memory_pressure, 0);
}

int ttp_proto_init(void)
{
	return percpu_counter_init(&ttp_sockets_allocated, 0, GFP_KERNEL);
}

void ttp_proto_exit(void)
{
	percpu_counter_destroy(&ttp_sockets_allocated);
}

/*
 * More orphans than max_orphans: the newest is reset rather than kept, as
 * tcp_too_many_orphans() decides.  Each CPU counts its own, so the sum is
 * taken only when a socket is orphaned or an orphan's timer runs.
 */
static bool ttp_too_many_orphans(void)
{
	int cpu, orphans = 0;

	for_each_possible_cpu(cpu)
		orphans += per_cpu(ttp_orphan_count, cpu);
	return orphans > READ_ONCE(ttp_max_orphans);
}

/*
 * With more orphans than max_orphans, reset this one (in a state that has
 * something to reset) and count it.  True when it was, and is freed.
 */
bool ttp_orphan_drop_if_too_many(struct sock *sk)
{
	if (!ttp_too_many_orphans() || ttp_step(sk, TTP_EV_ORPHAN_DROP, 0))
		return false;
	TTP_INC_STATS(sock_net(sk), TTP_MIB_ORPHANDROPS);
	return true;
}

/*
 * The one place sk_state is written.  Leaving the hash tables and giving
 * the port back on CLOSE follows tcp_set_state().
 */
void ttp_set_state(struct sock *sk, int state)
{
	/* CurrEstab counts ESTABLISHED and CLOSE_WAIT, as RFC 1213 does. */
	const int estab = TCPF_ESTABLISHED | TCPF_CLOSE_WAIT;
	bool was = (1 << sk->sk_state) & estab, is = (1 << state) & estab;
	struct net *net = sock_net(sk);

	/*
	 * A full sock leaves TIME_WAIT only by handing the connection to its
	 * TIME_WAIT sock, whose destructor traces the real end.
	 */
	if (sk->sk_state != state && sk->sk_state != TCP_TIME_WAIT)
		trace_ttp_set_state(sk, sk->sk_state, state);

	if (is && !was) {
		TTP_INC_STATS(net, TTP_MIB_CURRESTAB);
	} else if (was && !is) {
		TTP_DEC_STATS(net, TTP_MIB_CURRESTAB);
		if (state == TCP_CLOSE)
			TTP_INC_STATS(net, TTP_MIB_ESTABRESETS);
	}

	if (state == TCP_CLOSE) {
		sk->sk_prot->unhash(sk);
		if (inet_csk(sk)->icsk_bind_hash &&
		    !(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			inet_put_port(sk);
	}
	inet_sk_set_state(sk, state);
}

/*
 * The connection is over: no timers, no queued data; an orphan is freed,
 * anyone else is woken to see it.  As tcp_done().
 */
void ttp_done(struct sock *sk)
{
	if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
		TTP_INC_STATS(sock_net(sk), TTP_MIB_ATTEMPTFAILS);
	ttp_set_state(sk, TCP_CLOSE);
	inet_csk_clear_xmit_timers(sk);
	ttp_write_queue_purge(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (!sock_flag(sk, SOCK_DEAD))
		sk->sk_state_change(sk);
	else
		inet_csk_destroy_sock(sk);
}

/* An orphan in FIN_WAIT_2 is not kept forever: fin_wait2_timeout_ms. */
static void ttp_arm_fin2_timer(struct sock *sk)
{
	unsigned long tmo = ttp_jiffies(&ttp_sysctl(sk)->fin_wait2_timeout_ms);

	inet_csk_reset_keepalive_timer(sk, tmo);
}

/*
 * Apply event ev to the connection: the table of state.c gives the next
 * state, the control segment and the error; this sends the segment the
 * way a socket must (queued for retransmission when it takes sequence
 * space) and finishes a connection that reached CLOSED or TIME_WAIT.
 * Returns -EINVAL when ev does not apply in the current state.
 */
int ttp_step(struct sock *sk, enum ttp_event ev, u32 seq)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct ttp_fsm f = {
		.state		= sk->sk_state,
		.iss		= ts->iss,
		.snd_una	= ts->snd_una,
		.snd_nxt	= ts->write_seq,	/* the FIN goes after all data */
		.rcv_nxt	= ts->rcv_nxt,
	};
	struct ttp_fsm_out out;
	bool dead = sock_flag(sk, SOCK_DEAD);
	int old = sk->sk_state, err = 0;

	if (ttp_fsm_step(&f, ev, seq, &out))
		return -EINVAL;
	WRITE_ONCE(ts->rcv_nxt, f.rcv_nxt);
	/*
	 * The peer's SYN fixes where its data starts, and the window we
	 * announce runs from there: set before the SYN+ACK or ACK below goes
	 * out, or ttp_select_window() would measure the window already
	 * offered from our SYN's rcv_wup, half the sequence space away.
	 */
	if (ev == TTP_EV_RCV_SYN || ev == TTP_EV_RCV_SYNACK) {
		ts->rcv_wup = f.rcv_nxt;
		ts->copied_seq = f.rcv_nxt;
	}
	/* a timeout reports what ICMP last said of the path, as TCP's does */
	if (out.err == -ETIMEDOUT && READ_ONCE(sk->sk_err_soft))
		WRITE_ONCE(sk->sk_err, READ_ONCE(sk->sk_err_soft));
	else if (out.err)
		WRITE_ONCE(sk->sk_err, -out.err);

	if (f.state == TCP_CLOSE && old != TCP_LISTEN) {
		if (out.flags & TCPHDR_RST)
			ttp_send_active_reset(sk, gfp_any());
		ttp_done(sk);
		if (out.err && !dead)
			sk_error_report(sk);
		return 0;
	}
	if (f.state == TCP_TIME_WAIT) {
		if (out.flags & TCPHDR_ACK)
			ttp_send_ack(sk);
		ttp_time_wait(sk);
		return 0;
	}

	if (f.state != old)
		ttp_set_state(sk, f.state);
	switch (out.flags) {
	case TCPHDR_SYN:
		err = ttp_send_syn(sk);
		break;
	case TCPHDR_SYN | TCPHDR_ACK:
		ttp_send_synack(sk);
		break;
	case TCPHDR_FIN | TCPHDR_ACK:
		ttp_send_fin(sk);
		break;
	case TCPHDR_ACK:
		/* three-way teardown: the peer's FIN's ACK may ride on our FIN */
		if (f.state == TCP_CLOSE_WAIT)
			ttp_send_delayed_ack(sk);
		else
			ttp_send_ack(sk);
		break;
	}
	if (f.state == TCP_FIN_WAIT2 && dead)
		ttp_arm_fin2_timer(sk);
	if (f.state != old && !dead)
		sk->sk_state_change(sk);
	return err;
}

/* sk_stream_write_space(), which is not exported: wake a blocked writer. */
static void ttp_write_space(struct sock *sk)
{
	struct socket *sock = sk->sk_socket;
	struct socket_wq *wq;

	if (!sock || !sk_stream_is_writeable(sk))
		return;
	clear_bit(SOCK_NOSPACE, &sock->flags);
	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_interruptible_poll(&wq->wait, EPOLLOUT | EPOLLWRNORM |
					   EPOLLWRBAND);
	if (wq && wq->fasync_list && !(sk->sk_shutdown & SEND_SHUTDOWN))
		sock_wake_async(wq, SOCK_WAKE_SPACE, POLL_OUT);
	rcu_read_unlock();
}

static int ttp_init_sock(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);

	skb_queue_head_init(&ts->ooo_queue);
	/*
	 * The IP layer calls these through any inet_connection_sock: IP_OPTIONS
	 * and CIPSO resize the header through icsk_sync_mss.
	 */
	inet_csk(sk)->icsk_af_ops = &ttp_ipv4_af_ops;
	inet_csk(sk)->icsk_sync_mss = ttp_sync_mss;
	ttp_init_xmit_timers(sk);
	ttp_set_rto(sk);
	ts->mss = TTP_DEFAULT_MSS;
	ttp_cong_init_sock(sk);
	sk->sk_write_space = ttp_write_space;
	sock_set_flag(sk, SOCK_USE_WRITE_QUEUE);
	WRITE_ONCE(sk->sk_sndbuf, READ_ONCE(ttp_sysctl(sk)->wmem[1]));
	WRITE_ONCE(sk->sk_rcvbuf, READ_ONCE(ttp_sysctl(sk)->rmem[1]));
	sk_sockets_allocated_inc(sk);
	return 0;
}

static void ttp_destroy_sock(struct sock *sk)
{
	inet_csk_clear_xmit_timers(sk);
	ttp_write_queue_purge(sk);
	__skb_queue_purge(&ttp_sk(sk)->ooo_queue);
	if (inet_csk(sk)->icsk_bind_hash)
		inet_put_port(sk);
	ttp_cong_release(sk);
	sk_sockets_allocated_dec(sk);
}

/* Bytes received that the application never read. */
static u32 ttp_purge_unread(struct sock *sk)
{
	u32 unread = ttp_inq(sk);

	__skb_queue_purge(&sk->sk_receive_queue);
	__skb_queue_purge(&ttp_sk(sk)->ooo_queue);
	return unread;
}

/*
 * Called by inet_release() when the last reference to the file goes.
 * As tcp_close(): unread data or SO_LINGER 0 aborts with a RST;
 * otherwise a FIN goes after the queued data and the orphan finishes the
 * teardown on its own.
 */
static void ttp_close(struct sock *sk, long timeout)
{
	int state;

	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (sk->sk_state == TCP_LISTEN) {
		ttp_set_state(sk, TCP_CLOSE);
		inet_csk_listen_stop(sk);
		goto adjudge_to_death;
	}

	if (ttp_purge_unread(sk) ||
	    (sock_flag(sk, SOCK_LINGER) && !sk->sk_lingertime)) {
		ttp_step(sk, TTP_EV_ABORT, 0);
	} else if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_ESTABLISHED |
					  TCPF_SYN_RECV | TCPF_CLOSE_WAIT)) {
		ttp_step(sk, TTP_EV_CLOSE, 0);
	}
	/* SO_LINGER > 0: wait for the FIN to be acknowledged */
	sk_stream_wait_close(sk, timeout);

adjudge_to_death:
	state = sk->sk_state;
	sock_hold(sk);
	sock_orphan(sk);
	release_sock(sk);

	local_bh_disable();
	bh_lock_sock(sk);
	this_cpu_inc(ttp_orphan_count);
	/* the backlog may have finished the connection in release_sock() */
	if (state != TCP_CLOSE && sk->sk_state == TCP_CLOSE)
		goto out;
	if (sk->sk_state != TCP_CLOSE && ttp_orphan_drop_if_too_many(sk))
		goto out;	/* it is freed */
	if (sk->sk_state == TCP_FIN_WAIT2)
		ttp_arm_fin2_timer(sk);
	if (sk->sk_state == TCP_CLOSE)
		inet_csk_destroy_sock(sk);
out:
	bh_unlock_sock(sk);
	local_bh_enable();
	/*
	 * A kernel socket holds no reference on its namespace, which may go
	 * as soon as we return: its timers must not run after that, as in
	 * tcp_close() (inet_csk_clear_xmit_timers_sync(), not exported).
	 */
	if (!sk->sk_net_refcnt) {
		struct inet_connection_sock *icsk = inet_csk(sk);

		sock_not_owned_by_me(sk);
		icsk->icsk_pending = 0;
		icsk->icsk_ack.pending = 0;
		sk_stop_timer_sync(sk, &icsk->icsk_retransmit_timer);
		sk_stop_timer_sync(sk, &icsk->icsk_delack_timer);
		sk_stop_timer_sync(sk, &icsk->icsk_keepalive_timer);
	}
	sock_put(sk);
}

/* connect(AF_UNSPEC) and SO_LINGER 0, as tcp_disconnect(). */
static int ttp_disconnect(struct sock *sk, int flags)
{
	struct ttp_sock *ts = ttp_sk(sk);
	int old_state = sk->sk_state;

	if (old_state == TCP_LISTEN) {
		ttp_set_state(sk, TCP_CLOSE);
		inet_csk_listen_stop(sk);
	} else if (old_state == TCP_SYN_SENT) {
		ttp_step(sk, TTP_EV_ABORT, 0);
		WRITE_ONCE(sk->sk_err, ECONNRESET);
	} else if (old_state != TCP_CLOSE) {
		/* the table sends the RST where one is due */
		if (!ttp_step(sk, TTP_EV_ABORT, 0) &&
		    (1 << old_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
					TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 |
					TCPF_SYN_RECV))
			WRITE_ONCE(sk->sk_err, ECONNRESET);
		if (sk->sk_state != TCP_CLOSE)
			ttp_done(sk);
	}

	__skb_queue_purge(&sk->sk_receive_queue);
	__skb_queue_purge(&ts->ooo_queue);
	ttp_write_queue_purge(sk);
	inet_csk_clear_xmit_timers(sk);
	inet_csk_delete_keepalive_timer(sk);
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		inet_reset_saddr(sk);
	inet_sk(sk)->inet_dport = 0;
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	/*
	 * What the application set stays, as in tcp_disconnect(), but for
	 * TTP_MAXSEG and TTP_QUICKACK's mode, which TCP forgets too.
	 */
	ttp_cong_stop(sk);
	memset_startat(ts, 0, iss);
	ts->user_mss = 0;
	inet_csk_delack_init(sk);
	inet_csk(sk)->icsk_probes_tstamp = 0;
	ts->mss = TTP_DEFAULT_MSS;
	ttp_cong_reset(sk);
	ttp_cong_start(sk);
	ttp_set_rto(sk);
	inet_csk(sk)->icsk_backoff = 0;
	inet_csk(sk)->icsk_retransmits = 0;
	inet_csk(sk)->icsk_probes_out = 0;
	__sk_dst_reset(sk);
	sk_error_report(sk);
	return 0;
}

/* shutdown(SHUT_WR) sends the FIN at once, whoever holds the socket. */
static void ttp_shutdown(struct sock *sk, int how)
{
	if (!(how & SEND_SHUTDOWN))
		return;
	if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_SYN_SENT |
				   TCPF_SYN_RECV | TCPF_CLOSE_WAIT))
		ttp_step(sk, TTP_EV_CLOSE, 0);
}

/* __inet_bind() with AF_TTP's address family; it is not exported. */
static int ttp_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	struct sockaddr_ttp *addr = (struct sockaddr_ttp *)uaddr;
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);
	struct net *net = sock_net(sk);
	unsigned short snum;
	int chk_addr_ret;
	int err;

	if (addr_len < sizeof(struct sockaddr_ttp))
		return -EINVAL;
	/* As TCP, accept AF_UNSPEC only for the wildcard address. */
	if (addr->sttp_family != AF_TTP &&
	    (addr->sttp_family != AF_UNSPEC ||
	     addr->sttp_addr != htonl(INADDR_ANY)))
		return -EAFNOSUPPORT;

	chk_addr_ret = inet_addr_type_table(net, addr->sttp_addr,
					    RT_TABLE_LOCAL);
	if (!inet_addr_valid_or_nonlocal(net, inet, addr->sttp_addr,
					 chk_addr_ret))
		return -EADDRNOTAVAIL;

	snum = ntohs(addr->sttp_port);
	if (snum && inet_port_requires_bind_service(net, snum) &&
	    !ns_capable(net->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;

	lock_sock(sk);
	err = -EINVAL;
	if (sk->sk_state != TCP_CLOSE || inet->inet_num)
		goto out;

	inet->inet_rcv_saddr = addr->sttp_addr;
	inet->inet_saddr = addr->sttp_addr;
	if (chk_addr_ret == RTN_MULTICAST || chk_addr_ret == RTN_BROADCAST)
		inet->inet_saddr = 0;	/* use the device's */

	err = sk->sk_prot->get_port(sk, snum);
	if (err) {
		inet->inet_saddr = 0;
		inet->inet_rcv_saddr = 0;
		goto out;
	}
	if (inet->inet_rcv_saddr)
		sk->sk_userlocks |= SOCK_BINDADDR_LOCK;
	if (snum)
		sk->sk_userlocks |= SOCK_BINDPORT_LOCK;
	inet->inet_sport = htons(inet->inet_num);
	inet->inet_daddr = 0;
	inet->inet_dport = 0;
	sk_dst_reset(sk);
out:
	release_sock(sk);
	return err;
}

static int ttp_getname(struct socket *sock, struct sockaddr *uaddr, int peer)
{
	DECLARE_SOCKADDR(struct sockaddr_ttp *, sttp, uaddr);
	struct sock *sk = sock->sk;
	struct inet_sock *inet = inet_sk(sk);

	lock_sock(sk);
	if (peer) {
		if (!inet->inet_dport ||
		    (((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_SYN_SENT)) &&
		     peer == 1)) {
			release_sock(sk);
			return -ENOTCONN;
		}
		sttp->sttp_port = inet->inet_dport;
		sttp->sttp_addr = inet->inet_daddr;
	} else {
		sttp->sttp_port = inet->inet_sport;
		sttp->sttp_addr = inet->inet_rcv_saddr ?: inet->inet_saddr;
	}
	release_sock(sk);
	sttp->sttp_family = AF_TTP;
	memset(sttp->sttp_zero, 0, sizeof(sttp->sttp_zero));
	return sizeof(*sttp);
}

static int ttp_listen(struct socket *sock, int backlog)
{
	struct sock *sk = sock->sk;
	int err = -EINVAL;

	lock_sock(sk);
	if (sock->state != SS_UNCONNECTED ||
	    !((1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN)))
		goto out;

	/* Changing the backlog of a listening socket only resizes the queue. */
	WRITE_ONCE(sk->sk_max_ack_backlog, backlog);
	/*
	 * The inet request-sock timer stops repeating a SYN+ACK after the
	 * listener's icsk_syn_retries, or TCP's tcp_synack_retries if that is
	 * 0: a listener keeps the syn_retries of its last listen().
	 */
	WRITE_ONCE(inet_csk(sk)->icsk_syn_retries,
		   READ_ONCE(ttp_sysctl(sk)->syn_retries));
	err = 0;
	if (sk->sk_state != TCP_LISTEN) {
		err = inet_csk_listen_start(sk);
		if (!err)
			trace_ttp_set_state(sk, TCP_CLOSE, TCP_LISTEN);
	}
out:
	release_sock(sk);
	return err;
}

/* As tcp_poll(). */
static __poll_t ttp_poll(struct file *file, struct socket *sock,
			 poll_table *wait)
{
	struct sock *sk = sock->sk;
	__poll_t mask = 0;
	u8 shutdown;
	int state;

	sock_poll_wait(file, sock, wait);

	state = inet_sk_state_load(sk);
	if (state == TCP_LISTEN)
		return inet_csk_listen_poll(sk);

	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;

	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		if (ttp_inq(sk) >= sock_rcvlowat(sk, 0, INT_MAX))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (shutdown & SEND_SHUTDOWN) {
			mask |= EPOLLOUT | EPOLLWRNORM;
		} else if (sk_stream_is_writeable(sk)) {
			mask |= EPOLLOUT | EPOLLWRNORM;
		} else {
			sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
			set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
			/* a racing ACK may have made room meanwhile */
			smp_mb__after_atomic();
			if (sk_stream_is_writeable(sk))
				mask |= EPOLLOUT | EPOLLWRNORM;
		}
	}
	/* pairs with the error written before the state change */
	smp_rmb();
	if (READ_ONCE(sk->sk_err) ||
	    !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	return mask;
}

static int ttp_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	struct sock *sk = sock->sk;
	struct ttp_sock *ts = ttp_sk(sk);
	int answ;

	switch (cmd) {
	case SIOCINQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		answ = ttp_inq(sk);
		release_sock(sk);
		break;
	case SIOCATMARK:
		/* no urgent data, so never at its mark: TCP's answer then */
		answ = 0;
		break;
	case SIOCOUTQ:
	case SIOCOUTQNSD:
		/* what is queued, or queued and not yet sent; the SYN is not */
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		if ((1 << sk->sk_state) & (TCPF_SYN_SENT | TCPF_SYN_RECV))
			answ = 0;
		else
			answ = ts->write_seq - (cmd == SIOCOUTQ ? ts->snd_una :
							       ts->snd_nxt);
		release_sock(sk);
		break;
	default:
		return -ENOIOCTLCMD;
	}
	return put_user(answ, (int __user *)arg);
}

/* The unsent tail of the write queue, if it can take more data. */
static struct sk_buff *ttp_write_tail(struct sock *sk)
{
	struct sk_buff *skb = skb_peek_tail(&sk->sk_write_queue);

	if (!skb || !ttp_sk(sk)->send_head ||
	    (TTP_SKB_CB(skb)->flags & (TCPHDR_SYN | TCPHDR_FIN)) ||
	    skb->len >= ttp_sk(sk)->mss ||
	    skb_shinfo(skb)->nr_frags >= MAX_SKB_FRAGS)
		return NULL;
	return skb;
}

/* Copy user data into the write queue, in page fragments of MSS-sized skbs. */
static int ttp_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)
{
	struct sock *sk = sock->sk;
	struct ttp_sock *ts = ttp_sk(sk);
	int flags = msg->msg_flags, copied = 0, err;
	long timeo;

	/*
	 * No urgent data: TTP's header has the pointer, but nothing else of
	 * it, and RFC 6093 asks new applications not to use it.  Sending the
	 * byte in-band would put into the stream a byte the reader never
	 * expects there, so it fails, as on a socket without out-of-band data.
	 */
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	lock_sock(sk);
	timeo = sock_sndtimeo(sk, flags & MSG_DONTWAIT);
	if ((1 << sk->sk_state) & ~(TCPF_ESTABLISHED | TCPF_CLOSE_WAIT)) {
		err = sk_stream_wait_connect(sk, &timeo);
		if (err)
			goto do_error;
	}
	sk_clear_bit(SOCKWQ_ASYNC_NOSPACE, sk);
	err = -EPIPE;
	if (sk->sk_err || (sk->sk_shutdown & SEND_SHUTDOWN))
		goto do_error;

	while (msg_data_left(msg)) {
		struct page_frag *pfrag = sk_page_frag(sk);
		struct sk_buff *skb = ttp_write_tail(sk);
		int copy, i;
		bool merge;

		if (!skb) {
			if (!sk_stream_memory_free(sk))
				goto wait_for_space;
			skb = ttp_alloc_skb(sk, sk->sk_allocation);
			if (!skb)
				goto wait_for_space;
			if (!sk_wmem_schedule(sk, skb->truesize)) {
				__kfree_skb(skb);
				goto wait_for_space;
			}
			TTP_SKB_CB(skb)->flags = 0;
			ttp_queue_skb(sk, skb);
		}
		if (!sk_page_frag_refill(sk, pfrag))
			goto wait_for_space;

		copy = min_t(int, ts->mss - skb->len, msg_data_left(msg));
		copy = min_t(int, copy, pfrag->size - pfrag->offset);
		/* skb_copy_to_page_nocache() charges what it copies */
		if (!sk_wmem_schedule(sk, copy))
			goto wait_for_space;
		i = skb_shinfo(skb)->nr_frags;
		merge = skb_can_coalesce(skb, i, pfrag->page, pfrag->offset);
		err = skb_copy_to_page_nocache(sk, &msg->msg_iter, skb,
					       pfrag->page, pfrag->offset, copy);
		if (err)
			goto do_error;
		if (merge) {
			skb_frag_size_add(&skb_shinfo(skb)->frags[i - 1], copy);
		} else {
			skb_fill_page_desc(skb, i, pfrag->page, pfrag->offset,
					   copy);
			page_ref_inc(pfrag->page);
		}
		pfrag->offset += copy;
		TTP_SKB_CB(skb)->end_seq += copy;
		WRITE_ONCE(ts->write_seq, ts->write_seq + copy);
		copied += copy;

		/* full segments go now; a short tail waits for Nagle below */
		if (skb->len >= ts->mss)
			ttp_push(sk, TTP_PUSH_NAGLE);
		continue;

wait_for_space:
		set_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		if (copied)
			ttp_push(sk, TTP_PUSH_NOW);
		err = sk_stream_wait_memory(sk, &timeo);
		if (err)
			goto do_error;
	}
	ttp_push(sk, flags & MSG_MORE ? TTP_PUSH_MORE : TTP_PUSH_NAGLE);
	release_sock(sk);
	return copied;

do_error:
	if (copied) {
		ttp_push(sk, flags & MSG_MORE ? TTP_PUSH_MORE : TTP_PUSH_NAGLE);
		release_sock(sk);
		return copied;
	}
	err = sk_stream_error(sk, flags, err);
	release_sock(sk);
	return err;
}

/* As tcp_recvmsg_locked(), for a queue of in-order skbs. */
static int ttp_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		       int flags)
{
	struct sock *sk = sock->sk;
	struct ttp_sock *ts = ttp_sk(sk);
	u32 peek_seq, *seq;
	int copied = 0, target;
	long timeo;

	lock_sock(sk);
	if (sk->sk_state == TCP_LISTEN) {
		copied = -ENOTCONN;
		goto out;
	}
	/*
	 * TTP has no urgent data, so never an urgent byte to read: EINVAL,
	 * as tcp_recv_urg() answers when none is waiting.
	 */
	if (flags & MSG_OOB) {
		copied = -EINVAL;
		goto out;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	seq = &ts->copied_seq;
	if (flags & MSG_PEEK) {
		peek_seq = ts->copied_seq;
		seq = &peek_seq;
	}
	target = sock_rcvlowat(sk, flags & MSG_WAITALL, len);

	do {
		struct sk_buff *skb, *found = NULL;
		u32 offset = 0, used;

		skb_queue_walk(&sk->sk_receive_queue, skb) {
			offset = *seq - TTP_SKB_CB(skb)->seq;
			if (offset < skb->len) {
				found = skb;
				break;
			}
		}

		if (!found) {
			if (copied >= target && !READ_ONCE(sk->sk_backlog.tail))
				break;
			if (copied) {
				if (sk->sk_err || sk->sk_state == TCP_CLOSE ||
				    (sk->sk_shutdown & RCV_SHUTDOWN) || !timeo ||
				    signal_pending(current))
					break;
			} else {
				if (sock_flag(sk, SOCK_DONE))
					break;
				if (sk->sk_err) {
					copied = sock_error(sk);
					break;
				}
				if (sk->sk_shutdown & RCV_SHUTDOWN)
					break;
				if (sk->sk_state == TCP_CLOSE) {
					copied = -ENOTCONN;
					break;
				}
				if (!timeo) {
					copied = -EAGAIN;
					break;
				}
				if (signal_pending(current)) {
					copied = sock_intr_errno(timeo);
					break;
				}
			}
			ttp_cleanup_rbuf(sk, copied);
			if (copied >= target) {
				/* let the backlog in, then look again */
				release_sock(sk);
				lock_sock(sk);
			} else {
				/*
				 * Wait for something queued after what is
				 * there: a peek may find nothing in a queue
				 * that is not empty, and must not spin.
				 * Below 0, connect(AF_UNSPEC) ended the
				 * connection meanwhile: what was read came
				 * from it, and nothing of the next may follow
				 * in the same call, as in TCP.
				 */
				int err = sk_wait_data(sk, &timeo,
						       skb_peek_tail(&sk->sk_receive_queue));

				if (err < 0) {
					copied = copied ?: err;
					break;
				}
			}
			/*
			 * Another reader, or the SYN+ACK of a connect() the
			 * peek waited on, moved copied_seq under a peek: go
			 * on from there, as tcp_recvmsg() does.
			 */
			if ((flags & MSG_PEEK) &&
			    peek_seq - copied != ts->copied_seq)
				peek_seq = ts->copied_seq;
			continue;
		}

		used = min_t(u32, found->len - offset, len);
		if (skb_copy_datagram_msg(found, offset, msg, used)) {
			if (!copied)
				copied = -EFAULT;
			break;
		}
		if (!(flags & MSG_PEEK))
			WRITE_ONCE(*seq, *seq + used);
		else
			*seq += used;
		copied += used;
		len -= used;
		if (!(flags & MSG_PEEK) && offset + used == found->len) {
			__skb_unlink(found, &sk->sk_receive_queue);
			__kfree_skb(found);
		}
	} while (len > 0);

	ttp_cleanup_rbuf(sk, copied);
out:
	release_sock(sk);
	return copied;
}

static void ttp_get_info(struct sock *sk, struct ttp_info *info)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct ttp_sock *ts = ttp_sk(sk);

	memset(info, 0, sizeof(*info));
	info->state = sk->sk_state;
	info->retransmits = icsk->icsk_retransmits;
	info->rto_ms = jiffies_to_msecs(icsk->icsk_rto);
	info->srtt_us = ts->srtt_us;
	info->rttvar_us = ts->rttvar_us;
	info->mss = ts->mss;
	info->snd_una = ts->snd_una;
	info->snd_nxt = ts->snd_nxt;
	info->rcv_nxt = ts->rcv_nxt;
	info->snd_wnd = ts->snd_wnd;
	info->rcv_wnd = ts->rcv_wnd;
	info->total_retrans = ts->total_retrans;
	info->segs_in = ts->segs_in;
	info->segs_out = ts->segs_out;
	info->bytes_acked = ts->bytes_acked;
	info->bytes_received = ts->bytes_received;
	info->snd_cwnd = ts->snd_cwnd;
	info->snd_ssthresh = ts->snd_ssthresh;
	info->ca_state = ts->ca_state;
	/*
	 * The scoreboard's count with SACK; else TCP's rule: after a timeout
	 * all in flight is presumed lost, in fast recovery the head only.
	 */
	info->sacked = ts->sacked_out;
	if (skb_queue_empty(&sk->sk_write_queue))
		info->lost = 0;
	else if (ts->sack_ok && ts->ca_state != TTP_CA_LOSS)
		info->lost = ts->lost_out;
	else if (ts->ca_state == TTP_CA_LOSS)
		info->lost = DIV_ROUND_UP(ts->snd_nxt - ts->snd_una, ts->mss);
	else if (ts->ca_state == TTP_CA_RECOVERY)
		info->lost = 1;
	if (ts->ts_ok && sk->sk_state != TCP_SYN_SENT)
		info->options |= TTP_INFO_OPT_TIMESTAMPS;
	if (ts->wscale_ok)
		info->options |= TTP_INFO_OPT_WSCALE;
	if (ts->sack_ok && sk->sk_state != TCP_SYN_SENT)
		info->options |= TTP_INFO_OPT_SACK;
	if (ts->ca_ops)
		strscpy(info->congestion, ts->ca_ops->name,
			sizeof(info->congestion));
}

/*
 * TTP_QUICKACK, as TCP_QUICKACK: 0 asks for delayed ACKs (pingpong mode);
 * non-zero leaves that mode and sends an ACK the delayed-ACK timer holds
 * at once.  Like TCP's, the mode is a hint that getsockopt() reports.
 */
static void ttp_set_quickack(struct sock *sk, int val)
{
	struct inet_connection_sock *icsk = inet_csk(sk);

	if (!val) {
		inet_csk_enter_pingpong_mode(sk);
		return;
	}
	inet_csk_exit_pingpong_mode(sk);
	if ((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT) &&
	    (icsk->icsk_ack.pending & ICSK_ACK_TIMER)) {
		inet_csk_clear_xmit_timer(sk, ICSK_TIME_DACK);
		ttp_send_ack(sk);
		if (!(val & 1))
			inet_csk_enter_pingpong_mode(sk);
	}
}

/* The int options at SOL_TTP; the caller holds the socket. */
static int ttp_setsockopt_int(struct sock *sk, int optname, int val)
{
	struct ttp_sock *ts = ttp_sk(sk);

	sock_owned_by_me(sk);
	switch (optname) {
	case TTP_NODELAY:
		ts->nodelay = !!val;
		/* as TCP: setting it sends what waits, even under a cork */
		if (val)
			ttp_push(sk, TTP_PUSH_NOW);
		return 0;
	case TTP_MAXSEG:
		/* the floor a peer's MSS also has; the limit is TCP's */
		if (val && (val < TTP_MIN_MSS || val > MAX_TCP_WINDOW))
			return -EINVAL;
		WRITE_ONCE(ts->user_mss, val);
		return 0;
	case TTP_CORK:
		ts->cork = !!val;
		if (!val)
			ttp_push(sk, ts->nodelay ? TTP_PUSH_NOW : TTP_PUSH_NAGLE);
		return 0;
	case TTP_KEEPIDLE:
		return ttp_set_keepidle(sk, val);
	case TTP_KEEPINTVL:
		if (val < 1 || val > MAX_TCP_KEEPINTVL)
			return -EINVAL;
		WRITE_ONCE(ts->keepalive_intvl, val * HZ);
		return 0;
	case TTP_KEEPCNT:
		if (val < 1 || val > MAX_TCP_KEEPCNT)
			return -EINVAL;
		WRITE_ONCE(ts->keepalive_probes, val);
		return 0;
	case TTP_QUICKACK:
		ttp_set_quickack(sk, val);
		return 0;
	case TTP_USER_TIMEOUT:
		/* milliseconds; 0 gives the retry counts back their say */
		if (val < 0)
			return -EINVAL;
		WRITE_ONCE(inet_csk(sk)->icsk_user_timeout, val);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/* TTP_CONGESTION takes a name, as TCP_CONGESTION does. */
static int ttp_setsockopt_congestion(struct sock *sk, sockptr_t optval,
				     unsigned int optlen)
{
	char name[TTP_CA_NAME_MAX];
	long len;
	int err;

	if (optlen < 1)
		return -EINVAL;
	len = strncpy_from_sockptr(name, optval,
				   min_t(long, TTP_CA_NAME_MAX - 1, optlen));
	if (len < 0)
		return -EFAULT;
	name[len] = '\0';
	lock_sock(sk);
	err = ttp_cong_set(sk, name);
	release_sock(sk);
	return err;
}

static int ttp_setsockopt(struct sock *sk, int level, int optname,
			  sockptr_t optval, unsigned int optlen)
{
	int val, err;

	if (level != SOL_TTP)
		return inet_csk(sk)->icsk_af_ops->setsockopt(sk, level, optname,
							     optval, optlen);
	if (optname == TTP_CONGESTION)
		return ttp_setsockopt_congestion(sk, optval, optlen);
	/* as do_tcp_setsockopt(): the length first, even for unknown names */
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	lock_sock(sk);
	err = ttp_setsockopt_int(sk, optname, val);
	release_sock(sk);
	return err;
}

/* The int options at SOL_TTP, as TCP reports its own. */
static int ttp_getsockopt_int(struct sock *sk, int optname, int *val)
{
	const struct ttp_sock *ts = ttp_sk(sk);

	switch (optname) {
	case TTP_NODELAY:
		*val = ts->nodelay;
		return 0;
	case TTP_MAXSEG:
		/* before a connection, what was asked for; then what is used */
		*val = READ_ONCE(ts->mss);
		if (READ_ONCE(ts->user_mss) &&
		    (1 << sk->sk_state) & (TCPF_CLOSE | TCPF_LISTEN))
			*val = READ_ONCE(ts->user_mss);
		return 0;
	case TTP_CORK:
		*val = ts->cork;
		return 0;
	case TTP_KEEPIDLE:
		*val = ttp_keepalive_time(sk) / HZ;
		return 0;
	case TTP_KEEPINTVL:
		*val = ttp_keepalive_intvl(sk) / HZ;
		return 0;
	case TTP_KEEPCNT:
		*val = ttp_keepalive_probes(sk);
		return 0;
	case TTP_QUICKACK:
		*val = !inet_csk_in_pingpong_mode(sk);
		return 0;
	case TTP_USER_TIMEOUT:
		*val = READ_ONCE(inet_csk(sk)->icsk_user_timeout);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int ttp_getsockopt(struct sock *sk, int level, int optname,
			  char __user *optval, int __user *optlen)
{
	char ca_name[TTP_CA_NAME_MAX] = {};
	struct ttp_info info;
	const void *src;
	int len, val, err;

	if (level != SOL_TTP)
		return inet_csk(sk)->icsk_af_ops->getsockopt(sk, level, optname,
							     optval, optlen);
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	if (optname == TTP_INFO) {
		lock_sock(sk);
		ttp_get_info(sk, &info);
		release_sock(sk);
		len = min_t(unsigned int, len, sizeof(info));
		src = &info;
	} else if (optname == TTP_CONGESTION) {
		lock_sock(sk);
		strscpy(ca_name, ttp_sk(sk)->ca_ops->name, sizeof(ca_name));
		release_sock(sk);
		len = min_t(unsigned int, len, sizeof(ca_name));
		src = ca_name;
	} else {
		err = ttp_getsockopt_int(sk, optname, &val);
		if (err)
			return err;
		len = min_t(unsigned int, len, sizeof(val));
		src = &val;
	}
	if (put_user(len, optlen))
		return -EFAULT;
	if (copy_to_user(optval, src, len))
		return -EFAULT;
	return 0;
}

struct proto ttp_prot = {
	.name		= "TTP",
	.owner		= THIS_MODULE,
	.close		= ttp_close,
	.connect	= ttp_v4_connect,
	.disconnect	= ttp_disconnect,
	.shutdown	= ttp_shutdown,
	.keepalive	= ttp_set_keepalive,
	.backlog_rcv	= ttp_v4_do_rcv,	/* the owner let go */
	.release_cb	= ttp_release_cb,
	.accept		= inet_csk_accept,
	.init		= ttp_init_sock,
	.destroy	= ttp_destroy_sock,
	.setsockopt	= ttp_setsockopt,
	.getsockopt	= ttp_getsockopt,
	.hash		= inet_hash,
	.unhash		= inet_unhash,
	.get_port	= inet_csk_get_port,
	.orphan_count	= &ttp_orphan_count,
	.enter_memory_pressure	= ttp_enter_memory_pressure,
	.leave_memory_pressure	= ttp_leave_memory_pressure,
	.memory_allocated	= &ttp_memory_allocated,
	.per_cpu_fw_alloc	= &ttp_memory_per_cpu_fw_alloc,
	.sockets_allocated	= &ttp_sockets_allocated,
	.memory_pressure	= &ttp_memory_pressure,
	.sysctl_mem	= ttp_mem,
	.obj_size	= sizeof(struct ttp_sock),
	.max_header	= MAX_TTP_HEADER,
	.twsk_prot	= &ttp_timewait_sock_ops,
	.rsk_prot	= &ttp_request_sock_ops,
	.slab_flags	= SLAB_TYPESAFE_BY_RCU,
	.h.hashinfo	= &ttp_hashinfo,
	.no_autobind	= true,
};

const struct proto_ops ttp_stream_ops = {
	.family		= PF_TTP,
	.owner		= THIS_MODULE,
	.release	= inet_release,
	.bind		= ttp_bind,
	.connect	= inet_stream_connect,
	.socketpair	= sock_no_socketpair,
	.accept		= inet_accept,
	.getname	= ttp_getname,
	.poll		= ttp_poll,
	.ioctl		= ttp_ioctl,
	.listen		= ttp_listen,
	.shutdown	= inet_shutdown,
	.setsockopt	= sock_common_setsockopt,
	.getsockopt	= sock_common_getsockopt,
	.sendmsg	= ttp_sendmsg,
	.recvmsg	= ttp_recvmsg,
	.mmap		= sock_no_mmap,
#if !TTP_LINUX_GEQ(6, 5, 0)
	/* 6.5 removed it: splice() and sendfile() come to ttp_sendmsg() */
	.sendpage	= sock_no_sendpage,
#endif
};

int ttp_create_socket(struct net *net, struct socket *sock, int protocol,
		      int kern)
{
	struct inet_sock *inet;
	struct sock *sk;
	int err;

	/* inet_create()'s answers for a type or protocol it does not know */
	if (sock->type != SOCK_STREAM)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != ttp_ipproto)
		return -EPROTONOSUPPORT;

	sock->state = SS_UNCONNECTED;
	sock->ops = &ttp_stream_ops;
	sk = sk_alloc(net, PF_TTP, GFP_KERNEL, &ttp_prot, kern);
	if (!sk)
		return -ENOBUFS;

	/* What inet_create() does for a connection-oriented protocol. */
	inet_init_csk_locks(sk);
	inet = inet_sk(sk);
	ttp_inet_set_bit(IS_ICSK, sk);

	sock_init_data(sock, sk);
	sk->sk_protocol = ttp_ipproto;
	sk->sk_destruct = inet_sock_destruct;
	sk->sk_backlog_rcv = sk->sk_prot->backlog_rcv;
	sk->sk_txrehash = READ_ONCE(net->core.sysctl_txrehash);

	inet->uc_ttl = -1;
	ttp_inet_set_bit(MC_LOOP, sk);
	inet->mc_ttl = 1;
	ttp_inet_set_bit(MC_ALL, sk);
	inet->pmtudisc = READ_ONCE(net->ipv4.sysctl_ip_no_pmtu_disc) ?
			 IP_PMTUDISC_DONT : IP_PMTUDISC_WANT;

	err = sk->sk_prot->init(sk);
	if (err) {
		sk_common_release(sk);
		return err;
	}
	return 0;
}
