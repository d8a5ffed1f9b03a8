#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests (a fresh database per test), then the Playwright
# browser tests against the release build, served as `scripts/run.sh --release` serves it, on a
# fresh database. Installs what is missing first.
# Uses DATABASE_URL's server when set (tests create and drop their own databases there), else the
# private cluster in .data/.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_rust_tools
ensure_node_packages
ensure_chromium
ensure_nginx
ensure_smtp_test_server
use_postgres_server
server="$PG_SERVER_URL"
export DATABASE_URL="$server/postgres"
drop_databases_like "$server" 'myrelay_test_%'

say "Rust tests (free disk: $(df -h --output=avail . | tail -1 | tr -d " "))"
cargo test --features ssr --locked

# The browser tests run what users run: the release bundle (wasm-release profile, wasm-opt,
# precompressed) and the release server. A debug bundle that hydrates proves nothing for it.
say "Building the release site for the browser tests"
cargo leptos build --release --precompress --split

mkdir -p "$DATA_DIR"
E2E_PORT="${MYRELAY_E2E_PORT:-$(free_port 3100)}"
E2E_DB="myrelay_test_e2e_$$"
ensure_database "$server" "$E2E_DB"
export MYRELAY_E2E_URL="http://127.0.0.1:$E2E_PORT"
export MYRELAY_E2E_STAFF_PASSWORD="staff-password-$RANDOM$RANDOM"
server_pid=
smtp_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$smtp_pid" ]; then kill "$smtp_pid" 2>/dev/null || true; wait "$smtp_pid" 2>/dev/null || true; fi
  drop_databases_like "$server" 'myrelay_test_%' || true
}
trap cleanup EXIT

# The server mails through a real SMTP server whose mails the browser tests read (mail.spec.ts).
export MYRELAY_E2E_MAILDIR="$DATA_DIR/e2e-mail"
export MYRELAY_E2E_MAIL_TOKEN="inbound-$RANDOM$RANDOM"
rm -rf "$MYRELAY_E2E_MAILDIR" && mkdir -p "$MYRELAY_E2E_MAILDIR"
SMTP_PORT="$(free_port 2525)"
/usr/bin/python3 "$ROOT/tests/app/smtp_sink.py" --port "$SMTP_PORT" --dir "$MYRELAY_E2E_MAILDIR" --forever > "$DATA_DIR/e2e-smtp.log" 2>&1 < /dev/null &
smtp_pid=$!

server_env=(env "DATABASE_URL=$server/$E2E_DB" "LEPTOS_SITE_ADDR=127.0.0.1:$E2E_PORT" LEPTOS_SITE_ROOT=target/site
  "LEPTOS_RELOAD_PORT=$(free_port $((E2E_PORT + 1)))" "RUST_LOG=${RUST_LOG:-warn}"
  MYRELAY_SMTP_HOST=127.0.0.1 "MYRELAY_SMTP_PORT=$SMTP_PORT" MYRELAY_SMTP_TLS=none
  "MYRELAY_MAIL_FROM=MyRelay Support <support@e2e.myrelay.test>" MYRELAY_MAIL_DELAY_SECONDS=2
  "MYRELAY_MAIL_INBOUND_TOKEN=$MYRELAY_E2E_MAIL_TOKEN" "$ROOT/target/release/myrelay")
"${server_env[@]}" migrate
for staff in "admin Eda" "agent Abe"; do
  set -- $staff
  echo "$MYRELAY_E2E_STAFF_PASSWORD" | "${server_env[@]}" create-staff --email "$1@e2e.myrelay.test" --name "$2" --role "$1" --password-stdin
done
"${server_env[@]}" serve > "$DATA_DIR/e2e-server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  port_in_use "$SMTP_PORT" && break
  kill -0 "$smtp_pid" 2>/dev/null || { cat "$DATA_DIR/e2e-smtp.log"; say "The SMTP server did not start"; exit 1; }
  sleep 0.2
done
for _ in $(seq 1 100); do
  port_in_use "$E2E_PORT" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$DATA_DIR/e2e-server.log"; say "The server did not start"; exit 1; }
  sleep 0.2
done

say "Browser tests"
# Every spec takes `test` from helpers.ts, whose fixture fails a test on any panic or page error.
if grep -ln 'import {[^}]*\btest\b[^}]*} from "@playwright/test"' end2end/tests/*.spec.ts; then
  say "The specs above import test from @playwright/test; import it from ./helpers"; exit 1
fi
(cd end2end && npx playwright test)
