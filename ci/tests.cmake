# Tests over the trace corpus, registered with CTest: one test per corpus
# directory and implementation, each replaying the whole directory in a few
# batch processes (the per-trace verdicts are in build/junit/TEST.xml, and a
# failing trace is named in the test's output).
#
#   corpus.<dir>     the C port against NAME.out / NAME.err / NAME.ok  (label corpus)
#   check.<dir>      the invariant checker after every op; NAME.finding
#                    marks an upstream finding                      (label check)
#   valgrind.<dir>   memcheck, leaks included, one process for the dir (label valgrind)
#   ref.<dir>        c and the reference model side by side          (label ref)
#   qemu.<dir>       the port booted in QEMU, against c and the goldens (label qemu)
#   qemu.check       the invariant checker inside the QEMU kernel (the full
#                    check after every op) on corpus/upstream, findings, mmu
#   upstream.<dir>   upstream's own module, against the goldens     (label upstream)
#
# Time limits only catch hangs: each is far above what a busy 2-core machine
# needs (speed is measured by `srdiff bench`, never here). A test that cannot
# run (no upstream checkout, no Debian toolchain) exits 77: SKIPPED.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
find_program(VALGRIND valgrind)
find_program(QEMU_I386 qemu-system-i386)
find_program(NODE node)
set(SR_SRDIFF ${CMAKE_SOURCE_DIR}/harness/srdiff)
set(SR_HANG 1800)  # seconds; every test below takes well under a tenth of it
set(SR_JUNIT ${CMAKE_BINARY_DIR}/junit)
file(MAKE_DIRECTORY ${SR_JUNIT})

set(SR_TEST_ENV "SRDIFF_C_EXE=$<TARGET_FILE:sr-run>")
if(TARGET srref_lib)
  list(APPEND SR_TEST_ENV "SRDIFF_REF_EXE=${SR_REF_EXE}")
endif()
if(TARGET sr-kernel)
  list(APPEND SR_TEST_ENV "SRDIFF_KERNEL=$<TARGET_FILE:sr-kernel>")
endif()

# srdiff over one directory: NAME, LABEL, then srdiff's arguments.
function(sr_srdiff_test name label)
  add_test(NAME ${name} COMMAND ${Python3_EXECUTABLE} ${SR_SRDIFF} ${ARGN})
  set_tests_properties(${name} PROPERTIES LABELS ${label} TIMEOUT ${SR_HANG}
                       ENVIRONMENT "${SR_TEST_ENV}" SKIP_RETURN_CODE 77)
endfunction()

