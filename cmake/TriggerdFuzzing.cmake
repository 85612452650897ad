# libFuzzer targets (tests/fuzz/), built with -DTRIGGERD_FUZZ=ON and clang
# (-DCMAKE_CXX_COMPILER=clang++-14). scripts/fuzz.sh configures such a build in build-fuzz.
#
# With TRIGGERD_FUZZ every triggerd library is compiled with libFuzzer's coverage
# instrumentation (fuzzer-no-link) and ASan + UBSan, so the fuzzers see and check the code they
# drive; each target then links libFuzzer's main with triggerd_add_fuzzer().
if(TRIGGERD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "TRIGGERD_FUZZ needs clang (libFuzzer): configure with "
                        "-DCMAKE_CXX_COMPILER=clang++-14, or run scripts/fuzz.sh")
  endif()
  if(TRIGGERD_SANITIZE)
    message(FATAL_ERROR "TRIGGERD_FUZZ brings its own sanitizers; leave TRIGGERD_SANITIZE empty")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer
                      -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/cmake/sanitizer-ignorelist.txt)
  add_link_options(-fsanitize=address,undefined)
  add_custom_target(triggerd_fuzzers)  # builds every fuzzer
  file(WRITE ${CMAKE_BINARY_DIR}/fuzz/fuzzers.txt "")
endif()

# triggerd_add_fuzzer(<name> LINK <targets...> SOURCES <files...>): one libFuzzer binary
# (LLVMFuzzerTestOneInput in SOURCES), linked to the folder libraries it drives, written to
# <build>/fuzz/<name> and listed in <build>/fuzz/fuzzers.txt for scripts/fuzz.sh. Its seed
# corpus lives in tests/fuzz/corpus/<name without the _fuzz suffix>/.
function(triggerd_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "LINK;SOURCES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LINK})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  triggerd_apply_warnings(${name})
  add_dependencies(triggerd_fuzzers ${name})
  file(APPEND ${CMAKE_BINARY_DIR}/fuzz/fuzzers.txt "${name}\n")
endfunction()
