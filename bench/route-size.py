#!/usr/bin/env python3
"""Bytes a first visit of each page fetches, brotli as sent, from a split release build
(`cargo leptos build --release --precompress --split`): the main module and its JavaScript (what
every page loads) plus the route's chunks from `__wasm_split_manifest` (what its lazy route loads).
The stylesheet is not counted. Usage: bench/route-size.py [site/pkg dir] (default target/site/pkg)."""
import glob, json, os, sys

pkg = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "target", "site", "pkg")

def brotli_size(stem, ext):
    [path] = glob.glob(os.path.join(pkg, f"{stem}.{ext}.br"))
    return os.path.getsize(path)

def one(pattern):
    found = [p for p in glob.glob(os.path.join(pkg, pattern)) if not p.endswith((".br", ".gz"))]
    if len(found) != 1:
        sys.exit(f"expected one {pattern} in {pkg}, found {len(found)}: build with --split --precompress")
    return found[0]

main_wasm = os.path.getsize(one("myrelay.*.wasm") + ".br")
main_js = os.path.getsize(one("myrelay.*.js") + ".br") + os.path.getsize(one("__wasm_split.*.js") + ".br")
manifest = json.load(open(one("__wasm_split_manifest.*.json")))

# Which split point each page's lazy route is (src/routes.rs): a route type's view by the type's
# snake-case name, or the lazy function every admin page is shown by.
pages = {
    "landing, sign-in, register": None,
    "my tickets": "__my_tickets_route_view_",
    "new ticket": "__new_ticket_route_view_",
    "a ticket (customer)": "__user_ticket_route_view_",
    "inbox": "__inbox_route_view_",
    "a ticket (agent)": "__agent_ticket_route_view_",
    "search": "__search_route_view_",
    "any admin page": "admin_page_",
}

def chunks_of(split_point):
    [key] = [k for k in manifest if k.startswith(split_point)]
    return manifest[key]

def chunk_bytes(names):
    return sum(brotli_size(name, "wasm") for name in names)

print(f"main module {main_wasm:,} B + JavaScript {main_js:,} B (brotli); {len(manifest)} lazy routes")
print(f"{'page':30} {'bytes':>10} {'files':>6}")
for page, route in pages.items():
    names = chunks_of(route) if route else []
    total = main_wasm + main_js + chunk_bytes(names)
    print(f"{page:30} {total/1000:8.0f} KB {len(names) + 3:6}")

inbox, ticket = set(chunks_of("__inbox_route_view_")), set(chunks_of("__agent_ticket_route_view_"))
print(f"a ticket after the inbox: {len(ticket - inbox)} more files, {chunk_bytes(ticket - inbox)/1000:.0f} KB")
