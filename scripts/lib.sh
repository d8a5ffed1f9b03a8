# Shared by scripts/run.sh and scripts/test.sh: installs what is missing (idempotently, quickly when
# nothing is) and runs a private PostgreSQL cluster when DATABASE_URL is not set. Source it; don't run it.

set -euo pipefail
shopt -s inherit_errexit
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="$ROOT/.data"
CARGO_LEPTOS_VERSION="0.3.10"
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"
# Compile-time name of the site bundle: the same for cargo-leptos and plain cargo, so both agree.
export LEPTOS_OUTPUT_NAME=myrelay
# A one-off build (CI) gains nothing from incremental data, which costs gigabytes of disk.
if [ "${CI:-}" = "true" ]; then export CARGO_INCREMENTAL=0; fi

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=
apt_install() {
  if ! command -v apt-get >/dev/null; then
    say "Please install: $* (no apt-get on this machine)"; return 1
  fi
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  say "Installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_rust_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "Installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
  fi
  # cargo-leptos would download wasm-bindgen from GitHub unless the exact version is on PATH.
  local wanted
  wanted="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' "$ROOT/Cargo.lock")"
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wanted\$"; then
    say "Installing wasm-bindgen-cli $wanted (about 2 minutes, once)"
    cargo install wasm-bindgen-cli --version "=$wanted"
  fi
}

ensure_node_packages() {
  if ! command -v npm >/dev/null; then apt_install nodejs npm; fi
  # Playwright drives Debian's chromium; binaryen provides the wasm-opt that release builds need.
  if [ ! -x "$ROOT/end2end/node_modules/.bin/wasm-opt" ] || [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
    say "Installing Node packages for end2end/"
    (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then apt_install chromium; fi
}

# The balancer test (tests/app/balancer.rs) runs deploy/nginx.conf in Debian's nginx.
ensure_nginx() {
  if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then apt_install nginx-light; fi
}

# The mail tests (tests/app/mail.rs) send through a real SMTP server: Debian's aiosmtpd, run by
# Debian's python3 (tests/app/smtp_sink.py).
ensure_smtp_test_server() {
  if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then apt_install python3-aiosmtpd; fi
}

# ---- PostgreSQL ------------------------------------------------------------------------------

pg_bin() {
  local tool="$1" found
  found="$(command -v "$tool" 2>/dev/null || true)"
  if [ -z "$found" ]; then
    found="$(ls -d /usr/lib/postgresql/*/bin/"$tool" 2>/dev/null | sort -V | tail -n 1 || true)"
  fi
  printf '%s' "$found"
}

# Runs a PostgreSQL server tool as the cluster's owner (PostgreSQL refuses to run as root).
as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The first free local port from $1 on.
free_port() {
  local port="$1"
  while port_in_use "$port"; do port=$((port + 1)); done
  printf '%s' "$port"
}

# Starts (or reuses) the private cluster in .data/pg; sets PG_SERVER_URL (no database part).
# Its port is kept in .data/pg-port: MYRELAY_PG_PORT, else the first free one from 55432.
ensure_private_postgres() {
  if [ -z "$(pg_bin initdb)" ] || [ -z "$(pg_bin psql)" ]; then apt_install postgresql; fi
  local initdb pg_ctl pgdata="$DATA_DIR/pg" socket_dir="$DATA_DIR/pg-socket" port
  initdb="$(pg_bin initdb)"; pg_ctl="$(pg_bin pg_ctl)"
  mkdir -p "$DATA_DIR" "$socket_dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$socket_dir"
    if ! runuser -u postgres -- test -x "$DATA_DIR"; then
      say "The postgres user cannot reach $DATA_DIR; set DATABASE_URL to use another server"; return 1
    fi
  fi
  if [ ! -s "$pgdata/PG_VERSION" ]; then
    say "Creating a private PostgreSQL cluster in .data/pg"
    mkdir -p "$pgdata"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$pgdata"; fi
    as_pg_owner "$initdb" -D "$pgdata" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  port="${MYRELAY_PG_PORT:-$(cat "$DATA_DIR/pg-port" 2>/dev/null || echo 55432)}"
  if ! as_pg_owner "$pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    if port_in_use "$port"; then port="$(free_port 55432)"; fi
    say "Starting the private PostgreSQL on 127.0.0.1:$port"
    if ! as_pg_owner "$pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w -t 60 \
      -o "-p $port -k $socket_dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null; then
      tail -n 20 "$pgdata/server.log" >&2; say "PostgreSQL did not start"; return 1
    fi
    echo "$port" > "$DATA_DIR/pg-port"
  fi
  PG_SERVER_URL="postgres://postgres@127.0.0.1:$port"
}

# Sets PG_SERVER_URL to a server the scripts may create databases on: DATABASE_URL's, or the private one.
use_postgres_server() {
  if [ -n "${DATABASE_URL:-}" ]; then
    PG_SERVER_URL="${DATABASE_URL%/*}"
  else
    ensure_private_postgres
  fi
}

# Creates database $2 on server $1 unless it exists.
ensure_database() {
  local server="$1" name="$2" psql
  psql="$(pg_bin psql)"
  if [ -z "$("$psql" "$server/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'")" ]; then
    "$psql" "$server/postgres" -qc "CREATE DATABASE \"$name\"" >/dev/null
  fi
}

drop_databases_like() {
  local server="$1" pattern="$2" psql name
  psql="$(pg_bin psql)"
  for name in $("$psql" "$server/postgres" -tAc "SELECT datname FROM pg_database WHERE datname LIKE '$pattern'"); do
    "$psql" "$server/postgres" -qc "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null
  done
}
