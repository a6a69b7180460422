// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: congestion control.
 *
 * The sender may have min(the peer's window, snd_cwnd segments) in flight.
 * This file keeps snd_cwnd and snd_ssthresh as RFC 5681 and RFC 6582 ask
 * and leaves how the window grows and how far it falls to the socket's
 * algorithm (struct ttp_congestion_ops, cong.h): Reno here, CUBIC in
 * cubic.c, others from modules that register theirs.
 *
 * The congestion states are TCP's:
 *   OPEN      nothing lost: slow start below ssthresh, then the algorithm's
 *             congestion avoidance; the window grows only while it, and
 *             not the application, limits what is sent.
 *   DISORDER  one or two duplicate ACKs: nothing changes yet.
 *   RECOVERY  the third duplicate ACK: the head is sent again (fast
 *             retransmit), ssthresh falls, and until recover (SND.NXT at
 *             that moment) is acknowledged each further duplicate ACK lets
 *             a new segment out and each partial ACK sends the next hole
 *             (NewReno, RFC 6582).  With SACK, cwnd is ssthresh from
 *             the start and the pipe (sack.c) decides what goes: the
 *             holes first, then new data (RFC 6675).  The full ACK sets
 *             cwnd to ssthresh.
 *   LOSS      a retransmission timeout: cwnd is one segment, ssthresh
 *             falls (once for a run of timeouts of the same segment), and
 *             slow start sends the holes again up to recover.
 *
 * Locking: the per-socket functions run with the socket held, as the
 * algorithms' hooks do.  The list of algorithms is read under RCU and
 * written under ttp_cong_list_lock; a socket or namespace that uses an
 * algorithm holds a reference on the module that provides it.
 */
#include <linux/capability.h>
#include <linux/rculist.h>
#include <linux/spinlock.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <kunit/visibility.h>

#include "ttp.h"
#include "trace.h"

static LIST_HEAD(ttp_cong_list);
static DEFINE_SPINLOCK(ttp_cong_list_lock);

/* The algorithms' list, by name; the caller holds RCU or the lock. */
static struct ttp_congestion_ops *ttp_cong_find(const char *name)
{
	struct ttp_congestion_ops *ca;

	list_for_each_entry_rcu(ca, &ttp_cong_list, list,
				lockdep_is_held(&ttp_cong_list_lock)) {
		if (!strcmp(ca->name, name))
			return ca;
	}
	return NULL;
}

int ttp_register_congestion_control(struct ttp_congestion_ops *ca)
{
	int err = 0;

	if (!ca->ssthresh || !ca->cong_avoid || !ca->undo_cwnd ||
	    !ca->name[0]) {
		pr_err("ttp: congestion control %s lacks a required hook\n",
		       ca->name);
		return -EINVAL;
	}
	spin_lock(&ttp_cong_list_lock);
	if (ttp_cong_find(ca->name))
		err = -EEXIST;
	else
		list_add_tail_rcu(&ca->list, &ttp_cong_list);
	spin_unlock(&ttp_cong_list_lock);
	return err;
}
EXPORT_SYMBOL_GPL(ttp_register_congestion_control);

/*
 * A module unregisters only when no socket or namespace holds it (they
 * hold its module), so nothing can still call it after the grace period.
 */
void ttp_unregister_congestion_control(struct ttp_congestion_ops *ca)
{
	spin_lock(&ttp_cong_list_lock);
	list_del_rcu(&ca->list);
	spin_unlock(&ttp_cong_list_lock);
	synchronize_rcu();
}
EXPORT_SYMBOL_GPL(ttp_unregister_congestion_control);

/* Look name up and take a reference on its module, or NULL. */
static const struct ttp_congestion_ops *ttp_cong_get(const char *name)
{
	const struct ttp_congestion_ops *ca;

	rcu_read_lock();
	ca = ttp_cong_find(name);
	if (ca && !try_module_get(ca->owner))
		ca = NULL;
	rcu_read_unlock();
	return ca;
}

/* The slow-start threshold and window, for the trace: what changed. */
struct ttp_cong_snapshot {
	u32	cwnd;
	u32	ssthresh;
	u8	state;
};

static void ttp_cong_snap(const struct ttp_sock *ts,
			  struct ttp_cong_snapshot *s)
{
	s->cwnd = ts->snd_cwnd;
	s->ssthresh = ts->snd_ssthresh;
	s->state = ts->ca_state;
}

/* The ttp:ttp_cong tracepoint fires on every change, as tcp:tcp_probe. */
static void ttp_cong_trace(struct sock *sk, const struct ttp_cong_snapshot *s)
{
	const struct ttp_sock *ts = ttp_sk(sk);

	if (s->cwnd != ts->snd_cwnd || s->ssthresh != ts->snd_ssthresh ||
	    s->state != ts->ca_state)
		trace_ttp_cong(sk, ts->snd_una, ts->snd_nxt, ts->snd_cwnd,
			       ts->snd_ssthresh, ts->ca_state, ts->snd_wnd,
			       ts->srtt_us);
}

static void ttp_set_ca_state(struct sock *sk, u8 state)
{
	struct ttp_sock *ts = ttp_sk(sk);

	if (ts->ca_ops->set_state)
		ts->ca_ops->set_state(sk, state);
	ts->ca_state = state;
}

/* Segments in flight: a partly sent skb counts as one, as in TCP. */
static u32 ttp_flight_segs(const struct ttp_sock *ts)
{
	return DIV_ROUND_UP(ts->snd_nxt - ts->snd_una, ts->mss);
}

bool ttp_in_slow_start(const struct sock *sk)
{
	return ttp_sk(sk)->snd_cwnd < ttp_sk(sk)->snd_ssthresh;
}
EXPORT_SYMBOL_GPL(ttp_in_slow_start);

/*
 * Only a window that limits the sender may grow (RFC 7661, as
 * tcp_is_cwnd_limited()): an application that sends little would
 * otherwise earn a window it never tried.  In slow start a window at
 * least half used grows too.
 */
bool ttp_is_cwnd_limited(const struct sock *sk)
{
	const struct ttp_sock *ts = ttp_sk(sk);

	if (ts->cwnd_limited)
		return true;
	return ttp_in_slow_start(sk) &&
	       ts->snd_cwnd < 2 * DIV_ROUND_UP(ts->bytes_in_flight_prior,
					       ts->mss);
}
EXPORT_SYMBOL_GPL(ttp_is_cwnd_limited);

/*
 * RFC 5681 3.1 with RFC 3465's byte counting: one segment more for each
 * segment acknowledged (not each ACK), up to ssthresh.  Returns what is
 * left of acked for congestion avoidance.
 */
u32 ttp_slow_start(struct sock *sk, u32 acked)
{
	struct ttp_sock *ts = ttp_sk(sk);
	u32 cwnd = min(ts->snd_cwnd + acked, ts->snd_ssthresh);

	acked -= cwnd - ts->snd_cwnd;
	ts->snd_cwnd = cwnd;
	return acked;
}
EXPORT_SYMBOL_GPL(ttp_slow_start);

/*
 * Congestion avoidance: one segment more for each w segments acknowledged,
 * counted in snd_cwnd_cnt across ACKs (RFC 3465 byte counting).
 */
void ttp_cong_avoid_ai(struct sock *sk, u32 w, u32 acked)
{
	struct ttp_sock *ts = ttp_sk(sk);

	/* w fell since the count began: start from there */
	if (ts->snd_cwnd_cnt >= w) {
		ts->snd_cwnd_cnt = 0;
		ts->snd_cwnd++;
	}
	ts->snd_cwnd_cnt += acked;
	if (ts->snd_cwnd_cnt >= w) {
		u32 delta = ts->snd_cwnd_cnt / w;

		ts->snd_cwnd_cnt -= delta * w;
		ts->snd_cwnd += delta;
	}
}
EXPORT_SYMBOL_GPL(ttp_cong_avoid_ai);

/*
 * RFC 5681 (3.1): half of what was in flight, but two segments at least.
 * What Limited Transmit sent past the window in the Disorder state does
 * not count (RFC 3042 2, RFC 5681 3.2): the window, which it left as it
 * was, caps the flight there.
 */
u32 ttp_reno_ssthresh(struct sock *sk)
{
	const struct ttp_sock *ts = ttp_sk(sk);
	u32 flight = ttp_flight_segs(ts);

	if (ts->ca_state == TTP_CA_DISORDER)
		flight = min(flight, ts->snd_cwnd);
	return max(flight / 2, 2U);
}
EXPORT_SYMBOL_GPL(ttp_reno_ssthresh);

void ttp_reno_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
	if (!ttp_is_cwnd_limited(sk))
		return;
	if (ttp_in_slow_start(sk)) {
		acked = ttp_slow_start(sk, acked);
		if (!acked)
			return;
	}
	ttp_cong_avoid_ai(sk, ttp_sk(sk)->snd_cwnd, acked);
}
EXPORT_SYMBOL_GPL(ttp_reno_cong_avoid);

