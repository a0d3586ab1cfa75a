"""Unit tests of the fuzz campaign's reports: the dedupe key of a
divergence, the shrinker's rounding of numbers, and the mutant operators.

    cd harness && python3 -m unittest tests.test_fuzz
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from srdifflib import mutants  # noqa: E402
from srdifflib.shrink import (dedupe_key, fuzz_key, invariant_key, round_candidates, roundness,  # noqa: E402
                              shrink_with)


def harness_says(line, c, ref):
    return "DIVERGENCE at `%s`\n  c:   %s\n  ref: %s\n" % (line, c, ref)


class DedupeKey(unittest.TestCase):
    def test_same_cause_different_numbers_is_one_key(self):
        a = fuzz_key(harness_says("query_memory 0x00400000", "ok addr=0x00400000 state=0x1 flags=rw-u",
                                  "ok addr=0x00400000 state=0x2 flags=rw-u"))
        b = fuzz_key(harness_says("query_memory 0x12345000", "ok addr=0x12345000 state=0x7 flags=r--u",
                                  "ok addr=0x12345000 state=0x9 flags=r--u"))
        self.assertEqual(a, b)
        self.assertEqual(a, ("query_memory", "flag bits"))

    def test_key_is_not_the_result_kind(self):
        # same op and same result kinds (err/err), different fields: two keys
        variant = fuzz_key(harness_says("unmap 0x00400000 0x00001000", "err InvalidAddress", "err InvalidSize"))
        payload = fuzz_key(harness_says("unmap 0x00400000 0x00001000", "err InvalidMemState addr=0x00400000",
                                        "err InvalidMemState addr=0x00401000"))
        self.assertEqual(variant, ("unmap", "error variant"))
        self.assertEqual(payload, ("unmap", "payload addr"))
        self.assertNotEqual(variant, payload)

    def test_key_names_the_operation_and_form(self):
        k1 = dedupe_key("map_phys_region_to alloc 0x00001000 0x00400000 Normal u_rw", ["ok", "err InvalidSize"])
        k2 = dedupe_key("map_phys_region_to mmio 0x0 0x00001000 0x00400000 Io u_rw", ["ok", "err InvalidSize"])
        self.assertEqual(k1, ("map_phys_region_to alloc", "result kind"))
        self.assertNotEqual(k1, k2)

    def test_end_of_stream(self):
        self.assertEqual(fuzz_key(harness_says("new P0", "ok", "<no output>")), ("new", "result kind"))

    def test_invariant_key_drops_numbers(self):
        a = invariant_key("expand_mapping 0x00400000 0x00002000",
                          "t:5: invariant broken: page 0x00400000 maps entry 0x00402007, bookkeeping expects 0x1")
        b = invariant_key("expand_mapping 0x00800000 0x00003000",
                          "t:9: invariant broken: page 0x00801000 maps entry 0x00000007, bookkeeping expects 0x2")
        self.assertEqual(a, b)
        self.assertTrue(a[1].startswith("invariant: page N maps entry N"))
        self.assertEqual(fuzz_key("INVARIANT at `unmap 0x1 0x2`\n  t:3: invariant broken: frame N held twice\n")[0],
                         "unmap")

    def test_agreement_has_no_key(self):
        self.assertIsNone(fuzz_key(""))


class Rounding(unittest.TestCase):
    def test_candidates_are_strictly_rounder(self):
        for v in (0x031101ef, 0xbfffefff, 0xc0000001, 0x3000, 0x1234, 0xffc00123, 5, 0xffffffff):
            for c in round_candidates(v):
                self.assertLess(roundness(c), roundness(v), (hex(v), hex(c)))

    def test_edges_and_page_multiples_offered(self):
        self.assertIn(0xbfffffff, round_candidates(0xbfffeff3))
        self.assertIn(0xc0000000, round_candidates(0xc0000123))
        self.assertIn(0xffc00000, round_candidates(0xffc00123))
        self.assertIn(0x03110000, round_candidates(0x031101ef))  # a 64 KiB multiple
        self.assertIn(0x03111000, round_candidates(0x031101ef))  # the next page
        self.assertIn(0x02000000, round_candidates(0x031101ef))  # a power of two
        self.assertEqual(round_candidates(0), [])

    def shrink_numbers(self, text, predicate):
        def key(t):
            return ("op", "field") if predicate(t) else None
        small, k = shrink_with(text, key, log_fn=lambda m: None)
        self.assertEqual(k, ("op", "field"))
        return small

    def test_shrinks_to_the_land_edge(self):
        # diverges while the address reaches KernelLand: the shrinker must end on the edge
        def pred(t):
            v = [int(w, 16) for w in t.split() if w.startswith("0x")]
            return bool(v) and v[0] >= 0xc0000000
        self.assertEqual(self.shrink_numbers("new A\nread 0xc31101ef\n", pred), "read 0xc0000000\n")

    def test_shrinks_to_a_page_multiple(self):
        # diverges while the length is past 2 pages and unaligned to 16
        def pred(t):
            v = [int(w, 16) for w in t.split() if w.startswith("0x")]
            return len(v) == 2 and v[1] > 0x2000
        out = self.shrink_numbers("create_regular_mapping 0x00400000 0x031101ef Normal u_rw\n", pred)
        self.assertEqual(out, "create_regular_mapping 0x00000000 0x00400000 Normal u_rw\n")

    def test_keeps_an_unround_number_that_matters(self):
        def pred(t):
            return "0x00001234" in t
        self.assertEqual(self.shrink_numbers("free_frames\nread 0x00001234\n", pred), "read 0x00001234\n")


class MutantOperators(unittest.TestCase):
    SRC = """/* a < b in a comment */