file(GLOB SR_CORPUS_DIRS LIST_DIRECTORIES true ${CMAKE_SOURCE_DIR}/corpus/*)
foreach(dir ${SR_CORPUS_DIRS})
  if(NOT IS_DIRECTORY ${dir})
    continue()
  endif()
  get_filename_component(d ${dir} NAME)
  sr_srdiff_test(corpus.${d} corpus diff --impl c --quiet --report ${SR_JUNIT}/corpus.${d}.xml ${dir})
  sr_srdiff_test(check.${d} check check --quiet --report ${SR_JUNIT}/check.${d}.xml ${dir})
  if(TARGET srref_lib)
    sr_srdiff_test(ref.${d} ref diff --impl c,ref --quiet --report ${SR_JUNIT}/ref.${d}.xml ${dir})
  endif()
  if(QEMU_I386 AND TARGET sr-kernel)
    sr_srdiff_test(qemu.${d} qemu diff --impl qemu,c --quiet --report ${SR_JUNIT}/qemu.${d}.xml ${dir})
    set_tests_properties(qemu.${d} PROPERTIES RESOURCE_LOCK qemu)
  endif()
  sr_srdiff_test(upstream.${d} upstream diff --impl upstream --skip-missing --quiet
                 --report ${SR_JUNIT}/upstream.${d}.xml ${dir})
  set_tests_properties(upstream.${d} PROPERTIES RESOURCE_LOCK upstream)
  if(VALGRIND AND NOT SR_SANITIZE)
    # One memcheck process replays the whole directory (batch mode); 99 is a
    # memcheck error, leaks included.
    file(GLOB_RECURSE traces CONFIGURE_DEPENDS ${dir}/*.trace)
    list(LENGTH traces cost)  # CTest starts the longest first
    add_test(NAME valgrind.${d}
             COMMAND ${VALGRIND} -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all
                     --log-file=${CMAKE_BINARY_DIR}/valgrind.${d}.log
                     $<TARGET_FILE:sr-run> --batch -- ${traces})
    set_tests_properties(valgrind.${d} PROPERTIES LABELS valgrind TIMEOUT ${SR_HANG} COST ${cost})
  endif()
endforeach()
if(QEMU_I386 AND TARGET sr-kernel)
  # the checker compiled into the i386 kernel, reading the machine's page
  # tables through its own mappings (machine_phys_page); NAME.finding holds
  # there too
  sr_srdiff_test(qemu.check qemu check --impl qemu --quiet --report ${SR_JUNIT}/qemu.check.xml
                 ${CMAKE_SOURCE_DIR}/corpus/upstream ${CMAKE_SOURCE_DIR}/corpus/findings
                 ${CMAKE_SOURCE_DIR}/corpus/mmu)
  set_tests_properties(qemu.check PROPERTIES RESOURCE_LOCK qemu)
endif()

# Hostile input made at test time (a 10^6-line trace, 1 MiB lines, NUL
# bytes, binary junk, an empty file, endless and unreadable inputs): the
# status the contract gives, never a crash, a hang or unbounded memory.
add_test(NAME hostile.c
         COMMAND sh -c "${Python3_EXECUTABLE} \"$1/harness/make_hostile.py\" \"$2\" >/dev/null && ${Python3_EXECUTABLE} \"$1/harness/srdiff\" diff --impl c --quiet \"$2\""
                 sh ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/hostile)
set_tests_properties(hostile.c PROPERTIES LABELS hostile TIMEOUT ${SR_HANG} ENVIRONMENT "${SR_TEST_ENV}")
if(NOT SR_SANITIZE)  # the tool's behaviour; it builds a release tree of its own
  add_test(NAME hostile.tool COMMAND ${Python3_EXECUTABLE} -m unittest -q tests.test_hostile
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/harness)
  set_tests_properties(hostile.tool PROPERTIES LABELS hostile TIMEOUT ${SR_HANG} ENVIRONMENT "${SR_TEST_ENV}"
                       SKIP_RETURN_CODE 77 COST 500)
endif()

# srdiff's own modules, against recorded outputs (label tool).
add_test(NAME tool.srdiff COMMAND ${Python3_EXECUTABLE} -m unittest -q tests.test_srdifflib
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/harness)
set_tests_properties(tool.srdiff PROPERTIES LABELS tool TIMEOUT ${SR_HANG})

# The trace generator: valid, deterministic traces (label gen).
# gen.validity needs the shared static checker (../shared/tools) and is
# SKIPPED without it.
add_test(NAME gen.unittest COMMAND ${Python3_EXECUTABLE} test_gen.py
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/harness)
add_test(NAME gen.validity COMMAND ${Python3_EXECUTABLE} test_gen.py validity
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/harness)
# The generator asks the reference model (srref) for every result: all three
# are SKIPPED when it is not built. gen.semantics replays generated traces on
# srref apart from the generator and compares with what the generator was told.
add_test(NAME gen.semantics COMMAND ${Python3_EXECUTABLE} test_gen.py semantics
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/harness)
set_tests_properties(gen.unittest gen.validity gen.semantics PROPERTIES LABELS gen TIMEOUT ${SR_HANG}
                     SKIP_RETURN_CODE 77)
set_tests_properties(gen.unittest gen.validity gen.semantics PROPERTIES ENVIRONMENT "${SR_TEST_ENV}")

# The Rust reference model and the C port behind upstream's Rust API
# (reference/cport, crate sunrise_mm_c), with the cargo CMake found, and
# again with Debian's own toolchain when it is installed beside a newer one.
if(CARGO)
  add_test(NAME ref.cargo_test COMMAND ${CARGO} test --release --offline --quiet
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/reference)
  set_tests_properties(ref.cargo_test PROPERTIES LABELS ref TIMEOUT ${SR_HANG}
                       ENVIRONMENT "CARGO_TARGET_DIR=${SR_CARGO_TARGET_DIR}" RESOURCE_LOCK cargo)
  add_test(NAME migration.cargo_test
           COMMAND ${CARGO} test --release --offline --quiet -p sunrise_mm_c
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/reference)
  set_tests_properties(migration.cargo_test PROPERTIES LABELS migration TIMEOUT ${SR_HANG}
                       ENVIRONMENT "CARGO_TARGET_DIR=${SR_CARGO_TARGET_DIR}" RESOURCE_LOCK cargo)
endif()
add_test(NAME ref.debian_toolchain
         COMMAND sh ${CMAKE_SOURCE_DIR}/ci/debian_toolchain.sh ${CMAKE_BINARY_DIR}/cargo-debian)
set_tests_properties(ref.debian_toolchain PROPERTIES LABELS "ref;migration" TIMEOUT ${SR_HANG}
                     SKIP_RETURN_CODE 77 COST 1000)

# A 20 s AFL++ run of the differential harness (label fuzz): fails when
# the harness cannot start, when a seed diverges, or when it finds a
# divergence.
find_program(AFL_FUZZ afl-fuzz)
if(AFL_FUZZ AND CARGO AND NOT SR_SANITIZE)
  add_test(NAME fuzz.smoke
           COMMAND ${Python3_EXECUTABLE} ${SR_SRDIFF} fuzz --time 20 --jobs 1 --out ${CMAKE_BINARY_DIR}/fuzz-smoke)
  set_tests_properties(fuzz.smoke PROPERTIES LABELS fuzz TIMEOUT ${SR_HANG} COST 900)
endif()

# The QEMU runner: crash, double fault, triple fault and hang reporting (stub
# kernel), the exit-status contract on bad inputs, bounded reading, Ctrl-C,
# and the upstream corpus with every reset checked (label qemu). SKIPPED
# without qemu-system-i386.
if(TARGET sr-kernel AND TARGET sr-stub-kernel)
  add_test(NAME qemu.runner
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/harness/tests/test_qemu_runner.py)
  set_tests_properties(qemu.runner PROPERTIES LABELS qemu SKIP_RETURN_CODE 77 TIMEOUT ${SR_HANG}
    ENVIRONMENT "SR_KERNEL=$<TARGET_FILE:sr-kernel>;SR_STUB_KERNEL=$<TARGET_FILE:sr-stub-kernel>")
endif()

# `srdiff record` reproduces every golden from upstream (label upstream).
add_test(NAME upstream.record COMMAND bash ${CMAKE_SOURCE_DIR}/ci/upstream_record.sh ${CMAKE_BINARY_DIR}/upstream-record)
set_tests_properties(upstream.record PROPERTIES LABELS upstream TIMEOUT ${SR_HANG} SKIP_RETURN_CODE 77
                     RESOURCE_LOCK upstream)

# The bottom-up migration ladder (docs/migration.md, "The ladder"; label
# upstream). upstream.ladder replays corpus/upstream against the goldens on
# every rung: 0 all upstream Rust, 1 the C frame allocator, 2 + the C i386
# entries and tables under upstream's Rust hierarchy code, 3 + the C
# hierarchies, 4 + the C bookkeeping, 5 + C kernel memory and mirrors, 6 all C
# through the same glue (a rung that is not built fails).
# upstream.ladder_plant plants a glue bug (a region handed to C also dropped
# on the Rust side) in a scratch copy and checks that the ladder fails on
# rung 6 only. Each rung is built once
# and cached by its stamp. SKIPPED (77) without an upstream checkout, node,
# clang or Debian's rustc with the wasm32 standard library.
sr_srdiff_test(upstream.ladder upstream ladder --skip-missing --jobs 2
               ${CMAKE_SOURCE_DIR}/corpus/upstream)
set_tests_properties(upstream.ladder PROPERTIES RESOURCE_LOCK upstream COST 1100)
add_test(NAME upstream.ladder_plant
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/ci/ladder_plant.py ${CMAKE_BINARY_DIR}/ladder-plant)
set_tests_properties(upstream.ladder_plant PROPERTIES LABELS upstream TIMEOUT ${SR_HANG} SKIP_RETURN_CODE 77
                     RESOURCE_LOCK upstream DEPENDS upstream.ladder)

# ---- srdiff fuzz and srdiff mutants (labels fuzz, tool) ----------------------------
# fuzz.seed_diverges: a seed with a planted divergence (fuzz_diff's
# test-only hook) makes `srdiff fuzz` exit 1 before AFL++ starts, and the
# same seed without it runs AFL++ and exits 0 (SKIPPED without afl-fuzz).
# tool.fuzz_reports: the dedupe key, the shrinker's rounding, the mutant
# operators. tool.mutants_smoke: `srdiff mutants --count 4 --fuzz-time 0`
# over four chosen mutants in one run: a planted allocator bug (killed by
# diff), a deleted page-table panic no trace reaches (killed by the unit
# tests, the last step), a scan one word past the allocator's bitmap (killed
# by the unit tests' ASan+UBSan build only) and an equivalent mutant (must
# survive); its survivor and the unit tests' kills are judged again by
# --rerun-survivors, which is refused once the run's copy of the port differs.
add_test(NAME fuzz.seed_diverges COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/harness/tests/fuzz_campaign_test.py seed)
set_tests_properties(fuzz.seed_diverges PROPERTIES LABELS fuzz TIMEOUT ${SR_HANG} SKIP_RETURN_CODE 77
                     COST 300 ENVIRONMENT "${SR_TEST_ENV}")
add_test(NAME tool.fuzz_reports COMMAND ${Python3_EXECUTABLE} -m unittest -q tests.test_fuzz
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/harness)
set_tests_properties(tool.fuzz_reports PROPERTIES LABELS "tool;fuzz" TIMEOUT ${SR_HANG})
add_test(NAME tool.mutants_smoke COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/harness/tests/fuzz_campaign_test.py mutants)
set_tests_properties(tool.mutants_smoke PROPERTIES LABELS tool TIMEOUT ${SR_HANG} SKIP_RETURN_CODE 77
                     COST 950 ENVIRONMENT "${SR_TEST_ENV}")

# tool.panic_points: every panic point of the port (panic, kassert, EXPECT,
# UNWRAP, mach_panic, ck_add/ck_sub/ck_mul in c/kernel/ and the inline
# helpers) has a row in docs/panic_points.md, and each row's claim holds: the
# named corpus trace panics there, or no corpus trace does.
add_test(NAME tool.panic_points COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/harness/panic_points.py --check)
set_tests_properties(tool.panic_points PROPERTIES LABELS tool TIMEOUT ${SR_HANG} ENVIRONMENT "${SR_TEST_ENV}")
