// SPDX-License-Identifier: GPL-2.0
/* KUnit: the fault-rule language, its normal form and its matching. */
#include <kunit/test.h>
#include <linux/tcp.h>
#include <net/tcp.h>

#include "../module/faults.h"

struct ttp_rule_case {
	const char *in;
	const char *norm;
};

static const struct ttp_rule_case ttp_good_rules[] = {
	{ "drop dir=in", "drop dir=in skip=0 count=1 hits=0\n" },
	{ "drop dir=out\n", "drop dir=out skip=0 count=1 hits=0\n" },
	{ "drop dir=out flags=ACK,SYN exact port=7000 skip=2 count=3",
	  "drop dir=out flags=SYN,ACK exact port=7000 skip=2 count=3 hits=0\n" },
	{ "  drop   count=5\tskip=0 flags=FIN dir=in  ",
	  "drop dir=in flags=FIN skip=0 count=5 hits=0\n" },
	{ "drop dir=in flags=PSH,RST,FIN,ACK,SYN",
	  "drop dir=in flags=SYN,ACK,FIN,RST,PSH skip=0 count=1 hits=0\n" },
	{ "drop dir=in port=65535", "drop dir=in port=65535 skip=0 count=1 hits=0\n" },
	{ "loss dir=in percent=5 port=80", "loss dir=in percent=5 port=80 hits=0\n" },
	{ "loss port=80 percent=5 dir=in", "loss dir=in percent=5 port=80 hits=0\n" },
	{ "loss dir=out percent=2.5", "loss dir=out percent=2.5 hits=0\n" },
	{ "loss dir=out percent=0.25", "loss dir=out percent=0.25 hits=0\n" },
	{ "loss dir=out percent=100", "loss dir=out percent=100 hits=0\n" },
	{ "loss dir=out percent=0", "loss dir=out percent=0 hits=0\n" },
};

static void ttp_fault_parse_good_test(struct kunit *test)
{
	char buf[TTP_FAULT_TEXT_MAX];
	struct ttp_fault_rule r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ttp_good_rules); i++) {
		const struct ttp_rule_case *c = &ttp_good_rules[i];

		KUNIT_EXPECT_EQ_MSG(test, ttp_fault_parse(c->in, &r), 0,
				    "rule '%s'", c->in);
		ttp_fault_format(&r, buf, sizeof(buf));
		KUNIT_EXPECT_STREQ_MSG(test, buf, c->norm, "rule '%s'", c->in);
	}
}

static void ttp_fault_normal_form_is_stable_test(struct kunit *test)
{
	char first[TTP_FAULT_TEXT_MAX], second[TTP_FAULT_TEXT_MAX], *hits;
	struct ttp_fault_rule r;
	unsigned int i;

	/* the listed text, without " hits=N", parses back to itself */
	for (i = 0; i < ARRAY_SIZE(ttp_good_rules); i++) {
		KUNIT_ASSERT_EQ(test, ttp_fault_parse(ttp_good_rules[i].in, &r), 0);
		ttp_fault_format(&r, first, sizeof(first));
		hits = strstr(first, " hits=");
		KUNIT_ASSERT_NOT_NULL(test, hits);
		*hits = '\0';
		KUNIT_ASSERT_EQ(test, ttp_fault_parse(first, &r), 0);
		ttp_fault_format(&r, second, sizeof(second));
		KUNIT_EXPECT_STREQ(test, second, ttp_good_rules[i].norm);
	}
}