static int f(int a, int b)
{
\tif (a < b && b != 0x0010)
\t\treturn kerr_invalid_size();
\tflush_whole_cache(t);
\tkassert(a, "a > b");
\tx = a + b;
\treturn I386_ENTRY_PRESENT | MAPPING_ACCESS_RIGHTS_WRITABLE;
}
#define N 4
"""

    def sites(self):
        return mutants.sites_of("c/kernel/x.c", self.SRC)

    def test_each_operator_found_where_expected(self):
        got = {(m.op, m.line, m.old, m.new) for m in self.sites()}
        self.assertIn(("ROR", 4, "<", "<="), got)
        self.assertIn(("ROR", 4, "!=", "=="), got)
        self.assertIn(("CONST", 4, "0x0010", "0x0011"), got)
        self.assertIn(("CONST", 4, "0x0010", "0x000f"), got)
        self.assertIn(("ERR", 5, "kerr_invalid_size", "kerr_invalid_address"), got)
        self.assertIn(("DEL", 6, "flush_whole_cache(t);", "(void)0;"), got)
        self.assertIn(("AOR", 8, "+", "-"), got)
        self.assertIn(("FLAG", 9, "I386_ENTRY_PRESENT", "I386_ENTRY_WRITABLE"), got)
        self.assertIn(("FLAG", 9, "MAPPING_ACCESS_RIGHTS_WRITABLE", "MAPPING_ACCESS_RIGHTS_EXECUTABLE"), got)

    def test_never_comments_strings_asserts_or_preprocessor(self):
        for m in self.sites():
            self.assertNotIn(m.line, (1, 7, 11), (m.op, m.line, m.old))

    def test_apply_changes_one_token(self):
        m = [m for m in self.sites() if m.op == "ROR" and m.old == "<"][0]
        out = mutants.apply(self.SRC, m).split("\n")
        self.assertEqual(out[3], "\tif (a <= b && b != 0x0010)")
        self.assertEqual(out[:3] + out[4:], self.SRC.split("\n")[:3] + self.SRC.split("\n")[4:])

    def test_selection_is_deterministic(self):
        sites = mutants.all_sites()
        self.assertGreater(len(sites), 100)
        a = [m.key() for m in mutants.select(sites, 20, 7)]
        b = [m.key() for m in mutants.select(mutants.all_sites(), 20, 7)]
        c = [m.key() for m in mutants.select(sites, 20, 8)]
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)

    def test_keys_are_unique_and_carry_no_line_number(self):
        sites = mutants.all_sites()
        keys = [m.stable() for m in sites]
        self.assertEqual(len(keys), len(set(keys)))
        src = "int f(int a)\n{\n\treturn a < 1;\n}\n"
        moved = "\n\n" + src
        k1 = {m.stable() for m in mutants.sites_of("c/kernel/x.c", src)}
        k2 = {m.stable() for m in mutants.sites_of("c/kernel/x.c", moved)}
        self.assertEqual(k1, k2)
        self.assertIn("c/kernel/x.c f() ROR `<` -> `<=` in `return a < 1;`", k1)

    def test_statement_lines_reach_back_to_the_first_line(self):
        lines = ["static void g(void)", "{", "\tx = 1;", "\tcall(a,", "\t     b,", "\t     c);", "}"]
        self.assertEqual(mutants.statement_lines(lines, 6), [6, 5, 4])
        self.assertEqual(mutants.statement_lines(lines, 3), [3])
        # the body of a braceless if is a statement of its own, after the
        # head (whose condition gcov counts even when the body never runs)
        lines = ["{", "\tif (a ||", "\t    f(\")\"))", "\t\treturn g(x,", "\t\t         y);", "}"]
        self.assertEqual(mutants.statement_lines(lines, 5), [5, 4])
        self.assertEqual(mutants.statement_lines(lines, 4), [4])
        self.assertEqual(mutants.statement_lines(lines, 3), [3, 2])
        lines = ["{", "\telse", "\t\tx = 1;", "\tcase 3:", "\t\ty = 2;"]
        self.assertEqual(mutants.statement_lines(lines, 3), [3])
        self.assertEqual(mutants.statement_lines(lines, 5), [5])

    def test_reached_by_coverage(self):
        """A statement is reached when gcov counted one of its lines; a
        line gcov does not count at all (a static table) is data the code
        reads, so reached; a braceless if's body is not reached by its head."""
        import tempfile
        src = "static const int T[] = {\n\t0x10,\n};\nvoid f(int a)\n{\n\tif (a)\n\t\tg(1);\n\th(2);\n}\n"
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "c", "kernel"))
            with open(os.path.join(d, "c", "kernel", "x.c"), "w") as f:
                f.write(src)
            cover = {"executed": {4, 6, 8}, "executable": {4, 6, 7, 8}}
            ms = {m.line: m for m in mutants.sites_of("c/kernel/x.c", src)}
            chosen = [ms[2], ms[7], ms[8]]
            mutants.mark_reached(chosen, {"c/kernel/x.c": cover}, d)
            self.assertEqual([m.reached for m in chosen], [True, False, True])
            # no coverage entry for the file: nothing to say it was not run
            mutants.mark_reached(chosen, {}, d)
            self.assertEqual([m.reached for m in chosen], [True, True, True])
            # no coverage at all: unknown
            mutants.mark_reached(chosen, None, d)
            self.assertEqual([m.reached for m in chosen], [None, None, None])

    def test_summary_scores(self):
        """Ten mutants: 6 killed by diff, 1 by the unit tests, 3 survive
        (two with an `equivalent` reason, one on a line never executed)."""
        import io
        import tempfile
        import types
        from contextlib import redirect_stdout
        ms = (self.sites() + self.sites())[:10]  # SRC has 9 sites: the tenth is the first again (killed)
        self.assertEqual(len(ms), 10)
        self.assertEqual(len({m.stable() for m in ms[7:]}), 3)
        for i, m in enumerate(ms):
            m.verdict, m.by = ("killed", "diff") if i < 6 else ("killed", "unit: FAIL x") if i == 6 else ("survived", None)
            m.reached = i != 9
        with tempfile.TemporaryDirectory() as d:
            rpath = os.path.join(d, "reasons.txt")
            with open(rpath, "w") as f:
                f.write("%s :: equivalent: a\n%s :: equivalent: b\n%s :: not reached: c\n" %
                        (ms[7].stable(), ms[8].stable(), ms[9].stable()))
            a = types.SimpleNamespace(reasons=rpath, seed=1, fuzz_time=0, unit=True)
            buf = io.StringIO()
            with redirect_stdout(buf):
                self.assertEqual(mutants.summary(a, ms, d, 1.0), 0)
        out = buf.getvalue()
        self.assertIn("mutation score: 7/10 killed (70.0%)", out)
        self.assertIn("killed by: diff 6, unit 1", out)
        self.assertIn("trace-level score (diff corpus/ + check + fuzz, without the unit tests): 6/10 killed", out)
        self.assertIn("survivors by reason: equivalent 2, not reached 1; with the 2 argued equivalent left out of "
                      "the count: 7/8 killed (87.5%)", out)
        self.assertIn("trace-level score on the lines the corpus executes: 6/9 killed (66.7%)", out)

    def test_every_reason_names_a_current_mutant(self):
        keys = {m.stable() for m in mutants.all_sites()}
        for k in mutants.load_reasons(mutants.DEFAULT_REASONS):
            self.assertIn(k, keys, "a stale entry of mutant_reasons.txt")

    def test_every_site_of_the_port_applies(self):
        root = mutants.ROOT
        texts = {}
        for m in mutants.all_sites():
            if m.file not in texts:
                with open(os.path.join(root, m.file)) as f:
                    texts[m.file] = f.read()
            self.assertNotEqual(mutants.apply(texts[m.file], m), texts[m.file])


if __name__ == "__main__":
    unittest.main()
