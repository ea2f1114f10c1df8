#!/usr/bin/env python3
"""Fails when the modules of a crate import each other in a circle.

A node is a module file (`src/a.rs` or `src/a/mod.rs` is `a`, `src/a/b.rs`
is `a::b`); an edge `a -> b` is any `crate::b...` path in `a`'s non-test code
outside comments (the part before its `#[cfg(test)]` module). A path to `crate::x::y`
counts as an edge to the longest module prefix that exists. Edges from a
module to its own descendants are left out: a parent declares its children.

usage: module_cycles.py CRATE_DIR [CRATE_DIR ...]
"""
import os
import re
import sys

PATH = re.compile(r"\bcrate((?:::[a-z_][a-z0-9_]*)+)")
USE_GROUP = re.compile(r"\buse\s+crate::\{([^;]*)\};", re.S)


def modules(src: str) -> dict[str, str]:
    found = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(root, f), src)[:-3].split(os.sep)
            if rel[-1] in ("mod", "lib", "main"):
                rel = rel[:-1]
            found["::".join(rel)] = os.path.join(root, f)
    return found


def targets(text: str, mods: dict[str, str]) -> set[str]:
    text = text.split("#[cfg(test)]\nmod tests")[0]
    # Comments (doc links included) name modules without importing them.
    text = "\n".join(line for line in text.split("\n") if not line.lstrip().startswith("//"))
    paths = [m.group(1)[2:] for m in PATH.finditer(text)]
    for group in USE_GROUP.finditer(text):
        paths += [p.strip().split("::{")[0] for p in group.group(1).split(",")]
    out = set()
    for p in paths:
        parts = [x for x in p.split("::") if x]
        while parts and "::".join(parts) not in mods:
            parts.pop()
        if parts:
            out.add("::".join(parts))
    return out


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, on, stack, out = {}, {}, set(), [], []

    def visit(n):
        index[n] = low[n] = len(index)
        stack.append(n)
        on.add(n)
        for m in sorted(graph.get(n, ())):
            if m not in index:
                visit(m)
                low[n] = min(low[n], low[m])
            elif m in on:
                low[n] = min(low[n], index[m])
        if low[n] == index[n]:
            comp = []
            while True:
                m = stack.pop()
                on.discard(m)
                comp.append(m)
                if m == n:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for n in sorted(graph):
        if n not in index:
            visit(n)
    return out


def main(dirs: list[str]) -> int:
    bad = 0
    for d in dirs:
        mods = modules(os.path.join(d, "src"))
        graph = {}
        for name, path in mods.items():
            with open(path, encoding="utf-8") as fh:
                deps = targets(fh.read(), mods)
            graph[name] = {t for t in deps if t != name and t and
                           not t.startswith(name + "::") and name != ""}
        found = circles(graph)
        edges = sum(len(v) for v in graph.values())
        for comp in found:
            bad = 1
            print(f"{d}: modules importing each other in a circle: {', '.join(comp)}")
        if not found:
            print(f"{d}: {len(mods)} modules, {edges} edges, no import circle")
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["gbdt-core", "gbdt-io", "gbdt-cli"]))