u32 ttp_reno_undo_cwnd(struct sock *sk)
{
	return max(ttp_sk(sk)->snd_cwnd, ttp_sk(sk)->prior_cwnd);
}
EXPORT_SYMBOL_GPL(ttp_reno_undo_cwnd);

/*
 * Built into ttp.ko: no module reference, for the sockets that use them
 * pin ttp.ko already, and a namespace's default must not pin it.
 */
static struct ttp_congestion_ops ttp_reno = {
	.ssthresh	= ttp_reno_ssthresh,
	.cong_avoid	= ttp_reno_cong_avoid,
	.undo_cwnd	= ttp_reno_undo_cwnd,
	.name		= "reno",
};

/*
 * The window a connection starts from: RFC 6928's initial window, no
 * threshold yet.  The algorithm's own state is ttp_cong_start()'s.
 */
void ttp_cong_reset(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);

	ts->snd_cwnd = TTP_INIT_CWND;
	ts->snd_cwnd_cnt = 0;
	ts->acked_bytes_rem = 0;
	ts->snd_ssthresh = TTP_INFINITE_SSTHRESH;
	ts->prior_cwnd = 0;
	ts->ca_state = TTP_CA_OPEN;
	ts->cwnd_limited = 0;
	ts->after_recovery = 0;
}

