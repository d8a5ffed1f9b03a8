#!/usr/bin/env bash
# Live-room load: starts the release server on a fresh database, creates the agents, and runs the
# load tool (examples/loadtest.rs) against it. Arguments go to the tool, e.g.
#   bench/chat.sh --users 100 --agents 10 --tabs 9 --rate 200 --seconds 30
# Build first: cargo leptos build --release
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
bin="$ROOT/target/release/myrelay"
[ -x "$bin" ] || { say "Build first: cargo leptos build --release"; exit 1; }
ulimit -n 65536 2>/dev/null || true
use_postgres_server
db="myrelay_bench_$$"
ensure_database "$PG_SERVER_URL" "$db"
port="$(free_port 3300)"
password="load-test-password"
run=(env "DATABASE_URL=$PG_SERVER_URL/$db" "LEPTOS_SITE_ADDR=127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site RUST_LOG=warn "$bin")
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; "$(pg_bin psql)" "$PG_SERVER_URL/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null; }
trap cleanup EXIT
"${run[@]}" migrate
agents=10
for ((i = 0; i < $#; i++)); do args=("$@"); [ "${args[$i]}" = "--agents" ] && agents="${args[$((i + 1))]}"; done
for ((n = 0; n < agents; n++)); do
  echo "$password" | "${run[@]}" create-staff --email "agent$n@load.test" --role agent --name "Load agent $n" --password-stdin >/dev/null
done
"${run[@]}" serve >/dev/null 2>&1 & pid=$!
until port_in_use "$port"; do sleep 0.1; done
say "Server pid $pid on port $port"
cargo run -q --example loadtest --features ssr -- --url "http://127.0.0.1:$port" --password "$password" --server-pid "$pid" "$@"
