#!/usr/bin/env bash
# Server time of the agent inbox over many tickets: seeds a fresh database with N tickets (default
# 10,000), starts the server, signs in an agent, and times the list server function (50 rows) and the
# server-rendered /app/inbox page. Each ticket has MESSAGES messages (default 2: the lists preview the
# newest). Usage: [MESSAGES=n] [MYRELAY_BIN=path] bench/inbox.sh [N] [--release]
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
TICKETS="${1:-10000}"
profile=debug; [ "${2:-}" = "--release" ] && profile=release
RUNS=50
MESSAGES="${MESSAGES:-2}"

use_postgres_server
db="myrelay_bench_$$"
ensure_database "$PG_SERVER_URL" "$db"
port="$(free_port 3200)"
bin="${MYRELAY_BIN:-$ROOT/target/$profile/myrelay}"
[ -x "$bin" ] || { say "Build first: cargo leptos build $( [ $profile = release ] && echo --release)"; exit 1; }
run=(env "DATABASE_URL=$PG_SERVER_URL/$db" "LEPTOS_SITE_ADDR=127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site RUST_LOG=warn "$bin")
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; "$(pg_bin psql)" "$PG_SERVER_URL/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null; }
trap cleanup EXIT

"${run[@]}" migrate
echo "bench-password" | "${run[@]}" create-staff --email agent@bench.test --role agent --name "Bench Agent" --password-stdin >/dev/null
psql="$(pg_bin psql)"
say "Seeding $TICKETS tickets"
"$psql" "$PG_SERVER_URL/$db" -q <<SQL
INSERT INTO users (email, display_name, password_hash)
SELECT 'user' || n || '@bench.test', 'User ' || n, 'x' FROM generate_series(1, 500) n;
INSERT INTO tickets (created_by_user_id, subject, description, status, assigned_agent_id, created_at, updated_at)
SELECT (SELECT id FROM users WHERE email = 'user' || (1 + n % 500) || '@bench.test'), 'Ticket ' || n, repeat('Description text ', 20),
       (ARRAY['open','assigned','resolved','closed']::ticket_status[])[1 + n % 4],
       CASE WHEN n % 4 = 0 THEN NULL ELSE (SELECT id FROM users WHERE email = 'agent@bench.test') END,
       now() - make_interval(mins => n), now() - make_interval(mins => n)
FROM generate_series(1, $TICKETS) n;
-- Messages alternate between the customer and the agent.
INSERT INTO ticket_messages (ticket_id, sender_user_id, sender_role, content, seq, created_at)
SELECT t.id, CASE WHEN s % 2 = 1 THEN t.created_by_user_id ELSE a.id END,
       (CASE WHEN s % 2 = 1 THEN 'user' ELSE 'agent' END)::user_role,
       'Message ' || s || ' about ticket ' || t.id || E'\nand a second line', s, t.created_at + make_interval(secs => s)
FROM tickets t, generate_series(1, $MESSAGES) s, (SELECT id FROM users WHERE email = 'agent@bench.test') a;
UPDATE tickets SET last_seq = $MESSAGES;
-- SLA due times as the app gives them (normal priority: 8 h and 3 days), where the schema has them.
DO \$\$ BEGIN
  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'tickets' AND column_name = 'resolution_due_at') THEN
    UPDATE tickets SET first_response_due_at = created_at + interval '8 hours', resolution_due_at = created_at + interval '3 days',
                       sla_paused_at = CASE WHEN status IN ('resolved', 'closed') THEN updated_at END;
  END IF;
END \$\$;
ANALYZE;
SQL
"${run[@]}" serve >/dev/null & pid=$!
until port_in_use "$port"; do sleep 0.1; done
jar="$(mktemp)"
curl -s -c "$jar" -H 'Accept: application/json' --data 'email=agent@bench.test&password=bench-password' "http://127.0.0.1:$port/api/auth/login" >/dev/null

measure() {
  local label="$1" url="$2" accept="$3"
  for _ in $(seq 1 5); do curl -s -o /dev/null -b "$jar" -H "Accept: $accept" "$url"; done
  for _ in $(seq 1 $RUNS); do curl -s -o /dev/null -b "$jar" -H "Accept: $accept" -w '%{time_total}\n' "$url"; done |
    sort -n | awk -v label="$label" '{ t[NR] = $1 * 1000 } END { printf "%-42s p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms  (%d runs)\n", label, t[int(NR*0.5)], t[int(NR*0.95)], t[NR], NR }'
}
say "Timing ($profile build, $TICKETS tickets, $RUNS runs each)"
measure "GET /api/tickets/list?limit=50" "http://127.0.0.1:$port/api/tickets/list?limit=50" application/json
measure "GET /api/tickets/list?limit=50&status=open" "http://127.0.0.1:$port/api/tickets/list?limit=50&status=open" application/json
measure "GET /api/tickets/list?limit=50&sort=priority" "http://127.0.0.1:$port/api/tickets/list?limit=50&sort=priority&include_closed=false" application/json
measure "GET /api/tickets/list?limit=50&assignment=mine" "http://127.0.0.1:$port/api/tickets/list?limit=50&assignment=mine" application/json
# Since the SLA timers (a build before them answers these with a validation error):
measure "GET /api/tickets/list?limit=50&sort=due" "http://127.0.0.1:$port/api/tickets/list?limit=50&sort=due&include_closed=false" application/json
measure "GET /api/tickets/list?limit=50&sla=breached" "http://127.0.0.1:$port/api/tickets/list?limit=50&sla=breached" application/json
measure "GET /api/tickets/inbox-counts" "http://127.0.0.1:$port/api/tickets/inbox-counts" application/json
measure "GET /app/inbox (server-rendered page)" "http://127.0.0.1:$port/app/inbox" text/html
measure "GET /app/inbox?sort=recent (page)" "http://127.0.0.1:$port/app/inbox?sort=recent" text/html
page="$(curl -s -b "$jar" -H 'Accept: text/html' "http://127.0.0.1:$port/app/inbox")"
# (A page with no resource data, since the lists are the server's HTML: grep finds nothing.)
data="$( (printf '%s' "$page" | grep -o '__RESOLVED_RESOURCES\[[0-9]*\] = .*' || true) | wc -c)"
say "The /app/inbox page: $(printf '%s' "$page" | wc -c) bytes, of which $data are resource data for hydration"
rm -f "$jar"
