// SPDX-License-Identifier: GPL-2.0
/* KUnit: header build/parse round trips, option parsing, checksums. */
#include <kunit/test.h>
#include <linux/inet.h>
#include <linux/string.h>

#include "../module/wire.h"

static const struct ttp_hdr ttp_data_hdr = {
	.sport = 40000, .dport = 7000, .seq = 0x01020304, .ack = 0x0a0b0c0d,
	.flags = TCPHDR_PSH | TCPHDR_ACK, .window = 512,
};

static void ttp_hdr_roundtrip_test(struct kunit *test)
{
	static const u8 wire[] = {
		0x9c, 0x40, 0x1b, 0x58, 0x01, 0x02, 0x03, 0x04,
		0x0a, 0x0b, 0x0c, 0x0d, 0x50, 0x18, 0x02, 0x00,
		0x00, 0x00, 0x00, 0x00,
	};
	struct ttp_hdr h = ttp_data_hdr, p;
	u8 buf[TTP_HDR_MAX_LEN];

	h.urg_ptr = 0;
	KUNIT_ASSERT_EQ(test, ttp_hdr_len(&h), 20U);
	ttp_hdr_write(buf, &h);
	KUNIT_EXPECT_EQ(test, memcmp(buf, wire, sizeof(wire)), 0);

	KUNIT_ASSERT_EQ(test, ttp_hdr_parse(buf, sizeof(wire), &p), 0);
	KUNIT_EXPECT_EQ(test, p.sport, 40000);
	KUNIT_EXPECT_EQ(test, p.dport, 7000);
	KUNIT_EXPECT_EQ(test, p.seq, 0x01020304U);
	KUNIT_EXPECT_EQ(test, p.ack, 0x0a0b0c0dU);
	KUNIT_EXPECT_EQ(test, p.flags, TCPHDR_PSH | TCPHDR_ACK);
	KUNIT_EXPECT_EQ(test, p.window, 512);
	KUNIT_EXPECT_EQ(test, p.len, 20);
	KUNIT_EXPECT_EQ(test, p.mss, 0);
	KUNIT_EXPECT_FALSE(test, p.has_wscale);
}

static void ttp_hdr_syn_options_test(struct kunit *test)
{
	static const u8 opts[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	struct ttp_hdr h = {
		.sport = 1, .dport = 2, .seq = 0xfffffff0, .flags = TCPHDR_SYN,
		.window = 65535, .mss = 1460, .wscale = 7, .has_wscale = true,
	};
	u8 buf[TTP_HDR_MAX_LEN];
	struct ttp_hdr p;

	KUNIT_ASSERT_EQ(test, ttp_hdr_len(&h), 28U);
	ttp_hdr_write(buf, &h);
	KUNIT_EXPECT_EQ(test, buf[12], 7 << 4);	/* data offset 7 words */
	KUNIT_EXPECT_EQ(test, buf[13], TCPHDR_SYN);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 20, opts, sizeof(opts)), 0);

	KUNIT_ASSERT_EQ(test, ttp_hdr_parse(buf, 28, &p), 0);
	KUNIT_EXPECT_EQ(test, p.seq, 0xfffffff0U);
	KUNIT_EXPECT_EQ(test, p.mss, 1460);
	KUNIT_EXPECT_TRUE(test, p.has_wscale);
	KUNIT_EXPECT_EQ(test, p.wscale, 7);
	KUNIT_EXPECT_EQ(test, p.len, 28);
}

/* Write a header whose options are raw bytes, padded to 32 bits. */
static unsigned int ttp_hdr_with_options(u8 *buf, const u8 *opts,
					 unsigned int olen)
{
	unsigned int len = 20 + ALIGN(olen, 4);

	ttp_hdr_write(buf, &ttp_data_hdr);
	memset(buf + 20, 0, len - 20);
	memcpy(buf + 20, opts, olen);
	buf[12] = (len / 4) << 4;
	return len;
}

static void ttp_hdr_unknown_options_test(struct kunit *test)
{
	/* timestamps (kind 8) are read, SACK-permitted (kind 4) skipped */
	static const u8 opts[] = {
		8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 4, 2, 1, 2, 4, 0x02, 0x18,
		3, 3, 20,
	};
	u8 buf[TTP_HDR_MAX_LEN];
	struct ttp_hdr p;
	unsigned int len = ttp_hdr_with_options(buf, opts, sizeof(opts));

	KUNIT_ASSERT_EQ(test, ttp_hdr_parse(buf, len, &p), 0);
	KUNIT_EXPECT_EQ(test, p.mss, 536);
	KUNIT_EXPECT_TRUE(test, p.has_wscale);
	KUNIT_EXPECT_EQ(test, p.wscale, TTP_MAX_WSCALE);	/* 20 clamped */
	KUNIT_EXPECT_TRUE(test, p.has_ts);
	KUNIT_EXPECT_EQ(test, p.tsval, 0x01020304U);
	KUNIT_EXPECT_EQ(test, p.tsecr, 0x05060708U);
}

