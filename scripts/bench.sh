#!/usr/bin/env bash
# Benchmarks, each printed as a ratio to a reference measured in the same run.
#   HTTP: GET /api/v1/healthz through our router vs nginx `return 200` with
#   the same body, both driven by wrk with the same threads and connections.
# BENCH_SECONDS (default 10) sets the length of each wrk run.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
cores=$(nproc)
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

free_port() {
	node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

wait_http() { # URL
	for _ in $(seq 100); do
		curl -fs -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "bench: $1 did not answer" >&2
	return 1
}

# wrk URL → "req/s p99_ms"
drive() {
	wrk -t2 -c"$conns" -d2s "$1" >/dev/null # warm up
	wrk -t2 -c"$conns" -d"${secs}s" --latency "$1" >"$tmp/wrk.out"
	local rps p99
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk.out")
	p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}' "$tmp/wrk.out")
	echo "$rps $p99"
}

body='{"status":"ok"}'

# nginx, one worker per core like our one thread per core
nport=$(free_port)
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes $cores;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	server {
		listen 127.0.0.1:$nport;
		location / {
			default_type "application/json; charset=utf-8";
			return 200 '$body';
		}
	}
}
CONF
nginx -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" &
pids+=($!)

# gonghui on a fresh SQLite database
db="sqlite:$tmp/bench.db"
./build/gonghui migrate --db "$db" >/dev/null 2>&1
gport=$(free_port)
./build/gonghui serve --listen "127.0.0.1:$gport" --db "$db" --threads "$cores" \
	--secret-key-file "$tmp/key" --access-log off 2>"$tmp/gonghui.log" &
pids+=($!)

wait_http "http://127.0.0.1:$nport/"
wait_http "http://127.0.0.1:$gport/api/v1/healthz"
[ "$(curl -fs "http://127.0.0.1:$gport/api/v1/healthz")" = "$body" ] || {
	echo "bench: healthz body differs from the reference body" >&2
	exit 1
}

echo "HTTP: GET /api/v1/healthz vs nginx return 200, wrk -t2 -c$conns ${secs}s, $cores cores"
read -r n_rps n_p99 < <(drive "http://127.0.0.1:$nport/api/v1/healthz")
read -r g_rps g_p99 < <(drive "http://127.0.0.1:$gport/api/v1/healthz")
printf '  %-22s %12s %10s\n' "" "req/s" "p99 ms"
printf '  %-22s %12.0f %10.2f\n' "nginx (reference)" "$n_rps" "$n_p99"
printf '  %-22s %12.0f %10.2f\n' "gonghui healthz" "$g_rps" "$g_p99"
ratio=$(awk -v g="$g_rps" -v n="$n_rps" 'BEGIN {printf "%.2f", g / n}')
echo "  ratio gonghui/nginx: $ratio (goal >= 0.80)"
