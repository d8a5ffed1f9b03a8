#!/usr/bin/env python3
"""Code size of a wasm module by crate, from its name section (a module built before wasm-opt
strips the names). Usage: bench/wasm_crates.py module.wasm [top_n]"""
import re
import sys
from collections import Counter


def leb(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def sections(data):
    pos = 8
    while pos < len(data):
        kind = data[pos]
        size, pos = leb(data, pos + 1)
        yield kind, data[pos:pos + size]
        pos += size


def functions(path):
    """(size of its code, name) of every function of the module at `path`, from its name section."""
    data = open(path, "rb").read()
    imported_funcs, bodies, names = 0, [], {}
    for kind, body in sections(data):
        if kind == 2:  # imports: function imports take the first indices
            count, pos = leb(body, 0)
            for _ in range(count):
                for _ in range(2):
                    length, pos = leb(body, pos)
                    pos += length
                desc = body[pos]
                pos += 1
                if desc == 0:
                    imported_funcs += 1
                    _, pos = leb(body, pos)
                elif desc == 1:
                    pos += 1
                    flags, pos = leb(body, pos)
                    _, pos = leb(body, pos)
                    if flags & 1:
                        _, pos = leb(body, pos)
                elif desc == 2:
                    flags, pos = leb(body, pos)
                    _, pos = leb(body, pos)
                    if flags & 1:
                        _, pos = leb(body, pos)
                else:
                    pos += 2
        elif kind == 10:  # code
            count, pos = leb(body, 0)
            for _ in range(count):
                size, pos = leb(body, pos)
                bodies.append(size)
                pos += size
        elif kind == 0:
            length, pos = leb(body, 0)
            if body[pos:pos + length] != b"name":
                continue
            pos += length
            while pos < len(body):
                sub = body[pos]
                size, pos = leb(body, pos + 1)
                end = pos + size
                if sub == 1:
                    count, p = leb(body, pos)
                    for _ in range(count):
                        index, p = leb(body, p)
                        length, p = leb(body, p)
                        names[index] = body[p:p + length].decode("utf-8", "replace")
                        p += length
                pos = end
    return [(size, names.get(imported_funcs + i, "?")) for i, size in enumerate(bodies)]


def main():
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    bodies = functions(sys.argv[1])
    by_crate = Counter()
    for size, name in bodies:
        by_crate[crate_of(name)] += size
    total = sum(size for size, _ in bodies)
    print(f"code: {total:,} bytes in {len(bodies):,} functions")
    for crate, size in by_crate.most_common(top):
        print(f"{size:>10,}  {100 * size / total:5.1f} %  {crate}")


def demangle(name):
    """Enough of Rust's legacy mangling (_ZN<len><ident>...E) to read the path."""
    if name.startswith("_ZN") or name.startswith("ZN"):
        pos, parts = name.index("N") + 1, []
        while pos < len(name) and name[pos].isdigit():
            match = re.match(r"\d+", name[pos:])
            length = int(match.group(0))
            pos += len(match.group(0))
            parts.append(name[pos:pos + length])
            pos += length
        text = "::".join(p for p in parts if not re.fullmatch(r"h[0-9a-f]{16}", p))
        for code, char in (("$LT$", "<"), ("$GT$", ">"), ("$u20$", " "), ("$RF$", "&"), ("$C$", ","), ("..", "::")):
            text = text.replace(code, char)
        return text.lstrip("_")
    match = re.match(r"_?R.*?Cs[0-9a-zA-Z_]*?_(\d+)", name)
    if match:  # v0 mangling: the first crate named
        rest = name[match.end():]
        return rest[:int(match.group(1))] + "::"
    return name


def crate_of(name):
    # Monomorphised generics are named after the crate that defines them: <T as tachys::..>::f
    # counts as the trait's crate, which is where the code's shape comes from.
    name = demangle(name).lstrip("<&")
    match = re.match(r"(?:dyn |mut )*([A-Za-z_][A-Za-z0-9_]*)::", name)
    return match.group(1) if match else name.split("(")[0][:40]


if __name__ == "__main__":
    main()
