// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: the netfilter hook that sees every TTP segment of a namespace, drops
 * the ones /proc/net/ttp_faults asks for, and records all of them in the
 * ring behind /proc/net/ttp_trace.
 *
 * The hook stands where a lossy network would: last on LOCAL_OUT, after every
 * other hook has let the segment go, and first on LOCAL_IN.  A dropped segment
 * is stolen rather than refused, so the sender's transmit call succeeds, as
 * it would if the segment were lost on the wire.
 */
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/proc_fs.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/tcp.h>

#include "ttp.h"
#include "faults.h"

#define TTP_FAULTS_MAX		32
#define TTP_TRACE_SLOTS		4096

struct ttp_faults {
	spinlock_t		lock;	/* rules, nr and the rules' counters */
	unsigned int		nr;
	struct ttp_fault_rule	rules[TTP_FAULTS_MAX];
};

struct ttp_trace_entry {
	u64		time_us;
	struct ttp_seg	seg;
	bool		dropped;
};

struct ttp_trace {
	spinlock_t		lock;	/* everything below */
	u64			head;	/* entries ever recorded */
	u64			first;	/* oldest entry still readable */
	struct ttp_trace_entry	ent[TTP_TRACE_SLOTS];
};

static bool ttp_seg_from_skb(const struct sk_buff *skb, u8 dir,
			     struct ttp_seg *seg)
{
	const struct iphdr *iph = ip_hdr(skb);
	unsigned int iphlen, hlen, iplen;
	const struct tcphdr *th;
	struct tcphdr _th;

	if (iph->protocol != ttp_ipproto || ip_is_fragment(iph))
		return false;
	iphlen = ip_hdrlen(skb);
	th = skb_header_pointer(skb, skb_network_offset(skb) + iphlen,
				sizeof(_th), &_th);
	if (!th)
		return false;

	iplen = ntohs(iph->tot_len);
	hlen = iphlen + th->doff * 4;
	seg->saddr = iph->saddr;
	seg->daddr = iph->daddr;
	seg->sport = th->source;
	seg->dport = th->dest;
	seg->seq = ntohl(th->seq);
	seg->ack = ntohl(th->ack_seq);
	seg->len = iplen > hlen ? iplen - hlen : 0;
	seg->win = ntohs(th->window);
	seg->flags = tcp_flag_byte(th);
	seg->dir = dir;
	return true;
}

static bool ttp_faults_apply(struct ttp_faults *f, const struct ttp_seg *seg)
{
	bool drop = false;
	unsigned int i;

	if (!READ_ONCE(f->nr))
		return false;
	spin_lock_bh(&f->lock);
	for (i = 0; i < f->nr && !drop; i++) {
		struct ttp_fault_rule *rule = &f->rules[i];
		u32 rnd = 0;

		/* each loss rule draws on its own, independently */
		if (rule->kind == TTP_FAULT_LOSS)
			rnd = get_random_u32_below(TTP_LOSS_SCALE);
		drop = ttp_fault_drops(rule, seg, rnd);
	}
	spin_unlock_bh(&f->lock);
	return drop;
}

static void ttp_trace_record(struct ttp_trace *t, const struct ttp_seg *seg,
			     bool dropped)
{
	u64 time_us = ttp_clock_us();
	struct ttp_trace_entry *e;

	spin_lock_bh(&t->lock);
	e = &t->ent[t->head % TTP_TRACE_SLOTS];
	e->time_us = time_us;
	e->seg = *seg;
	e->dropped = dropped;
	t->head++;
	if (t->head - t->first > TTP_TRACE_SLOTS)
		t->first = t->head - TTP_TRACE_SLOTS;
	spin_unlock_bh(&t->lock);
}

