#!/usr/bin/env bash
# The 待办 inbox with a million applications, and approvals under concurrent
# reviewers (called by scripts/bench.sh; runs alone too, after `make`).
#   BENCH_APPLICATIONS (default 1000000) applications across the county unions
#   of the province, one in ten pending; BENCH_REVIEWERS (default 32) sessions
#   approving BENCH_APPROVALS (default 2000) applications of one base union.
set -euo pipefail
cd "$(dirname "$0")/.."

n=${BENCH_APPLICATIONS:-1000000}
reviewers=${BENCH_REVIEWERS:-32}
approvals=${BENCH_APPROVALS:-2000}
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

db="$tmp/apps.db"
g() { ./build/gonghui "$@" --db "sqlite:$db" --secret-key-file "$tmp/key" --password-iterations 1000; }
g migrate >/dev/null 2>&1
g seed --demo >/dev/null
applicant=$(sqlite3 "$db" "SELECT id FROM accounts WHERE username = 'demo-member'")
# a million applications spread over the 107 county unions: nine in ten closed,
# the pending ones with deadlines over the coming months
sqlite3 "$db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $n - 1),
c AS (SELECT id, path, name, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM orgs WHERE level = 'county'),
m AS (SELECT COUNT(*) AS cnt FROM c)
INSERT INTO applications (type, state, applicant_id, applicant_name, step, org_id, org_path,
	due_at, form, summary, created_at, updated_at, closed_at)
SELECT 'join', CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'approved' END, $applicant, '职工' || i, 0,
	c.id, c.path, CASE WHEN i % 10 = 0 THEN 1790000000 + (i * 7919) % 15000000 END, '{}',
	'职工' || i || '申请加入' || c.name, 1780000000 + i, 1780000000 + i,
	CASE WHEN i % 10 = 0 THEN NULL ELSE 1780000000 + i END
FROM n, m JOIN c ON c.k = n.i % m.cnt;
ANALYZE;
SQL
review_org=$(sqlite3 "$db" "SELECT id FROM orgs WHERE seed_key = 'demo:2'")
g gen-applications --count "$approvals" --org "$review_org" >/dev/null

xian_path=$(sqlite3 "$db" "SELECT path FROM orgs WHERE seed_key = 'div:610100'")
xian_hi="${xian_path%/}0"
# the reference: the inbox's two statements for the 西安 cadre, bare in sqlite3
ref=$(for _ in $(seq 20); do
	echo "SELECT COUNT(*), SUM(CASE WHEN a.due_at < 1795000000 THEN 1 ELSE 0 END) FROM applications a WHERE a.state = 'pending' AND (a.org_path >= '$xian_path' AND a.org_path < '$xian_hi');"
	echo "SELECT a.*, o.name FROM (SELECT a.id FROM applications a WHERE a.state = 'pending' AND (a.org_path >= '$xian_path' AND a.org_path < '$xian_hi') ORDER BY a.due_at, a.id LIMIT 21) p JOIN applications a ON a.id = p.id JOIN orgs o ON o.id = a.org_id ORDER BY a.due_at, a.id;"
done | sqlite3 -cmd '.timer on' "$db" 2>&1 | awk '/^Run Time/ {s += $4; k++} END {printf "%.2f", s / (k / 2) * 1000}')

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
./build/gonghui serve --listen "127.0.0.1:$port" --db "sqlite:$db" --secret-key-file "$tmp/key" \
	--access-log off --login-rate-per-minute 100000 2>"$tmp/serve.log" &
pid=$!
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/api/v1/healthz" && break; sleep 0.05; done

echo
echo "Applications: the 待办 inbox with $(sqlite3 "$db" "SELECT COUNT(*) FROM applications") applications (SQLite)"
echo "  bare SQL of the city cadre's first page (reference): $ref ms"
node bench/applications.mjs "http://127.0.0.1:$port" "$review_org" "$reviewers"
doubled=$(sqlite3 "$db" "SELECT COUNT(*) FROM (SELECT application_id FROM application_events WHERE action = 'approve' GROUP BY application_id HAVING COUNT(*) > 1)")
filed=$(sqlite3 "$db" "SELECT COUNT(*) FROM members WHERE org_id = $review_org")
echo "  applications approved twice: $doubled; members filed at that union: $filed (expected $approvals)"
