// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the connection state machine, transition by transition.  Two
 * endpoints exchange the segments ttp_fsm_step() asks for; the tests check
 * every segment's flags, seq and ack and every state on the way.
 */
#include <kunit/test.h>
#include <net/tcp.h>

#include "../module/state.h"

#define SYN TCPHDR_SYN
#define ACK TCPHDR_ACK
#define FIN TCPHDR_FIN
#define RST TCPHDR_RST

static struct ttp_fsm ttp_end(u8 state, u32 iss)
{
	return (struct ttp_fsm){ .state = state, .iss = iss };
}

/* Step and expect it to be allowed. */
static struct ttp_fsm_out step(struct kunit *test, struct ttp_fsm *f,
			       enum ttp_event ev, u32 seq)
{
	struct ttp_fsm_out out = { .err = 1 };

	KUNIT_EXPECT_EQ_MSG(test, ttp_fsm_step(f, ev, seq, &out), 0,
			    "%s refused", ttp_event_name(ev));
	return out;
}

static void expect_seg(struct kunit *test, const struct ttp_fsm_out *s,
		       u8 flags, u32 seq, u32 ack)
{
	KUNIT_EXPECT_EQ(test, s->flags, flags);
	KUNIT_EXPECT_EQ(test, s->seq, seq);
	KUNIT_EXPECT_EQ(test, s->ack, ack);
}

/*
 * The event a receiver draws from a segment, as the receive path will:
 * what the segment's flags are, and what its ACK covers.
 */
static enum ttp_event arrival(const struct ttp_fsm *rcv,
			      const struct ttp_fsm_out *s)
{
	bool acks_all = (s->flags & ACK) && s->ack == rcv->snd_nxt;
	bool fin_out = rcv->state == TCP_FIN_WAIT1 ||
		       rcv->state == TCP_CLOSING || rcv->state == TCP_LAST_ACK;

	if (s->flags & RST)
		return TTP_EV_RCV_RST;
	if (rcv->state == TCP_SYN_RECV && acks_all)
		return TTP_EV_RCV_ACK_OF_SYN;
	if (s->flags & SYN)
		return s->flags & ACK ? TTP_EV_RCV_SYNACK : TTP_EV_RCV_SYN;
	if (s->flags & FIN)
		return fin_out && acks_all ? TTP_EV_RCV_FIN_ACK_OF_FIN :
					     TTP_EV_RCV_FIN;
	if (fin_out && acks_all)
		return TTP_EV_RCV_ACK_OF_FIN;
	return TTP_EV_MAX;
}

/* Deliver s to rcv; return what rcv sends back. */
static struct ttp_fsm_out deliver(struct kunit *test, struct ttp_fsm *rcv,
				  const struct ttp_fsm_out *s)
{
	enum ttp_event ev = arrival(rcv, s);

	KUNIT_ASSERT_NE(test, ev, TTP_EV_MAX);
	return step(test, rcv, ev, s->seq);
}

/* Items 1-3 of behaviour.md, with an ISS just below the wrap. */
static void ttp_fsm_three_way_handshake_test(struct kunit *test)
{
	struct ttp_fsm c = ttp_end(TCP_CLOSE, 0xfffffffe);
	struct ttp_fsm s = ttp_end(TCP_CLOSE, 5000);
	struct ttp_fsm_out syn, synack, ack;

	step(test, &s, TTP_EV_LISTEN, 0);
	KUNIT_EXPECT_EQ(test, s.state, TCP_LISTEN);

	syn = step(test, &c, TTP_EV_CONNECT, 0);
	expect_seg(test, &syn, SYN, 0xfffffffe, 0);
	KUNIT_EXPECT_EQ(test, c.state, TCP_SYN_SENT);
	KUNIT_EXPECT_EQ(test, c.snd_nxt, 0xffffffffU);	/* SYN takes one */

	synack = deliver(test, &s, &syn);
	expect_seg(test, &synack, SYN | ACK, 5000, 0xffffffff);
	KUNIT_EXPECT_EQ(test, s.state, TCP_SYN_RECV);

	ack = deliver(test, &c, &synack);
	expect_seg(test, &ack, ACK, 0xffffffff, 5001);
	KUNIT_EXPECT_EQ(test, c.state, TCP_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, c.snd_una, c.snd_nxt);

	ack = deliver(test, &s, &ack);
	KUNIT_EXPECT_EQ(test, ack.flags, 0);
	KUNIT_EXPECT_EQ(test, s.state, TCP_ESTABLISHED);
}

