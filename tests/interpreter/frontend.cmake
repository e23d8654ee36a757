# The interpreter front end's tests (lexer, parser, AST and token goldens), label `interpreter`.
# Included by tests/interpreter/CMakeLists.txt.
glimmer_add_test(NAME interpreter_frontend_test
  SOURCES "${PROJECT_SOURCE_DIR}/tests/support/boost_main.cpp"
          "${CMAKE_CURRENT_LIST_DIR}/lexer_test.cpp"
          "${CMAKE_CURRENT_LIST_DIR}/parser_test.cpp"
  LIBS glimmer_parser
  LABELS interpreter
  TIMEOUT 300)
target_compile_definitions(interpreter_frontend_test PRIVATE
  GLIMMER_FRONTEND_GOLDEN_DIR="${CMAKE_CURRENT_LIST_DIR}/golden")
