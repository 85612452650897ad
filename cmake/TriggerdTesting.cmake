find_package(GTest REQUIRED)
include(GoogleTest)

# triggerd_add_test(name src...): one GoogleTest binary linked to the core library.
function(triggerd_add_test name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE triggerd_core triggerd_test_support GTest::gtest_main)
  triggerd_apply_warnings(${name})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endfunction()

# triggerd_add_integration_test(name src...): needs the built binaries and redis-server.
function(triggerd_add_integration_test name)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE triggerd_core triggerd_test_support GTest::gtest_main)
  triggerd_apply_warnings(${name})
  add_dependencies(${name} triggerd triggerctl)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS integration)
endfunction()
