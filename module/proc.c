// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: /proc/net/ttp (one line per socket) and /proc/net/ttp_stats.
 *
 * Every socket that holds a port sits on an owners list of the bind hash:
 * bound, listening, connecting, connected and orphaned sockets, and TIME_WAIT
 * minisocks (tw_bind_node is the same sock_common field as sk_bind_node).
 * Walking the bind hash therefore lists the sockets the spec asks for, and
 * a fresh unbound socket, which has no port, is not among them.  Request
 * socks (SYN_RCVD) live only in the established hash: its chains follow.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <net/inet_timewait_sock.h>
#include <net/tcp_states.h>
#include <kunit/visibility.h>

#include "ttp.h"
#include "proc.h"

/*
 * The header and the rows share their column widths.  The first nine
 * columns are the spec's, in its order; the congestion control's follow.
 */
int ttp_proc_format_header(char *buf, size_t size)
{
	return scnprintf(buf, size,
			 "%-20s %-20s %-12s %-6s %-6s %-11s %-8s %-5s %-8s %-6s %-8s %-8s %s\n",
			 "local", "remote", "state", "sendq", "recvq", "timer",
			 "retrans", "uid", "inode", "cwnd", "ssthresh", "ca",
			 "cc");
}
EXPORT_SYMBOL_IF_KUNIT(ttp_proc_format_header);

static const char * const ttp_state_names[] = {
	[TCP_ESTABLISHED]	= "ESTABLISHED",
	[TCP_SYN_SENT]		= "SYN_SENT",
	[TCP_SYN_RECV]		= "SYN_RCVD",
	[TCP_FIN_WAIT1]		= "FIN_WAIT_1",
	[TCP_FIN_WAIT2]		= "FIN_WAIT_2",
	[TCP_TIME_WAIT]		= "TIME_WAIT",
	[TCP_CLOSE]		= "CLOSED",
	[TCP_CLOSE_WAIT]	= "CLOSE_WAIT",
	[TCP_LAST_ACK]		= "LAST_ACK",
	[TCP_LISTEN]		= "LISTEN",
	[TCP_CLOSING]		= "CLOSING",
	[TCP_NEW_SYN_RECV]	= "SYN_RCVD",
};

const char *ttp_state_name(int state)
{
	if (state < 0 || state >= ARRAY_SIZE(ttp_state_names) ||
	    !ttp_state_names[state])
		return "UNKNOWN";
	return ttp_state_names[state];
}
EXPORT_SYMBOL_IF_KUNIT(ttp_state_name);

static const char * const ttp_ca_state_names[] = {
	[TTP_CA_OPEN]		= "open",
	[TTP_CA_DISORDER]	= "disorder",
	[TTP_CA_CWR]		= "cwr",
	[TTP_CA_RECOVERY]	= "recovery",
	[TTP_CA_LOSS]		= "loss",
};

const char *ttp_ca_state_name(int ca_state)
{
	if (ca_state < 0 || ca_state >= ARRAY_SIZE(ttp_ca_state_names))
		return "unknown";
	return ttp_ca_state_names[ca_state];
}
EXPORT_SYMBOL_IF_KUNIT(ttp_ca_state_name);

/* Format one line, newline included; the columns line up with the header. */
int ttp_proc_format_row(char *buf, size_t size, const struct ttp_proc_row *row)
{
	char local[22], remote[22], timer[24], cwnd[11] = "-", ssthresh[11] = "-";
	const char *ca = "-", *cc = "-";

	snprintf(local, sizeof(local), "%pI4:%u", &row->saddr, row->sport);
	snprintf(remote, sizeof(remote), "%pI4:%u", &row->daddr, row->dport);
	if (row->timer)
		snprintf(timer, sizeof(timer), "%s:%u", row->timer,
			 row->timer_ms);
	else
		strscpy(timer, "-", sizeof(timer));
	if (row->cong) {
		snprintf(cwnd, sizeof(cwnd), "%u", row->cwnd);
		if (row->ssthresh != TTP_INFINITE_SSTHRESH)
			snprintf(ssthresh, sizeof(ssthresh), "%u",
				 row->ssthresh);
		ca = ttp_ca_state_name(row->ca_state);
		if (row->cc[0])
			cc = row->cc;
	}

	return scnprintf(buf, size,
			 "%-20s %-20s %-12s %-6u %-6u %-11s %-8u %-5u %-8lu %-6s %-8s %-8s %s\n",
			 local, remote, ttp_state_name(row->state), row->sendq,
			 row->recvq, timer, row->retrans, row->uid, row->inode,
			 cwnd, ssthresh, ca, cc);
}
EXPORT_SYMBOL_IF_KUNIT(ttp_proc_format_row);

