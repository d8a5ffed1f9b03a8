#!/usr/bin/env bash
# Server memory after a burst of sign-ups (each hashes a password with argon2, 19 MiB apiece):
# registers N accounts (default 2,000), 16 at a time, and prints the server's RSS before, at its
# peak and after. Usage: bench/signups.sh [N]; MYRELAY_BIN=path measures another build.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
count="${1:-2000}"
bin="${MYRELAY_BIN:-$ROOT/target/release/myrelay}"
[ -x "$bin" ] || { say "Build first: cargo leptos build --release"; exit 1; }
use_postgres_server
db="myrelay_bench_$$"
ensure_database "$PG_SERVER_URL" "$db"
port="$(free_port 3400)"
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; "$(pg_bin psql)" "$PG_SERVER_URL/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null; }
trap cleanup EXIT
env "DATABASE_URL=$PG_SERVER_URL/$db" "$bin" migrate
env "DATABASE_URL=$PG_SERVER_URL/$db" "LEPTOS_SITE_ADDR=127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site RUST_LOG=warn "$bin" serve &
pid=$!
until port_in_use "$port"; do sleep 0.1; done
rss() { awk '/^VmRSS/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$pid/status"; }
peak() { awk '/^VmHWM/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$pid/status"; }
echo "RSS before: $(rss)"
start=$(date +%s.%N)
seq 1 "$count" | xargs -P 16 -I{} curl -s -o /dev/null -w '%{http_code}\n' -H 'accept: application/json' \
  --data-urlencode "email=signup{}-$$@bench.test" --data-urlencode "display_name=Sign-up {}" \
  --data-urlencode "password=bench-password-{}" "http://127.0.0.1:$port/api/auth/register" | sort | uniq -c
echo "$count sign-ups in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s; RSS at the peak: $(peak), after: $(rss)"