/*
 * The algorithm's state begins (->init) and ends (->release) in pairs,
 * as Linux's icsk_ca_initialized keeps them: an algorithm may allocate
 * in init.  ->init runs once the socket has an MSS.
 */
void ttp_cong_start(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);

	memset(inet_csk_ca(sk), 0, ICSK_CA_PRIV_SIZE);
	if (ts->ca_ops->init)
		ts->ca_ops->init(sk);
	ts->ca_initialized = 1;
}

void ttp_cong_stop(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);

	if (ts->ca_initialized && ts->ca_ops->release)
		ts->ca_ops->release(sk);
	ts->ca_initialized = 0;
}

/* A new socket takes its namespace's congestion_control. */
void ttp_cong_init_sock(struct sock *sk)
{
	const struct ttp_congestion_ops *ca;
	struct ttp_sock *ts = ttp_sk(sk);

	rcu_read_lock();
	ca = rcu_dereference(ttp_pernet(sock_net(sk))->ca_default);
	if (!try_module_get(ca->owner))
		ca = &ttp_reno;
	rcu_read_unlock();
	ts->ca_ops = ca;
	ttp_cong_reset(sk);
	ttp_cong_start(sk);
}

/*
 * A child has its listener's algorithm, with a reference of its own (the
 * listener may be closing meanwhile: its ca_ops stays valid, for the
 * listener's destroy drops only its reference).  The caller starts the
 * algorithm once the child has its MSS.
 */
void ttp_cong_inherit(struct sock *newsk)
{
	struct ttp_sock *nts = ttp_sk(newsk);

	if (!try_module_get(nts->ca_ops->owner))
		nts->ca_ops = &ttp_reno;
	ttp_cong_reset(newsk);
}

/*
 * The handshake is over.  RFC 5681 3.1 starts a connection whose SYN or
 * SYN+ACK was lost from one segment; as Linux's tcp_init_transfer(), only
 * after more than one was sent again: with an initial RTO of a second
 * (RFC 6298), a single retransmission may be spurious.  total_retrans
 * counts only those retransmissions yet.
 */
void ttp_cong_established(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);

	if (ts->total_retrans > 1)
		ts->snd_cwnd = 1;
}

/*
 * The socket is destroyed.  ca_ops stays: a child being cloned from a
 * listener that is closing still reads it (ttp_cong_inherit()).
 */
