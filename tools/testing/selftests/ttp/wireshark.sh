#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# tools/wireshark/ttp.lua, the Wireshark plugin, on real TTP captures.
#
# ttpcat moves known bytes over TTP while tcpdump captures; tshark reads
# the capture with the plugin.  Each segment is TTP, decoded by TCP's
# dissector (SYN, SYN+ACK, the data at relative sequence numbers from 1,
# both FINs), every checksum reads good and TCP's own check stays off; a
# copy with one payload byte flipped reads bad for that segment alone.
# Without the plugin, TCP's dissector with tcp.check_checksum on reads
# every checksum bad, since it puts protocol 6 in the pseudo-header: the
# reason for the plugin.
#
# That capture is taken on a veth pair between two namespaces with
# transmit checksum offload off.  On lo (and on a veth with offload on) a
# segment is captured before its checksum is filled in, so the field holds
# only the pseudo-header's sum; a second capture, on lo, checks that the
# plugin says so rather than calling those checksums bad.
#
# Run as root in the VM with ttp.ko loaded; prints TAP.  The captures are
# copied to $TTP_OUT when that is set.  With a directory argument, reads
# the captures saved there (veth.pcap, lo.pcap, sent) instead: no root and
# no TTP needed, only tshark and python3.
#
# Every program started costs seconds in the VM, and tshark about a
# minute, so the checks work on tshark's output in bash alone, and tshark
# runs three times: with the plugin on one file holding the capture, its
# flipped copy and the lo capture; without it; with it and TCP's check on.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
plugin=$top/tools/wireshark/ttp.lua
export PATH=$top/tools/ttpcat:$PATH
work=$(mktemp -d /tmp/ttp-wireshark.XXXXXX)
# tshark wants a writable configuration directory; / is read-only in the VM
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config
mkdir -p "$XDG_CONFIG_HOME"
port=7253	# no dissector of Wireshark's claims this TCP port
ns_a=ttp-ws-a-$$
ns_b=ttp-ws-b-$$
tap_suite=wireshark
# shellcheck source=tap.sh
. "$here/tap.sh"

