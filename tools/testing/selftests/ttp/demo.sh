#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo's walkthrough (tools/demo/walkthrough) shows what it says it
# shows: the data arrives, the lost FIN is retransmitted, the teardown
# ends in TIME_WAIT, the counters moved, the SVG is written, and curl's
# copy through ttp-run is equal and went over TTP.  Run as root in the VM
# with ttp.ko loaded, before any other test uses ports 7000 and 8000;
# prints TAP.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
out=$(mktemp -d /tmp/ttp-demo-test.XXXXXX)
trap 'rm -rf "$out"' EXIT
log=$out/walkthrough.log

tap_suite=demo
# shellcheck source=tap.sh
. "$here/tap.sh"

# has REGEX: the walkthrough printed a line matching REGEX
has() {
	grep -Eq -- "$1" "$log"
}

# counter NAME: its value in the walkthrough's ttpstat -s
counter() {
	awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }' "$log"
}

# The section of the log between the heading matching $1 and the next.
section() {
	awk -v h="$1" '/^== / { on = ($0 ~ h) } on' "$log"
}

echo "TAP version 13"
# In a network namespace of its own, whose end takes its TIME_WAIT
# sockets along: a run of this test alone can then unload the module.
# shellcheck disable=SC2016
TTP_OUT=$out timeout 300 unshare --net sh -c \
	'ip link set lo up && exec "$0"' "$top/tools/demo/walkthrough" \
	> "$log" 2>&1
rc=$?
sed 's/^/# /' "$log"
check runs_to_the_end test "$rc" = 0
check data_arrives has '^from ttp$'
check watcher_sees_the_teardown has 'FIN_WAIT_2 +-> TIME_WAIT'
check ladder_shows_the_fin_lost has '\|-- F\. seq=16 ack=1 len=0 -X +\|'
check ladder_shows_the_fin_resent has '\|-- F\. seq=16 ack=[0-9]+ len=0 -+>\|'
check counters_moved test "$(counter RetransSegs)" -ge 1 -a \
	"$(counter FaultDrops)" -ge 1 -a "$(counter Timeouts)" -ge 1
check svg_written grep -q '<svg' "$out/ladder.svg"
# sha256sum's two lines, one digest
check curl_copy_is_equal test "$(section Unmodified |
	awk '$2 == "file" || $2 == "fetched" { n++; if (!($1 in d)) u++; d[$1] }
	     END { print n, u }')" = "2 1"
# a connection, not only the listener, on port 8000 at either end
check curl_went_over_ttp has \
	'^(ESTABLISHED|FIN_WAIT|CLOSE_WAIT|LAST_ACK|CLOSING|TIME_WAIT)[A-Z_12]* .*:8000( |$)'
check no_tcp_on_the_port test "$(section Unmodified |
	sed -n '/^\$ ss /,$p' | tail -n +2 | grep -c ':8000')" = 0
tap_totals
