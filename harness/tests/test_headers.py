"""Checks of the port's public headers (c/include/sunrise_mm/) and of the
direction of dependencies:

- every function declared there has a contract: a comment (its own, or one
  that heads a group of declarations with no blank line between) that says
  more than the upstream name, at least MIN_WORDS words once names such as
  `ProcessMemory::guard` are left out;
- nothing under c/ includes a file of harness/;
- the headers include each other without a cycle.

    python3 harness/tests/test_headers.py
"""
import os
import re
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PUBLIC = os.path.join(ROOT, "c", "include", "sunrise_mm")
MIN_WORDS = 5
DECL = re.compile(r"^(static inline |extern )?(const )?(struct |enum )?[a-z_][a-z0-9_]*( \*| )+\**([a-z_][a-z0-9_]*)\(")


def headers():
    out = []
    for root, _, files in os.walk(PUBLIC):
        out += [os.path.join(root, f) for f in files if f.endswith(".h")]
    return sorted(out)


def comment_before(lines, i):
    """The text of the comment heading the declaration on line i."""
    j = i - 1
    while j >= 0 and lines[j].strip() and not lines[j].rstrip().endswith("*/"):
        j -= 1
    com = []
    if j >= 0 and lines[j].rstrip().endswith("*/"):
        while j >= 0:
            com.insert(0, lines[j])
            if lines[j].lstrip().startswith("/*"):
                break
            j -= 1
    return re.sub(r"/\*|\*/|\*", " ", " ".join(com))


def functions(path):
    """(name, comment) of each function declared at file scope."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    depth, out = 0, []
    for i, line in enumerate(lines):
        m = DECL.match(line)
        if m and depth == 0 and not line.startswith("typedef"):
            out.append((m.group(5), comment_before(lines, i)))
        depth += line.count("{") - line.count("}")
    return out


def contract_words(text):
    return [w for w in text.split() if "::" not in w and
            not re.match(r"^[<(]?[A-Z][A-Za-z0-9_<>()]*[>)]?[,;.:]?$", w)]


class Headers(unittest.TestCase):
    def test_every_function_has_a_contract(self):
        missing, total = [], 0
        for h in headers():
            for name, text in functions(h):
                total += 1
                if len(contract_words(text)) < MIN_WORDS:
                    missing.append("%s: %s" % (os.path.relpath(h, ROOT), name))
        self.assertGreater(total, 100)
        self.assertEqual(missing, [], "functions without a contract")

    def test_c_includes_nothing_of_the_harness(self):
        bad = []
        for root, _, files in os.walk(os.path.join(ROOT, "c")):
            for f in files:
                path = os.path.join(root, f)
                if not f.endswith((".c", ".h", ".S")):
                    continue
                with open(path, encoding="utf-8", errors="replace") as fh:
                    for no, line in enumerate(fh, 1):
                        m = re.match(r'\s*#\s*include\s*[<"]([^>"]+)[>"]', line)
                        if not m:
                            continue
                        inc = m.group(1)
                        target = os.path.normpath(os.path.join(root, inc))
                        harness = os.path.join(ROOT, "harness")
                        if "harness" in inc or target.startswith(harness + os.sep) or \
                                os.path.basename(inc) in ("runner.h", "check.h", "decode.h"):
                            bad.append("%s:%d: %s" % (os.path.relpath(path, ROOT), no, line.strip()))
        self.assertEqual(bad, [])

    def test_no_include_cycle(self):
        graph = {}
        for h in headers():
            rel = os.path.relpath(h, PUBLIC)
            with open(h, encoding="utf-8") as f:
                incs = re.findall(r'#include "([^"]+)"', f.read())
            graph[rel] = []
            for inc in incs:
                local = os.path.normpath(os.path.join(os.path.dirname(rel), inc))
                graph[rel].append(local if os.path.exists(os.path.join(PUBLIC, local)) else inc)
        # upstream's own cycle (frame_allocator <-> physical_mem_region) is
        # the one allowed; it is not a header cycle here
        state = {}

        def visit(n, path):
            state[n] = 1
            for m in graph.get(n, []):
                if state.get(m) == 1:
                    self.fail("include cycle: %s" % " -> ".join(path + [m]))
                if m not in state:
                    visit(m, path + [m])
            state[n] = 2

        for n in graph:
            if n not in state:
                visit(n, [n])


if __name__ == "__main__":
    unittest.main()
