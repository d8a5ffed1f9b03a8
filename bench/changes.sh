#!/usr/bin/env bash
# What a live change to a ticket costs the server (issue 26: "server CPU per live change"): starts
# the release server on a fresh database, then bench/changes.cjs: WATCHERS staff sockets follow
# TICKETS tickets, an admin changes their priority CHANGES times; prints the server's CPU time
# per change. RELOAD=1 adds what browsers did before reports carried the ticket (a list load per
# report heard); CHANGE=assignment changes assignments instead of priorities; INBOX=1 makes the
# sockets watch the inbox too; RECOUNT=1 adds what browsers did before `inbox:moved` (a count load
# per assignment heard). Usage: [WATCHERS=n] [TICKETS=n] [CHANGES=n] [CHANGE=assignment] [INBOX=1]
# [RELOAD=1] [RECOUNT=1] [MYRELAY_BIN=path] bench/changes.sh
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
bin="${MYRELAY_BIN:-$ROOT/target/release/myrelay}"
[ -x "$bin" ] || { say "Build first: cargo leptos build --release --precompress --split"; exit 1; }
use_postgres_server
db="myrelay_bench_$$"
ensure_database "$PG_SERVER_URL" "$db"
port="$(free_port 3200)"
run=(env "DATABASE_URL=$PG_SERVER_URL/$db" "LEPTOS_SITE_ADDR=127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site LEPTOS_ENV=PROD RUST_LOG=warn "$bin")
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; "$(pg_bin psql)" "$PG_SERVER_URL/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null; }
trap cleanup EXIT

"${run[@]}" migrate
for staff in "admin Ada" "agent Abe"; do
  set -- $staff
  echo "bench-password" | "${run[@]}" create-staff --email "$1@bench.test" --role "$1" --name "$2" --password-stdin >/dev/null
done
"${run[@]}" serve >/dev/null 2>&1 & pid=$!
until port_in_use "$port"; do sleep 0.1; done
say "Live changes ($(basename "$bin"), ${WATCHERS:-50} watchers, ${TICKETS:-25} tickets, ${CHANGES:-200} ${CHANGE:-priority} changes$( [ "${INBOX:-}" = 1 ] && echo ', inbox watched')$( [ "${RELOAD:-}" = 1 ] && echo ', with list loads')$( [ "${RECOUNT:-}" = 1 ] && echo ', with count loads'))"
MYRELAY_URL="http://127.0.0.1:$port" SERVER_PID="$pid" node --experimental-websocket --no-warnings bench/changes.cjs