static unsigned int ttp_nf_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	u8 dir = state->hook == NF_INET_LOCAL_IN ? TTP_DIR_IN : TTP_DIR_OUT;
	struct ttp_net *tn = ttp_pernet(state->net);
	struct ttp_seg seg;
	bool drop;

	if (!ttp_seg_from_skb(skb, dir, &seg))
		return NF_ACCEPT;

	drop = ttp_faults_apply(tn->faults, &seg);
	ttp_trace_record(tn->trace, &seg, drop);
	if (!drop)
		return NF_ACCEPT;

	TTP_INC_STATS(state->net, TTP_MIB_FAULTDROPS);
	kfree_skb_reason(skb, SKB_DROP_REASON_NETFILTER_DROP);
	return NF_STOLEN;
}

static const struct nf_hook_ops ttp_nf_ops[] = {
	{
		.hook		= ttp_nf_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_OUT,
		.priority	= NF_IP_PRI_LAST,
	},
	{
		.hook		= ttp_nf_hook,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_LOCAL_IN,
		.priority	= NF_IP_PRI_FIRST,
	},
};

/* /proc/net/ttp_faults */

static int ttp_faults_show(struct seq_file *seq, void *v)
{
	struct ttp_faults *f = ttp_pernet(seq_file_single_net(seq))->faults;
	char line[TTP_FAULT_TEXT_MAX];
	unsigned int i;

	spin_lock_bh(&f->lock);
	for (i = 0; i < f->nr; i++) {
		ttp_fault_format(&f->rules[i], line, sizeof(line));
		seq_puts(seq, line);
	}
	spin_unlock_bh(&f->lock);
	return 0;
}

static bool ttp_proc_is_clear(const char *buf)
{
	return sysfs_streq(buf, "clear");
}

static int ttp_faults_write(struct file *file, char *buf, size_t size)
{
	struct net *net = seq_file_single_net(file->private_data);
	struct ttp_faults *f = ttp_pernet(net)->faults;
	struct ttp_fault_rule rule;
	int err = 0;

	if (!file_ns_capable(file, net->user_ns, CAP_NET_ADMIN))
		return -EPERM;

	if (ttp_proc_is_clear(buf)) {
		spin_lock_bh(&f->lock);
		WRITE_ONCE(f->nr, 0);
		spin_unlock_bh(&f->lock);
		return 0;
	}

	err = ttp_fault_parse(buf, &rule);
	if (err)
		return err;

	spin_lock_bh(&f->lock);
	if (f->nr < TTP_FAULTS_MAX) {
		f->rules[f->nr] = rule;
		/* pairs with the lockless READ_ONCE() in ttp_faults_apply() */
		WRITE_ONCE(f->nr, f->nr + 1);
	} else {
		err = -ENOSPC;
	}
	spin_unlock_bh(&f->lock);
	return err;
}

/* /proc/net/ttp_trace */

struct ttp_trace_iter {
	struct seq_net_private	p;
	u64			next;	/* ring index of the entry in cur */
	struct ttp_trace_entry	cur;
};

/* Copy the entry at it->next, skipping ahead past any overwritten ones. */
static void *ttp_trace_fetch(struct seq_file *seq)
{
	struct ttp_trace *t = ttp_pernet(seq_file_net(seq))->trace;
	struct ttp_trace_iter *it = seq->private;
	void *ret = NULL;

	spin_lock_bh(&t->lock);
	if (it->next < t->first)
		it->next = t->first;
	if (it->next < t->head) {
		it->cur = t->ent[it->next % TTP_TRACE_SLOTS];
		ret = &it->cur;
	}
	spin_unlock_bh(&t->lock);
	return ret;
}

/*
 * The trace shows every connection's sequence numbers and windows, what a
 * blind attacker needs to inject: reading it takes what capturing packets
 * takes, CAP_NET_ADMIN or CAP_NET_RAW over the namespace, checked against
 * whoever opened the file.
 */
