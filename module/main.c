// SPDX-License-Identifier: GPL-2.0
/*
 * TTP (Tiny Transport Protocol): module setup.
 *
 * The hash tables are shared by all namespaces, as TCP's are; every lookup
 * and every listing compares the namespace.  Everything else that changes at
 * run time (tunables, counters, fault rules, the trace ring, procfs files and
 * netfilter hooks) is per namespace, in struct ttp_net.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <net/inet_hashtables.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "ttp.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

int ttp_ipproto = IPPROTO_TTP;
module_param_named(ipproto, ttp_ipproto, int, 0444);
MODULE_PARM_DESC(ipproto, "IP protocol number: 253 (default) or 254");

#define TTP_BHASH_SIZE	BIT(12)

struct inet_hashinfo ttp_hashinfo;
unsigned int ttp_net_id __read_mostly;

static void ttp_hashinfo_free(void)
{
	struct inet_hashinfo *h = &ttp_hashinfo;

	kvfree(h->bhash2);
	kvfree(h->bhash);
	inet_ehash_locks_free(h);
	kvfree(h->ehash);
	kmem_cache_destroy(h->bind2_bucket_cachep);
	kmem_cache_destroy(h->bind_bucket_cachep);
	inet_hashinfo2_free_mod(h);
}

static int ttp_hashinfo_init(void)
{
	struct inet_hashinfo *h = &ttp_hashinfo;
	unsigned int i;

	if (inet_hashinfo2_init_mod(h))
		return -ENOMEM;
	h->bind_bucket_cachep = kmem_cache_create("ttp_bind_bucket",
						  sizeof(struct inet_bind_bucket),
						  0, SLAB_HWCACHE_ALIGN |
						  SLAB_ACCOUNT, NULL);
	h->bind2_bucket_cachep = kmem_cache_create("ttp_bind2_bucket",
						   sizeof(struct inet_bind2_bucket),
						   0, SLAB_HWCACHE_ALIGN |
						   SLAB_ACCOUNT, NULL);
	h->ehash = kvmalloc_array(TTP_EHASH_SIZE, sizeof(*h->ehash),
				  GFP_KERNEL);
	h->ehash_mask = TTP_EHASH_SIZE - 1;
	h->bhash = kvmalloc_array(TTP_BHASH_SIZE, sizeof(*h->bhash),
				  GFP_KERNEL);
	h->bhash2 = kvmalloc_array(TTP_BHASH_SIZE, sizeof(*h->bhash2),
				   GFP_KERNEL);
	h->bhash_size = TTP_BHASH_SIZE;
	h->pernet = false;
	if (!h->bind_bucket_cachep || !h->bind2_bucket_cachep || !h->ehash ||
	    !h->bhash || !h->bhash2 || inet_ehash_locks_alloc(h)) {
		ttp_hashinfo_free();
		return -ENOMEM;
	}

	for (i = 0; i < TTP_EHASH_SIZE; i++)
		INIT_HLIST_NULLS_HEAD(&h->ehash[i].chain, i);
	for (i = 0; i < TTP_BHASH_SIZE; i++) {
		spin_lock_init(&h->bhash[i].lock);
		INIT_HLIST_HEAD(&h->bhash[i].chain);
		spin_lock_init(&h->bhash2[i].lock);
		INIT_HLIST_HEAD(&h->bhash2[i].chain);
	}
	return 0;
}

static int __net_init ttp_net_init(struct net *net)
{
	struct ttp_net *tn = ttp_pernet(net);
	int err;

	ttp_cong_net_init(tn);
	tn->mib = alloc_percpu(struct ttp_mib);
	if (!tn->mib)
		return -ENOMEM;
	err = ttp_sysctl_net_init(net);
	if (err)
		goto err_mib;
	err = ttp_proc_net_init(net);
	if (err)
		goto err_sysctl;
	err = ttp_netfilter_net_init(net);
	if (err)
		goto err_proc;
	err = ttp_ctl_net_init(net);
	if (err)
		goto err_netfilter;
	refcount_set(&tn->tw_row.tw_refcount, 1);
	tn->tw_row.hashinfo = &ttp_hashinfo;
	tn->tw_row.sysctl_max_tw_buckets = TTP_MAX_TW_BUCKETS;
	return 0;

err_netfilter:
	ttp_netfilter_net_exit(net);
err_proc:
	ttp_proc_net_exit(net);
err_sysctl:
	ttp_sysctl_net_exit(net);
err_mib:
	free_percpu(tn->mib);
	return err;
}

static void __net_exit ttp_net_exit(struct net *net)
{
	ttp_ctl_net_exit(net);
	ttp_netfilter_net_exit(net);
	ttp_proc_net_exit(net);
	ttp_sysctl_net_exit(net);
	free_percpu(ttp_pernet(net)->mib);
	ttp_cong_net_exit(ttp_pernet(net));
}

/*
 * TIME_WAIT and request socks hold no reference on their namespace: those
 * of namespaces going away go now, before their death row is freed.
 */
