// SPDX-License-Identifier: GPL-2.0
/*
 * TTP: the IPv4 protocol handler for IPPROTO_TTP.
 *
 * Segments are validated and counted here as tcp_v4_rcv() does.  Handing
 * them to a socket arrives with the connection lifecycle; until then every
 * valid segment is consumed without an answer.
 */
#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/protocol.h>

#include "ttp.h"

static int ttp_v4_rcv(struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	const struct tcphdr *th;

	if (skb->pkt_type != PACKET_HOST)
		goto discard;

	TTP_INC_STATS(net, TTP_MIB_INSEGS);
	if (!pskb_may_pull(skb, sizeof(struct tcphdr)))
		goto discard;
	th = (const struct tcphdr *)skb->data;
	if (th->doff < sizeof(struct tcphdr) / 4)
		goto bad_packet;
	if (!pskb_may_pull(skb, th->doff * 4))
		goto discard;
	if (skb_checksum_validate(skb, ttp_ipproto, inet_compute_pseudo))
		goto csum_error;

	consume_skb(skb);
	return 0;

csum_error:
	TTP_INC_STATS(net, TTP_MIB_INCSUMERRORS);
bad_packet:
	TTP_INC_STATS(net, TTP_MIB_INERRS);
discard:
	kfree_skb(skb);
	return 0;
}

/* ICMP errors matter once there are connections to report them to. */
static int ttp_v4_err(struct sk_buff *skb, u32 info)
{
	return 0;
}

static const struct net_protocol ttp_net_protocol = {
	.handler	= ttp_v4_rcv,
	.err_handler	= ttp_v4_err,
	.no_policy	= 1,
};

int ttp_ipv4_init(void)
{
	if (inet_add_protocol(&ttp_net_protocol, ttp_ipproto) < 0) {
		pr_err("ttp: IP protocol %d is taken\n", ttp_ipproto);
		return -EBUSY;
	}
	return 0;
}

void ttp_ipv4_exit(void)
{
	inet_del_protocol(&ttp_net_protocol, ttp_ipproto);
	synchronize_net();
}