static void ttp_fault_parse_bad_test(struct kunit *test)
{
	static const char * const bad[] = {
		"", "   ", "clear", "drop", "dropx dir=in", "Drop dir=in",
		"drop dir=up", "drop dir=", "drop dir", "drop dir=in dir=out",
		"drop dir=in flags=SYN,SYN", "drop dir=in flags=XYZ",
		"drop dir=in flags=syn", "drop dir=in flags=", "drop dir=in flags=SYN,",
		"drop dir=in exact", "drop dir=in flags=SYN exact=1",
		"drop dir=in flags=SYN exact exact", "drop dir=in count=0",
		"drop dir=in count=", "drop dir=in count=1x", "drop dir=in count=-1",
		"drop dir=in count=+1", "drop dir=in skip=-1",
		"drop dir=in skip=99999999999", "drop dir=in port=0",
		"drop dir=in port=65536", "drop dir=in percent=5",
		"drop dir=in extra", "drop dir=in =5", "loss dir=in",
		"loss percent=5", "loss dir=in percent=101",
		"loss dir=in percent=100.01", "loss dir=in percent=1.234",
		"loss dir=in percent=.5", "loss dir=in percent=5.",
		"loss dir=in percent=5%", "loss dir=in percent=5 count=2",
		"loss dir=in percent=5 skip=1", "loss dir=in percent=5 flags=SYN",
		"drop dir=in\ndrop dir=out",
		"drop dir=in port=1 port=2",
		"drop dir=in flags=SYN,ACK,FIN,RST,PSH skip=1 count=1 port=1 ................................................................................",
	};
	struct ttp_fault_rule r = { .count = 77 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, ttp_fault_parse(bad[i], &r), -EINVAL,
				    "rule '%s'", bad[i]);
		KUNIT_EXPECT_EQ(test, r.count, 77U);	/* left untouched */
	}
}

static struct ttp_seg ttp_seg_of(u8 dir, u8 flags, u16 sport, u16 dport)
{
	return (struct ttp_seg){
		.dir = dir, .flags = flags,
		.sport = htons(sport), .dport = htons(dport),
	};
}

static void ttp_fault_drop_skip_count_test(struct kunit *test)
{
	struct ttp_seg syn = ttp_seg_of(TTP_DIR_OUT, TCPHDR_SYN, 40000, 7000);
	struct ttp_seg ack = ttp_seg_of(TTP_DIR_OUT, TCPHDR_ACK, 40000, 7000);
	struct ttp_seg syn_in = ttp_seg_of(TTP_DIR_IN, TCPHDR_SYN, 40000, 7000);
	static const bool expect[] = { false, false, true, true, false, false };
	struct ttp_fault_rule r;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, ttp_fault_parse("drop dir=out flags=SYN skip=2 count=2", &r), 0);
	for (i = 0; i < ARRAY_SIZE(expect); i++) {
		/* segments that do not match move nothing */
		KUNIT_EXPECT_FALSE(test, ttp_fault_drops(&r, &ack, 0));
		KUNIT_EXPECT_FALSE(test, ttp_fault_drops(&r, &syn_in, 0));
		KUNIT_EXPECT_EQ_MSG(test, ttp_fault_drops(&r, &syn, 0), expect[i],
				    "SYN number %u", i);
	}
	KUNIT_EXPECT_EQ(test, r.hits, 2U);
}

static void ttp_fault_flags_match_test(struct kunit *test)
{
	struct ttp_seg syn = ttp_seg_of(TTP_DIR_IN, TCPHDR_SYN, 1, 2);
	struct ttp_seg synack = ttp_seg_of(TTP_DIR_IN, TCPHDR_SYN | TCPHDR_ACK, 1, 2);
	struct ttp_fault_rule all, exact;

	KUNIT_ASSERT_EQ(test, ttp_fault_parse("drop dir=in flags=SYN count=10", &all), 0);
	KUNIT_ASSERT_EQ(test, ttp_fault_parse("drop dir=in flags=SYN exact count=10", &exact), 0);
	KUNIT_EXPECT_TRUE(test, ttp_fault_drops(&all, &syn, 0));
	KUNIT_EXPECT_TRUE(test, ttp_fault_drops(&all, &synack, 0));
	KUNIT_EXPECT_TRUE(test, ttp_fault_drops(&exact, &syn, 0));
	KUNIT_EXPECT_FALSE(test, ttp_fault_drops(&exact, &synack, 0));

	KUNIT_ASSERT_EQ(test, ttp_fault_parse("drop dir=in flags=SYN,ACK count=10", &all), 0);
	KUNIT_EXPECT_FALSE(test, ttp_fault_drops(&all, &syn, 0));
	KUNIT_EXPECT_TRUE(test, ttp_fault_drops(&all, &synack, 0));
}