/* Timestamps as TCP lays them out: two NOPs first, so each field is aligned. */
static void ttp_hdr_timestamps_test(struct kunit *test)
{
	static const u8 data_opts[] = {
		1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 7,
	};
	static const u8 syn_opts[] = {
		2, 4, 0x05, 0xb4, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
		1, 3, 3, 7,
	};
	struct ttp_hdr h = ttp_data_hdr, p;
	u8 buf[TTP_HDR_MAX_LEN];

	h.has_ts = true;
	h.tsval = 0xdeadbeef;
	h.tsecr = 7;
	KUNIT_ASSERT_EQ(test, ttp_hdr_len(&h), 32U);
	ttp_hdr_write(buf, &h);
	KUNIT_EXPECT_EQ(test, buf[12], 8 << 4);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 20, data_opts, sizeof(data_opts)), 0);
	KUNIT_ASSERT_EQ(test, ttp_hdr_parse(buf, 32, &p), 0);
	KUNIT_EXPECT_TRUE(test, p.has_ts);
	KUNIT_EXPECT_EQ(test, p.tsval, 0xdeadbeefU);
	KUNIT_EXPECT_EQ(test, p.tsecr, 7U);
	KUNIT_EXPECT_FALSE(test, p.has_wscale);

	memset(&h, 0, sizeof(h));
	h.flags = TCPHDR_SYN;
	h.mss = 1460;
	h.has_ts = true;
	h.tsval = 1;
	h.has_wscale = true;
	h.wscale = 7;
	KUNIT_ASSERT_EQ(test, ttp_hdr_len(&h), 40U);
	ttp_hdr_write(buf, &h);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 20, syn_opts, sizeof(syn_opts)), 0);

	/* a timestamps option of the wrong length is no timestamps option */
	buf[20 + 7] = 9;
	KUNIT_ASSERT_EQ(test, ttp_hdr_parse(buf, 40, &p), 0);
	KUNIT_EXPECT_FALSE(test, p.has_ts);
	KUNIT_EXPECT_EQ(test, p.mss, 1460);
}

static void ttp_hdr_bad_options_test(struct kunit *test)
{
	static const struct {
		const char *what;
		u8 opts[8];
	} bad[] = {
		{ "zero length", { 2, 0, 0x05, 0xb4 } },
		{ "longer than the header", { 2, 9, 0x05, 0xb4 } },
		{ "MSS of the wrong length", { 2, 3, 0x05, 1 } },
		{ "MSS after end of list", { 0, 2, 4, 0x05, 0xb4 } },
	};
	u8 buf[TTP_HDR_MAX_LEN];
	struct ttp_hdr p;
	unsigned int i, len;

	/* a malformed option ends parsing but does not reject the segment */
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		len = ttp_hdr_with_options(buf, bad[i].opts, sizeof(bad[i].opts));
		KUNIT_EXPECT_EQ_MSG(test, ttp_hdr_parse(buf, len, &p), 0, "%s", bad[i].what);
		KUNIT_EXPECT_EQ_MSG(test, p.mss, 0, "%s", bad[i].what);
	}
}

static void ttp_hdr_malformed_test(struct kunit *test)
{
	u8 buf[TTP_HDR_MAX_LEN];
	struct ttp_hdr p;

	ttp_hdr_write(buf, &ttp_data_hdr);
	KUNIT_EXPECT_EQ(test, ttp_hdr_parse(buf, 19, &p), -EINVAL);
	buf[12] = 4 << 4;	/* data offset below the fixed header */
	KUNIT_EXPECT_EQ(test, ttp_hdr_parse(buf, 20, &p), -EINVAL);
	buf[12] = 6 << 4;	/* data offset past the segment */
	KUNIT_EXPECT_EQ(test, ttp_hdr_parse(buf, 20, &p), -EINVAL);
	KUNIT_EXPECT_EQ(test, ttp_hdr_parse(buf, 24, &p), 0);
}

struct ttp_csum_vector {
	const char *saddr, *daddr;
	u8 proto;
	unsigned int payload;	/* bytes of the payload pattern */
	u16 expect;		/* computed by an independent RFC 1071 sum */
};

/* payload patterns: 0 none, 5 "hello", 1025 four rounds of 0..255 and 'x' */
static void ttp_csum_payload(u8 *p, unsigned int n)
{
	unsigned int i;

	if (n == 5) {
		memcpy(p, "hello", 5);
		return;
	}
	for (i = 0; i < n; i++)
		p[i] = i == 1024 ? 'x' : i & 0xff;
}

