#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side tests of ttpstat's output: each mode run on the procfs files of
# testdata/*/ (TTPSTAT_PROC) must print what that directory's golden files
# say; JSON must parse; SVG must parse as XML and render to a PNG.  A
# directory without ttp_trace or ttp_stats tests the socket table only:
# before_cong/ holds the table of a module before congestion control.  TAP.
set -u
cd "$(dirname "$0")" || exit
n=0
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
		pass=$((pass + 1))
	else
		echo "not ok $n $2"
		fail=$((fail + 1))
	fi
}

# golden NAME FILE ARGS...: ttpstat ARGS prints FILE exactly
golden() {
	local name=$1 file=$2
	shift 2
	if ./ttpstat "$@" >"$tmp/out" 2>&1 && diff -u "$file" "$tmp/out" >"$tmp/diff"; then
		result 0 "$name"
	else
		sed 's/^/# /' "$tmp/diff" "$tmp/out" | head -n 40
		result 1 "$name"
	fi
}

json_ok() {
	python3 -c 'import json, sys; json.load(sys.stdin)' <"$1"
}

echo "TAP version 13"
for dir in testdata/*/; do
	t=$(basename "$dir")
	export TTPSTAT_PROC=$PWD/$dir
	modes=("" "-l")
	golden "$t: table" "$dir/table.txt"
	golden "$t: table -e with state filters" "$dir/table-extended.txt" \
		-e -t established -t FIN_WAIT_1
	golden "$t: table -j" "$dir/table.json" -j
	[ -e "$dir/ttp_stats" ] && modes+=("-s")
	if [ -e "$dir/ttp_trace" ]; then
		modes+=("ladder")
		golden "$t: ladder" "$dir/ladder.txt" ladder
		golden "$t: ladder --absolute" "$dir/ladder-absolute.txt" ladder --absolute
		./ttpstat ladder --svg "$tmp/l.svg" >/dev/null &&
			python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$tmp/l.svg" &&
			rsvg-convert "$tmp/l.svg" -o "$tmp/l.png" &&
			[ "$(head -c 4 "$tmp/l.png" | tail -c 3)" = PNG ]
		result $? "$t: the SVG ladder renders to a PNG"
	fi
	for mode in "${modes[@]}"; do
		# shellcheck disable=SC2086
		./ttpstat -j $mode >"$tmp/json" && json_ok "$tmp/json"
		result $? "$t: ttpstat -j $mode is JSON"
	done
done

# -s -d: the change since the previous call, kept in TTPSTAT_HISTORY
export TTPSTAT_HISTORY=$tmp/history TTPSTAT_PROC=$tmp/proc
mkdir -p "$tmp/proc"
printf 'ActiveOpens 5\nCurrEstab 3\n' >"$tmp/proc/ttp_stats"
./ttpstat -s -d >/dev/null
printf 'ActiveOpens 7\nCurrEstab 1\n' >"$tmp/proc/ttp_stats"
./ttpstat -s -d >"$tmp/out"
printf '%-20s %s\n' ActiveOpens 2 CurrEstab -2 | diff -u - "$tmp/out"
result $? "ttpstat -s -d prints the change since the previous call"
./ttpstat -s -d -j >"$tmp/out"
python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["delta"] and d["counters"] == {"ActiveOpens": 0, "CurrEstab": 0}' <"$tmp/out"
result $? "ttpstat -s -d -j: zero deltas in JSON"

./ttpstat -x >/dev/null 2>&1
[ $? = 2 ]
result $? "an unknown option exits 2"
./ttpstat -h | grep -q '^Usage: ttpstat'
result $? "ttpstat -h prints the usage"

# This man page and the project's others, each beside its code.
for page in ttpstat.8 ../ttpcat/ttpcat.1 ../ttp-run/ttp-run.1 ../../module/ttp.7; do
	groff -man -ww -z "$page" 2>"$tmp/err" && [ ! -s "$tmp/err" ]
	result $? "man page $(basename "$page") renders without warnings"
done

echo "1..$n"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
[ "$fail" = 0 ]
