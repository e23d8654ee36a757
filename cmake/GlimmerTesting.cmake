# glimmer_add_test(NAME <name> SOURCES <files...> LIBS <targets...> LABELS <labels...>
#                  [TIMEOUT <s>] [ARGS <args...>] [COST <n>] [SHARDS <n>])
# One Boost.Test executable, registered with CTest under its labels (ctest -L heap).
# COST: a long test; CTest starts the costliest first (in a fresh build it has no timings yet,
# and a long test started last keeps one core busy alone at the end).
# SHARDS n: registered as n tests <name>_1ofn .. <name>_nofn, each run with `-- --shard=k/n`
# (the test splits its work by that argument), so one long test uses every core.
# Test sources define BOOST_TEST_MODULE in exactly one file per executable, or use the shared
# main in tests/support/boost_main.cpp by listing it in SOURCES.
#
# A test's own sources are compiled for a quick build rather than a quick run: in them the
# compiler's time goes to Boost.Test's macros, while the work a test exercises runs in the
# libraries, which keep the build type's flags. Measured on tests/api/engine_test.cpp: g++ 12
# -O2 -g 23.5 s, -O1 -g1 12.3 s; clang 14 with ASan+UBSan -O1 28 s, -O0 6 s (sanitizers.sh
# passes -O0). Empty = the build type's flags.
set(GLIMMER_TEST_COMPILE_OPTIONS "-O1 -g1" CACHE STRING
    "Compiler flags for the test executables' own sources (after the build type's)")
separate_arguments(GLIMMER_TEST_COMPILE_OPTIONS_LIST UNIX_COMMAND "${GLIMMER_TEST_COMPILE_OPTIONS}")

# Every test's TIMEOUT is multiplied by this: a sanitizer build runs several times slower, and a
# loaded machine slower still (scripts/ci/sanitizers.sh sets it).  A hang is still caught.
set(GLIMMER_TEST_TIMEOUT_SCALE 1 CACHE STRING "Factor for every test's CTest TIMEOUT")
function(glimmer_scaled_timeout seconds out)
  math(EXPR scaled "${seconds} * ${GLIMMER_TEST_TIMEOUT_SCALE}")
  set(${out} ${scaled} PARENT_SCOPE)
endfunction()

function(glimmer_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT;COST;SHARDS" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE Boost::unit_test_framework ${T_LIBS})
  target_compile_definitions(${T_NAME} PRIVATE BOOST_TEST_DYN_LINK)
  target_compile_options(${T_NAME} PRIVATE
                         $<$<COMPILE_LANGUAGE:C,CXX>:${GLIMMER_TEST_COMPILE_OPTIONS_LIST}>)
  target_include_directories(${T_NAME} PRIVATE "${PROJECT_SOURCE_DIR}/tests/support")
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  glimmer_scaled_timeout(${T_TIMEOUT} T_TIMEOUT)
  set(command ${T_NAME} --report_level=short --log_level=warning ${T_ARGS})
  set(test_names)
  if(T_SHARDS)
    foreach(k RANGE 1 ${T_SHARDS})
      add_test(NAME ${T_NAME}_${k}of${T_SHARDS} COMMAND ${command} -- --shard=${k}/${T_SHARDS}
               WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
      list(APPEND test_names ${T_NAME}_${k}of${T_SHARDS})
    endforeach()
  else()
    add_test(NAME ${T_NAME} COMMAND ${command} WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
    set(test_names ${T_NAME})
  endif()
  set_tests_properties(${test_names} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                       ENVIRONMENT "GLIMMER_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  if(T_COST)
    set_tests_properties(${test_names} PROPERTIES COST ${T_COST})
  endif()
endfunction()
