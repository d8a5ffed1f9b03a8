#!/usr/bin/env bash
# Size of the browser bundle as it goes over the wire: builds the hydrate wasm with the release
# profile cargo-leptos uses (wasm-release), runs wasm-bindgen and wasm-opt -Oz --converge as
# cargo-leptos does (Cargo.toml's wasm-opt-features), and prints raw, gzip -9 and brotli -q 11
# bytes, then the code size by crate (from the names of the module before wasm-opt; per
# function: bench/wasm_functions.py). Usage: bench/wasm-size.sh [tree] (default: this one).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
tree="$(cd "${1:-$here}" && pwd)"
out="$(mktemp -d)"
cd "$tree"
CARGO_TARGET_DIR="$here/target" cargo build --quiet --lib --target wasm32-unknown-unknown --profile wasm-release \
  --no-default-features --features hydrate
module="$here/target/wasm32-unknown-unknown/wasm-release/myrelay.wasm"
wasm-bindgen "$module" --out-dir "$out" --target web --no-typescript
"$here/end2end/node_modules/.bin/wasm-opt" -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$out/myrelay_bg.wasm" -o "$out/opt.wasm"
echo "tree: $tree ($(git -C "$tree" rev-parse --short HEAD)$(git -C "$tree" diff --quiet || echo ', with changes'))"
echo "wasm raw:    $(wc -c < "$out/opt.wasm")"
echo "wasm gzip:   $(gzip -9 -c "$out/opt.wasm" | wc -c)"
echo "wasm brotli: $(brotli -q 11 -c "$out/opt.wasm" | wc -c)"
python3 "$here/bench/wasm_crates.py" "$module" 12
rm -rf "$out"