static unsigned int ttp_ms_left(unsigned long expires)
{
	long left = (long)(expires - jiffies);

	return left > 0 ? jiffies_to_msecs(left) : 0;
}

/* Which of the spec's timers is pending on a full socket, and when. */
static const char *ttp_sock_timer(const struct sock *sk, unsigned int *ms)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);

	switch (icsk->icsk_pending) {
	case ICSK_TIME_RETRANS:
		*ms = ttp_ms_left(icsk->icsk_timeout);
		return "rto";
	case ICSK_TIME_PROBE0:
		*ms = ttp_ms_left(icsk->icsk_timeout);
		return "probe";
	}
	if (icsk->icsk_ack.pending & ICSK_ACK_TIMER) {
		*ms = ttp_ms_left(icsk->icsk_ack.timeout);
		return "delack";
	}
	if (timer_pending(&icsk->icsk_keepalive_timer)) {
		*ms = ttp_ms_left(icsk->icsk_keepalive_timer.expires);
		return sk->sk_state == TCP_FIN_WAIT2 ? "fin2" : "keepalive";
	}
	return NULL;
}

static void ttp_proc_fill_row(struct seq_file *seq, struct sock *sk,
			      struct ttp_proc_row *row)
{
	memset(row, 0, sizeof(*row));
	row->saddr = sk->sk_rcv_saddr;
	row->sport = sk->sk_num;
	row->daddr = sk->sk_daddr;
	row->dport = ntohs(sk->sk_dport);
	row->state = sk->sk_state;

	if (sk->sk_state == TCP_TIME_WAIT) {
		const struct inet_timewait_sock *tw = inet_twsk(sk);

		row->timer = "tw";
		row->timer_ms = ttp_ms_left(tw->tw_timer.expires);
		return;
	}

	if (sk->sk_state == TCP_LISTEN) {
		row->recvq = READ_ONCE(sk->sk_ack_backlog);
		row->sendq = READ_ONCE(sk->sk_max_ack_backlog);
	} else {
		const struct ttp_sock *ts = ttp_sk(sk);
		const struct ttp_congestion_ops *ca;

		row->sendq = READ_ONCE(ts->write_seq) - READ_ONCE(ts->snd_una);
		row->recvq = ttp_inq(sk);
		/*
		 * The socket's lock is not held: each field is read once,
		 * and ssthresh's "-" is decided on the value copied.  An
		 * algorithm's module unregisters it, and waits for RCU
		 * readers, only once no socket holds it.
		 */
		row->cong = true;
		row->cwnd = READ_ONCE(ts->snd_cwnd);
		row->ssthresh = READ_ONCE(ts->snd_ssthresh);
		row->ca_state = READ_ONCE(ts->ca_state);
		rcu_read_lock();
		ca = READ_ONCE(ts->ca_ops);
		strscpy(row->cc, ca->name, sizeof(row->cc));
		rcu_read_unlock();
	}
	row->timer = ttp_sock_timer(sk, &row->timer_ms);
	row->retrans = inet_csk(sk)->icsk_retransmits;
	row->uid = from_kuid_munged(seq_user_ns(seq), sock_i_uid(sk));
	row->inode = sock_i_ino(sk);
}

/*
 * The iterator copies sockets' rows while it holds a bucket's lock and
 * lets go before ->show, so no lock is held across seq_file calls.  It
 * copies up to TTP_PROC_BATCH rows at a time: a bucket of thousands of
 * sockets (the connections of one listening port share one) is walked
 * once per batch, not once per row under its lock.
 */
#define TTP_PROC_BATCH	32

struct ttp_proc_iter {
	struct seq_net_private	p;
	unsigned int		bucket;
	unsigned int		offset;	/* entries of bucket already passed */
	loff_t			last_pos;
	unsigned int		nrows;	/* rows[] holds offset ... + nrows */
	unsigned int		row;	/* the current one in rows[] */
	struct ttp_proc_row	rows[TTP_PROC_BATCH];
};

/* Copy the namespace's sockets in bucket from the offset-th on. */
static unsigned int ttp_proc_bucket_rows(struct seq_file *seq,
					 unsigned int bucket,
					 unsigned int offset)
{
	struct inet_bind_hashbucket *head = &ttp_hashinfo.bhash[bucket];
	struct ttp_proc_iter *it = seq->private;
	struct net *net = seq_file_net(seq);
	struct inet_bind_bucket *tb;
	unsigned int n = 0;
	struct sock *sk;

	if (hlist_empty(&head->chain))
		return 0;
	spin_lock_bh(&head->lock);
	inet_bind_bucket_for_each(tb, &head->chain) {
		if (!net_eq(ib_net(tb), net))
			continue;
		ttp_bind_bucket_for_each_owner(sk, tb) {
			if (offset) {
				offset--;
				continue;
			}
			ttp_proc_fill_row(seq, sk, &it->rows[n]);
			if (++n == TTP_PROC_BATCH)
				goto out;
		}
	}
out:
	spin_unlock_bh(&head->lock);
	return n;
}

