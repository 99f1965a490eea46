#!/usr/bin/env python3
"""tests/determinism.py - core/ never reads a clock or an ambient random source.

DESIGN.md §3: time reaches core/ as a `now` argument and randomness from the
context's seeded PRNG.  This check fails if a C file under core/ names a
clock or randomness call (comments and string literals removed first), and,
given compiled objects, if any of them references such a symbol (which also
catches a call hidden behind a macro).

    tests/determinism.py SRCDIR [OBJECT...]
    tests/determinism.py --self-test

Prints every offence as FILE:LINE: NAME; exit 1 if there is any.
"""
import os
import re
import subprocess
import sys
import tempfile

CALLS = [
    "clock_gettime", "clock_getres", "gettimeofday", "time", "clock", "ftime", "timespec_get",
    "localtime", "gmtime", "rand", "rand_r", "random", "srand", "srandom", "initstate",
    "setstate", "drand48", "erand48", "lrand48", "nrand48", "mrand48", "jrand48", "srand48",
    "getrandom", "getentropy", "arc4random", "arc4random_buf", "arc4random_uniform",
    "rdtsc", "__rdtsc", "__rdtscp", "_rdtsc", "__builtin_ia32_rdtsc", "__builtin_ia32_rdtscp",
    "__builtin_readcyclecounter", "rte_rdtsc", "rte_get_timer_cycles", "rte_rand",
]
# Words that are never legitimate in core/ even outside a call.
WORDS = [r"/dev/u?random", r"\brdtscp?\b", r"CLOCK_(MONOTONIC|REALTIME|BOOTTIME)\w*"]
CALL_RE = re.compile(r"(?<![\w.>])(" + "|".join(re.escape(c) for c in CALLS) + r")\s*\(")
WORD_RE = re.compile("|".join(WORDS))


def strip(src):
    """C source with comments and string/char literals blanked, newlines kept."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            j = min(j + 1, n)
            lit = src[i:j]
            # keep device paths visible: they are the one literal that matters
            out.append(lit if "/dev/" in lit and "random" in lit else re.sub(r"[^\n]", " ", lit))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def scan_source(path, shown):
    bad = []
    with open(path, encoding="utf-8", errors="replace") as f:
        text = strip(f.read())
    for no, line in enumerate(text.split("\n"), 1):
        for m in CALL_RE.finditer(line):
            # a declaration or definition of a member/field named e.g. `time`
            # is not a call; a call is what we look for, so keep it simple:
            bad.append("%s:%d: %s" % (shown, no, m.group(1)))
        for m in WORD_RE.finditer(line):
            bad.append("%s:%d: %s" % (shown, no, m.group(0)))
    return bad


def scan_tree(src):
    bad = []
    core = os.path.join(src, "core")
    for root, _, files in os.walk(core):
        for name in sorted(files):
            if name.endswith((".c", ".h")):
                p = os.path.join(root, name)
                bad += scan_source(p, os.path.relpath(p, src))
    return bad


def scan_objects(objs):
    bad = []
    names = set(CALLS)
    for o in objs:
        r = subprocess.run(["nm", "-u", o], capture_output=True, text=True)
        if r.returncode != 0:
            bad.append("%s: nm failed: %s" % (o, r.stderr.strip()))
            continue
        for line in r.stdout.split("\n"):
            sym = line.split()[-1] if line.split() else ""
            sym = sym.split("@")[0]
            if sym in names:
                bad.append("%s: references %s" % (o, sym))
    return bad


def self_test():
    """The checker finds what it must and nothing in clean code."""
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "core"))
        with open(os.path.join(d, "core", "ok.c"), "w") as f:
            f.write('/* time(NULL) and rand() in a comment */\n'
                    'static const char *s = "clock_gettime(";\n'
                    'int f(struct x *p) { return p->time + my_rand(1) + utcp_prng_next(2); }\n')
        with open(os.path.join(d, "core", "bad.c"), "w") as f:
            f.write('#include <time.h>\nint g(void) {\n  struct timespec t;\n'
                    '  clock_gettime(CLOCK_MONOTONIC, &t);\n  return rand() + (int)time (0);\n}\n'
                    'static unsigned long h(void) { return __builtin_ia32_rdtsc(); }\n'
                    'static const char *dev = "/dev/urandom";\n')
        bad = scan_tree(d)
        want = {"core/bad.c:4: clock_gettime", "core/bad.c:4: CLOCK_MONOTONIC",
                "core/bad.c:5: rand", "core/bad.c:5: time",
                "core/bad.c:7: __builtin_ia32_rdtsc", 'core/bad.c:8: /dev/urandom'}
        if set(bad) != want:
            print("self-test: found %s, want %s" % (sorted(bad), sorted(want)))
            return 1
        obj = os.path.join(d, "bad.o")
        cc = os.environ.get("CC", "cc")
        r = subprocess.run([cc, "-c", "-o", obj, os.path.join(d, "core", "bad.c")],
                           capture_output=True, text=True)
        if r.returncode == 0:
            got = {b.split()[-1] for b in scan_objects([obj])}
            if not {"clock_gettime", "rand", "time"} <= got:
                print("self-test: objects: found %s" % sorted(got))
                return 1
    print("determinism self-test: the checker finds clock, random and rdtsc uses")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) < 2:
        print(__doc__)
        return 2
    bad = scan_tree(argv[1]) + scan_objects(argv[2:])
    for b in bad:
        print(b)
    if bad:
        print("FAIL determinism: core/ reads a clock or an ambient random source (DESIGN.md §3)")
        return 1
    print("PASS determinism: no clock or ambient random source in core/ "
          "(%d objects checked)" % len(argv[2:]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
