#!/usr/bin/env bash
# Server-rendered pages under concurrent requests: every answer must be a page with its own
# Content-Security-Policy. Starts the release server on a fresh database, signs an agent in, and
# runs LOOPS concurrent curl loops of REQUESTS page loads each over two pages; prints the answers
# that were not a proper page (no answer at all, or the non-page policy). Usage:
# [LOOPS=6] [REQUESTS=150] [MYRELAY_BIN=path] bench/pages-under-load.sh
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
bin="${MYRELAY_BIN:-$ROOT/target/release/myrelay}"
[ -x "$bin" ] && [ -d target/site/pkg ] || { say "Build first: cargo leptos build --release --precompress --split"; exit 1; }
loops="${LOOPS:-6}" requests="${REQUESTS:-150}"

use_postgres_server
db="myrelay_bench_$$"
ensure_database "$PG_SERVER_URL" "$db"
port="$(free_port 3300)"
work="$(mktemp -d)"
run=(env "DATABASE_URL=$PG_SERVER_URL/$db" "LEPTOS_SITE_ADDR=127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site LEPTOS_ENV=PROD RUST_LOG=warn "$bin")
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; "$(pg_bin psql)" "$PG_SERVER_URL/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null; }
trap cleanup EXIT

"${run[@]}" migrate
echo "bench-password" | "${run[@]}" create-staff --email agent@bench.test --role agent --name Abe --password-stdin >/dev/null
"${run[@]}" serve > "$work/server.log" 2>&1 & pid=$!
until port_in_use "$port"; do sleep 0.1; done
base="http://127.0.0.1:$port"
curl -s -c "$work/cookies" -o /dev/null -H "Accept: text/html" -H "Origin: $base" \
  --data "email=agent%40bench.test&password=bench-password" "$base/api/auth/login"

one_loop() {
  for _ in $(seq 1 "$requests"); do
    answer=$(curl -s -b "$work/cookies" -D "$work/headers.$1" -o /dev/null -w "%{http_code} %{errormsg}" -H "Accept: text/html" "$base$2")
    grep -qi "^content-security-policy: default-src 'self'" "$work/headers.$1" || echo "not a page: $2 -> $answer"
  done
}
say "Pages under load ($(git rev-parse --short HEAD)$(git diff --quiet || echo ', with changes')): $loops loops x $requests requests"
for i in $(seq 1 "$loops"); do
  if [ $((i % 2)) = 0 ]; then one_loop "$i" "/app/inbox" & else one_loop "$i" "/app/search?q=x" & fi
done > "$work/bad"
wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true
sleep 0.5
echo "$((loops * requests)) requests, $(wc -l < "$work/bad") not a page; server panics: $(grep -c panicked "$work/server.log")"
head -5 "$work/bad"
