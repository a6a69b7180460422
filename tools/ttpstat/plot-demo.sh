#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make plot-lossy.svg (beside README.md): the time-sequence graph of one
# TTP transfer over a lossy, slow loopback, drawn by "ttpstat plot".
#
# On this machine it builds ttp.ko and the tools, boots the test VM
# (tools/vm/run) and runs itself there with --guest; then it draws the
# picture from the ring and the trace the VM saved, and checks that the
# picture drawn in the VM (from the live trace, trace_clock known to be
# mono) is the same.
#
# In the VM, in a namespace of its own: lo with an MTU of 1500 (segments
# of 1448 bytes, as on Ethernet), netem adding 20 ms each way and losing 1%
# of the packets, delayed ACKs off; the ttp:ttp_cong and ttp:ttp_sack
# tracepoints on trace_clock mono, the clock of /proc/net/ttp_trace; ttpcat sends
# PLOT_BYTES (default 500000) to port 9000.  The ring holds 4096 records
# and on loopback a segment is recorded leaving and arriving, so a
# segment and its ACK take four: 500 KB (346 segments) fits, with room.
#
# usage: tools/ttpstat/plot-demo.sh [OUT_DIR]  (default /var/tmp/ttp-plot)
set -euo pipefail
cd "$(dirname "$0")/../.."
port=9000
bytes=${PLOT_BYTES:-500000}

guest() {
	local out=$TTP_OUT tracing=/sys/kernel/tracing

	ip link set lo up
	ip link set lo mtu 1500
	tc qdisc add dev lo root netem delay 20ms loss 1%
	echo 0 >/proc/sys/net/ttp/delayed_ack_ms
	echo clear >/proc/net/ttp_trace

	# the ring stamps with ktime_get: CLOCK_MONOTONIC, tracefs's "mono"
	echo mono >$tracing/trace_clock
	echo 1 >$tracing/events/ttp/ttp_cong/enable
	echo 1 >$tracing/events/ttp/ttp_sack/enable
	echo >$tracing/trace

	head -c "$bytes" /dev/urandom >/tmp/data
	tools/ttpcat/ttpcat -l 127.0.0.1 "$port" </dev/null >/tmp/received &
	for _ in $(seq 100); do
		tools/ttpstat/ttpstat -l -p "$port" | grep -q LISTEN && break
		sleep 0.1
	done
	tools/ttpcat/ttpcat 127.0.0.1 "$port" </tmp/data >/dev/null
	wait
	cmp /tmp/data /tmp/received
	echo 0 >$tracing/events/ttp/ttp_cong/enable
	echo 0 >$tracing/events/ttp/ttp_sack/enable

	cat /proc/net/ttp_trace >"$out/ttp_trace"
	cat $tracing/trace >"$out/trace"
	cat $tracing/trace_clock >"$out/trace_clock"
	cat /proc/net/ttp_stats >"$out/ttp_stats"
	tc -s qdisc show dev lo >"$out/netem"
	# the whole connection, from its SYN: or the ring wrapped
	awk -v p=":$port" '$3 ~ p"$" || $4 ~ p"$" { print $5; exit }' \
		"$out/ttp_trace" | grep -qx S ||
		{ echo "plot-demo: the ring lost the SYN: send less" >&2; exit 1; }
	echo "ring: $(wc -l <"$out/ttp_trace") records"
	tools/ttpstat/ttpstat plot "$port" --svg "$out/guest.svg"
}

# in the VM: the ring, lo and the sysctl are per namespace; a new one
case "${1:-}" in
--guest) exec unshare -n "$0" --netns ;;
--netns) guest; exit ;;
esac

out=${1:-/var/tmp/ttp-plot}
kdir=$(tools/vm/build-kernel)
make -s KDIR="$kdir" module
make -s tools/ttpcat/ttpcat
make -s -C tools/ttpstat ttpstat
rm -rf "$out"
tools/vm/run --timeout 900 --out "$out" -- tools/ttpstat/plot-demo.sh --guest
TTPSTAT_PROC=$out tools/ttpstat/ttpstat plot "$port" \
	--events "$out/trace" --svg plot-lossy.svg
cmp "$out/guest.svg" plot-lossy.svg &&
	echo "plot-lossy.svg: the same as drawn in the VM from the live trace"
