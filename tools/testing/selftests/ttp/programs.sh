#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unmodified TCP programs over TTP through tools/ttp-run: python3's
# http.server and curl, iperf3, socat, redis, nginx and wrk, as Debian
# packages them (tools/vm/setup installs them).  Each case proves that its
# traffic went over TTP: /proc/net/ttp shows the program's sockets on its
# port, while the transfer runs or after, and /proc/net/tcp never shows one.
# Then ttp-run's answers to bad input.  Run as root in the VM, with ttp.ko
# loaded (TTP_KO names it, for the case that unloads it); prints TAP.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
run=$top/tools/ttp-run/ttp-run
work=$(mktemp -d /tmp/ttp-programs.XXXXXX)
# shellcheck source=tap.sh
. "$here/tap.sh"

cleanup() {
	kill_bg
	rm -rf "$work"
}
trap cleanup EXIT

ntest=0
npass=0
nfail=0
nskip=0

ok() {
	ntest=$((ntest + 1))
	npass=$((npass + 1))
	echo "ok $ntest programs.$1"
}

not_ok() {
	ntest=$((ntest + 1))
	nfail=$((nfail + 1))
	echo "not ok $ntest programs.$1"
}

skip() {
	ntest=$((ntest + 1))
	nskip=$((nskip + 1))
	echo "ok $ntest programs.$1 # SKIP $2"
}

# run NAME FUNCTION ARGS...: one test case; its output becomes TAP comments
run_case() {
	local name=$1 rc=0 t0=$SECONDS

	shift
	"$@" > "$work/case.log" 2>&1 || rc=$?
	sed 's/^/# /' "$work/case.log"
	echo "# $name: $((SECONDS - t0)) s"
	if [ "$rc" = 0 ]; then
		ok "$name"
	elif [ "$rc" = 4 ]; then
		skip "$name" "$(tail -n 1 "$work/case.log")"
	else
		not_ok "$name"
	fi
}

need() {
	local c

	for c in "$@"; do
		command -v "$c" > /dev/null || { echo "no $c: run tools/vm/setup"; return 4; }
	done
}

# The states of the TTP sockets with PORT at either end, one per line.
ttp_states() {
	awk -v p="$1" 'NR > 1 { split($1, l, ":"); split($2, r, ":")
		if (l[2] == p || r[2] == p) print $3 }' /proc/net/ttp
}

# How many TCP sockets (IPv4 or IPv6) have PORT at either end.
tcp_count() {
	awk -v p="$(printf '%04X' "$1")" 'FNR > 1 { split($2, l, ":")
		split($3, r, ":"); if (l[2] == p || r[2] == p) n++ }
		END { print n + 0 }' /proc/net/tcp /proc/net/tcp6
}

# One sample of PORT in bash alone (a fork costs a lot in the VM):
# "ttp N" with N the ESTABLISHED TTP sockets, then "tcp N" with N all TCP
# sockets with PORT at either end.
sample_once() {
	local port=$1 hex l r st est=0 tcp=0 f

	printf -v hex '%04X' "$port"
	while read -r l r st _; do
		if [[ $st == ESTABLISHED && ($l == *":$port" || $r == *":$port") ]]; then
			est=$((est + 1))
		fi
	done < /proc/net/ttp
	for f in /proc/net/tcp /proc/net/tcp6; do
		while read -r _ l r _; do
			if [[ $l == *":$hex" || $r == *":$hex" ]]; then
				tcp=$((tcp + 1))
			fi
		done < "$f"
	done
	echo "ttp $est"
	echo "tcp $tcp"
}

# Sample PORT about five times a second until killed; read -t on a fifo
# nobody writes waits without a sleep process.
sample() {
	local fifo=$work/fifo.$1

	mkfifo "$fifo"
	exec 9<> "$fifo"
	while :; do
		sample_once "$1"
		read -r -t 0.2 -u 9 _ || true
	done
}

start_sampler() {
	sample "$1" > "$work/samples.$1" &
	sampler=$!
	sampler_port=$1
}

