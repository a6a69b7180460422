// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: CUBIC congestion control, the default algorithm.
 *
 * Reno's one segment per RTT takes minutes to refill a large window after
 * a loss on a long fat path.  CUBIC grows the window as a cubic function
 * of the time since the last reduction instead, flat near the window
 * where the loss happened and steep away from it, so the time to recover
 * does not depend on the RTT.  Where Reno would be faster (short RTTs,
 * small windows) it follows Reno's estimated window instead.
 *
 * This is Linux's net/ipv4/tcp_cubic.c, the same integer arithmetic and
 * the same constants, against struct ttp_congestion_ops, kept close to
 * the original so that the two compare line by line (bictcp_update() is
 * ttp_cubic_update(), cubictcp_acked() ttp_cubic_acked() and so on).
 * HyStart is left out entirely: TTP has no delay-based exit from slow
 * start yet, so slow start ends at ssthresh or a loss, as Reno's does.
 * Linux's module parameters are constants here.
 *
 * Locking: the hooks run with the socket held (cong.h); the scale factors
 * are written once, by ttp_cubic_setup() before the algorithm is
 * registered.
 */
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/stddef.h>
#include <kunit/visibility.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>

#include "ttp.h"

#define BICTCP_BETA_SCALE	1024	/* beta is in 1024ths */
#define BICTCP_HZ		10	/* time is in 1024ths of a second */

/* Shrink the window remembered on a loss that comes before it was reached. */
static const bool fast_convergence = true;
/* The window kept after a loss: beta_cubic = 0.7, as 717/1024. */
static const u32 beta = 717;
/*
 * The cubic's C = 0.4 segments per second cubed, as bic_scale / 1024
 * times the 10 of cube_rtt_scale: 41 * 10 / 1024 = 0.4004.
 */
static const u32 bic_scale = 41;
/* The Reno-friendly region: never grow slower than Reno would. */
static const bool tcp_friendliness = true;

/* Computed from the above by ttp_cubic_setup(). */
static u32 cube_rtt_scale __read_mostly;
static u32 beta_scale __read_mostly;
static u64 cube_factor __read_mostly;

/*
 * The state of one socket, in inet_csk_ca(sk).  kunit/cong_test.c reads
 * last_max_cwnd as the second u32: see the static_assert below.
 */
struct ttp_cubic_ca {
	u32	cnt;		/* increase cwnd by 1 after cnt segments */
	u32	last_max_cwnd;	/* last maximum snd_cwnd */
	u32	last_cwnd;	/* the last snd_cwnd */
	u32	last_time;	/* time when updated last_cwnd */
	u32	bic_origin_point;/* origin point of bic function */
	u32	bic_K;		/* time to origin point from the epoch's start */
	u32	delay_min;	/* min delay (usec) */
	u32	epoch_start;	/* beginning of an epoch; 0: none */
	u32	ack_cnt;	/* number of segments acknowledged */
	u32	tcp_cwnd;	/* estimated Reno cwnd */
};

static_assert(offsetof(struct ttp_cubic_ca, last_max_cwnd) == sizeof(u32));

static inline void ttp_cubic_reset(struct ttp_cubic_ca *ca)
{
	memset(ca, 0, sizeof(*ca));
}

static void ttp_cubic_init(struct sock *sk)
{
	ttp_cubic_reset(inet_csk_ca(sk));
}

static void ttp_cubic_cwnd_event(struct sock *sk, enum ttp_ca_event event)
{
	if (event == TTP_CA_EVENT_TX_START) {
		struct ttp_cubic_ca *ca = inet_csk_ca(sk);
		u32 now = tcp_jiffies32;
		s32 delta;

		/* lsndtime is still the last send before the idle period */
		delta = now - ttp_sk(sk)->lsndtime;

		/*
		 * We were application limited (idle) for a while.
		 * Shift epoch_start to keep cwnd growth to cubic curve.
		 */
		if (ca->epoch_start && delta > 0) {
			ca->epoch_start += delta;
			if (after(ca->epoch_start, now))
				ca->epoch_start = now;
		}
	}
}

/*
 * Calculate the cubic root of a using a table lookup followed by one
 * Newton-Raphson iteration.
 * Avg err ~= 0.195%; K, the time to the origin point, needs no better.
 */