/* Item 7, as RFC 793's figure 8 draws it. */
static void ttp_fsm_simultaneous_open_test(struct kunit *test)
{
	struct ttp_fsm a = ttp_end(TCP_CLOSE, 100), b = ttp_end(TCP_CLOSE, 300);
	struct ttp_fsm_out syn_a, syn_b, synack_a, synack_b, out;

	syn_a = step(test, &a, TTP_EV_CONNECT, 0);
	syn_b = step(test, &b, TTP_EV_CONNECT, 0);
	synack_a = deliver(test, &a, &syn_b);
	synack_b = deliver(test, &b, &syn_a);
	expect_seg(test, &synack_a, SYN | ACK, 100, 301);
	expect_seg(test, &synack_b, SYN | ACK, 300, 101);
	KUNIT_EXPECT_EQ(test, a.state, TCP_SYN_RECV);
	KUNIT_EXPECT_EQ(test, b.state, TCP_SYN_RECV);

	out = deliver(test, &a, &synack_b);
	KUNIT_EXPECT_EQ(test, out.flags, 0);
	out = deliver(test, &b, &synack_a);
	KUNIT_EXPECT_EQ(test, out.flags, 0);
	KUNIT_EXPECT_EQ(test, a.state, TCP_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, b.state, TCP_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, a.snd_nxt, 101U);
	KUNIT_EXPECT_EQ(test, b.rcv_nxt, 101U);
}

static void ttp_fsm_connect(struct kunit *test, struct ttp_fsm *c,
			    struct ttp_fsm *s)
{
	struct ttp_fsm_out seg;

	step(test, s, TTP_EV_LISTEN, 0);
	seg = step(test, c, TTP_EV_CONNECT, 0);
	seg = deliver(test, s, &seg);
	seg = deliver(test, c, &seg);
	deliver(test, s, &seg);
	KUNIT_ASSERT_EQ(test, c->state, TCP_ESTABLISHED);
	KUNIT_ASSERT_EQ(test, s->state, TCP_ESTABLISHED);
}

/* Items 12-15: FIN (u), ACK u+1, FIN (w, u+1), ACK (u+1, w+1). */
static void ttp_fsm_four_way_teardown_test(struct kunit *test)
{
	struct ttp_fsm c = ttp_end(TCP_CLOSE, 1000), s = ttp_end(TCP_CLOSE, 9000);
	struct ttp_fsm_out fin, ack, fin2, last;
	u32 u, w;

	ttp_fsm_connect(test, &c, &s);
	u = c.snd_nxt;
	w = s.snd_nxt;

	fin = step(test, &c, TTP_EV_CLOSE, 0);
	expect_seg(test, &fin, FIN | ACK, u, w);
	KUNIT_EXPECT_EQ(test, c.state, TCP_FIN_WAIT1);

	ack = deliver(test, &s, &fin);
	expect_seg(test, &ack, ACK, w, u + 1);
	KUNIT_EXPECT_EQ(test, s.state, TCP_CLOSE_WAIT);

	KUNIT_EXPECT_EQ(test, deliver(test, &c, &ack).flags, 0);
	KUNIT_EXPECT_EQ(test, c.state, TCP_FIN_WAIT2);

	fin2 = step(test, &s, TTP_EV_CLOSE, 0);
	expect_seg(test, &fin2, FIN | ACK, w, u + 1);
	KUNIT_EXPECT_EQ(test, s.state, TCP_LAST_ACK);

	last = deliver(test, &c, &fin2);
	expect_seg(test, &last, ACK, u + 1, w + 1);
	KUNIT_EXPECT_EQ(test, c.state, TCP_TIME_WAIT);

	deliver(test, &s, &last);
	KUNIT_EXPECT_EQ(test, s.state, TCP_CLOSE);

	step(test, &c, TTP_EV_TIME_WAIT_DONE, 0);
	KUNIT_EXPECT_EQ(test, c.state, TCP_CLOSE);
}

/* Item 16: ACK and FIN in one segment take FIN_WAIT_1 to TIME_WAIT. */
static void ttp_fsm_three_way_teardown_test(struct kunit *test)
{
	struct ttp_fsm c = ttp_end(TCP_CLOSE, 1), s = ttp_end(TCP_CLOSE, 2);
	struct ttp_fsm_out fin, finack, last;
	u32 u, w;

	ttp_fsm_connect(test, &c, &s);
	u = c.snd_nxt;
	w = s.snd_nxt;
	fin = step(test, &c, TTP_EV_CLOSE, 0);
	/* the passive side closes before its delayed ACK goes out ... */
	deliver(test, &s, &fin);
	KUNIT_EXPECT_EQ(test, s.state, TCP_CLOSE_WAIT);
	/* ... so the ACK rides on its FIN */
	finack = step(test, &s, TTP_EV_CLOSE, 0);
	expect_seg(test, &finack, FIN | ACK, w, u + 1);

	KUNIT_EXPECT_EQ(test, arrival(&c, &finack), TTP_EV_RCV_FIN_ACK_OF_FIN);
	last = deliver(test, &c, &finack);
	expect_seg(test, &last, ACK, u + 1, w + 1);
	KUNIT_EXPECT_EQ(test, c.state, TCP_TIME_WAIT);
	deliver(test, &s, &last);
	KUNIT_EXPECT_EQ(test, s.state, TCP_CLOSE);
}

