#!/usr/bin/env python3
"""tests/floors.py - every dependency points down the floors of ARCHITECTURE.md.

Two graphs are read from the tree:
  - includes: every `#include "..."` of every .c and .h file of the library
    and the tools (the project's own headers; <utcp/...> is the public API,
    open to all);
  - calls and data: for every compiled object of the library and the tools,
    the global symbols it uses (nm: U) and the file that defines each.

A file may use only its own folder and the folders its floor stands on
(FLOORS below, the table of ARCHITECTURE.md).  Across files, the symbol graph
may have circles only inside core/tcp (input, output and timers call each
other by nature): any other strongly connected set of two or more files is
reported, with the symbols that tie it.

    tests/floors.py SRCDIR BUILDDIR     check the tree (objects under BUILDDIR)
    tests/floors.py --self-test         the checker finds what it must

Prints every offence; exit 1 if there is any.
"""
import os
import re
import subprocess
import sys
import tempfile

# Folder -> the folders it may use besides itself (ARCHITECTURE.md, "Floors").
CORE = ["core/base", "core/wire", "core/io", "core/net", "core/tcp", "core/udp", "core/stack",
        "core/api"]
FLOORS = {CORE[i]: set(CORE[:i]) for i in range(len(CORE))}
# core/udp stands beside core/tcp, on the same floor: neither uses the other.
FLOORS["core/udp"] = set(CORE[:4])
FLOORS["nic"] = {"core/base", "core/wire"}
FLOORS["setup"] = set(CORE) | {"nic"}
FLOORS["compat/mtcp"] = FLOORS["setup"] | {"setup"}
FLOORS["preload"] = FLOORS["setup"] | {"setup"}
FLOORS["sim"] = FLOORS["setup"] | {"setup"}
FLOORS["tools"] = FLOORS["sim"] | {"sim", "compat/mtcp"}
# examples/ stands on top like tools/, but is written against the installed
# API.  Folders that stand on libutcp's public API include no header of the
# tree but include/ and their own.
FLOORS["examples"] = FLOORS["tools"]
PUBLIC_ONLY = {"compat/mtcp", "preload", "examples"}
# preload/ defines libc's own names (read, socket, poll, ...) to stand in
# front of libc: those definitions are not the tree's; only its upl_*
# symbols are.
INTERPOSERS = {"preload"}
# Circles of files are allowed only inside these folders.
CIRCLES_OK = {"core/tcp"}
SOURCE_DIRS = ["core", "nic", "setup", "compat", "preload", "sim", "tools", "examples"]
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# Symbols every program defines for itself.
IGNORED = {"main", "_init", "_fini", "_start", "__bss_start", "_edata", "_end"}


def folder(path):
    """The floor a source path stands on, or None for files outside them."""
    parts = path.split("/")
    if parts[0] in ("core", "compat") and len(parts) > 2:
        return parts[0] + "/" + parts[1]
    if parts[0] in ("nic", "setup", "preload", "sim", "tools", "examples") and len(parts) > 1:
        return parts[0]
    return None


def allowed(src, dst):
    fs, fd = folder(src), folder(dst)
    return fd is None or fs is None or fs == fd or fd in FLOORS.get(fs, set())