void ttp_cong_release(struct sock *sk)
{
	ttp_cong_stop(sk);
	module_put(ttp_sk(sk)->ca_ops->owner);
}

/*
 * TTP_CONGESTION: any built-in algorithm for anyone; one from another
 * module needs CAP_NET_ADMIN, as TCP's restricted ones do.  The window
 * stays; the new algorithm starts its own state from there.
 */
int ttp_cong_set(struct sock *sk, const char *name)
{
	const struct ttp_congestion_ops *ca;
	struct ttp_sock *ts = ttp_sk(sk);

	sock_owned_by_me(sk);
	ca = ttp_cong_get(name);
	if (!ca)
		return -ENOENT;
	if (ca->owner &&
	    !ns_capable(sock_net(sk)->user_ns, CAP_NET_ADMIN)) {
		module_put(ca->owner);
		return -EPERM;
	}
	if (ca == ts->ca_ops) {
		module_put(ca->owner);
		return 0;
	}
	ttp_cong_stop(sk);
	module_put(ts->ca_ops->owner);
	WRITE_ONCE(ts->ca_ops, ca);
	ttp_cong_start(sk);
	return 0;
}

/*
 * May len more bytes go?  Nothing in flight always lets one segment out,
 * so a window of one segment cannot stall the sender.
 *
 * Limited Transmit (RFC 3042): each of the first two duplicate ACKs says a
 * segment left the network, so as many new segments may go past the
 * window, which itself stays as it was.  With a small window they are
 * what draws the third duplicate that starts fast recovery, where
 * otherwise only a timeout would repair the loss.
 */
bool ttp_cwnd_allows(const struct sock *sk, u32 len)
{
	const struct ttp_sock *ts = ttp_sk(sk);
	u32 in_flight = ttp_sack_pipe(sk);
	u32 cwnd = ts->snd_cwnd;

	/* SACK blocks say which segments left: they count instead */
	if (ts->ca_state == TTP_CA_DISORDER && !ts->sack_left_out)
		cwnd += min_t(u32, ts->dupacks, 2);
	return !in_flight || (u64)in_flight + len <= (u64)cwnd * ts->mss;
}

/* The sender stopped: was it the window that held it back? */
void ttp_cong_sent(struct sock *sk, bool blocked)
{
	ttp_sk(sk)->cwnd_limited = blocked;
}

/*
 * New data leaves with nothing in flight.  After an idle period longer
 * than an RTO the window no longer says what the path holds: it falls
 * back to the initial window (RFC 5681 4.1).
 */
void ttp_cong_tx_start(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);
	const struct ttp_congestion_ops *ca = ts->ca_ops;
	struct ttp_cong_snapshot s;
	s32 idle = tcp_jiffies32 - ts->lsndtime;

	ttp_cong_snap(ts, &s);
	if (ts->lsndtime && idle > (s32)inet_csk(sk)->icsk_rto &&
	    ts->snd_cwnd > TTP_INIT_CWND) {
		ts->snd_cwnd = TTP_INIT_CWND;
		ts->snd_cwnd_cnt = 0;
		if (ca->cwnd_event)
			ca->cwnd_event(sk, TTP_CA_EVENT_CWND_RESTART);
	}
	if (ca->cwnd_event)
		ca->cwnd_event(sk, TTP_CA_EVENT_TX_START);
	ttp_cong_trace(sk, &s);
}

/*
 * A duplicate ACK (ts->dupacks counts them).  Returns true when the head
 * is to be sent again: the third one starts fast recovery (RFC 5681
 * 3.2), unless it is no further than where the last recovery ended;
 * with SACK, so does a segment presumed lost, and on a path seen to
 * reorder it takes as many duplicates as it reorders (ttp_dupthresh()).
 * Without SACK further ones each let a segment out (RFC 6582 3.2 step
 * 4).  During LOSS they change nothing: slow start is sending the holes.
 */
