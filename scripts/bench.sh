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

# ---- members: import speed against sqlite3 .import, then page and statistics latency
n=${BENCH_MEMBERS:-200000}
mdb="$tmp/members.db"
./build/gonghui migrate --db "sqlite:$mdb" >/dev/null 2>&1
./build/gonghui seed --demo --db "sqlite:$mdb" --secret-key-file "$tmp/key" >/dev/null
xian_bases=$(sqlite3 "$mdb" "SELECT group_concat(id) FROM orgs WHERE seed_key IN ('demo:1','demo:2','demo:3','demo:4')")
small=$(sqlite3 "$mdb" "SELECT id FROM orgs WHERE seed_key = 'demo:6'")
first=${xian_bases%%,*}
# forty people for one small union, the rest spread over four unions of 西安, and a
# tenth more who join later, into the database that holds the first n
m=$((n / 10 > 1000 ? n / 10 : 1000))
./build/gonghui gen-members --count "$((n + 40 + m))" --orgs "$xian_bases" >"$tmp/all.csv"
head -n 1 "$tmp/all.csv" >"$tmp/members.csv"
cp "$tmp/members.csv" "$tmp/later.csv"
sed -n "42,$((n + 41))p" "$tmp/all.csv" >>"$tmp/members.csv"
tail -n "$m" "$tmp/all.csv" >>"$tmp/later.csv"
head -n 41 "$tmp/all.csv" | sed "1! s/,[0-9]*\$/,$small/" >"$tmp/small.csv"

# the reference: the same rows, the same columns, the same indexes, no checks
sqlite3 "$tmp/ref.db" "CREATE TABLE m (name TEXT, id_card TEXT UNIQUE, phone TEXT, ethnicity TEXT,
	political TEXT, education TEXT, hukou TEXT, employment TEXT, flexible TEXT, employer TEXT,
	joined_on TEXT, org TEXT); CREATE INDEX m_name ON m (name); CREATE INDEX m_phone ON m (phone);
	CREATE INDEX m_org ON m (org, id_card);"
# compare_import FILE ROWS TITLE: the reference's .import of FILE, then ours
compare_import() {
	local t0 t1 t2 ref_rate our_rate
	t0=$(date +%s.%N)
	sqlite3 "$tmp/ref.db" ".import --csv --skip 1 $1 m"
	t1=$(date +%s.%N)
	/usr/bin/time -f %M -o "$tmp/import.rss" ./build/gonghui import members "$1" \
		--org "$first" --commit --db "sqlite:$mdb" --secret-key-file "$tmp/key" >/dev/null 2>&1
	t2=$(date +%s.%N)
	ref_rate=$(awk -v n="$2" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", n / (b - a)}')
	our_rate=$(awk -v n="$2" -v a="$t1" -v b="$t2" 'BEGIN {printf "%.0f", n / (b - a)}')
	echo "Members: $3 (SQLite)"
	printf '  %-34s %12s rows/s\n' "sqlite3 .import (reference)" "$ref_rate" "gonghui import (all checks)" "$our_rate"
	echo "  ratio gonghui/sqlite3: $(awk -v a="$our_rate" -v b="$ref_rate" 'BEGIN {printf "%.2f", a / b}') (goal >= 0.5); members filed: $(sqlite3 "$mdb" "SELECT COUNT(*) FROM members")"
	echo "  peak RSS of the import: $(awk '{printf "%.0f MB", $1 / 1024}' "$tmp/import.rss") (its page cache may take a quarter of the memory)"
}

echo
compare_import "$tmp/members.csv" "$n" "import of $n generated rows into an empty database"
./build/gonghui import members "$tmp/small.csv" --org "$small" --commit --db "sqlite:$mdb" \
	--secret-key-file "$tmp/key" >/dev/null 2>&1
# the same comparison into databases that already hold the first n rows
compare_import "$tmp/later.csv" "$m" "import of $m more rows into the database holding $n"

mport=$(free_port)
./build/gonghui serve --listen "127.0.0.1:$mport" --db "sqlite:$mdb" --threads "$cores" \
	--secret-key-file "$tmp/key" --access-log off 2>"$tmp/members-serve.log" &
pids+=($!)
wait_http "http://127.0.0.1:$mport/api/v1/healthz"
xian=$(sqlite3 "$mdb" "SELECT id FROM orgs WHERE seed_key = 'div:610100'")
root=$(sqlite3 "$mdb" "SELECT id FROM orgs WHERE seed_key = 'div:610000'")
echo "Members: page and statistics latency ($(sqlite3 "$mdb" "SELECT COUNT(*) FROM members") members)"
node bench/members.mjs "http://127.0.0.1:$mport" "$xian" "$small" "$root"
echo "  peak RSS of the server: $(awk '/VmHWM/ {print $2, $3}' /proc/"${pids[-1]}"/status)"

# ---- applications: the 待办 inbox with a million applications, concurrent approvals
scripts/bench-applications.sh