stop_sampler() {
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	rm -f "$work/fifo.$sampler_port"
}

# over_ttp PORT [MIN]: PORT's traffic went over TTP.  A TTP listener on
# PORT, at least MIN (1) ESTABLISHED TTP sockets seen at once while it ran
# or a connection still tearing down, and never a TCP socket on PORT.
over_ttp() {
	local port=$1 min=${2:-1} states most

	states=$(ttp_states "$port" | sort | uniq -c | tr -s ' \n' ' ')
	echo "port $port now: ttp: ${states:-none}; tcp: $(tcp_count "$port")"
	most=$(sed -n 's/^ttp //p' "$work/samples.$port" | sort -n | tail -n 1)
	echo "port $port while running: at most ${most:-0} ESTABLISHED TTP" \
		"sockets, $(grep -c '^ttp' "$work/samples.$port") samples"
	if ! ttp_states "$port" | grep -qx LISTEN; then
		echo "no TTP listener on port $port"
		return 1
	fi
	if [ "${most:-0}" -lt "$min" ]; then
		echo "too few TTP connections on port $port"
		return 1
	fi
	if [ "$(tcp_count "$port")" != 0 ] ||
	   grep -q '^tcp [1-9]' "$work/samples.$port"; then
		echo "TCP sockets on port $port:"
		grep -i ":$(printf '%04X' "$port") " /proc/net/tcp || true
		return 1
	fi
}

# wait_listen PORT [tcp]: until a TTP (or TCP) socket listens on PORT
wait_listen() {
	local i

	for i in $(seq 300); do
		if [ "${2:-ttp}" = tcp ]; then
			[ "$(tcp_count "$1")" != 0 ] && return 0
		else
			ttp_states "$1" | grep -qx LISTEN && return 0
		fi
		sleep 0.2
	done
	echo "nothing listens on port $1"
	return 1
}

# Run in the background and kill at the end.
bg() {
	"$@" &
	pids+=($!)
	last=$!
}

