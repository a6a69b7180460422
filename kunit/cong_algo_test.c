// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: an algorithm from another module sees its ->init and ->release
 * in pairs, and ->init only once the socket has an MSS.
 *
 * An algorithm may allocate in ->init and free in ->release, as Linux's
 * tcp_cdg does: a second ->init without a ->release between (which
 * connect(AF_UNSPEC) once did) leaks, and an algorithm that sizes its
 * state by the MSS cannot do so from 0 (which a listener's child once
 * had at ->init).  This suite registers an algorithm of its own, owned by
 * this module, and takes kernel sockets through connect, accept,
 * disconnect, a second connect and close.  It runs in the initial
 * namespace, whose loopback is up.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/inet.h>
#include <linux/module.h>
#include <linux/net.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "../module/ttp.h"

#define TTP_ALGO_TEST_NAME	"kunit_pairs"

static atomic_t ttp_algo_inits, ttp_algo_releases, ttp_algo_zero_mss;

static void ttp_algo_test_init(struct sock *sk)
{
	atomic_inc(&ttp_algo_inits);
	if (!READ_ONCE(ttp_sk(sk)->mss))
		atomic_inc(&ttp_algo_zero_mss);
}

static void ttp_algo_test_release(struct sock *sk)
{
	atomic_inc(&ttp_algo_releases);
}

static struct ttp_congestion_ops ttp_algo_test_ops = {
	.init		= ttp_algo_test_init,
	.release	= ttp_algo_test_release,
	.ssthresh	= ttp_reno_ssthresh,
	.cong_avoid	= ttp_reno_cong_avoid,
	.undo_cwnd	= ttp_reno_undo_cwnd,
	.name		= TTP_ALGO_TEST_NAME,
	.owner		= THIS_MODULE,
};

/* The sockets of a case, for the exit to release if the case stopped. */
struct ttp_algo_test_ctx {
	struct socket *lsock, *csock, *asock[2];
	int refs;	/* this module's references before the case */
	bool registered;
};

static int ttp_algo_test_case_init(struct kunit *test)
{
	struct ttp_algo_test_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	test->priv = ctx;
	atomic_set(&ttp_algo_inits, 0);
	atomic_set(&ttp_algo_releases, 0);
	atomic_set(&ttp_algo_zero_mss, 0);
	ctx->refs = module_refcount(THIS_MODULE);
	if (ttp_register_congestion_control(&ttp_algo_test_ops))
		return -EEXIST;
	ctx->registered = true;
	return 0;
}

/* A socket closed with SO_LINGER 0 is aborted and destroyed at once. */
static void ttp_algo_test_abort(struct socket **sock)
{
	if (!*sock)
		return;
	sock_no_linger((*sock)->sk);
	sock_release(*sock);
	*sock = NULL;
}

static void ttp_algo_test_case_exit(struct kunit *test)
{
	struct ttp_algo_test_ctx *ctx = test->priv;

	if (!ctx)
		return;
	ttp_algo_test_abort(&ctx->asock[0]);
	ttp_algo_test_abort(&ctx->asock[1]);
	ttp_algo_test_abort(&ctx->csock);
	ttp_algo_test_abort(&ctx->lsock);
	/*
	 * Only once no socket holds this module: the sockets that a failed
	 * case left are aborted above, and a TIME_WAIT sock holds no
	 * algorithm.
	 */
	if (ctx->registered)
		ttp_unregister_congestion_control(&ttp_algo_test_ops);
}

static struct socket *ttp_algo_test_socket(struct kunit *test)
{
	char name[] = TTP_ALGO_TEST_NAME;
	struct socket *sock;
	int err;

	KUNIT_ASSERT_EQ(test, 0, sock_create_kern(&init_net, AF_TTP,
						  SOCK_STREAM, 0, &sock));
	err = sock->ops->setsockopt(sock, SOL_TTP, TTP_CONGESTION,
				    KERNEL_SOCKPTR(name), sizeof(name) - 1);
	KUNIT_EXPECT_EQ(test, 0, err);
	return sock;
}

