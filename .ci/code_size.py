#!/usr/bin/env python3
"""Fails when a source file (its part before the `#[cfg(test)]` tests
module) is over MAX_FILE lines or a function body is over MAX_FN lines.
Test files, benches and examples are not counted.

usage: code_size.py [CRATE_DIR ...]
"""
import os
import re
import sys

MAX_FILE = 600
MAX_FN = 80
FN = re.compile(r"^\s*(pub(\([a-z]+\))?\s+)?(const\s+)?(unsafe\s+)?fn\s+([a-zA-Z0-9_]+)")


def code_part(text: str) -> list[str]:
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip() == "#[cfg(test)]" and i + 1 < len(lines) and lines[i + 1].lstrip().startswith("mod "):
            return lines[:i]
    return lines


def long_functions(lines: list[str]):
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m:
            continue
        depth, opened = 0, False
        for j in range(i, len(lines)):
            code = re.sub(r'"(\\.|[^"\\])*"|//.*', "", lines[j])
            if not opened and ";" in code and "{" not in code:
                break  # a declaration without a body
            depth += code.count("{") - code.count("}")
            opened = opened or "{" in code
            if opened and depth <= 0:
                if j - i + 1 > MAX_FN:
                    yield m.group(5), i + 1, j - i + 1
                break


def main(dirs: list[str]) -> int:
    bad = []
    for d in dirs:
        for root, _, files in os.walk(os.path.join(d, "src")):
            for f in sorted(files):
                if not f.endswith(".rs"):
                    continue
                path = os.path.join(root, f)
                with open(path, encoding="utf-8") as fh:
                    lines = code_part(fh.read())
                if len(lines) > MAX_FILE:
                    bad.append(f"{path}: {len(lines)} lines before its tests (limit {MAX_FILE})")
                for name, line, n in long_functions(lines):
                    bad.append(f"{path}:{line}: fn {name} has {n} lines (limit {MAX_FN})")
    for b in bad:
        print(b)
    print(f"code size: {len(bad)} over the limits ({MAX_FILE} lines a file, {MAX_FN} a function)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["gbdt-core", "gbdt-io", "gbdt-cli"]))
