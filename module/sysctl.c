// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: /proc/sys/net/ttp/, one set of tunables per network namespace.
 *
 * proc_dointvec_minmax() rejects out-of-range and non-numeric writes with
 * EINVAL and leaves the value unchanged, which is what the spec asks.
 */
#include <linux/sysctl.h>
#include <linux/slab.h>
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
};

/*
 * In the template .data holds the field's offset in struct ttp_sysctl; each
 * namespace's copy points it at that namespace's value, and the bounds at
 * the same field of ttp_sysctl_min and ttp_sysctl_max.
 */
#define TTP_SYSCTL(field) {						\
	.procname	= #field,					\
	.data		= (void *)offsetof(struct ttp_sysctl, field),	\
	.maxlen		= sizeof(int),					\
	.mode		= 0644,						\
	.proc_handler	= proc_dointvec_minmax,				\
}

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
	{ }
};

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

	tn->sysctl_hdr = register_net_sysctl(net, "net/ttp", table);
	if (!tn->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

void ttp_sysctl_net_exit(struct net *net)
{
	struct ttp_net *tn = ttp_pernet(net);
	struct ctl_table *table = tn->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(tn->sysctl_hdr);
	kfree(table);
}
