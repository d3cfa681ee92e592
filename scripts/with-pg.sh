#!/usr/bin/env bash
# scripts/with-pg.sh CMD ARGS...
# Runs CMD with GONGHUI_TEST_PG pointing at a throwaway PostgreSQL cluster
# (superuser gonghui, trust on loopback, durability off for speed), then
# stops the cluster and deletes it, also when CMD fails or we are
# interrupted. Exits with CMD's status. With GONGHUI_TEST_PG already set,
# just runs CMD against that server.
set -euo pipefail

if [ $# -eq 0 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi
if [ -n "${GONGHUI_TEST_PG:-}" ]; then
	exec "$@"
fi

bindir=
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5n); do
	[ -x "$d/initdb" ] && bindir=$d
done
if [ -z "$bindir" ] && command -v initdb >/dev/null; then
	bindir=$(dirname "$(command -v initdb)")
fi
if [ -z "$bindir" ]; then
	echo "with-pg: no PostgreSQL found (install postgresql)" >&2
	exit 1
fi

# PostgreSQL refuses to run as root: run the server as an unprivileged user.
run=()
pguser=
if [ "$(id -u)" -eq 0 ]; then
	pguser=gonghui-pg
	if ! id "$pguser" >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin "$pguser" 2>/dev/null ||
			pguser=nobody
	fi
	run=(runuser -u "$pguser" --)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gonghui-pg.XXXXXX")
[ -n "$pguser" ] && chown "$pguser" "$tmp"
data=$tmp/data
started=
child=

cleanup() {
	status=$?
	trap - EXIT INT TERM
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	if [ -n "$started" ]; then
		"${run[@]}" "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! "${run[@]}" "$bindir/initdb" -D "$data" -U gonghui --auth=trust -E UTF8 --no-locale \
	>"$tmp/initdb.log" 2>&1; then
	cat "$tmp/initdb.log" >&2
	exit 1
fi
cat >"$data/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
EOF
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$tmp'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A port can be taken between the check and the start; try a few.
for _ in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	port_free "$port" || continue
	if "${run[@]}" "$bindir/pg_ctl" -D "$data" -l "$tmp/server.log" -o "-p $port" -w -t 30 \
		start >/dev/null 2>&1; then
		started=1
		break
	fi
done
if [ -z "$started" ]; then
	echo "with-pg: PostgreSQL did not start" >&2
	cat "$tmp/server.log" >&2 2>/dev/null || true
	exit 1
fi

version=$("$bindir/postgres" --version | sed -E "s/^[^0-9]*([0-9]+).*/\1/")
echo "postgresql $version on 127.0.0.1:$port" >&2
export GONGHUI_TEST_PG="postgresql://gonghui@127.0.0.1:$port/postgres"

# In the background so that a TERM to this script reaches the trap at once;
# a background job's stdin would be /dev/null, so hand it ours.
set +e
"$@" <&0 &
child=$!
wait "$child"
status=$?
child=
exit "$status"