def sources(srcdir):
    for top in SOURCE_DIRS:
        for root, _dirs, files in os.walk(os.path.join(srcdir, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.relpath(os.path.join(root, f), srcdir)


def include_offences(srcdir):
    out = []
    for rel in sources(srcdir):
        with open(os.path.join(srcdir, rel), errors="replace") as fh:
            text = fh.read()
        for m in INCLUDE_RE.finditer(text):
            inc = m.group(1)
            if not os.path.exists(os.path.join(srcdir, inc)):
                continue  # config.h, system-like headers of a backend's SDK
            if folder(rel) in PUBLIC_ONLY and folder(inc) not in (None, folder(rel)):
                line = text.count("\n", 0, m.start()) + 1
                out.append("%s:%d: includes %s (%s uses only the installed <utcp/...> headers)"
                           % (rel, line, inc, folder(rel)))
            elif not allowed(rel, inc):
                line = text.count("\n", 0, m.start()) + 1
                out.append("%s:%d: includes %s (%s may not use %s)"
                           % (rel, line, inc, folder(rel), folder(inc)))
    return out


def object_source(srcdir, builddir, obj):
    """The source file a library or tool object was compiled from, or None."""
    rel = os.path.relpath(obj, builddir).replace("/.libs/", "/")
    d, base = os.path.split(rel)
    name = base[:-2]
    if "-" in name:
        prefix, name = name.split("-", 1)
        if not prefix.startswith("libutcp"):
            return None  # a test program's own copy of a file
    src = os.path.join(d, name + ".c")
    return src if os.path.exists(os.path.join(srcdir, src)) else None


def nm_symbols(obj):
    res = subprocess.run(["nm", "-P", obj], capture_output=True, text=True, check=False)
    defined, used = set(), set()
    for line in res.stdout.splitlines():
        f = line.split()
        if len(f) < 2 or f[0] in IGNORED:
            continue
        if f[1] == "U":
            used.add(f[0])
        elif f[1] in "TDBRVWGS":
            defined.add(f[0])
    return defined, used


def symbol_graph(srcdir, builddir):
    """{file: {file it uses: set(symbols)}} from the compiled objects."""
    objs = {}
    for top in SOURCE_DIRS:
        for root, _dirs, files in os.walk(os.path.join(builddir, top)):
            for f in files:
                if f.endswith(".o"):
                    src = object_source(srcdir, builddir, os.path.join(root, f))
                    if src is not None:
                        objs.setdefault(src, os.path.join(root, f))
    defs, uses = {}, {}
    for src, obj in sorted(objs.items()):
        d, u = nm_symbols(obj)
        uses[src] = u
        for s in d:
            if folder(src) in INTERPOSERS and not s.startswith("upl_"):
                continue
            defs.setdefault(s, []).append(src)
    graph = {}
    for src, used in uses.items():
        for s in used:
            for dst in defs.get(s, []):
                # a name several tools define: the user's own folder's copy
                if len(defs[s]) > 1 and folder(dst) != folder(src):
                    continue
                if dst != src:
                    graph.setdefault(src, {}).setdefault(dst, set()).add(s)
    return graph, len(objs)


def sccs(graph):
    """Tarjan's strongly connected components (iterative)."""
    index, low, on, stack, out, n = {}, {}, set(), [], [], [0]
    nodes = set(graph) | {d for v in graph.values() for d in v}
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, {}))))]
        index[root] = low[root] = n[0]
        n[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = n[0]
                    n[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, {})))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def graph_offences(graph):
    out = []
    for src in sorted(graph):
        for dst, syms in sorted(graph[src].items()):
            if not allowed(src, dst):
                out.append("%s uses %s: %s (%s may not use %s)"
                           % (src, dst, ", ".join(sorted(syms)[:6]), folder(src), folder(dst)))
    for comp in sccs(graph):
        folders = {folder(f) for f in comp}
        if len(folders) == 1 and folders <= CIRCLES_OK:
            continue
        ties = ["  %s -> %s: %s" % (a, b, ", ".join(sorted(graph[a][b])[:4]))
                for a in comp for b in comp if b in graph.get(a, {})]
        out.append("circle of %d files: %s\n%s" % (len(comp), " ".join(comp), "\n".join(ties)))
    return out


def self_test():
    ok = True
    g = {"core/net/ipv4.c": {"core/tcp/tcp_input.c": {"utcp_tcp_input"}},
         "core/tcp/tcp_output.c": {"core/net/ipv4.c": {"utcp_ipv4_output"}}}
    if not any("may not use core/tcp" in o for o in graph_offences(g)):
        print("self-test: an upward call was not found")
        ok = False
    g = {"sim/a.c": {"sim/b.c": {"f"}}, "sim/b.c": {"sim/a.c": {"g"}}}
    if not any(o.startswith("circle of 2 files") for o in graph_offences(g)):
        print("self-test: a circle outside core/tcp was not found")
        ok = False
    g = {"core/tcp/a.c": {"core/tcp/b.c": {"f"}}, "core/tcp/b.c": {"core/tcp/a.c": {"g"}}}
    if graph_offences(g):
        print("self-test: a circle inside core/tcp was refused")
        ok = False
    if allowed("nic/tap/tap.c", "core/net/net.h") or not allowed("nic/tap/tap.c", "core/wire/wire.h"):
        print("self-test: the include rule for nic/ is wrong")
        ok = False
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "examples"))
        os.makedirs(os.path.join(d, "sim"))
        open(os.path.join(d, "sim", "sim_int.h"), "w").close()
        with open(os.path.join(d, "examples", "x.c"), "w") as fh:
            fh.write('#include <utcp/sim.h>\n#include "sim/sim_int.h"\n')
        if len(include_offences(d)) != 1:
            print("self-test: an example including a header of the tree was not found")
            ok = False
    print("floors self-test: the checker finds upward uses and circles" if ok else "floors self-test FAILED")
    return 0 if ok else 1


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 3:
        print(__doc__)
        return 2
    srcdir, builddir = argv[1], argv[2]
    graph, nobj = symbol_graph(srcdir, builddir)
    if nobj == 0:
        print("floors: no compiled objects under %s" % builddir)
        return 2
    offences = include_offences(srcdir) + graph_offences(graph)
    for o in offences:
        print(o)
    if offences:
        print("FAIL floors: %d offence(s) against ARCHITECTURE.md" % len(offences))
        return 1
    nfiles = len(set(graph) | {d for v in graph.values() for d in v})
    print("PASS floors: %d objects, %d files with cross-file uses; every arrow points down, "
          "circles only inside core/tcp" % (nobj, nfiles))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