bool ttp_cong_dupack(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct ttp_cong_snapshot s;
	bool retransmit = false;

	ttp_cong_snap(ts, &s);
	switch (ts->ca_state) {
	case TTP_CA_RECOVERY:
		/*
		 * Each says a segment left the network, and no more can leave
		 * than were in flight: a receiver that makes up duplicate
		 * ACKs gets no more than that window (Savage et al., "TCP
		 * congestion control with a misbehaving receiver").
		 */
		if (!ts->sack_ok &&
		    ts->snd_cwnd < ts->snd_ssthresh + ts->prior_cwnd)
			ts->snd_cwnd++;
		break;
	case TTP_CA_LOSS:
		break;
	default:
		if (ts->dupacks < ttp_dupthresh(sk) && !ts->lost_out) {
			ttp_set_ca_state(sk, TTP_CA_DISORDER);
			break;
		}
		/*
		 * RFC 6582 3.2 step 2: duplicates of an ACK no further than
		 * the last recovery's end are that recovery's echoes (its
		 * retransmissions arriving twice), not a new loss.  SACK
		 * blocks that show a segment lost are no echo: a segment
		 * sent during the last recovery and lost keeps the ACK at
		 * its end, and would else wait for a timeout.
		 */
		if (ts->after_recovery && !ts->lost_out)
			break;
		ts->prior_cwnd = ts->snd_cwnd;
		ts->snd_ssthresh = ts->ca_ops->ssthresh(sk);
		/*
		 * NewReno inflates the window by the three segments that
		 * left; with SACK the pipe counts what left (RFC 6675 5).
		 */
		ts->snd_cwnd = ts->snd_ssthresh + (ts->sack_ok ? 0 : 3);
		ts->snd_cwnd_cnt = 0;
		ts->recover = ts->snd_nxt;
		ttp_set_ca_state(sk, TTP_CA_RECOVERY);
		if (ts->sack_ok)
			TTP_INC_STATS(sock_net(sk), TTP_MIB_SACKRECOVERY);
		retransmit = true;
	}
	ttp_cong_trace(sk, &s);
	return retransmit;
}

/*
 * RFC 3465 byte counting: the window grows by what was acknowledged in
 * whole segments of the MSS, the rest carried to the next ACK.  Counting
 * the skbs freed instead would grow a window, which limits bytes, by a
 * segment for each small write acknowledged.
 */
u32 ttp_acked_segs(struct sock *sk, u32 bytes)
{
	struct ttp_sock *ts = ttp_sk(sk);
	u32 segs;

	ts->acked_bytes_rem += bytes;
	segs = ts->acked_bytes_rem / ts->mss;
	ts->acked_bytes_rem -= segs * ts->mss;
	return segs;
}
EXPORT_SYMBOL_IF_KUNIT(ttp_acked_segs);

/*
 * An ACK that moved SND.UNA: acked skbs left the queue, and
 * prior_in_flight bytes were in flight before it (SND.NXT has not moved
 * since, so the ACK covered prior_in_flight less what is still out).
 */
void ttp_cong_ack(struct sock *sk, u32 ack, u32 prior_in_flight, u32 acked,
		  s32 rtt_us)
{
	struct ttp_sock *ts = ttp_sk(sk);
	const struct ttp_congestion_ops *ca = ts->ca_ops;
	struct ttp_cong_snapshot s;
	u32 grow;

	ttp_cong_snap(ts, &s);
	ts->bytes_in_flight_prior = prior_in_flight;
	if (after(ack, ts->recover))
		ts->after_recovery = 0;
	if (ca->pkts_acked)
		ca->pkts_acked(sk, acked, rtt_us);

	switch (ts->ca_state) {
	case TTP_CA_RECOVERY:
		if (before(ack, ts->recover)) {
			/*
			 * RFC 6582 3.2 step 5: a partial ACK takes back what
			 * it acknowledged, and when that was a segment or
			 * more gives one back for the hole it shows, which
			 * the caller sends again.  An ACK of a sliver (ACK
			 * division) changes nothing.
			 */
			if (acked && !ts->sack_ok)
				ts->snd_cwnd = max_t(s32, (s32)(ts->snd_cwnd -
								acked), 0) + 1;
			goto out;
		}
		/*
		 * The full ACK: ssthresh, but no burst where little is left
		 * in flight (RFC 6582 3.2 step 6, its first choice).
		 */
		ts->snd_cwnd = min(ts->snd_ssthresh,
				   max(ttp_flight_segs(ts), 1U) + 1);
		ttp_set_ca_state(sk, TTP_CA_OPEN);
		ts->after_recovery = !after(ack, ts->recover);
		goto out;
	case TTP_CA_LOSS:
		if (!before(ack, ts->recover)) {
			ttp_set_ca_state(sk, TTP_CA_OPEN);
			ts->after_recovery = !after(ack, ts->recover);
		}
		break;
	case TTP_CA_DISORDER:
		ttp_set_ca_state(sk, TTP_CA_OPEN);
		break;
	}
	grow = ttp_acked_segs(sk, prior_in_flight - (ts->snd_nxt - ack));
	if (grow)
		ca->cong_avoid(sk, ack, grow);
out:
	ttp_cong_trace(sk, &s);
}

