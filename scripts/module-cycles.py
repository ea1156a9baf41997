#!/usr/bin/env python3
"""Module import graph of each crate (top-level modules under src/), from
`crate::m` and `super::m` paths; prints the cycles (strongly connected
components of more than one module)."""
import re, sys, os, glob
from collections import defaultdict

def modules(src):
    mods = {}
    for path in glob.glob(os.path.join(src, '**', '*.rs'), recursive=True):
        rel = os.path.relpath(path, src)
        parts = rel[:-3].split(os.sep)
        if parts[-1] == 'mod': parts = parts[:-1]
        if parts == ['lib'] or parts == ['main']: continue
        mods.setdefault(parts[0], []).append((parts, open(path).read()))
    return mods

def strip_comments(s):
    s = re.sub(r'//[^\n]*', '', s)
    return s

def graph(src):
    mods = modules(src)
    g = defaultdict(set)
    for top, files in mods.items():
        for parts, text in files:
            text = strip_comments(text)
            for m in re.finditer(r'\bcrate::([a-z_][a-z0-9_]*)', text):
                if m.group(1) in mods and m.group(1) != top: g[top].add(m.group(1))
            # super:: from a file directly under src refers to the crate root
            if len(parts) == 1:
                for m in re.finditer(r'\bsuper::([a-z_][a-z0-9_]*)', text):
                    if m.group(1) in mods and m.group(1) != top: g[top].add(m.group(1))
            # `use crate::{a, b::c}` groups
            for m in re.finditer(r'use crate::\{([^;]*)\};', text, re.S):
                for name in re.findall(r'(?:^|[,{]\s*)([a-z_][a-z0-9_]*)', m.group(1)):
                    if name in mods and name != top: g[top].add(name)
    return mods, g

def sccs(nodes, g):
    index = {}; low = {}; stack = []; on = set(); out = []; i = [0]
    sys.setrecursionlimit(10000)
    def visit(v):
        index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
        for w in g[v]:
            if w not in index: visit(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            out.append(comp)
    for v in nodes:
        if v not in index: visit(v)
    return [sorted(c) for c in out if len(c) > 1]

def sub_graph(src, pkg):
    """Modules one level below `pkg` (e.g. pages/*.rs), by super:: paths."""
    base = os.path.join(src, pkg)
    mods = {}
    for path in glob.glob(os.path.join(base, '*.rs')):
        name = os.path.basename(path)[:-3]
        if name == 'mod': continue
        mods[name] = strip_comments(open(path).read())
    g = defaultdict(set)
    for name, text in mods.items():
        for m in re.finditer(r'\bsuper::([a-z_][a-z0-9_]*)', text):
            if m.group(1) in mods and m.group(1) != name: g[name].add(m.group(1))
        for m in re.finditer(rf'\bcrate::{pkg}::([a-z_][a-z0-9_]*)', text):
            if m.group(1) in mods and m.group(1) != name: g[name].add(m.group(1))
    return mods, g

root = sys.argv[1] if len(sys.argv) > 1 else '.'
found = False
for krate in sorted(os.listdir(os.path.join(root, 'crates'))):
    src = os.path.join(root, 'crates', krate, 'src')
    if not os.path.isdir(src): continue
    mods, g = graph(src)
    for c in sccs(sorted(mods), g):
        found = True
        print(f'{krate}: cycle among {", ".join(c)}')
    for pkg in [d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d))]:
        mods, g = sub_graph(src, pkg)
        for c in sccs(sorted(mods), g):
            found = True
            print(f'{krate}/{pkg}: cycle among {", ".join(c)}')
print('cycles found' if found else 'no cycles')
sys.exit(1 if found else 0)