/* This module's references, once those being given back are. */
static int ttp_algo_test_refs(int want)
{
	int refs = module_refcount(THIS_MODULE);

	/* an orphan's last segments may still be on their way */
	for (int i = 0; i < 100 && refs != want; i++) {
		msleep(20);
		refs = module_refcount(THIS_MODULE);
	}
	return refs;
}

static void ttp_algo_init_release_paired(struct kunit *test)
{
	struct ttp_algo_test_ctx *ctx = test->priv;
	struct sockaddr_ttp addr = {
		.sttp_family	= AF_TTP,
		.sttp_addr	= htonl(INADDR_LOOPBACK),
	};
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	int inits;

	/* the listener, and so its children, and the client use it */
	ctx->lsock = ttp_algo_test_socket(test);
	KUNIT_ASSERT_EQ(test, 0, kernel_bind(ctx->lsock,
					     (struct sockaddr *)&addr,
					     sizeof(addr)));
	KUNIT_ASSERT_EQ(test, 0, kernel_listen(ctx->lsock, 2));
	KUNIT_ASSERT_LT(test, 0, kernel_getsockname(ctx->lsock,
						    (struct sockaddr *)&addr));
	ctx->csock = ttp_algo_test_socket(test);
	KUNIT_ASSERT_EQ(test, 0, kernel_connect(ctx->csock,
						(struct sockaddr *)&addr,
						sizeof(addr), 0));
	KUNIT_ASSERT_EQ(test, 0, kernel_accept(ctx->lsock, &ctx->asock[0], 0));
	/* the listener, the client and the child hold this module */
	KUNIT_EXPECT_EQ(test, ctx->refs + 3, module_refcount(THIS_MODULE));
	KUNIT_EXPECT_EQ(test, atomic_read(&ttp_algo_releases) + 3,
			atomic_read(&ttp_algo_inits));

	/* connect(AF_UNSPEC): the algorithm ends and begins again */
	inits = atomic_read(&ttp_algo_inits);
	KUNIT_ASSERT_EQ(test, 0, kernel_connect(ctx->csock, &unspec,
						sizeof(unspec), 0));
	KUNIT_EXPECT_EQ(test, inits + 1, atomic_read(&ttp_algo_inits));
	KUNIT_EXPECT_EQ(test, atomic_read(&ttp_algo_releases) + 3,
			atomic_read(&ttp_algo_inits));
	KUNIT_ASSERT_EQ(test, 0, kernel_connect(ctx->csock,
						(struct sockaddr *)&addr,
						sizeof(addr), 0));
	KUNIT_ASSERT_EQ(test, 0, kernel_accept(ctx->lsock, &ctx->asock[1], 0));
	KUNIT_EXPECT_EQ(test, ctx->refs + 4, module_refcount(THIS_MODULE));

	/*
	 * The first child (reset by the disconnect) and the listener are
	 * aborted; the second connection closes in order, the client
	 * first, which leaves it in TIME_WAIT for 2 MSL: its sock holds
	 * no algorithm, so every reference comes back long before.
	 */
	ttp_algo_test_abort(&ctx->asock[0]);
	ttp_algo_test_abort(&ctx->lsock);
	sock_release(ctx->csock);
	ctx->csock = NULL;
	sock_release(ctx->asock[1]);
	ctx->asock[1] = NULL;
	KUNIT_EXPECT_EQ(test, ctx->refs, ttp_algo_test_refs(ctx->refs));

	KUNIT_EXPECT_EQ(test, atomic_read(&ttp_algo_inits),
			atomic_read(&ttp_algo_releases));
	/* the listener, the client twice, and two children */
	KUNIT_EXPECT_EQ(test, 5, atomic_read(&ttp_algo_inits));
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&ttp_algo_zero_mss));
}

static struct kunit_case ttp_cong_algo_cases[] = {
	KUNIT_CASE(ttp_algo_init_release_paired),
	{}
};

static struct kunit_suite ttp_cong_algo_suite = {
	.name = "ttp_cong_algo",
	.init = ttp_algo_test_case_init,
	.exit = ttp_algo_test_case_exit,
	.test_cases = ttp_cong_algo_cases,
};

kunit_test_suite(ttp_cong_algo_suite);
