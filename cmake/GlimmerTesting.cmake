# glimmer_add_test(NAME <name> SOURCES <files...> LIBS <targets...> LABELS <labels...>)
# One Boost.Test executable, registered with CTest under its labels (ctest -L heap).
# Test sources define BOOST_TEST_MODULE in exactly one file per executable, or use the shared
# main in tests/support/boost_main.cpp by listing it in SOURCES.
function(glimmer_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE Boost::unit_test_framework ${T_LIBS})
  target_compile_definitions(${T_NAME} PRIVATE BOOST_TEST_DYN_LINK)
  target_include_directories(${T_NAME} PRIVATE "${PROJECT_SOURCE_DIR}/tests/support")
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} --report_level=short --log_level=warning ${T_ARGS}
           WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                       ENVIRONMENT "GLIMMER_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