/* Item 17: both FINs cross; CLOSING on both, then TIME_WAIT on both. */
static void ttp_fsm_simultaneous_close_test(struct kunit *test)
{
	struct ttp_fsm a = ttp_end(TCP_CLOSE, 10), b = ttp_end(TCP_CLOSE, 20);
	struct ttp_fsm_out fin_a, fin_b, ack_a, ack_b;

	ttp_fsm_connect(test, &a, &b);
	fin_a = step(test, &a, TTP_EV_CLOSE, 0);
	fin_b = step(test, &b, TTP_EV_CLOSE, 0);
	/* each FIN acknowledges only what came before the other's FIN */
	ack_a = deliver(test, &a, &fin_b);
	ack_b = deliver(test, &b, &fin_a);
	KUNIT_EXPECT_EQ(test, a.state, TCP_CLOSING);
	KUNIT_EXPECT_EQ(test, b.state, TCP_CLOSING);
	expect_seg(test, &ack_a, ACK, fin_a.seq + 1, fin_b.seq + 1);

	deliver(test, &a, &ack_b);
	deliver(test, &b, &ack_a);
	KUNIT_EXPECT_EQ(test, a.state, TCP_TIME_WAIT);
	KUNIT_EXPECT_EQ(test, b.state, TCP_TIME_WAIT);
}

/* Item 18: the last ACK is lost; the FIN again draws the same ACK. */
static void ttp_fsm_lost_last_ack_test(struct kunit *test)
{
	struct ttp_fsm c = ttp_end(TCP_CLOSE, 70), s = ttp_end(TCP_CLOSE, 80);
	struct ttp_fsm_out fin, ack, fin2, last, again;

	ttp_fsm_connect(test, &c, &s);
	fin = step(test, &c, TTP_EV_CLOSE, 0);
	ack = deliver(test, &s, &fin);
	deliver(test, &c, &ack);
	fin2 = step(test, &s, TTP_EV_CLOSE, 0);
	last = deliver(test, &c, &fin2);	/* ... and lost */
	KUNIT_EXPECT_EQ(test, s.state, TCP_LAST_ACK);

	again = deliver(test, &c, &fin2);	/* the retransmitted FIN */
	KUNIT_EXPECT_EQ(test, c.state, TCP_TIME_WAIT);
	expect_seg(test, &again, last.flags, last.seq, last.ack);
	deliver(test, &s, &again);
	KUNIT_EXPECT_EQ(test, s.state, TCP_CLOSE);
}

/* Item 25 and tcp_reset(): what a RST does in each state. */
static void ttp_fsm_reset_test(struct kunit *test)
{
	static const struct {
		u8 state;
		int err;
	} c[] = {
		{ TCP_SYN_SENT, -ECONNREFUSED }, { TCP_SYN_RECV, -ECONNREFUSED },
		{ TCP_ESTABLISHED, -ECONNRESET }, { TCP_FIN_WAIT1, -ECONNRESET },
		{ TCP_FIN_WAIT2, -ECONNRESET }, { TCP_CLOSE_WAIT, -EPIPE },
		{ TCP_CLOSING, -ECONNRESET }, { TCP_LAST_ACK, -ECONNRESET },
		{ TCP_TIME_WAIT, 0 },
	};
	const struct ttp_fsm_out rst = { .flags = RST };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct ttp_fsm f = ttp_end(c[i].state, 1);
		struct ttp_fsm_out out = deliver(test, &f, &rst);

		KUNIT_EXPECT_EQ(test, f.state, TCP_CLOSE);
		KUNIT_EXPECT_EQ(test, out.flags, 0);	/* never answer a RST */
		KUNIT_EXPECT_EQ(test, out.err, c[i].err);
	}
}

/* Item 24: an abortive close sends RST (seq snd_nxt, ack rcv_nxt). */
static void ttp_fsm_abort_test(struct kunit *test)
{
	struct ttp_fsm c = ttp_end(TCP_CLOSE, 400), s = ttp_end(TCP_CLOSE, 600);
	struct ttp_fsm_out rst;

	ttp_fsm_connect(test, &c, &s);
	rst = step(test, &c, TTP_EV_ABORT, 0);
	expect_seg(test, &rst, RST | ACK, 401, 601);
	KUNIT_EXPECT_EQ(test, c.state, TCP_CLOSE);
	deliver(test, &s, &rst);
	KUNIT_EXPECT_EQ(test, s.state, TCP_CLOSE);
}

