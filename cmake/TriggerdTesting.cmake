find_package(GTest REQUIRED)
include(GoogleTest)

# triggerd_add_test(<name> LINK <targets...> SOURCES <files...>): one GoogleTest binary of unit
# tests, linked to the folder libraries it tests (LINK) and nothing more, so a test of a pure
# folder fails to link if that folder starts using I/O.
function(triggerd_add_test name)
  cmake_parse_arguments(ARG "" "" "LINK;SOURCES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LINK} GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  triggerd_apply_warnings(${name})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endfunction()

# triggerd_add_integration_test(<name> <files...>): runs the built binaries against a real
# redis-server and the fake providers.
function(triggerd_add_integration_test name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE triggerd_integration_fixture triggerd_fakes
                                        GTest::gtest_main)
  triggerd_apply_warnings(${name})
  add_dependencies(${name} triggerd triggerctl)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS integration)
endfunction()
