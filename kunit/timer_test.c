// SPDX-License-Identifier: GPL-2.0
/* KUnit: the retransmission timer's backoff and the RTT clock. */
#include <kunit/test.h>

#include "../module/ttp.h"

/* The RTO doubles per backoff up to its cap, and no shift overflows. */
static void ttp_rto_backoff_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, ttp_rto_backoff(200, 0, 120000), 200U);
	KUNIT_EXPECT_EQ(test, ttp_rto_backoff(200, 3, 120000), 1600U);
	KUNIT_EXPECT_EQ(test, ttp_rto_backoff(200, 10, 120000), 120000U);
	/* 200 << 31 overflows 32 bits: still the cap */
	KUNIT_EXPECT_EQ(test, ttp_rto_backoff(200, 31, 120000), 120000U);
	KUNIT_EXPECT_EQ(test, ttp_rto_backoff(U32_MAX, 31, U32_MAX), U32_MAX);
	/* a long zero window: backoff counts past the width of the type */
	KUNIT_EXPECT_EQ(test, ttp_rto_backoff(200, 32, 120000), 120000U);
	KUNIT_EXPECT_EQ(test, ttp_rto_backoff(200, 40, 120000), 120000U);
	KUNIT_EXPECT_EQ(test, ttp_rto_backoff(1, 255, 120000), 120000U);
}

/*
 * A stamp from the future (a clock that disagreed with the one that read
 * it) is the smallest sample, not the 4295 s that its difference as an
 * unsigned number cut to 32 bits would give: that became an RTO of
 * rto_max_ms, and a lost segment waited two minutes.
 */
static void ttp_us_since_test(struct kunit *test)
{
	u64 now = ttp_clock_us();
	u32 us;

	KUNIT_EXPECT_EQ(test, ttp_us_since(now + USEC_PER_SEC), 1U);
	us = ttp_us_since(now - 5000);
	KUNIT_EXPECT_GE(test, us, 5000U);
	KUNIT_EXPECT_LT(test, us, 5000U + USEC_PER_SEC);
	/* a stamp long gone is capped at the largest sample */
	KUNIT_EXPECT_EQ(test, ttp_us_since(now - 10ULL * U32_MAX), U32_MAX);
}

static struct kunit_case ttp_timer_cases[] = {
	KUNIT_CASE(ttp_rto_backoff_test),
	KUNIT_CASE(ttp_us_since_test),
	{}
};

static struct kunit_suite ttp_timer_suite = {
	.name = "ttp_timer",
	.test_cases = ttp_timer_cases,
};

kunit_test_suite(ttp_timer_suite);
