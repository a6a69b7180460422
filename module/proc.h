/* SPDX-License-Identifier: GPL-2.0 */
/* TTP: one line of /proc/net/ttp, as a value that KUnit can format. */
#ifndef _TTP_PROC_H
#define _TTP_PROC_H

#include <linux/types.h>

#include "cong.h"

struct ttp_proc_row {
	__be32		saddr;
	__be32		daddr;
	u16		sport;
	u16		dport;
	int		state;
	u32		sendq;
	u32		recvq;
	const char	*timer;		/* NULL: no timer pending */
	unsigned int	timer_ms;
	u32		retrans;
	u32		uid;
	unsigned long	inode;
	/*
	 * Congestion control.  false: the socket has none (a listener,
	 * TIME_WAIT, a request sock) and the four columns are all "-".
	 */
	bool		cong;
	u32		cwnd;		/* segments */
	u32		ssthresh;	/* TTP_INFINITE_SSTHRESH: "-" */
	u8		ca_state;	/* enum ttp_ca_state */
	char		cc[TTP_CA_NAME_MAX];	/* "": "-" */
};

const char *ttp_state_name(int state);
const char *ttp_ca_state_name(int ca_state);
int ttp_proc_format_header(char *buf, size_t size);
int ttp_proc_format_row(char *buf, size_t size, const struct ttp_proc_row *row);

#endif /* _TTP_PROC_H */