cleanup() {
	kill_bg
	ip netns del "$ns_a" 2>/dev/null
	ip netns del "$ns_b" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT


# comment FILE [PREFIX]: FILE as TAP comments, long lines cut
comment() {
	local line

	while IFS= read -r line; do
		echo "# ${2:-}${line:0:150}"
	done < "$1"
}

# nap: a fifth of a second, without starting sleep
nap() {
	read -r -t 0.2 -u 9 _
}

# states PID: the states of the TTP sockets on $port in PID's namespace
states() {
	local l r st

	while read -r l r st _; do
		[[ $l == *":$port" || $r == *":$port" ]] && echo "$st"
	done < "/proc/$1/net/ttp"
}

# wait_for WHAT COMMAND...: until COMMAND succeeds, for up to 30 s
wait_for() {
	local what=$1 i

	shift
	for ((i = 0; i < 150; i++)); do
		"$@" && return 0
		nap
	done
	echo "# no $what after 30 s"
	return 1
}

listening() {
	[[ $(states "$1") == *LISTEN* ]]
}

# nothing on $port in PID's namespace but TIME_WAIT: the last ACK went by
settled() {
	local st

	for st in $(states "$1"); do
		[ "$st" = TIME_WAIT ] || return 1
	done
}

tcpdump_ready() {
	[[ -s $1 && $(< "$1") == *"listening on"* ]]
}

# capture PCAP IFACE CLIENT_NS SERVER_NS ADDR: capture on IFACE in
# CLIENT_NS while ttpcat there sends $work/sent to ttpcat -l ADDR in
# SERVER_NS, which sends nothing back
capture() {
	local pcap=$1 iface=$2 cns=$3 sns=$4 addr=$5 tcpd srv rc=0

	# each packet written as it comes: tcpdump stops at SIGINT without
	# reading what waits in its buffer
	ip netns exec "$cns" tcpdump --immediate-mode -U -i "$iface" \
		-w "$pcap" ip proto 253 2> "$pcap.log" &
	tcpd=$!
	pids+=("$tcpd")
	wait_for tcpdump tcpdump_ready "$pcap.log" || rc=1
	ip netns exec "$sns" ttpcat -l "$addr" "$port" < /dev/null \
		> "$work/received" &
	srv=$!
	pids+=("$srv")
	wait_for listener listening "$srv" || rc=1
	ip netns exec "$cns" ttpcat "$addr" "$port" < "$work/sent" \
		> /dev/null || rc=1
	wait "$srv" || rc=1
	# tcpdump's namespace is the client's
	wait_for "end of the connection" settled "$tcpd" || rc=1
	nap
	nap
	kill -INT "$tcpd"
	wait "$tcpd"
	comment "$pcap.log" "tcpdump: "
	if [[ $(< "$work/sent") != $(< "$work/received") ]]; then
		echo "# ttpcat's data did not arrive whole"
		rc=1
	fi
	return "$rc"
}

# Two namespaces joined by veth, 10.0.0.1 (a) and 10.0.0.2 (b), neither
# end offloading its checksums: the stack fills in each checksum before
# the segment reaches the device, and so before tcpdump sees it.  Then the
# capture over veth, from a to b, and the one over lo in a.
capture_both() {
	ip -batch - <<-EOF &&
		netns add $ns_a
		netns add $ns_b
		link add va netns $ns_a type veth peer name vb netns $ns_b
	EOF
	ip -n "$ns_a" -batch - <<-EOF &&
		addr add 10.0.0.1/24 dev va
		link set lo up
		link set va up
	EOF
	ip -n "$ns_b" -batch - <<-EOF &&
		addr add 10.0.0.2/24 dev vb
		link set vb up
	EOF
	ip netns exec "$ns_a" ethtool -K va tx off > /dev/null &&
	ip netns exec "$ns_b" ethtool -K vb tx off > /dev/null &&
	capture "$work/veth.pcap" va "$ns_a" "$ns_b" 10.0.0.2 &&
	capture "$work/lo.pcap" lo "$ns_a" "$ns_a" 127.0.0.1
}

# merge VETH LO OUT: OUT holds VETH's frames, then a copy of them with the
# last payload byte of the first segment with data inverted, then LO's.
# Prints how many frames VETH has and the number of the flipped one in OUT.
merge() {
	python3 - "$@" << 'EOF'
import struct, sys

def records(path):
    data = open(path, "rb").read()
    assert data[:4] == b"\xd4\xc3\xb2\xa1", "not a little-endian pcap"
    assert struct.unpack("<I", data[20:24])[0] == 1, "not Ethernet"
    off, recs = 24, []
    while off < len(data):
        caplen = struct.unpack("<I", data[off + 8:off + 12])[0]
        recs.append(bytearray(data[off:off + 16 + caplen]))
        off += 16 + caplen
    return data[:24], recs

head, veth = records(sys.argv[1])
_, lo = records(sys.argv[2])
copy = [bytearray(r) for r in veth]
for i, r in enumerate(copy):
    ip = 16 + 14                # record header, Ethernet header
    ihl = (r[ip] & 0x0f) * 4
    total = struct.unpack(">H", r[ip + 2:ip + 4])[0]
    doff = (r[ip + ihl + 12] >> 4) * 4
    if r[ip + 9] == 253 and total > ihl + doff and ip + total <= len(r):
        r[ip + total - 1] ^= 0xff
        break
else:
    sys.exit("no segment with data")
with open(sys.argv[3], "wb") as out:
    out.write(head)
    for r in veth + copy + lo:
        out.write(r)
print(len(veth), len(veth) + i + 1)
EOF
}

# shark OUT FILE ARGS...: tshark's fields (-e in ARGS) for FILE into OUT,
# one line per frame, separated by |
shark() {
	local out=$1 file=$2 t=$SECONDS rc

	shift 2
	tshark -n -r "$file" -T fields -E separator='|' "$@" \
		> "$out" 2> "$out.err"
	rc=$?
	grep -v 'Running as user "root"' "$out.err" > "$out.log"
	comment "$out.log" "tshark: "
	echo "# tshark: exit $rc, $((SECONDS - t)) s"
	return "$rc"
}

echo "TAP version 13"
need=(tshark python3)
[ $# -gt 0 ] || need+=(tcpdump ethtool ip ttpcat)
for c in "${need[@]}"; do
	if ! command -v "$c" > /dev/null; then
		echo "not ok 1 wireshark.tools # no $c: run tools/vm/setup"
		echo "# Totals: pass:0 fail:1 xfail:0 xpass:0 skip:0 error:0"
		exit 1
	fi
done
t0=$SECONDS
mkfifo "$work/fifo"
exec 9<> "$work/fifo"
if [ $# -gt 0 ]; then
	cp "$1/veth.pcap" "$1/lo.pcap" "$1/sent" "$work/"
	check captured test -s "$work/veth.pcap" -a -s "$work/lo.pcap" -a \
		-s "$work/sent"
else
	# known bytes, three segments and a bit over veth (MSS 1460)
	for ((i = 1; i <= 200; i++)); do
		printf 'TTP through tshark %03d\n' "$i"
	done > "$work/sent"
	check captured capture_both
	if [ -n "${TTP_OUT:-}" ]; then
		cp "$work/veth.pcap" "$work/lo.pcap" "$work/sent" "$TTP_OUT/"
	fi
fi
echo "# capture: $((SECONDS - t0)) s"
read -r nveth flipped < <(merge "$work/veth.pcap" "$work/lo.pcap" \
	"$work/all.pcap")
nveth=${nveth:-0} flipped=${flipped:-0}
echo "# frames 1-$nveth: the capture over veth;" \
	"$((nveth + 1))-$((2 * nveth)): again, with frame $flipped's last" \
	"byte flipped; then lo"
sent_hex=$(od -An -v -tx1 "$work/sent")
sent_hex=${sent_hex//[$' \n']/}

# With the plugin and Wireshark's defaults, on all three.
shark "$work/plugin.txt" "$work/all.pcap" -X lua_script:"$plugin" \
	-e frame.number -e _ws.col.Protocol -e ip.src -e tcp.flags.syn \
	-e tcp.flags.ack -e tcp.flags.fin -e tcp.seq -e tcp.len \
	-e ttpip.checksum.status -e tcp.checksum.status \
	-e ttpip.checksum.partial -e tcp.payload -e _ws.expert.message
comment "$work/plugin.txt"
n_ttp=0 n_syn=0 n_synack=0 fin_a=0 fin_b=0
# the client's data by relative sequence number: a segment sent again
# lands on itself
declare -A seg_len seg_hex
n_good=0 n_tcp_unverified=0 n_bad_expert=0 flipped_bad=0 n_copy_good=0
n_lo=0 n_lo_ok=0 n_lo_partial=0
while IFS='|' read -r n proto src syn ack fin seq len ttp tcp partial \
		payload expert; do
	if ((n <= nveth)); then
		[ "$proto" = TTP ] && n_ttp=$((n_ttp + 1))
		[ "$syn,$ack,$seq,$src" = 1,0,0,10.0.0.1 ] &&
			n_syn=$((n_syn + 1))
		[ "$syn,$ack,$seq,$src" = 1,1,0,10.0.0.2 ] &&
			n_synack=$((n_synack + 1))
		if [ "$src" = 10.0.0.1 ] && ((len > 0)); then
			seg_len[$seq]=$len
			seg_hex[$seq]=$payload
		fi
		[ "$fin,$src" = 1,10.0.0.1 ] && fin_a=1
		[ "$fin,$src" = 1,10.0.0.2 ] && fin_b=1
		[ "$ttp" = 1 ] && n_good=$((n_good + 1))
		[ "$tcp" = 2 ] && n_tcp_unverified=$((n_tcp_unverified + 1))
		[[ $expert == *"Bad checksum"* ]] &&
			n_bad_expert=$((n_bad_expert + 1))
	elif ((n <= 2 * nveth)); then
		if ((n == flipped)); then
			[[ $ttp == 0 && $expert == *"Bad checksum"* ]] &&
				flipped_bad=1
		elif [[ $ttp == 1 && $expert != *"Bad checksum"* ]]; then
			n_copy_good=$((n_copy_good + 1))
		fi
	else
		n_lo=$((n_lo + 1))
		if [[ $ttp$partial == 1 || $ttp$partial == 21 ]]; then
			n_lo_ok=$((n_lo_ok + 1))
		fi
		[ "$partial" = 1 ] && n_lo_partial=$((n_lo_partial + 1))
	fi
done < "$work/plugin.txt"

check every_frame_is_ttp test "$nveth" -ge 7 -a "$n_ttp" = "$nveth"
# The client's data in order from relative sequence number 1, where the
# SYN took 0, up to the first gap.
data_len=0 data_hex=''
while [ -n "${seg_len[$((data_len + 1))]:-}" ]; do
	data_hex+=${seg_hex[$((data_len + 1))]}
	data_len=$((data_len + seg_len[$((data_len + 1))]))
done
check syn test "$n_syn" -ge 1
check syn_ack test "$n_synack" -ge 1
# bytes: two hex digits each
check data_length test "$((2 * data_len))" = "${#sent_hex}"
check data_bytes test "$data_hex" = "$sent_hex"
check fin_both_ways test "$fin_a$fin_b" = 11
check checksums_good test "$n_good" = "$nveth"
# tcp.check_checksum is FALSE by default: TCP leaves its status Unverified
check tcp_check_off_by_default test "$n_tcp_unverified" = "$nveth"
check no_bad_checksum_expert test "$n_bad_expert" = 0
check flipped_reads_bad test "$flipped_bad" = 1
check others_read_good test "$n_copy_good" = "$((nveth - 1))"
# On lo, a checksum left to the device reads Unverified and partial,
# never bad (TTP fills in the SYN+ACK's itself: that one reads good).  At
# least five segments: SYN, SYN+ACK, data with a FIN, a FIN, an ACK.
check lo_partial_not_bad test "$n_lo" -ge 5 -a "$n_lo_ok" = "$n_lo" -a \
	"$n_lo_partial" -ge 1

# Without the plugin, decoded as TCP with TCP's checksum check on: every
# checksum reads bad, and TCP's would-be checksum is the one on the wire
# plus 253 - 6 in one's complement: only the protocol number differs.
shark "$work/tcp.txt" "$work/veth.pcap" -d ip.proto==253,tcp \
	-o tcp.check_checksum:TRUE -e tcp.checksum.status -e tcp.checksum \
	-e tcp.checksum_calculated
comment "$work/tcp.txt"
n_tcp=0 n_tcp_bad=0 n_tcp_proto=0
while IFS='|' read -r status sum calc; do
	n_tcp=$((n_tcp + 1))
	[ "$status" = 0 ] && n_tcp_bad=$((n_tcp_bad + 1))
	s=$((sum + 253 - 6))
	s=$(((s & 0xffff) + (s >> 16)))
	((s == calc)) && n_tcp_proto=$((n_tcp_proto + 1))
done < "$work/tcp.txt"
check as_tcp_reads_bad test "$n_tcp" = "$nveth" -a "$n_tcp_bad" = "$nveth"
check as_tcp_differs_by_protocol test "$n_tcp_proto" = "$nveth"

# The plugin with TCP's check turned on: TTP's verdict stays good, and a
# note on TCP's says it does not apply.
shark "$work/both.txt" "$work/veth.pcap" -X lua_script:"$plugin" \
	-o tcp.check_checksum:TRUE -e ttpip.checksum.status \
	-e tcp.checksum.status -e _ws.expert.message
n_noted=0
while IFS='|' read -r ttp tcp expert; do
	[[ $ttp$tcp == 10 && $expert == *"does not apply to TTP"* ]] &&
		n_noted=$((n_noted + 1))
done < "$work/both.txt"
check tcp_check_on_is_explained test "$n_noted" = "$nveth"
echo "# $((SECONDS - t0)) s"
tap_totals