static void ttp_fault_port_match_test(struct kunit *test)
{
	struct ttp_seg to = ttp_seg_of(TTP_DIR_IN, TCPHDR_ACK, 40000, 7000);
	struct ttp_seg from = ttp_seg_of(TTP_DIR_IN, TCPHDR_ACK, 7000, 40000);
	struct ttp_seg other = ttp_seg_of(TTP_DIR_IN, TCPHDR_ACK, 40000, 7001);
	struct ttp_fault_rule r;

	KUNIT_ASSERT_EQ(test, ttp_fault_parse("drop dir=in port=7000 count=10", &r), 0);
	KUNIT_EXPECT_TRUE(test, ttp_fault_drops(&r, &to, 0));
	KUNIT_EXPECT_TRUE(test, ttp_fault_drops(&r, &from, 0));
	KUNIT_EXPECT_FALSE(test, ttp_fault_drops(&r, &other, 0));
	KUNIT_EXPECT_EQ(test, r.hits, 2U);
}

static void ttp_fault_loss_test(struct kunit *test)
{
	struct ttp_seg seg = ttp_seg_of(TTP_DIR_OUT, TCPHDR_ACK, 1, 2);
	struct ttp_fault_rule r;

	KUNIT_ASSERT_EQ(test, ttp_fault_parse("loss dir=out percent=2.5", &r), 0);
	KUNIT_EXPECT_EQ(test, r.loss, 250U);
	KUNIT_EXPECT_TRUE(test, ttp_fault_drops(&r, &seg, 0));
	KUNIT_EXPECT_TRUE(test, ttp_fault_drops(&r, &seg, 249));
	KUNIT_EXPECT_FALSE(test, ttp_fault_drops(&r, &seg, 250));
	KUNIT_EXPECT_FALSE(test, ttp_fault_drops(&r, &seg, TTP_LOSS_SCALE - 1));
	KUNIT_EXPECT_EQ(test, r.hits, 2U);

	KUNIT_ASSERT_EQ(test, ttp_fault_parse("loss dir=out percent=100", &r), 0);
	KUNIT_EXPECT_TRUE(test, ttp_fault_drops(&r, &seg, TTP_LOSS_SCALE - 1));
	KUNIT_ASSERT_EQ(test, ttp_fault_parse("loss dir=out percent=0", &r), 0);
	KUNIT_EXPECT_FALSE(test, ttp_fault_drops(&r, &seg, 0));
	/* a loss rule never runs out */
	KUNIT_ASSERT_EQ(test, ttp_fault_parse("loss dir=out percent=100", &r), 0);
	r.hits = U32_MAX - 1;
	KUNIT_EXPECT_TRUE(test, ttp_fault_drops(&r, &seg, 0));
}

static void ttp_flags_format_test(struct kunit *test)
{
	static const struct {
		u8 flags;
		const char *text;
	} c[] = {
		{ TCPHDR_SYN, "S" },
		{ TCPHDR_SYN | TCPHDR_ACK, "S." },
		{ TCPHDR_ACK, "." },
		{ TCPHDR_PSH | TCPHDR_ACK, "P." },
		{ TCPHDR_FIN | TCPHDR_ACK, "F." },
		{ TCPHDR_FIN | TCPHDR_PSH | TCPHDR_ACK, "FP." },
		{ TCPHDR_RST, "R" },
		{ TCPHDR_RST | TCPHDR_ACK, "R." },
		{ 0xff, "SFRPU.EW" },
		{ 0, "none" },
	};
	char buf[12];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		ttp_flags_format(c[i].flags, buf, sizeof(buf));
		KUNIT_EXPECT_STREQ(test, buf, c[i].text);
	}
}

static struct kunit_case ttp_faults_cases[] = {
	KUNIT_CASE(ttp_fault_parse_good_test),
	KUNIT_CASE(ttp_fault_normal_form_is_stable_test),
	KUNIT_CASE(ttp_fault_parse_bad_test),
	KUNIT_CASE(ttp_fault_drop_skip_count_test),
	KUNIT_CASE(ttp_fault_flags_match_test),
	KUNIT_CASE(ttp_fault_port_match_test),
	KUNIT_CASE(ttp_fault_loss_test),
	KUNIT_CASE(ttp_flags_format_test),
	{}
};

static struct kunit_suite ttp_faults_suite = {
	.name = "ttp_faults",
	.test_cases = ttp_faults_cases,
};

kunit_test_suite(ttp_faults_suite);
