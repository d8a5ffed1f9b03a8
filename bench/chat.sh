#!/usr/bin/env bash
# Live-room load: starts the release server on a fresh database seeded with R rooms (one user and one
# ticket each), A agents and a session per account, then runs the load tool (bench/loadtest/) on it.
#   bench/chat.sh [--rooms R] [--agents A] [--nodes 2] -- <load tool options>
# e.g. bench/chat.sh --rooms 1000 -- --agent-sockets 1000 --rate 2500 --step 2500 --seconds 10
#      bench/chat.sh --rooms 9500 --agents 50 -- --agent-sockets 500 --rate 1000 --storm
# With --nodes 2 a second server process on the same database takes the agent sockets' side.
# Build the server first: cargo leptos build --release (or cargo build --release --features ssr);
# MYRELAY_BIN=path runs another build of the server (e.g. an older one, for a before/after).
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
rooms=1000; agents=10; nodes=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rooms) rooms="$2"; shift 2 ;;
    --agents) agents="$2"; shift 2 ;;
    --nodes) nodes="$2"; shift 2 ;;
    --) shift; break ;;
    *) say "unknown option $1 (load tool options go after --)"; exit 2 ;;
  esac
done
bin="${MYRELAY_BIN:-$ROOT/target/release/myrelay}"
[ -x "$bin" ] || { say "Build first: cargo leptos build --release"; exit 1; }
say "Building the load tool (release)"
cargo build -q --release --manifest-path bench/loadtest/Cargo.toml --target-dir target/loadtest
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
use_postgres_server
psql="$(pg_bin psql)"
db="myrelay_bench_$$"
ensure_database "$PG_SERVER_URL" "$db"
plan="$(mktemp)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -f "$plan"
  "$psql" "$PG_SERVER_URL/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
}
trap cleanup EXIT
env "DATABASE_URL=$PG_SERVER_URL/$db" "$bin" migrate
say "Seeding $rooms rooms and $agents agents"
# Session tokens are "load-<user id>"; the server stores their SHA-256 only.
"$psql" "$PG_SERVER_URL/$db" -q <<SQL
INSERT INTO users (email, display_name, password_hash, role)
SELECT 'agent' || n || '@load.test', 'Load agent ' || n, 'x', 'agent' FROM generate_series(1, $agents) n;
INSERT INTO users (email, display_name, password_hash)
SELECT 'user' || n || '@load.test', 'Load user ' || n, 'x' FROM generate_series(1, $rooms) n;
INSERT INTO tickets (created_by_user_id, description) SELECT id, 'Load test ticket' FROM users WHERE role = 'user' ORDER BY id;
INSERT INTO sessions (token_hash, user_id, expires_at)
SELECT sha256(convert_to('load-' || id, 'UTF8')), id, now() + interval '1 day' FROM users;
SQL
"$psql" "$PG_SERVER_URL/$db" -tAF' ' -c "SELECT 'room', id, created_by_user_id FROM tickets ORDER BY id" > "$plan"
"$psql" "$PG_SERVER_URL/$db" -tAF' ' -c "SELECT 'agent', id FROM users WHERE role = 'agent' ORDER BY id" >> "$plan"

urls=()
for ((node = 0; node < nodes; node++)); do
  port="$(free_port $((3300 + node * 10)))"
  env "DATABASE_URL=$PG_SERVER_URL/$db" "LEPTOS_SITE_ADDR=127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site \
    RUST_LOG="${RUST_LOG:-warn}" "$bin" serve &
  pids+=($!)
  until port_in_use "$port"; do sleep 0.1; done
  urls+=("http://127.0.0.1:$port")
done
say "Server pid ${pids[*]} on ${urls[*]}"
extra=()
if [ "$nodes" -gt 1 ]; then extra=(--agent-url "${urls[1]}"); fi
target/loadtest/release/myrelay-loadtest --url "${urls[0]}" "${extra[@]}" --plan "$plan" --server-pid "${pids[0]}" "$@"