/* A request sock is a connection in SYN_RCVD, before its full socket. */
static void ttp_proc_fill_req_row(struct seq_file *seq,
				  const struct request_sock *req,
				  struct ttp_proc_row *row)
{
	const struct inet_request_sock *ireq = inet_rsk(req);

	memset(row, 0, sizeof(*row));
	row->saddr = ireq->ir_loc_addr;
	row->sport = ireq->ir_num;
	row->daddr = ireq->ir_rmt_addr;
	row->dport = ntohs(ireq->ir_rmt_port);
	row->state = TCP_SYN_RECV;
	row->timer = "rto";
	row->timer_ms = ttp_ms_left(req->rsk_timer.expires);
	row->retrans = req->num_timeout;
	row->uid = from_kuid_munged(seq_user_ns(seq),
				    sock_i_uid(req->rsk_listener));
}

/* Copy the namespace's request socks in an ehash chain from the offset-th. */
static unsigned int ttp_proc_ehash_rows(struct seq_file *seq,
					unsigned int slot, unsigned int offset)
{
	struct inet_ehash_bucket *head = &ttp_hashinfo.ehash[slot];
	spinlock_t *lock = inet_ehash_lockp(&ttp_hashinfo, slot);
	struct ttp_proc_iter *it = seq->private;
	struct net *net = seq_file_net(seq);
	struct hlist_nulls_node *node;
	unsigned int n = 0;
	struct sock *sk;

	if (hlist_nulls_empty(&head->chain))
		return 0;
	spin_lock_bh(lock);
	sk_nulls_for_each(sk, node, &head->chain) {
		if (sk->sk_state != TCP_NEW_SYN_RECV ||
		    !net_eq(sock_net(sk), net))
			continue;
		if (offset) {
			offset--;
			continue;
		}
		ttp_proc_fill_req_row(seq, inet_reqsk(sk), &it->rows[n]);
		if (++n == TTP_PROC_BATCH)
			break;
	}
	spin_unlock_bh(lock);
	return n;
}

/*
 * The row at the iterator's position (bucket, offset) or after it; NULL
 * at the end.  The bind hash buckets come first, then the established
 * hash chains, for the request socks that only live there.  Rows already
 * copied are used first.
 */
static void *ttp_proc_seek(struct seq_file *seq)
{
	struct ttp_proc_iter *it = seq->private;
	unsigned int nbind = ttp_hashinfo.bhash_size;
	unsigned int nslots = nbind + ttp_hashinfo.ehash_mask + 1;

	if (it->row < it->nrows)
		return &it->rows[it->row];
	for (; it->bucket < nslots; it->bucket++) {
		it->nrows = it->bucket < nbind ?
			ttp_proc_bucket_rows(seq, it->bucket, it->offset) :
			ttp_proc_ehash_rows(seq, it->bucket - nbind,
					    it->offset);
		it->row = 0;
		if (it->nrows)
			return &it->rows[0];
		it->offset = 0;
	}
	return NULL;
}

/* Go to the first row, forgetting any copied ones. */
static void ttp_proc_rewind(struct ttp_proc_iter *it)
{
	it->bucket = 0;
	it->offset = 0;
	it->nrows = 0;
	it->row = 0;
}

/* Past the current row: within the copied ones, or past all of them. */
static void ttp_proc_advance(struct ttp_proc_iter *it)
{
	it->offset++;
	if (++it->row >= it->nrows)
		it->nrows = 0;
}

static void *ttp_proc_start(struct seq_file *seq, loff_t *pos)
{
	struct ttp_proc_iter *it = seq->private;
	loff_t n;

	if (!*pos)
		return SEQ_START_TOKEN;
	/*
	 * A read that goes on where the last one stopped resumes in place,
	 * with the rows it copied then: the file shows a snapshot per batch.
	 */
	if (*pos == it->last_pos)
		return ttp_proc_seek(seq);

	ttp_proc_rewind(it);
	for (n = 1; n < *pos; n++) {
		if (!ttp_proc_seek(seq))
			return NULL;
		ttp_proc_advance(it);
	}
	it->last_pos = *pos;
	return ttp_proc_seek(seq);
}

