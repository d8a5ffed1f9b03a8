#!/usr/bin/env bash
# The browser's side of the single-page app (issue 26), on the release build as scripts/run.sh
# --release serves it: the time an agent takes to go inbox → ticket → inbox with the data shown,
# the page loads and WebSockets that costs, and the requests live events cause on an open inbox
# and an open ticket. Starts its own server on a fresh database; drives Debian's chromium through
# Playwright (bench/navigation.cjs). Usage: [ROUNDS=n] [MYRELAY_BIN=path] bench/navigation.sh
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
bin="${MYRELAY_BIN:-$ROOT/target/release/myrelay}"
[ -x "$bin" ] && [ -d target/site/pkg ] || { say "Build first: cargo leptos build --release --precompress --split"; exit 1; }
ensure_node_packages

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
say "Navigation and live events ($(git rev-parse --short HEAD)$(git diff --quiet || echo ', with changes'), release build)"
MYRELAY_URL="http://127.0.0.1:$port" NODE_PATH="$ROOT/end2end/node_modules" node bench/navigation.cjs