VISIBLE_IF_KUNIT u32 ttp_cubic_root(u64 a)
{
	u32 x, b, shift;
	/*
	 * cbrt(x) MSB values for x MSB values in [0..63].
	 * Precomputed then refined by hand - Willy Tarreau
	 *
	 * For x in [0..63],
	 *   v = cbrt(x << 18) - 1
	 *   cbrt(x) = (v[x] + 10) >> 6
	 */
	static const u8 v[] = {
		/* 0x00 */    0,   54,   54,   54,  118,  118,  118,  118,
		/* 0x08 */  123,  129,  134,  138,  143,  147,  151,  156,
		/* 0x10 */  157,  161,  164,  168,  170,  173,  176,  179,
		/* 0x18 */  181,  185,  187,  190,  192,  194,  197,  199,
		/* 0x20 */  200,  202,  204,  206,  209,  211,  213,  215,
		/* 0x28 */  217,  219,  221,  222,  224,  225,  227,  229,
		/* 0x30 */  231,  232,  234,  236,  237,  239,  240,  242,
		/* 0x38 */  244,  245,  246,  248,  250,  251,  252,  254,
	};

	b = fls64(a);
	if (b < 7) {
		/* a in [0..63] */
		return ((u32)v[(u32)a] + 35) >> 6;
	}

	b = ((b * 84) >> 8) - 1;
	shift = (a >> (b * 3));

	x = ((u32)(((u32)v[shift] + 10) << b)) >> 6;

	/*
	 * Newton-Raphson iteration
	 *                         2
	 * x    = ( 2 * x  +  a / x  ) / 3
	 *  k+1          k         k
	 */
	x = (2 * x + (u32)div64_u64(a, (u64)x * (u64)(x - 1)));
	x = ((x * 341) >> 10);
	return x;
}
EXPORT_SYMBOL_IF_KUNIT(ttp_cubic_root);

/*
 * Compute congestion window to use: ca->cnt, the segments to acknowledge
 * for one more segment of window.
 */
static inline void ttp_cubic_update(struct ttp_cubic_ca *ca, u32 cwnd, u32 acked)
{
	u32 delta, bic_target, max_cnt;
	u64 offs, t;

	ca->ack_cnt += acked;	/* count the number of ACKed packets */

	if (ca->last_cwnd == cwnd &&
	    (s32)(tcp_jiffies32 - ca->last_time) <= HZ / 32)
		return;

	/*
	 * The CUBIC function can update ca->cnt at most once per jiffy.
	 * On all cwnd reduction events, ca->epoch_start is set to 0,
	 * which will force a recalculation of ca->cnt.
	 */
	if (ca->epoch_start && tcp_jiffies32 == ca->last_time)
		goto tcp_friendliness;

	ca->last_cwnd = cwnd;
	ca->last_time = tcp_jiffies32;

	if (ca->epoch_start == 0) {
		ca->epoch_start = tcp_jiffies32;	/* record beginning */
		ca->ack_cnt = acked;			/* start counting */
		ca->tcp_cwnd = cwnd;			/* syn with cubic */

		if (ca->last_max_cwnd <= cwnd) {
			ca->bic_K = 0;
			ca->bic_origin_point = cwnd;
		} else {
			/*
			 * Compute new K based on
			 * (wmax-cwnd) * (srtt>>3 / HZ) / c * 2^(3*bictcp_HZ)
			 */
			ca->bic_K = ttp_cubic_root(cube_factor *
						   (ca->last_max_cwnd - cwnd));
			ca->bic_origin_point = ca->last_max_cwnd;
		}
	}

	/*
	 * cubic function - calc
	 * calculate c * time^3 / rtt,
	 *  while considering overflow in calculation of time^3
	 * (so time^3 is done by using 64 bit)
	 * and without the support of division of 64bit numbers
	 * (so all divisions are done by using 32 bit)
	 *  also NOTE the unit of those variables
	 *	  time  = (t - K) / 2^bictcp_HZ
	 *	  c = bic_scale >> 10
	 * rtt  = (srtt >> 3) / HZ
	 * !!! The following code does not have overflow problems,
	 * if the cwnd < 1 million packets !!!
	 */

	t = (s32)(tcp_jiffies32 - ca->epoch_start);
	t += usecs_to_jiffies(ca->delay_min);
	/* change the unit from HZ to bictcp_HZ */
	t <<= BICTCP_HZ;
	do_div(t, HZ);

	if (t < ca->bic_K)		/* t - K */
		offs = ca->bic_K - t;
	else
		offs = t - ca->bic_K;

	/* c/rtt * (t-K)^3 */
	delta = (cube_rtt_scale * offs * offs * offs) >> (10 + 3 * BICTCP_HZ);
	if (t < ca->bic_K)			/* below origin */
		bic_target = ca->bic_origin_point - delta;
	else					/* above origin */
		bic_target = ca->bic_origin_point + delta;

	/* cubic function - calc bictcp_cnt */
	if (bic_target > cwnd)
		ca->cnt = cwnd / (bic_target - cwnd);
	else
		ca->cnt = 100 * cwnd;		/* very small increment */

	/*
	 * The initial growth of cubic function may be too conservative
	 * when the available bandwidth is still unknown.
	 */
	if (ca->last_max_cwnd == 0 && ca->cnt > 20)
		ca->cnt = 20;	/* increase cwnd 5% per RTT */

tcp_friendliness:
	/* TCP Friendly */
	if (tcp_friendliness) {
		u32 scale = beta_scale;

		delta = (cwnd * scale) >> 3;
		while (ca->ack_cnt > delta) {		/* update tcp cwnd */
			ca->ack_cnt -= delta;
			ca->tcp_cwnd++;
		}

		if (ca->tcp_cwnd > cwnd) {	/* if bic is slower than tcp */
			delta = ca->tcp_cwnd - cwnd;
			max_cnt = cwnd / delta;
			if (ca->cnt > max_cnt)
				ca->cnt = max_cnt;
		}
	}

	/*
	 * The maximum rate of cwnd increase CUBIC allows is 1 packet per
	 * 2 packets ACKed, meaning cwnd grows at 1.5x per RTT.
	 */
	ca->cnt = max(ca->cnt, 2U);
}

