// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: /proc/sys/net/ttp/, one set of tunables per network namespace.
 *
 * proc_dointvec_minmax() rejects out-of-range and non-numeric writes with
 * EINVAL and leaves the value unchanged, which is what the spec asks.
 */
#include <linux/sysctl.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <net/net_namespace.h>

#include "ttp.h"

static const struct ttp_sysctl ttp_sysctl_default = {
	.msl_ms			= 30000,
	.rto_initial_ms		= 1000,
	.rto_min_ms		= 200,
	.rto_max_ms		= 120000,
	.syn_retries		= 6,
	.retries		= 15,
	.delayed_ack_ms		= 40,
	.fin_wait2_timeout_ms	= 60000,
	.max_syn_backlog	= 256,
	.orphan_retries		= 8,
	.challenge_ack_limit	= 1000,
	.syncookies		= 1,
	.timestamps		= 1,
	.sack			= 1,
	/*
	 * TTP does not grow its buffers as TCP's autotuning does, so the
	 * defaults are the core's (net.core.rmem_default), not TCP's.
	 */
	.rmem			= { 4096, 212992, 6291456 },
	.wmem			= { 4096, 212992, 4194304 },
};

/* proc_dointvec_minmax() takes the bounds through non-const pointers. */
static struct ttp_sysctl ttp_sysctl_min = {
	.msl_ms			= 10,
	.rto_initial_ms		= 10,
	.rto_min_ms		= 1,
	.rto_max_ms		= 100,
	.syn_retries		= 1,
	.retries		= 1,
	.delayed_ack_ms		= 0,
	.fin_wait2_timeout_ms	= 100,
	.max_syn_backlog	= 1,
	.orphan_retries		= 1,
	.challenge_ack_limit	= 0,
	.syncookies		= 0,
	.timestamps		= 0,
	.sack			= 0,
	.rmem			= { 1, 1, 1 },
	.wmem			= { 1, 1, 1 },
};

static struct ttp_sysctl ttp_sysctl_max = {
	.msl_ms			= 600000,
	.rto_initial_ms		= 120000,
	.rto_min_ms		= 60000,
	.rto_max_ms		= 600000,
	.syn_retries		= 127,
	.retries		= 255,
	.delayed_ack_ms		= 1000,
	.fin_wait2_timeout_ms	= 600000,
	.max_syn_backlog	= 65535,
	.orphan_retries		= 255,
	.challenge_ack_limit	= INT_MAX,
	.syncookies		= 2,
	.timestamps		= 1,
	.sack			= 1,
	.rmem			= { INT_MAX, INT_MAX, INT_MAX },
	.wmem			= { INT_MAX, INT_MAX, INT_MAX },
};

/*
 * In the template .data holds the field's offset in struct ttp_sysctl; each
 * namespace's copy points it at that namespace's value, and the bounds at
 * the same field of ttp_sysctl_min and ttp_sysctl_max.
 */
#define TTP_SYSCTL_VEC(field, n) {					\
	.procname	= #field,					\
	.data		= (void *)offsetof(struct ttp_sysctl, field),	\
	.maxlen		= (n) * sizeof(int),				\
	.mode		= 0644,						\
	.proc_handler	= proc_dointvec_minmax,				\
}

#define TTP_SYSCTL(field)	TTP_SYSCTL_VEC(field, 1)

/* The namespace a per-namespace entry's data (its ttp_sysctl) is in. */
static struct ttp_net *ttp_sysctl_net(ttp_handler_const struct ctl_table *ctl)
{
	return container_of((struct ttp_sysctl *)ctl->data, struct ttp_net,
			    sysctl);
}

/*
 * congestion_control: the algorithm of new sockets, by name.  A name no
 * algorithm has fails with EINVAL, as any value out of range does.
 */
static int ttp_proc_congestion_control(ttp_handler_const struct ctl_table *ctl,
				       int write, void *buffer, size_t *lenp,
				       loff_t *ppos)
{
	struct ttp_net *tn = ttp_sysctl_net(ctl);
	char name[TTP_CA_NAME_MAX];
	struct ctl_table tbl = {
		.data	= name,
		.maxlen	= sizeof(name),
	};
	int err;

	ttp_cong_get_default(tn, name);
	err = proc_dostring(&tbl, write, buffer, lenp, ppos);
	if (write && !err && ttp_cong_set_default(tn, name))
		err = -EINVAL;
	return err;
}

/* available_congestion_control: the names, read only. */
static int ttp_proc_available_cc(ttp_handler_const struct ctl_table *ctl,
				 int write, void *buffer, size_t *lenp,
				 loff_t *ppos)
{
	struct ctl_table tbl = { .maxlen = 256 };
	int err;

	tbl.data = kmalloc(tbl.maxlen, GFP_USER);
	if (!tbl.data)
		return -ENOMEM;
	ttp_cong_get_available(tbl.data, tbl.maxlen);
	err = proc_dostring(&tbl, write, buffer, lenp, ppos);
	kfree(tbl.data);
	return err;
}

