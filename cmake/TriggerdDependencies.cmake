# Every dependency comes from a Debian package (scripts/install-deps.sh); nothing is fetched.
find_package(PkgConfig REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(CURL REQUIRED)
find_package(RapidJSON QUIET)
pkg_check_modules(LIBEVENT REQUIRED IMPORTED_TARGET libevent_core>=2.1 libevent_extra>=2.1
                  libevent_openssl>=2.1
                  libevent_pthreads>=2.1)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis>=0.14)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus>=3)
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
find_path(RAPIDJSON_INCLUDE_DIR rapidjson/document.h REQUIRED)

add_library(triggerd_deps INTERFACE)
add_library(triggerd::deps ALIAS triggerd_deps)
target_include_directories(triggerd_deps SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIR}
                                                           ${CLI11_INCLUDE_DIR})
target_compile_definitions(triggerd_deps INTERFACE RAPIDJSON_HAS_STDSTRING=1
                                                   TOML_EXCEPTIONS=1)
target_link_libraries(triggerd_deps INTERFACE PkgConfig::LIBEVENT PkgConfig::HIREDIS PkgConfig::RE2
                                              PkgConfig::SYSTEMD PkgConfig::TOMLPP OpenSSL::SSL
                                              OpenSSL::Crypto CURL::libcurl)