static void __net_exit ttp_net_exit_batch(struct list_head *net_exit_list)
{
	struct net *net;

	inet_twsk_purge(&ttp_hashinfo);
	list_for_each_entry(net, net_exit_list, exit_list) {
		struct ttp_net *tn = ttp_pernet(net);

		WARN_ON_ONCE(!refcount_dec_and_test(&tn->tw_row.tw_refcount));
	}
}

static struct pernet_operations ttp_net_ops = {
	.init	= ttp_net_init,
	.exit	= ttp_net_exit,
	.exit_batch = ttp_net_exit_batch,
	.id	= &ttp_net_id,
	.size	= sizeof(struct ttp_net),
};

static const struct net_proto_family ttp_family = {
	.family	= PF_TTP,
	.create	= ttp_create_socket,
	.owner	= THIS_MODULE,
};

static int __init ttp_init(void)
{
	int err;

	if (ttp_ipproto != IPPROTO_TTP && ttp_ipproto != IPPROTO_TTP + 1) {
		pr_err("ttp: ipproto must be %d or %d\n", IPPROTO_TTP,
		       IPPROTO_TTP + 1);
		return -EINVAL;
	}

	err = ttp_cong_init();
	if (err)
		return err;
	err = ttp_hashinfo_init();
	if (err)
		goto err_cong;
	err = ttp_proto_init();
	if (err)
		goto err_hashinfo;
	err = proto_register(&ttp_prot, 1);
	if (err)
		goto err_proto_init;
	err = register_pernet_subsys(&ttp_net_ops);
	if (err)
		goto err_proto;
	/*
	 * The memory a socket may always use, rmem[0] and wmem[0], guards the
	 * machine's memory: the initial namespace's values hold for all.
	 */
	ttp_prot.sysctl_rmem = ttp_pernet(&init_net)->sysctl.rmem;
	ttp_prot.sysctl_wmem = ttp_pernet(&init_net)->sysctl.wmem;
	err = ttp_sysctl_init();
	if (err)
		goto err_pernet;
	err = ttp_ipv4_init();
	if (err)
		goto err_sysctl;
	err = sock_register(&ttp_family);
	if (err)
		goto err_ipv4;
	ttp_fail_fin_init();
	return 0;

err_ipv4:
	ttp_ipv4_exit();
err_sysctl:
	ttp_sysctl_exit();
err_pernet:
	unregister_pernet_subsys(&ttp_net_ops);
err_proto:
	proto_unregister(&ttp_prot);
err_proto_init:
	ttp_proto_exit();
err_hashinfo:
	ttp_hashinfo_free();
err_cong:
	ttp_cong_exit();
	return err;
}

static void __exit ttp_exit(void)
{
	ttp_fail_fin_exit();
	sock_unregister(PF_TTP);
	ttp_ipv4_exit();
	ttp_sysctl_exit();
	unregister_pernet_subsys(&ttp_net_ops);
	proto_unregister(&ttp_prot);
	ttp_proto_exit();
	ttp_hashinfo_free();
	ttp_cong_exit();
}

module_init(ttp_init);
module_exit(ttp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("TTP: a TCP-like reliable transport");
MODULE_ALIAS_NETPROTO(PF_TTP);
