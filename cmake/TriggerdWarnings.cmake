# Warnings apply to triggerd's own targets only, never to dependencies.
function(triggerd_apply_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
                                           -Wunused -Woverloaded-virtual -Wformat=2
                                           -Wimplicit-fallthrough)
  # GCC 12 reports false positives at -O2 and above inside libstdc++: -Wrestrict in string
  # concatenation (GCC bug 105329) and -Wmaybe-uninitialized through std::variant (GCC bug
  # 105562). Both stay on as warnings, but not fatal ones.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-error=restrict -Wno-error=maybe-uninitialized)
  endif()
  if(TRIGGERD_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(TRIGGERD_SANITIZE)
    string(REPLACE ";" "," _san "${TRIGGERD_SANITIZE}")
    target_compile_options(${target} PRIVATE -fsanitize=${_san} -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${_san})
  endif()
endfunction()

# Sanitizers must also reach the link of every binary, including what links only libraries.
if(TRIGGERD_SANITIZE)
  string(REPLACE ";" "," _san "${TRIGGERD_SANITIZE}")
  add_link_options(-fsanitize=${_san})
endif()