/* An entry whose handler finds the namespace from its data. */
#define TTP_SYSCTL_NET(name, mode_, handler) {				\
	.procname	= name,						\
	.data		= (void *)0,	/* the namespace's ttp_sysctl */	\
	.maxlen		= TTP_CA_NAME_MAX,				\
	.mode		= mode_,					\
	.proc_handler	= handler,					\
}

/* The entries of a table, without the empty one that ends it. */
#define TTP_SYSCTL_SIZE(table)	(ARRAY_SIZE(table) - 1)

static const struct ctl_table ttp_sysctl_template[] = {
	TTP_SYSCTL(msl_ms),
	TTP_SYSCTL(rto_initial_ms),
	TTP_SYSCTL(rto_min_ms),
	TTP_SYSCTL(rto_max_ms),
	TTP_SYSCTL(syn_retries),
	TTP_SYSCTL(retries),
	TTP_SYSCTL(delayed_ack_ms),
	TTP_SYSCTL(fin_wait2_timeout_ms),
	TTP_SYSCTL(max_syn_backlog),
	TTP_SYSCTL(orphan_retries),
	TTP_SYSCTL(challenge_ack_limit),
	TTP_SYSCTL(syncookies),
	TTP_SYSCTL(timestamps),
	TTP_SYSCTL(sack),
	TTP_SYSCTL_VEC(rmem, 3),
	TTP_SYSCTL_VEC(wmem, 3),
	TTP_SYSCTL_NET("congestion_control", 0644,
		       ttp_proc_congestion_control),
	TTP_SYSCTL_NET("available_congestion_control", 0444,
		       ttp_proc_available_cc),
	{ }	/* 6.1's end of the table; not counted (TTP_SYSCTL_SIZE) */
};

/*
 * Orphans, sockets closed by their application that still finish their
 * teardown, live in the whole machine's memory: their limit is global, as
 * tcp_max_orphans is, and shown in the initial namespace only.  The default
 * is TCP's rule, half the established hash.
 */
int ttp_max_orphans __read_mostly = TTP_EHASH_SIZE / 2;

/*
 * Pages that all TTP sockets together may hold in their queues, as
 * tcp_mem: below mem[0] nothing is asked, above mem[1] TTP is under
 * pressure (windows stop growing, out-of-order data is pruned), and
 * nothing is charged beyond mem[2].  The defaults are TCP's rule, from
 * the memory the machine has (ttp_mem_init()).
 */
long ttp_mem[3] __read_mostly;

static struct ctl_table ttp_global_table[] = {
	{
		.procname	= "mem",
		.data		= &ttp_mem,
		.maxlen		= sizeof(ttp_mem),
		.mode		= 0644,
		.proc_handler	= proc_doulongvec_minmax,
	},
	{
		.procname	= "max_orphans",
		.data		= &ttp_max_orphans,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_INT_MAX,
	},
	{ }	/* as in ttp_sysctl_template */
};

static struct ctl_table_header *ttp_global_hdr;

int ttp_sysctl_init(void)
{
	unsigned long limit = max(nr_free_buffer_pages() / 16, 128UL);

	ttp_mem[0] = limit / 4 * 3;
	ttp_mem[1] = limit;
	ttp_mem[2] = ttp_mem[0] * 2;
	ttp_global_hdr = ttp_register_net_sysctl(&init_net, "net/ttp",
						 ttp_global_table,
						 TTP_SYSCTL_SIZE(ttp_global_table));
	return ttp_global_hdr ? 0 : -ENOMEM;
}

void ttp_sysctl_exit(void)
{
	unregister_net_sysctl_table(ttp_global_hdr);
}

int ttp_sysctl_net_init(struct net *net)
{
	struct ttp_net *tn = ttp_pernet(net);
	struct ctl_table *table;
	int i;

	tn->sysctl = ttp_sysctl_default;

	table = kmemdup(ttp_sysctl_template, sizeof(ttp_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (i = 0; table[i].procname; i++) {
		uintptr_t offset = (uintptr_t)table[i].data;

		table[i].data = (char *)&tn->sysctl + offset;
		table[i].extra1 = (char *)&ttp_sysctl_min + offset;
		table[i].extra2 = (char *)&ttp_sysctl_max + offset;
	}

	tn->sysctl_hdr = ttp_register_net_sysctl(net, "net/ttp", table,
						 TTP_SYSCTL_SIZE(ttp_sysctl_template));
	if (!tn->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

void ttp_sysctl_net_exit(struct net *net)
{
	struct ttp_net *tn = ttp_pernet(net);
	const struct ctl_table *table = tn->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(tn->sysctl_hdr);
	kfree(table);
}
