// SPDX-License-Identifier: GPL-2.0
/* KUnit: the retransmission timer's backoff. */
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

static struct kunit_case ttp_timer_cases[] = {
	KUNIT_CASE(ttp_rto_backoff_test),
	{}
};

static struct kunit_suite ttp_timer_suite = {
	.name = "ttp_timer",
	.test_cases = ttp_timer_cases,
};

kunit_test_suite(ttp_timer_suite);