static void ttp_checksum_vectors_test(struct kunit *test)
{
	static const struct ttp_csum_vector v[] = {
		{ "10.0.0.1", "10.0.0.2", 253, 5, 0x8345 },
		{ "10.0.0.1", "10.0.0.2", 254, 5, 0x8344 },
		{ "192.168.1.10", "172.16.0.99", 253, 0, 0x6cf9 },
		{ "127.0.0.1", "127.0.0.1", 253, 1025, 0x601c },
	};
	unsigned int i;
	u8 *seg;

	seg = kunit_kzalloc(test, 20 + 1025, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seg);
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		__be32 s = in_aton(v[i].saddr), d = in_aton(v[i].daddr);
		unsigned int len = 20 + v[i].payload;
		__sum16 sum;

		ttp_hdr_write(seg, &ttp_data_hdr);
		ttp_csum_payload(seg + 20, v[i].payload);
		sum = ttp_checksum(s, d, v[i].proto, seg, len);
		KUNIT_EXPECT_EQ_MSG(test, ntohs((__force __be16)sum),
				    v[i].expect, "vector %u", i);

		/* with the checksum in place the sum verifies to zero */
		((struct tcphdr *)seg)->check = sum;
		KUNIT_EXPECT_EQ_MSG(test,
				    (__force u16)ttp_checksum(s, d, v[i].proto,
							      seg, len),
				    0, "vector %u", i);
	}
}

/*
 * SACK-permitted in a SYN after two NOPs; SACK blocks after two NOPs, as
 * many as fit: three beside timestamps, four alone (RFC 2018 3).
 */
static void ttp_hdr_sack_test(struct kunit *test)
{
	static const u8 perm[] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };
	static const u8 blocks[] = {
		1, 1, 5, 26, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30,
		0, 0, 0, 40, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 5,
	};
	struct ttp_hdr h = {
		.flags = TCPHDR_SYN, .mss = 1460, .sack_ok = true,
	};
	u8 buf[TTP_HDR_MAX_LEN];
	struct ttp_hdr p;

	KUNIT_ASSERT_EQ(test, ttp_hdr_len(&h), 28U);
	ttp_hdr_write(buf, &h);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 20, perm, sizeof(perm)), 0);
	KUNIT_ASSERT_EQ(test, ttp_hdr_parse(buf, 28, &p), 0);
	KUNIT_EXPECT_TRUE(test, p.sack_ok);
	KUNIT_EXPECT_EQ(test, p.num_sacks, 0);

	h = ttp_data_hdr;
	h.num_sacks = 4;
	h.sacks[0] = (struct ttp_sack_block){ 10, 20 };
	h.sacks[1] = (struct ttp_sack_block){ 30, 40 };
	h.sacks[2] = (struct ttp_sack_block){ 0xfffffff0, 5 };
	h.sacks[3] = (struct ttp_sack_block){ 50, 60 };
	KUNIT_EXPECT_EQ(test, ttp_hdr_len(&h), 20U + 36);
	h.has_ts = true;
	KUNIT_ASSERT_EQ(test, ttp_hdr_len(&h), 20U + 12 + sizeof(blocks));
	ttp_hdr_write(buf, &h);
	KUNIT_EXPECT_EQ(test, buf[12], 15 << 4);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 32, blocks, sizeof(blocks)), 0);
	KUNIT_ASSERT_EQ(test, ttp_hdr_parse(buf, 60, &p), 0);
	KUNIT_EXPECT_TRUE(test, p.has_ts);
	KUNIT_EXPECT_FALSE(test, p.sack_ok);
	KUNIT_ASSERT_EQ(test, p.num_sacks, 3);
	KUNIT_EXPECT_EQ(test, p.sacks[2].start, 0xfffffff0U);
	KUNIT_EXPECT_EQ(test, p.sacks[2].end, 5U);

	/* a length that is no whole number of blocks is no SACK option */
	buf[32 + 3] = 25;
	KUNIT_ASSERT_EQ(test, ttp_hdr_parse(buf, 60, &p), 0);
	KUNIT_EXPECT_EQ(test, p.num_sacks, 0);
	KUNIT_EXPECT_TRUE(test, p.has_ts);
	buf[32 + 3] = 2;
	KUNIT_ASSERT_EQ(test, ttp_hdr_parse(buf, 60, &p), 0);
	KUNIT_EXPECT_EQ(test, p.num_sacks, 0);
}

static struct kunit_case ttp_wire_cases[] = {
	KUNIT_CASE(ttp_hdr_roundtrip_test),
	KUNIT_CASE(ttp_hdr_syn_options_test),
	KUNIT_CASE(ttp_hdr_unknown_options_test),
	KUNIT_CASE(ttp_hdr_timestamps_test),
	KUNIT_CASE(ttp_hdr_sack_test),
	KUNIT_CASE(ttp_hdr_bad_options_test),
	KUNIT_CASE(ttp_hdr_malformed_test),
	KUNIT_CASE(ttp_checksum_vectors_test),
	{}
};

static struct kunit_suite ttp_wire_suite = {
	.name = "ttp_wire",
	.test_cases = ttp_wire_cases,
};

kunit_test_suite(ttp_wire_suite);
