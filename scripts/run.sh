#!/usr/bin/env bash
# Sets up what is missing and runs MyRelay at http://127.0.0.1:3000.
# Without DATABASE_URL it uses a private PostgreSQL in .data/ and loads demo accounts (see README).
# Pass --release for an optimised build.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_rust_tools
ensure_node_packages

if [ -z "${DATABASE_URL:-}" ]; then
  ensure_private_postgres
  ensure_database "$PG_SERVER_URL" myrelay
  export DATABASE_URL="$PG_SERVER_URL/myrelay"
  private_db=1
fi

profile=debug; for arg in "$@"; do [ "$arg" = "--release" ] && profile=release; done
# Every build splits the bundle by route (src/routes.rs: the lazy routes' code only runs split).
# Release builds also write brotli and gzip copies of the bundle, which the server sends instead.
build_flags=("$@" --split); [ "$profile" = release ] && build_flags+=(--precompress)
say "Building"
cargo leptos build "${build_flags[@]}"
if [ -n "${private_db:-}" ]; then
  "$ROOT/target/$profile/myrelay" demo
fi
say "Serving MyRelay at http://${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
exec cargo leptos serve "${build_flags[@]}"
