#!/usr/bin/env python3
"""The largest functions of a wasm module built before wasm-opt (which strips the names), and
how much code the functions whose demangled name matches a pattern take together: where to look
when the bundle has to shrink. Names are demangled by `rustfilt` when it is installed
(`cargo install rustfilt`), else only roughly.

Usage: bench/wasm_functions.py module.wasm [top_n] [regex ...]
  e.g. bench/wasm_functions.py target/front/wasm32-unknown-unknown/wasm-release/myrelay.wasm 40 \\
         'serde_json' 'Deserialize for myrelay::error' 'IntoAny>::into_any'"""
import re
import shutil
import subprocess
import sys
from collections import Counter

from wasm_crates import demangle, functions


def readable(names):
    if shutil.which("rustfilt"):
        out = subprocess.run(["rustfilt"], input="\n".join(names), capture_output=True, text=True, check=True).stdout
        return out.split("\n")[: len(names)]
    return [demangle(name) for name in names]


def main():
    found = functions(sys.argv[1])
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    patterns = sys.argv[3:]
    named = list(zip((size for size, _ in found), readable([name for _, name in found])))
    total = sum(size for size, _ in named)
    print(f"code: {total:,} bytes in {len(named):,} functions")
    # Instances of one generic function differ only by their hash: count them together.
    by_name = Counter()
    copies = Counter()
    for size, name in named:
        key = re.sub(r"::h[0-9a-f]{16}$", "", name)
        by_name[key] += size
        copies[key] += 1
    for name, size in by_name.most_common(top):
        print(f"{size:>9,} {copies[name]:>5}x  {name[:160]}")
    for pattern in patterns:
        matched = [(size, name) for size, name in named if re.search(pattern, name)]
        print(f"{sum(size for size, _ in matched):>9,} {len(matched):>5}x  matching /{pattern}/")


if __name__ == "__main__":
    main()
