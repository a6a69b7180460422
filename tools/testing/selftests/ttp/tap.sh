# SPDX-License-Identifier: GPL-2.0
# What the shell selftests share, sourced after they set tap_suite (the
# prefix of their test names): check() prints a TAP line for a command,
# tap_totals the kselftest totals line, kill_bg stops what they started.
# shellcheck shell=bash disable=SC2154

ntest=0
nfail=0
pids=()

# check NAME CMD...: run CMD; "ok N SUITE.NAME" when it succeeds
check() {
	local name=$1

	shift
	ntest=$((ntest + 1))
	if "$@"; then
		echo "ok $ntest $tap_suite.$name"
	else
		nfail=$((nfail + 1))
		echo "not ok $ntest $tap_suite.$name"
	fi
}

# The totals line run_tests.sh reads; fails when a check failed.
tap_totals() {
	echo "# Totals: pass:$((ntest - nfail)) fail:$nfail xfail:0 xpass:0 skip:0 error:0"
	[ "$nfail" = 0 ]
}

# Kill the background processes listed in pids and wait for them all.
kill_bg() {
	local p

	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