static void ttp_fsm_timeouts_test(struct kunit *test)
{
	struct ttp_fsm f = ttp_end(TCP_CLOSE, 1);
	struct ttp_fsm_out out;

	step(test, &f, TTP_EV_CONNECT, 0);
	out = step(test, &f, TTP_EV_GIVE_UP, 0);
	KUNIT_EXPECT_EQ(test, out.err, -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f.state, TCP_CLOSE);

	/* item 20: an orphan in FIN_WAIT_2 is reaped with a RST */
	f = ttp_end(TCP_FIN_WAIT2, 1);
	out = step(test, &f, TTP_EV_FIN_WAIT2_TIMEOUT, 0);
	KUNIT_EXPECT_EQ(test, out.flags, RST | ACK);
	KUNIT_EXPECT_EQ(test, f.state, TCP_CLOSE);

	/* keepalive gives up with a RST and ETIMEDOUT, FIN_WAIT_2 included */
	f = ttp_end(TCP_ESTABLISHED, 1);
	out = step(test, &f, TTP_EV_KEEPALIVE_GIVE_UP, 0);
	KUNIT_EXPECT_EQ(test, out.flags, RST | ACK);
	KUNIT_EXPECT_EQ(test, out.err, -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, f.state, TCP_CLOSE);
	f = ttp_end(TCP_FIN_WAIT2, 1);
	out = step(test, &f, TTP_EV_KEEPALIVE_GIVE_UP, 0);
	KUNIT_EXPECT_EQ(test, out.flags, RST | ACK);
	KUNIT_EXPECT_EQ(test, out.err, -ETIMEDOUT);
}

/* Events that make no sense in a state are refused and change nothing. */
static void ttp_fsm_refused_test(struct kunit *test)
{
	static const struct {
		u8 state;
		enum ttp_event ev;
	} c[] = {
		{ TCP_CLOSE, TTP_EV_RCV_SYN }, { TCP_CLOSE, TTP_EV_CLOSE },
		{ TCP_LISTEN, TTP_EV_CONNECT }, { TCP_LISTEN, TTP_EV_RCV_FIN },
		{ TCP_ESTABLISHED, TTP_EV_RCV_SYNACK },
		{ TCP_ESTABLISHED, TTP_EV_CONNECT },
		{ TCP_FIN_WAIT2, TTP_EV_CLOSE }, { TCP_TIME_WAIT, TTP_EV_CLOSE },
		{ TCP_LAST_ACK, TTP_EV_CLOSE }, { TCP_CLOSE, TTP_EV_MAX },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct ttp_fsm f = ttp_end(c[i].state, 7);
		struct ttp_fsm_out out;

		KUNIT_EXPECT_EQ(test, ttp_fsm_step(&f, c[i].ev, 0, &out), -EINVAL);
		KUNIT_EXPECT_EQ(test, f.state, c[i].state);
		KUNIT_EXPECT_EQ(test, f.snd_nxt, 0U);
	}
}

/* From every state but CLOSED and LISTEN, a RST leads to CLOSED. */
static void ttp_fsm_every_state_resets_test(struct kunit *test)
{
	u8 state;

	for (state = TCP_ESTABLISHED; state <= TCP_CLOSING; state++) {
		struct ttp_fsm f = ttp_end(state, 0);
		struct ttp_fsm_out out;
		int ret = ttp_fsm_step(&f, TTP_EV_RCV_RST, 0, &out);

		if (state == TCP_CLOSE || state == TCP_LISTEN) {
			KUNIT_EXPECT_EQ(test, ret, -EINVAL);
			continue;
		}
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "state %u", state);
		KUNIT_EXPECT_EQ_MSG(test, f.state, TCP_CLOSE, "state %u", state);
	}
}

static struct kunit_case ttp_fsm_cases[] = {
	KUNIT_CASE(ttp_fsm_three_way_handshake_test),
	KUNIT_CASE(ttp_fsm_simultaneous_open_test),
	KUNIT_CASE(ttp_fsm_four_way_teardown_test),
	KUNIT_CASE(ttp_fsm_three_way_teardown_test),
	KUNIT_CASE(ttp_fsm_simultaneous_close_test),
	KUNIT_CASE(ttp_fsm_lost_last_ack_test),
	KUNIT_CASE(ttp_fsm_reset_test),
	KUNIT_CASE(ttp_fsm_abort_test),
	KUNIT_CASE(ttp_fsm_timeouts_test),
	KUNIT_CASE(ttp_fsm_refused_test),
	KUNIT_CASE(ttp_fsm_every_state_resets_test),
	{}
};

static struct kunit_suite ttp_fsm_suite = {
	.name = "ttp_state",
	.test_cases = ttp_fsm_cases,
};

kunit_test_suite(ttp_fsm_suite);
