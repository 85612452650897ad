# triggerd_library(<folder> [SOURCES files...] [DEPS folders...] [LIBS targets...])
#
# One static library per source folder, named triggerd_<folder>. DEPS names the triggerd folders
# it may use (linked, and the only folders its files may include, see tests/layering); LIBS the
# external libraries. The dependency graph is written to ${CMAKE_BINARY_DIR}/layers.txt by
# triggerd_write_layers() so the layering test checks the includes against the same table.
function(triggerd_library folder)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LIBS" ${ARGN})
  set(target triggerd_${folder})
  if(ARG_SOURCES)
    add_library(${target} STATIC ${ARG_SOURCES})
    set(scope PUBLIC)
  else()
    add_library(${target} INTERFACE)  # header-only folder
    set(scope INTERFACE)
  endif()
  target_include_directories(${target} ${scope} ${PROJECT_SOURCE_DIR})
  target_link_libraries(${target} ${scope} triggerd::headers)
  foreach(dep IN LISTS ARG_DEPS)
    target_link_libraries(${target} ${scope} triggerd_${dep})
  endforeach()
  if(ARG_LIBS)
    target_link_libraries(${target} ${scope} ${ARG_LIBS})
  endif()
  if(ARG_SOURCES)
    triggerd_apply_warnings(${target})
  endif()
  string(REPLACE ";" "," deps "${ARG_DEPS}")
  set_property(GLOBAL APPEND PROPERTY TRIGGERD_LAYERS "${folder}:${deps}")
endfunction()

function(triggerd_write_layers)
  get_property(layers GLOBAL PROPERTY TRIGGERD_LAYERS)
  string(REPLACE ";" "\n" text "${layers}")
  file(WRITE ${CMAKE_BINARY_DIR}/layers.txt "${text}\n")
endfunction()
