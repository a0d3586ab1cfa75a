# Tests over the trace corpus, registered with CTest.
#   c.<dir>.<name>         the C port against NAME.out / NAME.err (label corpus)
#   check.<dir>.<name>     the invariant checker after every op (label check);
#                          NAME.finding marks an upstream finding
#   valgrind.<dir>.<name>  memcheck, leaks included (label valgrind)
find_package(Python3 REQUIRED COMPONENTS Interpreter)
find_program(VALGRIND valgrind)
set(SR_SRDIFF ${CMAKE_SOURCE_DIR}/harness/srdiff)
set(SR_TEST_ENV "SRDIFF_C_EXE=$<TARGET_FILE:sr-run>")

file(GLOB_RECURSE SR_CORPUS_TRACES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/corpus/*.trace)
foreach(trace ${SR_CORPUS_TRACES})
  file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR}/corpus ${trace})
  string(REGEX REPLACE "\\.trace$" "" name ${rel})
  string(REPLACE "/" "." name ${name})
  add_test(NAME c.${name}
           COMMAND ${Python3_EXECUTABLE} ${SR_SRDIFF} diff --impl c --quiet ${trace})
  add_test(NAME check.${name}
           COMMAND ${Python3_EXECUTABLE} ${SR_SRDIFF} check --quiet ${trace})
  set_tests_properties(c.${name} PROPERTIES ENVIRONMENT "${SR_TEST_ENV}" LABELS corpus)
  set_tests_properties(check.${name} PROPERTIES ENVIRONMENT "${SR_TEST_ENV}" LABELS check)
  if(VALGRIND AND NOT SR_SANITIZE)
    # exit 2 (malformed) is a normal outcome; 99 is a memcheck error
    add_test(NAME valgrind.${name}
             COMMAND sh -c "${VALGRIND} -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all \"$1\" \"$2\" >/dev/null; rc=$?; [ $rc -ne 99 ] && [ $rc -lt 128 ]"
                     sh $<TARGET_FILE:sr-run> ${trace})
    set_tests_properties(valgrind.${name} PROPERTIES LABELS valgrind
                         FAIL_REGULAR_EXPRESSION "==[0-9]+==")
  endif()
endforeach()

# The whole corpus in QEMU on a real MMU, against the goldens and the hosted
# port (label qemu).
find_program(QEMU_I386 qemu-system-i386)
if(SR_QEMU AND QEMU_I386 AND TARGET sr-kernel)
  add_test(NAME qemu.corpus
           COMMAND ${Python3_EXECUTABLE} ${SR_SRDIFF} diff --impl qemu,c --quiet ${CMAKE_SOURCE_DIR}/corpus)
  set_tests_properties(qemu.corpus PROPERTIES LABELS qemu TIMEOUT 1200
                       ENVIRONMENT "${SR_TEST_ENV};SRDIFF_KERNEL=$<TARGET_FILE:sr-kernel>")
endif()

# The trace generator: valid, deterministic traces (label gen).
add_test(NAME gen.unittest COMMAND ${Python3_EXECUTABLE} -m unittest -q test_gen
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/harness)
set_tests_properties(gen.unittest PROPERTIES LABELS gen)

# Hostile input made at test time (a 10^6-line trace, 1 MiB lines, NUL
# bytes, binary junk, an empty file): exit 0 or 2 as expected, never a crash.
add_test(NAME hostile.c
         COMMAND sh -c "${Python3_EXECUTABLE} \"$1/harness/make_hostile.py\" \"$2\" >/dev/null && ${Python3_EXECUTABLE} \"$1/harness/srdiff\" diff --impl c --quiet \"$2\""
                 sh ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/hostile)
set_tests_properties(hostile.c PROPERTIES LABELS hostile ENVIRONMENT "${SR_TEST_ENV}")

# The Rust reference model: its own tests, and the corpus replayed on c and
# ref side by side (label ref).
if(CARGO)
  add_test(NAME ref.cargo_test COMMAND ${CARGO} test --release --offline --quiet
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/reference)
  add_test(NAME ref.diff_corpus
           COMMAND ${Python3_EXECUTABLE} ${SR_SRDIFF} diff --impl c,ref --quiet ${CMAKE_SOURCE_DIR}/corpus)
  set_tests_properties(ref.cargo_test PROPERTIES LABELS ref TIMEOUT 900 RUN_SERIAL ON)
  set_tests_properties(ref.diff_corpus PROPERTIES LABELS ref DEPENDS ref.cargo_test
                       ENVIRONMENT "${SR_TEST_ENV}")
endif()

# A short AFL++ run of the differential harness (label fuzz): fails when
# the harness cannot start or when it finds a divergence.
find_program(AFL_FUZZ afl-fuzz)
if(AFL_FUZZ AND CARGO AND NOT SR_SANITIZE)
  add_test(NAME fuzz.smoke
           COMMAND ${Python3_EXECUTABLE} ${SR_SRDIFF} fuzz --time 60 --jobs 1 --out ${CMAKE_BINARY_DIR}/fuzz-smoke)
  set_tests_properties(fuzz.smoke PROPERTIES LABELS fuzz TIMEOUT 600 RUN_SERIAL ON)
endif()

# The C port behind upstream's Rust API (reference/cport, crate sunrise_mm_c):
# the upstream corpus replayed through it against the goldens, the C port and
# the reference model side by side on generated sequences, and the safety of
# the wrappers (label migration).
if(CARGO)
  add_test(NAME migration.cargo_test
           COMMAND ${CARGO} test --release --offline --quiet -p sunrise_mm_c
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/reference)
  set_tests_properties(migration.cargo_test PROPERTIES LABELS migration TIMEOUT 900 RUN_SERIAL ON)
endif()
