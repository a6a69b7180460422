// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the window arithmetic of congestion control, without sockets.
 *
 * A struct ttp_sock is plain zeroed memory here: the helpers and CUBIC's
 * ssthresh touch only the congestion fields and inet_csk_ca(), which
 * lies inside it.
 */
#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/slab.h>

#include "../module/ttp.h"

static struct sock *ttp_cong_test_sock(struct kunit *test)
{
	struct ttp_sock *ts = kunit_kzalloc(test, sizeof(*ts), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ts);
	return (struct sock *)ts;
}

/* floor(cbrt(a)), by binary search: 2642245^3 is the last cube in a u64. */
static u32 ttp_cbrt_floor(u64 a)
{
	u32 lo = 0, hi = 2642245;

	while (lo < hi) {
		u32 mid = lo + (hi - lo + 1) / 2;

		if ((u64)mid * mid * mid <= a)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/*
 * The table and one Newton step are off by one for small a, and by a
 * fraction of the root for large a (+495 of 2^20 at 2^60, -395 at
 * U64_MAX); it stays within 0.2% of the root plus one, so 1/256 plus one
 * bounds it.  A table guess without the Newton step misses by 4%.
 */
static void ttp_cubic_root_test(struct kunit *test)
{
	static const u64 in[] = {
		7, 8, 9, 26, 27, 1000, 1ULL << 21, 1ULL << 32, 1ULL << 40,
		1ULL << 60, U64_MAX,
	};
	unsigned int i;

	KUNIT_EXPECT_EQ(test, ttp_cubic_root(0), 0U);
	KUNIT_EXPECT_EQ(test, ttp_cubic_root(1), 1U);
	for (i = 0; i < ARRAY_SIZE(in); i++) {
		u32 want = ttp_cbrt_floor(in[i]), got = ttp_cubic_root(in[i]);
		u32 err = got > want ? got - want : want - got;

		KUNIT_EXPECT_LE_MSG(test, err, want / 256 + 1,
				    "cbrt(%llu): %u, floor %u", in[i], got,
				    want);
	}
}

/* One segment more per segment acknowledged, up to ssthresh. */
static void ttp_slow_start_test(struct kunit *test)
{
	struct sock *sk = ttp_cong_test_sock(test);
	struct ttp_sock *ts = ttp_sk(sk);
	unsigned int i;

	ts->snd_cwnd = 10;
	ts->snd_ssthresh = 15;
	KUNIT_EXPECT_EQ(test, ttp_slow_start(sk, 8), 3U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 15U);
	/* at ssthresh, everything is left over */
	KUNIT_EXPECT_EQ(test, ttp_slow_start(sk, 1000), 1000U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 15U);

	/* one at a time from one segment: never past ssthresh */
	ts->snd_cwnd = 1;
	for (i = 1; i <= 20; i++) {
		KUNIT_EXPECT_EQ(test, ttp_slow_start(sk, 1), i < 15 ? 0U : 1U);
		KUNIT_EXPECT_EQ(test, ts->snd_cwnd, min(1U + i, 15U));
	}
}

/*
 * RFC 3465: what grows the window is bytes acknowledged, in whole
 * segments; ten ACKs of a tenth of a segment are one segment, and what
 * falls short carries over.
 */
static void ttp_acked_segs_test(struct kunit *test)
{
	struct sock *sk = ttp_cong_test_sock(test);
	struct ttp_sock *ts = ttp_sk(sk);
	unsigned int i;

	ts->mss = 1000;
	for (i = 0; i < 9; i++)
		KUNIT_EXPECT_EQ(test, ttp_acked_segs(sk, 100), 0U);
	KUNIT_EXPECT_EQ(test, ttp_acked_segs(sk, 100), 1U);
	KUNIT_EXPECT_EQ(test, ts->acked_bytes_rem, 0U);
	KUNIT_EXPECT_EQ(test, ttp_acked_segs(sk, 2500), 2U);
	KUNIT_EXPECT_EQ(test, ttp_acked_segs(sk, 499), 0U);
	KUNIT_EXPECT_EQ(test, ttp_acked_segs(sk, 1), 1U);
	/* a 64 KiB stretch ACK at once */
	KUNIT_EXPECT_EQ(test, ttp_acked_segs(sk, 65536), 65U);
	KUNIT_EXPECT_EQ(test, ts->acked_bytes_rem, 536U);
}

/* Byte counting: the increase follows segments acknowledged, not ACKs. */
static void ttp_cong_avoid_ai_test(struct kunit *test)
{
	struct sock *sk = ttp_cong_test_sock(test);
	struct ttp_sock *ts = ttp_sk(sk);
	unsigned int i;

	ts->snd_cwnd = 10;
	for (i = 0; i < 9; i++)
		ttp_cong_avoid_ai(sk, 10, 1);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 10U);
	ttp_cong_avoid_ai(sk, 10, 1);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 11U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd_cnt, 0U);

	ts->snd_cwnd = 10;
	ts->snd_cwnd_cnt = 0;
	ttp_cong_avoid_ai(sk, 10, 25);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd, 12U);
	KUNIT_EXPECT_EQ(test, ts->snd_cwnd_cnt, 5U);
}

/* CUBIC's state keeps last_max_cwnd as its second u32 (cubic.c). */
static u32 ttp_cubic_last_max_cwnd(struct sock *sk)
{
	return ((u32 *)inet_csk_ca(sk))[1];
}

/*
 * A loss keeps 717/1024 of the window.  A second loss before the window
 * regained the last maximum remembers less than it had (fast
 * convergence), to leave room to a newer flow.
 */
static void ttp_cubic_ssthresh_test(struct kunit *test)
{
	struct sock *sk = ttp_cong_test_sock(test);
	struct ttp_sock *ts = ttp_sk(sk);

	ttp_cubic.init(sk);
	ts->snd_cwnd = 100;
	KUNIT_EXPECT_EQ(test, ttp_cubic.ssthresh(sk), 70U);
	KUNIT_EXPECT_EQ(test, ttp_cubic_last_max_cwnd(sk), 100U);

	/* 80 < 100: 80 * (1024 + 717) / 2048 */
	ts->snd_cwnd = 80;
	KUNIT_EXPECT_EQ(test, ttp_cubic.ssthresh(sk), 56U);
	KUNIT_EXPECT_EQ(test, ttp_cubic_last_max_cwnd(sk), 68U);

	/* never below two segments */
	ts->snd_cwnd = 2;
	KUNIT_EXPECT_EQ(test, ttp_cubic.ssthresh(sk), 2U);
}

static struct kunit_case ttp_cong_cases[] = {
	KUNIT_CASE(ttp_cubic_root_test),
	KUNIT_CASE(ttp_slow_start_test),
	KUNIT_CASE(ttp_acked_segs_test),
	KUNIT_CASE(ttp_cong_avoid_ai_test),
	KUNIT_CASE(ttp_cubic_ssthresh_test),
	{}
};

static struct kunit_suite ttp_cong_suite = {
	.name = "ttp_cong",
	.test_cases = ttp_cong_cases,
};

kunit_test_suite(ttp_cong_suite);