/*
 * A retransmission timeout (RFC 5681 3.1): one segment, and ssthresh
 * from what was in flight.  A second timeout of the same segment leaves
 * ssthresh where the first put it, as TCP's tcp_enter_loss() does; so
 * does one during fast recovery, which lowered it already.
 */
void ttp_cong_timeout(struct sock *sk)
{
	struct ttp_sock *ts = ttp_sk(sk);
	const struct ttp_congestion_ops *ca = ts->ca_ops;
	struct ttp_cong_snapshot s;

	ttp_cong_snap(ts, &s);
	if (ts->ca_state <= TTP_CA_CWR ||
	    (ts->ca_state == TTP_CA_LOSS && !inet_csk(sk)->icsk_retransmits)) {
		ts->prior_cwnd = ts->snd_cwnd;
		ts->snd_ssthresh = ca->ssthresh(sk);
	}
	ts->snd_cwnd = 1;
	ts->snd_cwnd_cnt = 0;
	ts->recover = ts->snd_nxt;
	ttp_set_ca_state(sk, TTP_CA_LOSS);
	if (ca->cwnd_event)
		ca->cwnd_event(sk, TTP_CA_EVENT_LOSS);
	ttp_cong_trace(sk, &s);
}

/* sysctl congestion_control: the namespace's default for new sockets. */
void ttp_cong_net_init(struct ttp_net *tn)
{
	RCU_INIT_POINTER(tn->ca_default, &ttp_cubic);
}

void ttp_cong_net_exit(struct ttp_net *tn)
{
	const struct ttp_congestion_ops *ca;

	ca = rcu_dereference_protected(tn->ca_default, true);
	module_put(ca->owner);
}

int ttp_cong_set_default(struct ttp_net *tn, const char *name)
{
	const struct ttp_congestion_ops *ca, *old;

	ca = ttp_cong_get(name);
	if (!ca)
		return -ENOENT;
	spin_lock(&ttp_cong_list_lock);
	old = rcu_replace_pointer(tn->ca_default, ca,
				  lockdep_is_held(&ttp_cong_list_lock));
	spin_unlock(&ttp_cong_list_lock);
	/* a socket takes its own reference under RCU before using old */
	synchronize_rcu();
	module_put(old->owner);
	return 0;
}

void ttp_cong_get_default(struct ttp_net *tn, char *name)
{
	rcu_read_lock();
	strscpy(name, rcu_dereference(tn->ca_default)->name,
		TTP_CA_NAME_MAX);
	rcu_read_unlock();
}

/* sysctl available_congestion_control: the names, space-separated. */
void ttp_cong_get_available(char *buf, size_t len)
{
	struct ttp_congestion_ops *ca;
	size_t offs = 0;

	*buf = '\0';
	rcu_read_lock();
	list_for_each_entry_rcu(ca, &ttp_cong_list, list) {
		offs += scnprintf(buf + offs, len - offs, "%s%s",
				  offs ? " " : "", ca->name);
	}
	rcu_read_unlock();
}

int ttp_cong_init(void)
{
	int err;

	ttp_cubic_setup();
	err = ttp_register_congestion_control(&ttp_reno);
	if (err)
		return err;
	err = ttp_register_congestion_control(&ttp_cubic);
	if (err)
		ttp_unregister_congestion_control(&ttp_reno);
	return err;
}

void ttp_cong_exit(void)
{
	ttp_unregister_congestion_control(&ttp_cubic);
	ttp_unregister_congestion_control(&ttp_reno);
}