static void ttp_cubic_cong_avoid(struct sock *sk, u32 ack, u32 acked)
{
	struct ttp_sock *ts = ttp_sk(sk);
	struct ttp_cubic_ca *ca = inet_csk_ca(sk);

	if (!ttp_is_cwnd_limited(sk))
		return;

	if (ttp_in_slow_start(sk)) {
		acked = ttp_slow_start(sk, acked);
		if (!acked)
			return;
	}
	ttp_cubic_update(ca, ts->snd_cwnd, acked);
	ttp_cong_avoid_ai(sk, ca->cnt, acked);
}

static u32 ttp_cubic_recalc_ssthresh(struct sock *sk)
{
	const struct ttp_sock *ts = ttp_sk(sk);
	struct ttp_cubic_ca *ca = inet_csk_ca(sk);

	ca->epoch_start = 0;	/* end of epoch */

	/* Wmax and fast convergence */
	if (ts->snd_cwnd < ca->last_max_cwnd && fast_convergence)
		ca->last_max_cwnd = (ts->snd_cwnd * (BICTCP_BETA_SCALE + beta))
			/ (2 * BICTCP_BETA_SCALE);
	else
		ca->last_max_cwnd = ts->snd_cwnd;

	return max((ts->snd_cwnd * beta) / BICTCP_BETA_SCALE, 2U);
}

static void ttp_cubic_state(struct sock *sk, u8 new_state)
{
	if (new_state == TTP_CA_LOSS)
		ttp_cubic_reset(inet_csk_ca(sk));
}

static void ttp_cubic_acked(struct sock *sk, u32 acked, s32 rtt_us)
{
	struct ttp_cubic_ca *ca = inet_csk_ca(sk);
	u32 delay;

	/* Some calls are for duplicates without timestamps */
	if (rtt_us < 0)
		return;

	/* Discard delay samples right after fast recovery */
	if (ca->epoch_start && (s32)(tcp_jiffies32 - ca->epoch_start) < HZ)
		return;

	delay = rtt_us;
	if (delay == 0)
		delay = 1;

	/* first time call or link delay decreases */
	if (ca->delay_min == 0 || ca->delay_min > delay)
		ca->delay_min = delay;
}

struct ttp_congestion_ops ttp_cubic __read_mostly = {
	.init		= ttp_cubic_init,
	.ssthresh	= ttp_cubic_recalc_ssthresh,
	.cong_avoid	= ttp_cubic_cong_avoid,
	.set_state	= ttp_cubic_state,
	.undo_cwnd	= ttp_reno_undo_cwnd,
	.cwnd_event	= ttp_cubic_cwnd_event,
	.pkts_acked	= ttp_cubic_acked,
	/* built into ttp.ko, which the sockets using it pin already */
	.owner		= NULL,
	.name		= "cubic",
};
EXPORT_SYMBOL_IF_KUNIT(ttp_cubic);

/* Before ttp_cubic is registered: cong.c's ttp_cong_init(). */
void ttp_cubic_setup(void)
{
	BUILD_BUG_ON(sizeof(struct ttp_cubic_ca) > ICSK_CA_PRIV_SIZE);

	/*
	 * Precompute a bunch of the scaling factors that are used per-packet
	 * based on SRTT of 100ms
	 */

	beta_scale = 8 * (BICTCP_BETA_SCALE + beta) / 3
		/ (BICTCP_BETA_SCALE - beta);

	cube_rtt_scale = (bic_scale * 10);	/* 1024*c/rtt */

	/*
	 * calculate the "K" for (wmax-cwnd) = c/rtt * K^3
	 *  so K = cubic_root( (wmax-cwnd)*rtt/c )
	 * the unit of K is bictcp_HZ=2^10, not HZ
	 *
	 *  c = bic_scale >> 10
	 *  rtt = 100ms
	 *
	 * the following code has been designed and tested for
	 * cwnd < 1 million packets
	 * RTT < 100 seconds
	 * HZ < 1,000,00  (corresponding to 10 nano-second)
	 */

	/* 1/c * 2^2*bictcp_HZ * srtt */
	cube_factor = 1ull << (10 + 3 * BICTCP_HZ); /* 2^40 */

	/* divide by bic_scale and by constant Srtt (100ms) */
	do_div(cube_factor, bic_scale * 10);
}
