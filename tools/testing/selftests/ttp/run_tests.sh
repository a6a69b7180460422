#!/bin/bash
# Run every TTP test inside the VM, with ttp.ko loaded: the KUnit suites,
# then the selftests.  Prints each test's TAP and ends with one line
# "N passed, N failed" counting every KUnit case and every selftest.
set -u
cd "$(dirname "$0")"
top=$(cd ../../../.. && pwd)
pass=0
fail=0

ko=${TTP_KO:-$top/ttp.ko}
stock=${TTP_STOCK:-0}
skipped=0

# KUnit: loading the module runs its suites; debugfs keeps their results.
# Debian's stock kernel has no KUnit: there the suites cannot run.
echo "# KUnit"
if [ "$stock" = 1 ]; then
	echo "# SKIP KUnit: the stock kernel is built without CONFIG_KUNIT"
elif insmod "$(dirname "$ko")/ttp_kunit.ko"; then
	for results in /sys/kernel/debug/kunit/ttp_*/results; do
		cat "$results"
		p=$(grep -cE '^[[:space:]]+ok [0-9]+ ' "$results")
		f=$(grep -cE '^[[:space:]]+not ok [0-9]+ ' "$results")
		pass=$((pass + p))
		fail=$((fail + f))
	done
	rmmod ttp_kunit || fail=$((fail + 1))
else
	echo "not ok: insmod ttp_kunit.ko"
	fail=$((fail + 1))
fi

# socket(AF_TTP) asks modprobe for net-pf-19: give it a module tree.  The
# stock kernel's initramfs made its own tree writable: ttp.ko joins it.
if [ "$stock" != 1 ]; then
	mount -t tmpfs tmpfs /lib/modules
	mkdir -p "/lib/modules/$(uname -r)"
	touch "/lib/modules/$(uname -r)/modules.order" \
		"/lib/modules/$(uname -r)/modules.builtin" \
		"/lib/modules/$(uname -r)/modules.builtin.modinfo"
fi
mkdir -p "/lib/modules/$(uname -r)/extra"
cp "$ko" "/lib/modules/$(uname -r)/extra/"
depmod

# demo.sh runs first: it wants ports 7000 and 8000 and their trace to
# itself.  module runs last: it unloads and reloads ttp.ko.  twohosts moves 64 MiB
# each way under netem loss: about ten minutes of the run.  The two fuzzers
# take about a minute each (TTP_FUZZ_* in their environment change that).
# difftest runs 300 random programs on TCP and on TTP and replays
# difftest.cases/, in about three minutes (TTP_DIFF_PROGRAMS changes that).
# wireshark.sh captures TTP and reads it with tshark and tools/wireshark/ttp.lua:
# about three minutes, mostly tshark starting.
# programs.sh runs curl, iperf3, socat, redis and nginx over TTP through
# ttp-run: five to ten minutes.
# Arguments name a subset to run instead, for a quicker look.
tests=(demo.sh socket_api connected procfs faults netns lifecycle stream options hostile icmp
       congestion timestamps sack tools twohosts difftest programs.sh wireshark.sh fuzz_sockapi fuzz_segments
       module)
[ $# -gt 0 ] && tests=("$@")
for t in "${tests[@]}"; do
	echo "# selftest $t"
	out=$(TTP_KO=$ko "./$t" 2>&1)
	rc=$?
	echo "$out"
	totals=$(echo "$out" | grep -E '^# Totals: ' | tail -n 1)
	if [ -z "$totals" ]; then
		echo "not ok: $t exited $rc without totals"
		fail=$((fail + 1))
		continue
	fi
	# "# Totals: pass:N fail:N xfail:N xpass:N skip:N error:N"
	# shellcheck disable=SC2046
	set -- $(echo "$totals" | sed -E 's/.*pass:([0-9]+) fail:([0-9]+) xfail:([0-9]+) xpass:([0-9]+) skip:([0-9]+) error:([0-9]+).*/\1 \2 \3 \4 \5 \6/')
	p=$1 f=$2 xf=$3 xp=$4 sk=$5 er=$6
	pass=$((pass + p + xf))
	# A skipped test did not run: on the test kernel that is a failure.
	# The stock kernel lacks debug features some tests need (fault
	# injection): there a skip is counted and said, not failed.
	if [ "$stock" = 1 ]; then
		skipped=$((skipped + sk))
		fail=$((fail + f + xp + er))
	else
		fail=$((fail + f + xp + er + sk))
	fi
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "not ok: $t exited $rc"
		fail=$((fail + 1))
	fi
done

# Unloading last lets kmemleak see anything the module left behind.  Closed
# listeners hold the module until their RCU-deferred free has run, and the
# last tests' orphans and TIME_WAIT sockets until their timers end: up to
# two minutes.
unloaded=1
for _ in $(seq 600); do
	rmmod ttp 2>/dev/null && { unloaded=0; break; }
	sleep 0.2
done
if [ "$unloaded" = 0 ]; then
	echo "ok - rmmod ttp after the suite"
	pass=$((pass + 1))
else
	echo "not ok - rmmod ttp after the suite"
	fail=$((fail + 1))
fi

[ "$stock" = 1 ] && echo "# skipped on the stock kernel: $skipped"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
