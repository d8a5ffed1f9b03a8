#!/usr/bin/env bash
# Search at scale: seeds a fresh database with 1,000,000 messages (default; 20,000 tickets of 50
# messages from 500 customers, words drawn from a helpdesk vocabulary plus a long tail of rare
# ones), starts the server, and times GET /api/search (first page, 25 hits) through HTTP for a mix
# of queries, as an agent (sees everything) and as one customer (their own 40 tickets).
# Usage: bench/search.sh [MESSAGES] [--release]   (build first: cargo leptos build [--release])
# BENCH_DB=name keeps the seeded database under that name and reuses it on the next run.
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
MESSAGES="${1:-1000000}"
profile=debug; [ "${2:-}" = "--release" ] && profile=release
RUNS=40
PER_TICKET=50
TICKETS=$((MESSAGES / PER_TICKET))

use_postgres_server
db="${BENCH_DB:-myrelay_bench_$$}"
ensure_database "$PG_SERVER_URL" "$db"
port="$(free_port 3200)"
bin="$ROOT/target/$profile/myrelay"
[ -x "$bin" ] || { say "Build first: cargo leptos build $( [ $profile = release ] && echo --release)"; exit 1; }
run=(env "DATABASE_URL=$PG_SERVER_URL/$db" "LEPTOS_SITE_ADDR=127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site RUST_LOG=warn "$bin")
psql="$(pg_bin psql)"
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null
  [ -n "${BENCH_DB:-}" ] || "$psql" "$PG_SERVER_URL/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
}
trap cleanup EXIT

"${run[@]}" migrate
if [ "$("$psql" "$PG_SERVER_URL/$db" -tAc 'SELECT count(*) FROM ticket_messages')" -lt "$MESSAGES" ]; then
echo "bench-password" | "${run[@]}" create-staff --email agent@bench.test --role agent --name "Bench Agent" --password-stdin >/dev/null
say "Seeding $TICKETS tickets and $MESSAGES messages (a few minutes)"
start=$(date +%s)
"$psql" "$PG_SERVER_URL/$db" -q <<SQL
SET maintenance_work_mem = '512MB';
-- Faster to build the text indexes once, after the rows.
DROP INDEX ticket_messages_search_idx;
DROP INDEX tickets_search_idx;
CREATE TEMP TABLE vocabulary AS SELECT array_agg(w) AS words FROM unnest(string_to_array(
  'account access address admin alert android answer app attachment balance bank billing browser bug cache '
  'calendar camera cancel card cart charge chat checkout code company config connection contract cookie crash '
  'customer dashboard data database date deadline delivery device discount display document domain download '
  'driver email error export failure feature file firewall folder form invoice keyboard language laptop '
  'license link login logo mail manager meeting message migration mobile monitor network notification number '
  'order page partner password payment permission phone photo plan plugin portal price printer profile '
  'purchase receipt refund region report request reset router schedule screen server session settings '
  'shipment signature software storage subscription support sync tablet tax team template ticket timeout '
  'token trial update upgrade upload user vendor version video voucher wallet warehouse warranty website '
  'window wireless workspace', ' ')) w;
INSERT INTO users (email, display_name, password_hash)
SELECT 'user' || n || '@bench.test', 'User ' || n, 'x' FROM generate_series(1, 500) n;
INSERT INTO tickets (created_by_user_id, subject, description, status, created_at, updated_at, last_seq)
SELECT u.id, 'Ticket ' || n || ' about the ' || v.words[1 + n % array_length(v.words, 1)],
       'Something is wrong with my ' || v.words[1 + (n * 7) % array_length(v.words, 1)] || ' and the ' || v.words[1 + (n * 13) % array_length(v.words, 1)],
       (ARRAY['open','assigned','resolved','closed']::ticket_status[])[1 + n % 4],
       now() - make_interval(mins => n), now() - make_interval(mins => n), $PER_TICKET
FROM generate_series(1, $TICKETS) n, vocabulary v, LATERAL (SELECT id FROM users WHERE email = 'user' || (1 + n % 500) || '@bench.test') u;
-- Messages alternate between the customer and the agent: 6–14 words each from the vocabulary,
-- and one rare token in ten messages (tokens like "zq4821", each in about 10 messages).
INSERT INTO ticket_messages (ticket_id, sender_user_id, sender_role, content, seq, created_at)
SELECT t.id, CASE WHEN s % 2 = 1 THEN t.created_by_user_id ELSE a.id END,
       (CASE WHEN s % 2 = 1 THEN 'user' ELSE 'agent' END)::user_role,
       (SELECT string_agg(v.words[1 + floor(random() * array_length(v.words, 1))::int + 0 * k], ' ')
        FROM generate_series(1, 6 + (t.id + s) % 9) k)
       || CASE WHEN (t.id + s) % 10 = 0 THEN ' zq' || ((t.id * 31 + s) % 10000) ELSE '' END,
       s, t.created_at + make_interval(secs => s)
FROM tickets t, generate_series(1, $PER_TICKET) s, vocabulary v, (SELECT id FROM users WHERE email = 'agent@bench.test') a;
CREATE INDEX tickets_search_idx ON tickets USING gin (search);
CREATE INDEX ticket_messages_search_idx ON ticket_messages USING gin (search);
VACUUM ANALYZE;
SQL
say "Seeded in $(( $(date +%s) - start )) s: $("$psql" "$PG_SERVER_URL/$db" -tAc 'SELECT count(*) FROM ticket_messages') messages"
"$psql" "$PG_SERVER_URL/$db" -qc "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = 'agent@bench.test') WHERE email = 'user1@bench.test'"
fi
rare="$("$psql" "$PG_SERVER_URL/$db" -tAc "SELECT substring(content from 'zq[0-9]+') FROM ticket_messages WHERE content LIKE '%zq%' LIMIT 1")"
"${run[@]}" serve >/dev/null & pid=$!
until port_in_use "$port"; do sleep 0.1; done
agent_jar="$(mktemp)"; user_jar="$(mktemp)"
curl -s -c "$agent_jar" -H 'Accept: application/json' --data 'email=agent@bench.test&password=bench-password' "http://127.0.0.1:$port/api/auth/login" >/dev/null
curl -s -c "$user_jar" -H 'Accept: application/json' --data 'email=user1@bench.test&password=bench-password' "http://127.0.0.1:$port/api/auth/login" >/dev/null

measure() {
  local who="$1" jar="$2" q="$3" url="http://127.0.0.1:$port/api/search?q=$3"
  local hits; hits=$(curl -s -b "$jar" -H 'Accept: application/json' "$url" | grep -o '"ticket_id"' | wc -l || true)
  for _ in $(seq 1 3); do curl -s -o /dev/null -b "$jar" -H 'Accept: application/json' "$url"; done
  for _ in $(seq 1 $RUNS); do curl -s -o /dev/null -b "$jar" -H 'Accept: application/json' -w '%{time_total}\n' "$url"; done |
    sort -n | awk -v label="$who q=$q" -v hits="$hits" '{ t[NR] = $1 * 1000 } END { printf "%-44s p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms  (%s hits on page 1, %d runs)\n", label, t[int(NR*0.5)], t[int(NR*0.95)], t[NR], hits, NR }'
}
say "Timing ($profile build, $MESSAGES messages, $RUNS runs each)"
for who in agent user; do
  jar="$agent_jar"; [ $who = user ] && jar="$user_jar"
  for q in "$rare" printer 'refund+invoice' '%22password+reset%22' 'printer+-network' 'warranty+or+voucher'; do
    measure "$who" "$jar" "$q"
  done
done
rm -f "$agent_jar" "$user_jar"
