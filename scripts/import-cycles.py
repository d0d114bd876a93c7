#!/usr/bin/env python3
"""The import graph of the files of src/, and its cycles.

Each file is a module (src/a/b.rs and src/a/b/mod.rs are crate::a::b).
An edge A -> B is a path in A's text that names B: `crate::b::...`,
`super::...`, `self::...`, or a child module's name (`body::...`); a
parent's re-export of its child's items (`pub use body::X`) is the child's
face, not a use, and is no edge. The paths in a
`macro_rules!` body are dependencies of the files that invoke the macro,
where it expands, not of the file that defines it. The generated client, which
src/raw.rs includes from $OUT_DIR, is not read: the models it names
(through the generator's replacements) are the one cycle the design
accepts.

    scripts/import-cycles.py [SRC_DIR]

Prints each cycle (strongly connected component of more than one file),
telling apart a cycle between the files of one directory module (its
mod.rs and the files it is split into, which refer to each other as the
parts of one module do) from a cycle between modules; exits 1 when there
is a cycle between modules.
"""

import os
import re
import sys


def modules(src):
    out = {}
    for root, _, files in os.walk(src):
        for name in files:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src)[:-3].split(os.sep)
            if rel[-1] in ("mod", "lib"):
                rel = rel[:-1]
            out[tuple(rel)] = path
    return out


def strip(text):
    # Comments and string literals name no module.
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    return text


def targets(module, text, known):
    found = set()
    for match in re.finditer(r"\b(crate|super|self)((?:::\w+)+)", text):
        head, rest = match.group(1), match.group(2).split("::")[1:]
        if head == "crate":
            base = ()
        elif head == "super":
            base = module[:-1]
        else:
            base = module
        parts = list(base) + rest
        # The longest prefix that is a file of its own.
        for n in range(len(parts), 0, -1):
            if tuple(parts[:n]) in known:
                found.add(tuple(parts[:n]))
                break
    # Child modules named by a relative path (`body::X`), outside `pub use`.
    children = {m[-1] for m in known if len(m) == len(module) + 1 and m[:len(module)] == module}
    for line in text.split("\n"):
        if re.match(r"\s*pub(\([^)]*\))?\s+use\b", line) or re.match(r"\s*(pub\s+)?mod\s", line):
            continue
        for child in children:
            if re.search(r"(?<![\w:])" + child + r"::", line):
                found.add(module + (child,))
    # `use` groups: `use crate::{a, b::c}`.
    for match in re.finditer(r"use\s+crate::\{([^;]*)\};", text, re.S):
        for item in re.findall(r"(\w+)(?:::\w+)*", match.group(1)):
            if (item,) in known:
                found.add((item,))
    found.discard(module)
    return found


def macro_bodies(text):
    """(name, body) of each `macro_rules!` in text, and the text without them."""
    out, rest, i = [], [], 0
    for match in re.finditer(r"macro_rules!\s*(\w+)\s*\{", text):
        if match.start() < i:
            continue
        depth, j = 0, match.end() - 1
        while True:
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        out.append((match.group(1), text[match.end():j]))
        rest.append(text[i:match.start()])
        i = j + 1
    rest.append(text[i:])
    return out, "".join(rest)


def cycles(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
    known = modules(src)
    texts, macros = {}, {}
    for module, path in known.items():
        with open(path, encoding="utf-8") as f:
            bodies, rest = macro_bodies(strip(f.read()))
        texts[module] = rest
        for name, body in bodies:
            macros[name] = targets(module, body.replace("$crate", "crate"), known)
    graph = {}
    for module, text in texts.items():
        graph[module] = targets(module, text, known)
        for name, deps in macros.items():
            if re.search(r"\b" + name + r"!", text):
                graph[module] |= deps - {module}
    name = lambda m: "::".join(m) or "lib"
    edges = sum(len(v) for v in graph.values())
    found = cycles(graph)
    print(f"{len(known)} files, {edges} edges between them")

    def one_module(component):
        # A directory module and the files it is split into.
        shortest = min(component, key=len)
        return all(m[: len(shortest)] == shortest for m in component) and all(
            len(m) <= len(shortest) + 1 for m in component
        )

    between = [c for c in found if not one_module(c)]
    for component in found:
        kind = "within one module" if one_module(component) else "between modules"
        print(f"cycle ({kind}): " + ", ".join(name(m) for m in component))
    if not between:
        print("no cycle between modules")
    return 1 if between else 0


if __name__ == "__main__":
    sys.exit(main())