stop() {
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# python3's http.server (only its port switched: the lazy swap) and curl
# (every socket: switched at socket()) move 64 MiB; the digests agree.
case_http() {
	need python3 curl sha256sum || return
	head -c 64M /dev/urandom > "$work/www/big"
	bg "$run" --ports 8000 python3 -m http.server -b 127.0.0.1 \
		-d "$work/www" 8000
	local server=$last
	wait_listen 8000 || return 1
	start_sampler 8000
	"$run" curl -sS http://127.0.0.1:8000/big | sha256sum > "$work/got" ||
		{ stop_sampler; return 1; }
	stop_sampler
	sha256sum < "$work/www/big" > "$work/want"
	echo "sent $(cat "$work/want")"
	echo "got  $(cat "$work/got")"
	cmp -s "$work/want" "$work/got" || return 1
	over_ttp 8000 || return 1
	stop "$server"
}

# iperf3 -4 against its server, ARGS as given; MIN ESTABLISHED sockets.
case_iperf3() {
	local min=$1 out

	shift
	need iperf3 || return
	start_sampler 5201
	out=$("$run" iperf3 -4 -c 127.0.0.1 -p 5201 -t 3 "$@" 2>&1) ||
		{ stop_sampler; echo "$out"; return 1; }
	stop_sampler
	echo "$out" | grep -E 'sender|receiver'
	echo "$out" | grep -q receiver || return 1
	over_ttp 5201 "$min"
}

# socat at both ends moves a file.
case_socat() {
	need socat sha256sum || return
	head -c 4M /dev/urandom > "$work/file"
	bg "$run" socat -u TCP4-LISTEN:7001,bind=127.0.0.1,reuseaddr \
		CREATE:"$work/file.out"
	local server=$last
	wait_listen 7001 || return 1
	start_sampler 7001
	"$run" socat -u FILE:"$work/file" TCP4:127.0.0.1:7001 ||
		{ stop_sampler; return 1; }
	wait "$server" || { stop_sampler; return 1; }
	stop_sampler
	cmp "$work/file" "$work/file.out" || return 1
	echo "4 MiB moved, equal"
	# the listener is gone with socat: its TTP connection is what is left
	ttp_states 7001 | grep -qx TIME_WAIT || { echo "no TTP TIME_WAIT"; return 1; }
	grep -q '^ttp [1-9]' "$work/samples.7001" ||
		{ echo "no ESTABLISHED TTP socket seen"; return 1; }
	if [ "$(tcp_count 7001)" != 0 ] ||
	   grep -q '^tcp [1-9]' "$work/samples.7001"; then
		echo "TCP sockets on port 7001"
		return 1
	fi
}

# redis-server and redis-benchmark; redis-cli reads back what it wrote.
case_redis() {
	local out

	need redis-server redis-benchmark redis-cli || return
	bg "$run" redis-server --port 6380 --bind 127.0.0.1 --save '' \
		--appendonly no --dir "$work"
	local server=$last
	wait_listen 6380 || return 1
	start_sampler 6380
	out=$("$run" redis-benchmark -h 127.0.0.1 -p 6380 -q -n 300 -c 4 \
		-t set,get,lpush 2>&1) || { stop_sampler; echo "$out"; return 1; }
	stop_sampler
	echo "$out" | tr '\r' '\n' | grep 'requests per second'
	[ "$(echo "$out" | tr '\r' '\n' | grep -c 'requests per second')" = 3 ] ||
		return 1
	"$run" redis-cli -h 127.0.0.1 -p 6380 set ttp-run works > /dev/null ||
		return 1
	[ "$("$run" redis-cli -h 127.0.0.1 -p 6380 get ttp-run)" = works ] ||
		return 1
	over_ttp 6380 2 || return 1
	stop "$server"
}

# nginx with sendfile and tcp_nopush (TTP_CORK), wrk, and curl's digest.
case_nginx() {
	local out

	need nginx wrk curl || return
	mkdir -p "$work/nginx/logs"
	head -c 256K /dev/urandom > "$work/www/256k"
	chmod -R a+rX "$work"
	cat > "$work/nginx/nginx.conf" <<-EOF
	worker_processes 1;
	user root;
	error_log $work/nginx/logs/error.log;
	pid $work/nginx/nginx.pid;
	events { worker_connections 64; }
	http {
		access_log off;
		sendfile on;
		tcp_nopush on;
		client_body_temp_path $work/nginx/body;
		proxy_temp_path $work/nginx/proxy;
		fastcgi_temp_path $work/nginx/fastcgi;
		uwsgi_temp_path $work/nginx/uwsgi;
		scgi_temp_path $work/nginx/scgi;
		# TTP has neither TCP_DEFER_ACCEPT nor TCP_FASTOPEN: nginx
		# logs that they failed and serves all the same
		server {
			listen 127.0.0.1:8080 deferred fastopen=16;
			root $work/www;
		}
	}
	EOF
	bg "$run" nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" \
		-g 'daemon off;'
	local server=$last
	wait_listen 8080 || return 1
	start_sampler 8080
	out=$("$run" wrk -t 1 -c 4 -d 3s --timeout 60s \
		http://127.0.0.1:8080/256k 2>&1) ||
		{ stop_sampler; echo "$out"; return 1; }
	stop_sampler
	echo "$out" | grep -E 'requests in|Requests/sec|Non-2xx|errors' || true
	echo "$out" | grep -q 'Requests/sec' || return 1
	if echo "$out" | grep -qE 'Non-2xx|Socket errors'; then
		return 1
	fi
	"$run" curl -sS http://127.0.0.1:8080/256k | cmp - "$work/www/256k" ||
		return 1
	echo "curl's copy of the 256 KiB file is equal"
	over_ttp 8080 2 || return 1
	stop "$server"
	cat "$work/nginx/logs/error.log"
}

# --ports: in one curl, the listed port goes over TTP and the other over
# TCP, to a TCP http.server.
case_ports() {
	need python3 curl || return
	echo small > "$work/www/small"
	bg "$run" --ports 8001 python3 -m http.server -b 127.0.0.1 \
		-d "$work/www" 8001
	local ttp_server=$last
	bg python3 -m http.server -b 127.0.0.1 -d "$work/www" 8002
	local tcp_server=$last
	wait_listen 8001 || return 1
	wait_listen 8002 tcp || return 1
	"$run" --ports 8000-8001,9000 curl -sS -o /dev/null \
		-o /dev/null http://127.0.0.1:8001/small \
		http://127.0.0.1:8002/small || return 1
	echo "port 8001: ttp: $(ttp_states 8001 | tr '\n' ' ') tcp: $(tcp_count 8001)"
	echo "port 8002: ttp: $(ttp_states 8002 | tr '\n' ' ') tcp: $(tcp_count 8002)"
	[ "$(tcp_count 8001)" = 0 ] && ttp_states 8001 | grep -qvx LISTEN ||
		return 1
	[ "$(tcp_count 8002)" -ge 2 ] && [ -z "$(ttp_states 8002)" ] ||
		return 1
	stop "$ttp_server"
	stop "$tcp_server"
}

# What a program sees of its sockets: AF_INET, IPPROTO_TCP, TCP_INFO, the
# options it set before the swap, O_NONBLOCK and close-on-exec kept.
case_api() {
	need python3 || return
	"$run" --ports 8003 python3 - <<-'EOF'
	import os, socket, struct
	S, T = socket.SOL_SOCKET, socket.IPPROTO_TCP
	ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	ls.setsockopt(S, socket.SO_REUSEADDR, 1)
	ls.setsockopt(S, socket.SO_RCVBUF, 200000)
	ls.setsockopt(T, socket.TCP_MAXSEG, 1000)
	rcvbuf = ls.getsockopt(S, socket.SO_RCVBUF)
	ls.bind(("127.0.0.1", 8003))  # the swap: a listed port
	assert "127.0.0.1:8003" in open("/proc/net/ttp").read(), "not TTP"
	assert ls.getsockopt(S, socket.SO_DOMAIN) == socket.AF_INET
	assert ls.getsockopt(S, socket.SO_PROTOCOL) == socket.IPPROTO_TCP
	assert ls.getsockopt(S, socket.SO_REUSEADDR) == 1
	assert ls.getsockopt(S, socket.SO_RCVBUF) == rcvbuf
	assert ls.getsockopt(T, socket.TCP_MAXSEG) == 1000
	assert not os.get_inheritable(ls.fileno())
	assert ls.getsockname() == ("127.0.0.1", 8003)
	ls.listen()
	c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	c.setsockopt(T, socket.TCP_NODELAY, 1)
	c.setblocking(False)
	try:
	    c.connect(("127.0.0.1", 8003))
	    raise AssertionError("a non-blocking connect() finished at once")
	except BlockingIOError:
	    pass
	c.setblocking(True)
	a, peer = ls.accept()
	assert peer == c.getsockname(), (peer, c.getsockname())
	assert a.getpeername() == c.getsockname()
	assert c.getpeername() == ("127.0.0.1", 8003)
	assert c.getsockopt(T, socket.TCP_NODELAY) == 1
	a.sendall(b"x" * 100000)
	got = 0
	while got < 100000:
	    got += len(c.recv(65536))
	info = c.getsockopt(T, socket.TCP_INFO, 232)
	state, rto, mss = info[0], *struct.unpack_from("II", info, 8)[:1], \
	    struct.unpack_from("I", info, 16)[0]
	segs_in = struct.unpack_from("I", info, 140)[0]
	recvd = struct.unpack_from("Q", info, 128)[0]
	print("TCP_INFO: state %d rto %d us mss %d segs_in %d bytes_received %d"
	      % (state, rto, mss, segs_in, recvd))
	assert state == 1 and rto >= 200000 and mss > 0 and segs_in > 0
	assert recvd == 100000
	try:
	    c.setsockopt(T, socket.TCP_DEFER_ACCEPT, 1)
	except OSError as e:
	    print("TCP_DEFER_ACCEPT:", e)
	print("ok")
	EOF
}

# ttp-run's answers to bad input.
case_usage() {
	local rc=0 out

	out=$("$run" --frobnicate true 2>&1) || rc=$?
	echo "unknown option: exit $rc: $(echo "$out" | head -n 1)"
	[ "$rc" = 2 ] && echo "$out" | grep -q "unknown option" || return 1
	for list in "" 80,,90 0 65536 9-8 80- x 80,abc " 80"; do
		rc=0
		out=$("$run" --ports "$list" true 2>&1) || rc=$?
		echo "--ports '$list': exit $rc"
		[ "$rc" = 2 ] && echo "$out" | grep -q "malformed port list" ||
			return 1
	done
	rc=0
	TTP_PORTS=1,2,x "$run" true 2> /dev/null || rc=$?
	echo "TTP_PORTS=1,2,x: exit $rc"
	[ "$rc" = 2 ] || return 1
	rc=0
	"$run" 2> /dev/null || rc=$?
	echo "no command: exit $rc"
	[ "$rc" = 2 ] || return 1
}

# A static binary: a warning, and it still runs.
case_static() {
	local out

	# Debian's ldconfig is a static-pie binary
	out=$("$run" /sbin/ldconfig --version 2>&1) || { echo "$out"; return 1; }
	echo "$out" | head -n 2
	echo "$out" | grep -qx "ttp-run: /sbin/ldconfig is statically linked: LD_PRELOAD cannot reach it; it will use TCP" ||
		return 1
	echo "$out" | grep -q "^ldconfig" || return 1
}

# No TTP module (and no autoload): one line, exit 1.  Unloads and reloads
# ttp.ko, so it runs last, once every program above has gone.
case_no_module() {
	local modprobe rc=0 out i

	[ -n "${TTP_KO:-}" ] || { echo "TTP_KO is not set"; return 4; }
	# a program a failed case left running holds the module
	for i in "${pids[@]}"; do
		stop "$i"
	done
	pids=()
	for i in $(seq 100); do
		rmmod ttp 2> /dev/null && break
		[ "$i" = 100 ] && { echo "rmmod ttp: busy"; return 1; }
		sleep 0.2
	done
	modprobe=$(cat /proc/sys/kernel/modprobe)
	# an empty path stops socket(AF_TTP) from loading the module again
	echo > /proc/sys/kernel/modprobe
	out=$("$run" true 2>&1) || rc=$?
	echo "$modprobe" > /proc/sys/kernel/modprobe
	insmod "$TTP_KO" || { echo "insmod $TTP_KO failed"; return 1; }
	echo "exit $rc: $out"
	[ "$rc" = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] &&
		echo "$out" | grep -q "TTP is not available" || return 1
}

echo "TAP version 13"
if [ ! -x "$run" ] || [ ! -f "$top/tools/ttp-run/libttp-preload.so" ]; then
	echo "1..1"
	echo "not ok 1 programs: tools/ttp-run is not built (make tools)"
	echo "# Totals: pass:0 fail:1 xfail:0 xpass:0 skip:0 error:0"
	exit 1
fi
echo "1..13"
mkdir -p "$work/www"
start=$SECONDS

run_case http_curl_64m case_http
if command -v iperf3 > /dev/null; then
	bg "$run" iperf3 -s -4 -p 5201
	iperf_server=$last
	wait_listen 5201 > /dev/null || true
fi
run_case iperf3 case_iperf3 2
run_case iperf3_reverse case_iperf3 2 -R
run_case iperf3_parallel4 case_iperf3 8 -P 4
run_case iperf3_bidir case_iperf3 4 --bidir
[ -n "${iperf_server:-}" ] && stop "$iperf_server"
run_case socat case_socat
run_case redis case_redis
run_case nginx_wrk case_nginx
run_case ports_filter case_ports
run_case socket_api case_api
run_case usage_errors case_usage
run_case static_binary case_static
run_case no_module case_no_module

echo "# $((SECONDS - start)) s"
echo "# Totals: pass:$npass fail:$nfail xfail:0 xpass:0 skip:$nskip error:0"
[ "$nfail" = 0 ]
