# Tests over the trace corpus, registered with CTest.
#   corpus/upstream/*.trace   byte-for-byte against the upstream goldens
#   corpus/*/ (other)          against NAME.out / NAME.err where present
#   corpus/malformed/*.trace  exit 2 and the expected FILE:LINE
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(SR_SRDIFF ${CMAKE_SOURCE_DIR}/harness/srdiff)
set(SR_TEST_ENV "SRDIFF_C_EXE=$<TARGET_FILE:sr-run>")

file(GLOB_RECURSE SR_CORPUS_TRACES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/corpus/*.trace)
foreach(trace ${SR_CORPUS_TRACES})
  file(RELATIVE_PATH rel ${CMAKE_SOURCE_DIR}/corpus ${trace})
  string(REGEX REPLACE "\\.trace$" "" name ${rel})
  string(REPLACE "/" "." name ${name})
  add_test(NAME c.${name}
           COMMAND ${Python3_EXECUTABLE} ${SR_SRDIFF} diff --impl c --quiet ${trace})
  set_tests_properties(c.${name} PROPERTIES ENVIRONMENT "${SR_TEST_ENV}" LABELS corpus)
endforeach()
