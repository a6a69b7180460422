// SPDX-License-Identifier: GPL-2.0
/* KUnit: sequence-number arithmetic across the 2^32 wrap. */
#include <kunit/test.h>

#include "../module/seq.h"

static void ttp_seq_order_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, before(1, 2));
	KUNIT_EXPECT_FALSE(test, before(2, 2));
	KUNIT_EXPECT_FALSE(test, after(2, 2));
	/* across the wrap: 0xfffffff0 comes 0x20 before 0x10 */
	KUNIT_EXPECT_TRUE(test, before(0xfffffff0, 0x10));
	KUNIT_EXPECT_TRUE(test, after(0x10, 0xfffffff0));
	KUNIT_EXPECT_FALSE(test, after(0xfffffff0, 0x10));
	KUNIT_EXPECT_TRUE(test, before(0xffffffff, 0));
	/* the comparison holds up to 2^31 - 1 apart */
	KUNIT_EXPECT_TRUE(test, before(0, 0x7fffffff));
	KUNIT_EXPECT_TRUE(test, before(0x80000000, 0xffffffff));
	KUNIT_EXPECT_TRUE(test, after(0x7fffffff, 0xffffffff));
}

static void ttp_seq_in_range_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, ttp_seq_in_range(5, 5, 6));
	KUNIT_EXPECT_FALSE(test, ttp_seq_in_range(6, 5, 6));
	KUNIT_EXPECT_FALSE(test, ttp_seq_in_range(4, 5, 6));
	KUNIT_EXPECT_FALSE(test, ttp_seq_in_range(5, 5, 5));
	/* a range that wraps */
	KUNIT_EXPECT_TRUE(test, ttp_seq_in_range(0xfffffff0, 0xfffffff0, 0x10));
	KUNIT_EXPECT_TRUE(test, ttp_seq_in_range(0xffffffff, 0xfffffff0, 0x10));
	KUNIT_EXPECT_TRUE(test, ttp_seq_in_range(0, 0xfffffff0, 0x10));
	KUNIT_EXPECT_TRUE(test, ttp_seq_in_range(0xf, 0xfffffff0, 0x10));
	KUNIT_EXPECT_FALSE(test, ttp_seq_in_range(0x10, 0xfffffff0, 0x10));
	KUNIT_EXPECT_FALSE(test, ttp_seq_in_range(0xffffffef, 0xfffffff0, 0x10));
}

/* The four cases of RFC 9293 3.10.7.4, each across the wrap. */
static void ttp_seq_acceptable_test(struct kunit *test)
{
	const u32 nxt = 0xfffffffe;

	/* zero length, zero window: only exactly rcv_nxt */
	KUNIT_EXPECT_TRUE(test, ttp_seq_acceptable(nxt, 0, nxt, 0));
	KUNIT_EXPECT_FALSE(test, ttp_seq_acceptable(nxt + 1, 0, nxt, 0));
	/* zero length, open window: inside the window */
	KUNIT_EXPECT_TRUE(test, ttp_seq_acceptable(nxt + 3, 0, nxt, 4));
	KUNIT_EXPECT_FALSE(test, ttp_seq_acceptable(nxt + 4, 0, nxt, 4));
	KUNIT_EXPECT_FALSE(test, ttp_seq_acceptable(nxt - 1, 0, nxt, 4));
	/* data into a zero window is never acceptable */
	KUNIT_EXPECT_FALSE(test, ttp_seq_acceptable(nxt, 1, nxt, 0));
	/* data: acceptable when its first or last byte is in the window */
	KUNIT_EXPECT_TRUE(test, ttp_seq_acceptable(nxt, 10, nxt, 4));
	KUNIT_EXPECT_TRUE(test, ttp_seq_acceptable(nxt - 5, 6, nxt, 4));
	KUNIT_EXPECT_FALSE(test, ttp_seq_acceptable(nxt - 5, 5, nxt, 4));
	KUNIT_EXPECT_TRUE(test, ttp_seq_acceptable(nxt + 3, 100, nxt, 4));
	KUNIT_EXPECT_FALSE(test, ttp_seq_acceptable(nxt + 4, 100, nxt, 4));
}

static struct kunit_case ttp_seq_cases[] = {
	KUNIT_CASE(ttp_seq_order_test),
	KUNIT_CASE(ttp_seq_in_range_test),
	KUNIT_CASE(ttp_seq_acceptable_test),
	{}
};

static struct kunit_suite ttp_seq_suite = {
	.name = "ttp_seq",
	.test_cases = ttp_seq_cases,
};

kunit_test_suite(ttp_seq_suite);
