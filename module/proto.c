// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: the socket calls of AF_TTP.
 *
 * Every call answers what Linux TCP answers in the same situation; where
 * the generic inet code already does that (release, accept, shutdown) it is
 * used as is.  Connecting, sending and receiving data arrive with the
 * connection lifecycle; until then a socket can only be bound or listen,
 * and the data calls fail as they do on a TCP socket that never connected.
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
#include <net/tcp_states.h>

#include "ttp.h"

static DEFINE_PER_CPU(unsigned int, ttp_orphan_count);

/*
 * The one place sk_state changes.  Leaving the hash tables and giving the
 * port back on CLOSE follows tcp_set_state().
 */
static void ttp_set_state(struct sock *sk, int state)
{
	/* CurrEstab counts ESTABLISHED and CLOSE_WAIT, as RFC 1213 does. */
	const int estab = TCPF_ESTABLISHED | TCPF_CLOSE_WAIT;
	bool was = (1 << sk->sk_state) & estab, is = (1 << state) & estab;

	if (is && !was)
		TTP_INC_STATS(sock_net(sk), TTP_MIB_CURRESTAB);
	else if (was && !is)
		TTP_DEC_STATS(sock_net(sk), TTP_MIB_CURRESTAB);

	if (state == TCP_CLOSE) {
		sk->sk_prot->unhash(sk);
		if (inet_csk(sk)->icsk_bind_hash &&
		    !(sk->sk_userlocks & SOCK_BINDPORT_LOCK))
			inet_put_port(sk);
	}
	inet_sk_set_state(sk, state);
}

static int ttp_init_sock(struct sock *sk)
{
	const struct ttp_sysctl *sysctl = &ttp_pernet(sock_net(sk))->sysctl;

	inet_csk(sk)->icsk_rto = msecs_to_jiffies(READ_ONCE(sysctl->rto_initial_ms));
	return 0;
}

static void ttp_destroy_sock(struct sock *sk)
{
	if (inet_csk(sk)->icsk_bind_hash)
		inet_put_port(sk);
}

/* Called by inet_release() when the last reference to the file goes. */
static void ttp_close(struct sock *sk, long timeout)
{
	lock_sock(sk);
	WRITE_ONCE(sk->sk_shutdown, SHUTDOWN_MASK);
	if (sk->sk_state == TCP_LISTEN) {
		ttp_set_state(sk, TCP_CLOSE);
		inet_csk_listen_stop(sk);
	}

	sock_hold(sk);
	sock_orphan(sk);
	local_bh_disable();
	bh_lock_sock(sk);
	this_cpu_inc(ttp_orphan_count);
	if (sk->sk_state == TCP_CLOSE)
		inet_csk_destroy_sock(sk);
	bh_unlock_sock(sk);
	local_bh_enable();
	release_sock(sk);
	sock_put(sk);
}

static int ttp_disconnect(struct sock *sk, int flags)
{
	int old_state = sk->sk_state;

	if (old_state != TCP_CLOSE)
		ttp_set_state(sk, TCP_CLOSE);
	if (old_state == TCP_LISTEN)
		inet_csk_listen_stop(sk);
	if (!(sk->sk_userlocks & SOCK_BINDADDR_LOCK))
		inet_reset_saddr(sk);
	inet_sk(sk)->inet_dport = 0;
	WRITE_ONCE(sk->sk_shutdown, 0);
	sock_reset_flag(sk, SOCK_DONE);
	sk_error_report(sk);
	return 0;
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
	err = 0;
	if (sk->sk_state != TCP_LISTEN)
		err = inet_csk_listen_start(sk);
out:
	release_sock(sk);
	return err;
}

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

	/* As tcp_poll(): a never-connected socket reports POLLOUT | POLLHUP. */
	shutdown = READ_ONCE(sk->sk_shutdown);
	if (shutdown == SHUTDOWN_MASK || state == TCP_CLOSE)
		mask |= EPOLLHUP;
	if (shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (state != TCP_SYN_SENT && state != TCP_SYN_RECV) {
		if ((shutdown & SEND_SHUTDOWN) || sk_stream_is_writeable(sk))
			mask |= EPOLLOUT | EPOLLWRNORM;
		else
			sk_set_bit(SOCKWQ_ASYNC_NOSPACE, sk);
	}
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
		answ = max_t(int, ts->rcv_nxt - ts->copied_seq, 0);
		release_sock(sk);
		break;
	case SIOCOUTQ:
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		lock_sock(sk);
		answ = ts->write_seq - ts->snd_una;
		release_sock(sk);
		break;
	default:
		return -ENOIOCTLCMD;
	}
	return put_user(answ, (int __user *)arg);
}