static bool ttp_trace_may_read(struct seq_file *seq)
{
	struct user_namespace *ns = seq_file_net(seq)->user_ns;

	return file_ns_capable(seq->file, ns, CAP_NET_ADMIN) ||
	       file_ns_capable(seq->file, ns, CAP_NET_RAW);
}

static void *ttp_trace_start(struct seq_file *seq, loff_t *pos)
{
	struct ttp_trace_iter *it = seq->private;

	if (!ttp_trace_may_read(seq))
		return ERR_PTR(-EPERM);
	if (!*pos)
		it->next = 0;
	return ttp_trace_fetch(seq);
}

static void *ttp_trace_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct ttp_trace_iter *it = seq->private;

	++*pos;
	it->next++;
	return ttp_trace_fetch(seq);
}

static void ttp_trace_stop(struct seq_file *seq, void *v)
{
}

static int ttp_trace_show(struct seq_file *seq, void *v)
{
	const struct ttp_trace_entry *e = v;
	const struct ttp_seg *s = &e->seg;
	char flags[12];

	ttp_flags_format(s->flags, flags, sizeof(flags));
	seq_printf(seq, "%llu %s %pI4:%u %pI4:%u %s %u %u %u %u %s\n",
		   e->time_us, s->dir == TTP_DIR_IN ? "in" : "out",
		   &s->saddr, ntohs(s->sport), &s->daddr, ntohs(s->dport),
		   flags, s->seq, s->ack, s->len, s->win,
		   e->dropped ? "drop" : "pass");
	return 0;
}

static const struct seq_operations ttp_trace_seq_ops = {
	.start	= ttp_trace_start,
	.next	= ttp_trace_next,
	.stop	= ttp_trace_stop,
	.show	= ttp_trace_show,
};

static int ttp_trace_write(struct file *file, char *buf, size_t size)
{
	struct net *net = seq_file_net(file->private_data);
	struct ttp_trace *t = ttp_pernet(net)->trace;

	if (!file_ns_capable(file, net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (!ttp_proc_is_clear(buf))
		return -EINVAL;

	spin_lock_bh(&t->lock);
	t->first = t->head;
	spin_unlock_bh(&t->lock);
	return 0;
}

int ttp_netfilter_net_init(struct net *net)
{
	struct ttp_net *tn = ttp_pernet(net);
	int err = -ENOMEM;

	tn->faults = kzalloc(sizeof(*tn->faults), GFP_KERNEL_ACCOUNT);
	tn->trace = kvzalloc(sizeof(*tn->trace), GFP_KERNEL_ACCOUNT);
	if (!tn->faults || !tn->trace)
		goto err_free;
	spin_lock_init(&tn->faults->lock);
	spin_lock_init(&tn->trace->lock);

	if (!proc_create_net_single_write("ttp_faults", 0644, net->proc_net,
					  ttp_faults_show, ttp_faults_write,
					  NULL))
		goto err_free;
	if (!proc_create_net_data_write("ttp_trace", 0600, net->proc_net,
					&ttp_trace_seq_ops, ttp_trace_write,
					sizeof(struct ttp_trace_iter), NULL))
		goto err_faults;

	err = nf_register_net_hooks(net, ttp_nf_ops, ARRAY_SIZE(ttp_nf_ops));
	if (err)
		goto err_trace;
	return 0;

err_trace:
	remove_proc_entry("ttp_trace", net->proc_net);
err_faults:
	remove_proc_entry("ttp_faults", net->proc_net);
err_free:
	kvfree(tn->trace);
	kfree(tn->faults);
	return err;
}

void ttp_netfilter_net_exit(struct net *net)
{
	struct ttp_net *tn = ttp_pernet(net);

	nf_unregister_net_hooks(net, ttp_nf_ops, ARRAY_SIZE(ttp_nf_ops));
	remove_proc_entry("ttp_trace", net->proc_net);
	remove_proc_entry("ttp_faults", net->proc_net);
	kvfree(tn->trace);
	kfree(tn->faults);
}
