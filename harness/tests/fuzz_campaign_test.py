"""End-to-end tests of `srdiff fuzz` and `srdiff mutants` (labels fuzz, tool).

    python3 fuzz_campaign_test.py seed      a diverging seed makes `srdiff fuzz`
                                            exit 1 before AFL++ starts, with a
                                            finding naming the seed; the same
                                            seed without the planted divergence
                                            runs AFL++ and exits 0
    python3 fuzz_campaign_test.py mutants   `srdiff mutants --count 4
                                            --fuzz-time 0` over four chosen
                                            mutants prints a score that adds
                                            up; each dies by the step expected
                                            (diff, a unit-test check, the
                                            sanitizer) or survives, and
                                            --rerun-survivors judges the
                                            survivor and the unit tests'
                                            kills again

The divergence is planted with fuzz_diff's test-only hook
SRDIFF_FUZZ_TEST_PLANT=OP (the C port's result of every OP line reads
`planted`). Exit 77 (SKIPPED) when afl-fuzz is missing.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRDIFF = os.path.join(HERE, "srdiff")
TRACE = """# a seed for the planted divergence
new A
create_regular_mapping 0x00400000 0x00002000 Normal u_rw
query_memory 0x00401000
unmap 0x00400000 0x00001000
"""


def run(argv, env=None):
    p = subprocess.run([sys.executable, SRDIFF] + argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       env=env)
    out = p.stdout.decode("utf-8", "replace")
    sys.stdout.write(out)
    return p.returncode, out


def fail(msg):
    print("FAIL: " + msg)
    return 1


def test_seed(tmp):
    seeds = os.path.join(tmp, "seeds")
    os.makedirs(seeds)
    with open(os.path.join(seeds, "planted.trace"), "w") as f:
        f.write(TRACE)
    env = dict(os.environ, SRDIFF_FUZZ_TEST_PLANT="query_memory")
    rc, out = run(["fuzz", "--time", "30", "--stop-on-first", "--jobs", "1", "--seeds", seeds,
                   "--out", os.path.join(tmp, "planted")], env)
    if rc == 77:
        return 77
    if rc != 1:
        return fail("a diverging seed: srdiff fuzz exited %d, not 1" % rc)
    if "AFL++ not run" not in out:
        return fail("the diverging seed was not caught before AFL++ started")
    found = os.path.join(tmp, "planted", "findings", "divergence_001.trace")
    if not os.path.exists(found):
        return fail("no finding written")
    with open(found) as f:
        text = f.read()
    if "seed" not in text.split("\n")[0] or "query_memory: result kind" not in text:
        return fail("the finding does not name the seed and the differing field:\n" + text)
    if not re.search(r"time to first divergence: [0-9.]+ s", out):
        return fail("no time to first divergence in the summary")
    env = dict(os.environ)
    env.pop("SRDIFF_FUZZ_TEST_PLANT", None)
    rc, out = run(["fuzz", "--time", "15", "--jobs", "1", "--seeds", seeds, "--out", os.path.join(tmp, "clean")], env)
    if rc != 0:
        return fail("the same seed without the planted divergence: exit %d, not 0" % rc)
    if not re.search(r"AFL\+\+ ran [0-9.]+ s: [1-9][0-9]* execs", out):
        return fail("AFL++ did not run on the clean seed")
    return 0


def test_mutants(tmp):
    # one run judges four chosen mutants, each a path through the steps: a
    # frame allocator that never marks a frame must die by diff; two mutants
    # the trace-level steps cannot see must die by the unit tests (the last
    # step): a deleted panic no trace reaches (a page table asked for a
    # child), and a scan one word past the allocator's bitmap, whose results
    # are the original's, so that only the unit tests' ASan+UBSan build sees
    # it; and an equivalent mutant (a child start address of 1 instead of 0,
    # which a page table divides by 4 KiB) must survive every step
    out_dir = os.path.join(tmp, "mutants")
    rc, out = run(["mutants", "--count", "4", "--seed", "1", "--fuzz-time", "0", "--jobs", "1", "--out", out_dir,
                   "--match", r"frame_allocator\.c:\d+ DEL set_bit\(i, free\);|"
                              r"inactive_page_table_get_child_table\(\) DEL `panic|"
                              r"next_free\(\) ROR `>=` -> `>` in `if \(\+\+w >= free_words_end\)|"
                              r"rec_iter\(\) CONST `0` -> `1` in `child_start_address = 0;`"])
    if rc != 0:
        return fail("srdiff mutants exited %d:\n%s" % (rc, out))
    m = re.search(r"mutation score: (\d+)/(\d+) killed .*?, (\d+) generated, (\d+) TCE-equivalent, "
                  r"(\d+) TCE-duplicate, (\d+) stillborn, (\d+) counted, 0 errors", out)
    if not m:
        return fail("no mutation score for 4 counted mutants without errors:\n" + out)
    killed, counted = int(m.group(1)), int(m.group(2))
    generated, excluded, n_counted = int(m.group(3)), sum(int(m.group(i)) for i in (4, 5, 6)), int(m.group(7))
    if counted != 4 or n_counted != 4 or generated != excluded + 4:
        return fail("4 asked for, but %d judged, %d counted, %d generated, %d excluded" %
                    (counted, n_counted, generated, excluded))
    survivors = re.findall(r"^  (c/kernel/\S+):\d+ ", out, re.M)
    if killed != 3 or survivors != ["c/kernel/hierarchical_table.c"]:
        return fail("%d killed, survivors %s: not the 3 kills and the equivalent survivor expected:\n%s"
                    % (killed, survivors, out))
    if "killed by: diff 1, unit 2" not in out or not re.search(r"trace-level score .*: 1/4 killed", out):
        return fail("not killed by the steps expected (diff 1, unit 2):\n" + out)
    # the page-table panic is on a line no trace executes, the survivor is
    # argued equivalent: 2 of the 4 are within the trace-level steps' reach
    if not re.search(r"the same over the 2 not argued equivalent: 1/2 killed .*at most 2/4 ", out):
        return fail("no trace-level ceiling of 2/4 in the report:\n" + out)
    if not re.search(r"killed +c/kernel/\S*table\.c:\d+ DEL .*\(by unit: \S+unit_tests\.c:\d+: no panic", out):
        return fail("the deleted page-table panic was not killed by a failed check of the unit tests:\n" + out)
    if not re.search(r"killed +c/kernel/frame_allocator\.c:\d+ ROR .*\(by unit: c/kernel/frame_allocator\.c:\d+:\d+: "
                     r"runtime error: index \d+ out of bounds", out):
        return fail("the scan one word past the bitmap was not killed by the sanitizer build:\n" + out)
    # its survivor judged again: the port is unchanged, so the same score
    # comes back with the earlier kills kept; once the run's copy of the
    # port differs from the checkout, the earlier kills no longer hold
    first = os.path.join(tmp, "first")
    shutil.copytree(os.path.join(out_dir, "w0", "src"), os.path.join(first, "w0", "src"), symlinks=True)
    shutil.copy(os.path.join(out_dir, "mutants.json"), first)
    rc, again = run(["mutants", "--rerun-survivors", os.path.join(first, "mutants.json"), "--fuzz-time", "0",
                     "--jobs", "1", "--out", out_dir])
    if rc != 0 or "mutation score: 3/4 killed" not in again \
            or "its 1 trace-level kills are kept, its 1 survivors and 2 kills by the unit tests re-judged" \
            not in again or "killed by: diff 1, unit 2" not in again:
        return fail("--rerun-survivors on an unchanged port (exit %d):\n%s" % (rc, again))
    with open(os.path.join(first, "w0", "src", "c", "kernel", "mapping.c"), "a") as f:
        f.write("/* changed */\n")
    rc, again = run(["mutants", "--rerun-survivors", os.path.join(first, "mutants.json"), "--fuzz-time", "0",
                     "--jobs", "1", "--out", out_dir])
    if rc != 2 or "the port changed since" not in again or "c/kernel/mapping.c" not in again:
        return fail("--rerun-survivors after a change of the port: exit %d, not 2:\n%s" % (rc, again))
    return 0


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "seed" and not shutil.which("afl-fuzz"):
        print("SKIPPED: afl-fuzz not found")
        return 77
    tmp = tempfile.mkdtemp(prefix="srfuzztest")
    try:
        if what == "seed":
            return test_seed(tmp)
        if what == "mutants":
            return test_mutants(tmp)
        print("usage: fuzz_campaign_test.py seed|mutants")
        return 2
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