static int ttp_sendmsg(struct socket *sock, struct msghdr *msg, size_t size)
{
	struct sock *sk = sock->sk;
	int err;

	lock_sock(sk);
	/* No state can send yet: as tcp_sendmsg() on a socket never connected. */
	err = sk_stream_error(sk, msg->msg_flags, -EPIPE);
	release_sock(sk);
	return err;
}

static int ttp_recvmsg(struct socket *sock, struct msghdr *msg, size_t size,
		       int flags)
{
	struct sock *sk = sock->sk;
	int err;

	lock_sock(sk);
	/* tcp_recvmsg_locked()'s checks, in its order, with nothing queued. */
	if (sk->sk_state == TCP_LISTEN)
		err = -ENOTCONN;
	else if (sock_flag(sk, SOCK_DONE))
		err = 0;
	else if (sk->sk_err)
		err = sock_error(sk);
	else if (sk->sk_shutdown & RCV_SHUTDOWN)
		err = 0;
	else
		err = -ENOTCONN;
	release_sock(sk);
	return err;
}

static void ttp_get_info(struct sock *sk, struct ttp_info *info)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct ttp_sock *ts = ttp_sk(sk);

	memset(info, 0, sizeof(*info));
	info->state = sk->sk_state;
	info->retransmits = icsk->icsk_retransmits;
	info->rto_ms = jiffies_to_msecs(icsk->icsk_rto);
	info->snd_una = ts->snd_una;
	info->snd_nxt = ts->snd_nxt;
	info->rcv_nxt = ts->rcv_nxt;
}

static int ttp_setsockopt(struct sock *sk, int level, int optname,
			  sockptr_t optval, unsigned int optlen)
{
	int val;

	if (level != SOL_TTP)
		return ip_setsockopt(sk, level, optname, optval, optlen);

	switch (optname) {
	case TTP_NODELAY:
		if (optlen < sizeof(int))
			return -EINVAL;
		if (copy_from_sockptr(&val, optval, sizeof(val)))
			return -EFAULT;
		lock_sock(sk);
		ttp_sk(sk)->nodelay = !!val;
		release_sock(sk);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int ttp_getsockopt(struct sock *sk, int level, int optname,
			  char __user *optval, int __user *optlen)
{
	struct ttp_info info;
	const void *src;
	int len, val;

	if (level != SOL_TTP)
		return ip_getsockopt(sk, level, optname, optval, optlen);
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case TTP_NODELAY:
		val = ttp_sk(sk)->nodelay;
		len = min_t(unsigned int, len, sizeof(val));
		src = &val;
		break;
	case TTP_INFO:
		lock_sock(sk);
		ttp_get_info(sk, &info);
		release_sock(sk);
		len = min_t(unsigned int, len, sizeof(info));
		src = &info;
		break;
	default:
		return -ENOPROTOOPT;
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
	.disconnect	= ttp_disconnect,
	.accept		= inet_csk_accept,
	.init		= ttp_init_sock,
	.destroy	= ttp_destroy_sock,
	.setsockopt	= ttp_setsockopt,
	.getsockopt	= ttp_getsockopt,
	.hash		= inet_hash,
	.unhash		= inet_unhash,
	.get_port	= inet_csk_get_port,
	.orphan_count	= &ttp_orphan_count,
	.obj_size	= sizeof(struct ttp_sock),
	.slab_flags	= SLAB_TYPESAFE_BY_RCU,
	.h.hashinfo	= &ttp_hashinfo,
	.no_autobind	= true,
};

const struct proto_ops ttp_stream_ops = {
	.family		= PF_TTP,
	.owner		= THIS_MODULE,
	.release	= inet_release,
	.bind		= ttp_bind,
	.connect	= sock_no_connect,
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
	.sendpage	= sock_no_sendpage,
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
	inet->is_icsk = 1;

	sock_init_data(sock, sk);
	sk->sk_protocol = ttp_ipproto;
	sk->sk_destruct = inet_sock_destruct;
	sk->sk_backlog_rcv = sk->sk_prot->backlog_rcv;
	sk->sk_txrehash = READ_ONCE(net->core.sysctl_txrehash);

	inet->uc_ttl = -1;
	inet->mc_loop = 1;
	inet->mc_ttl = 1;
	inet->mc_all = 1;
	inet->pmtudisc = READ_ONCE(net->ipv4.sysctl_ip_no_pmtu_disc) ?
			 IP_PMTUDISC_DONT : IP_PMTUDISC_WANT;

	err = sk->sk_prot->init(sk);
	if (err) {
		sk_common_release(sk);
		return err;
	}
	return 0;
}