static void *ttp_proc_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct ttp_proc_iter *it = seq->private;

	++*pos;
	if (v == SEQ_START_TOKEN)
		ttp_proc_rewind(it);
	else
		ttp_proc_advance(it);
	it->last_pos = *pos;
	return ttp_proc_seek(seq);
}

static void ttp_proc_stop(struct seq_file *seq, void *v)
{
}

static int ttp_proc_show(struct seq_file *seq, void *v)
{
	char line[256];

	if (v == SEQ_START_TOKEN)
		ttp_proc_format_header(line, sizeof(line));
	else
		ttp_proc_format_row(line, sizeof(line), v);
	seq_puts(seq, line);
	return 0;
}

static const struct seq_operations ttp_proc_seq_ops = {
	.start	= ttp_proc_start,
	.next	= ttp_proc_next,
	.stop	= ttp_proc_stop,
	.show	= ttp_proc_show,
};

static const char * const ttp_mib_names[TTP_MIB_MAX] = {
	[TTP_MIB_ACTIVEOPENS]	= "ActiveOpens",
	[TTP_MIB_PASSIVEOPENS]	= "PassiveOpens",
	[TTP_MIB_ATTEMPTFAILS]	= "AttemptFails",
	[TTP_MIB_ESTABRESETS]	= "EstabResets",
	[TTP_MIB_CURRESTAB]	= "CurrEstab",
	[TTP_MIB_INSEGS]	= "InSegs",
	[TTP_MIB_OUTSEGS]	= "OutSegs",
	[TTP_MIB_RETRANSSEGS]	= "RetransSegs",
	[TTP_MIB_INERRS]	= "InErrs",
	[TTP_MIB_INCSUMERRORS]	= "InCsumErrors",
	[TTP_MIB_OUTRSTS]	= "OutRsts",
	[TTP_MIB_INRSTS]	= "InRsts",
	[TTP_MIB_TIMEWAITS]	= "TimeWaits",
	[TTP_MIB_DELAYEDACKS]	= "DelayedAcks",
	[TTP_MIB_SYNDROPS]	= "SynDrops",
	[TTP_MIB_FAULTDROPS]	= "FaultDrops",
	[TTP_MIB_OFOPRUNED]	= "OfoPruned",
	[TTP_MIB_OFODROP]	= "OfoDrop",
	[TTP_MIB_RCVQDROP]	= "RcvQDrop",
	[TTP_MIB_OUTOFWINDOWICMPS] = "OutOfWindowIcmps",
	[TTP_MIB_LISTENOVERFLOWS] = "ListenOverflows",
	[TTP_MIB_LISTENDROPS]	= "ListenDrops",
	[TTP_MIB_ORPHANDROPS]	= "OrphanDrops",
	[TTP_MIB_CHALLENGEACKS]	= "ChallengeAcks",
	[TTP_MIB_TIMEOUTS]	= "Timeouts",
	[TTP_MIB_ACKSKIPPEDSEQ]	= "AckSkippedSeq",
	[TTP_MIB_ACKSKIPPEDCHALLENGE] = "AckSkippedChallenge",
	[TTP_MIB_ACKSKIPPEDSYNRECV] = "AckSkippedSynRecv",
	[TTP_MIB_ACKSKIPPEDTIMEWAIT] = "AckSkippedTimeWait",
	[TTP_MIB_MEMORYPRESSURES] = "MemoryPressures",
	[TTP_MIB_SYNCOOKIESSENT] = "SyncookiesSent",
	[TTP_MIB_SYNCOOKIESRECV] = "SyncookiesRecv",
	[TTP_MIB_SYNCOOKIESFAILED] = "SyncookiesFailed",
	[TTP_MIB_SACKRECOVERY]	= "SackRecovery",
};

static int ttp_stats_show(struct seq_file *seq, void *v)
{
	struct ttp_net *tn = ttp_pernet(seq_file_single_net(seq));
	int i;

	for (i = 0; i < TTP_MIB_MAX; i++)
		seq_printf(seq, "%s %lu\n", ttp_mib_names[i],
			   snmp_fold_field(tn->mib, i));
	return 0;
}

int ttp_proc_net_init(struct net *net)
{
	if (!proc_create_net("ttp", 0444, net->proc_net, &ttp_proc_seq_ops,
			     sizeof(struct ttp_proc_iter)))
		return -ENOMEM;
	if (!proc_create_net_single("ttp_stats", 0444, net->proc_net,
				    ttp_stats_show, NULL)) {
		remove_proc_entry("ttp", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

void ttp_proc_net_exit(struct net *net)
{
	remove_proc_entry("ttp_stats", net->proc_net);
	remove_proc_entry("ttp", net->proc_net);
}
