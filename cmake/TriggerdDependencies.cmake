# Every dependency comes from a Debian package (scripts/install-deps.sh); nothing is fetched.
# Each is an imported target; folders name the ones they use (triggerd_library LIBS), so a pure
# folder cannot link libevent, hiredis or libcurl by accident.
find_package(PkgConfig REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(CURL REQUIRED)
pkg_check_modules(LIBEVENT REQUIRED IMPORTED_TARGET libevent_core>=2.1 libevent_extra>=2.1
                  libevent_openssl>=2.1 libevent_pthreads>=2.1)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis>=0.14)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus>=3)
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
find_path(RAPIDJSON_INCLUDE_DIR rapidjson/document.h REQUIRED)
# simdjson (Debian libsimdjson-dev) parses the provider payloads on the ingest hot path: its SIMD
# validation and DOM parse take about 1.2 us for a 7.6 KB GitHub push where RapidJSON took 6
# (webhook/payload_reader.h). RapidJSON stays for everything triggerd writes and the small JSON
# it reads (API bodies, job records, provider API answers).
find_package(simdjson 3 REQUIRED CONFIG)

# jemalloc (Debian libjemalloc-dev) as the daemon's allocator: every delivery allocates and frees
# its body, payload and job strings, and with glibc malloc that churn (consolidating free chunks
# around the 7 KB bodies) cost about a seventh of the daemon's CPU per delivery (bench/run.sh:
# 41 -> 35 us). Linked into the triggerd executable only; sanitizer and fuzzing builds keep the
# allocator their runtime brings.
option(TRIGGERD_JEMALLOC "Link the triggerd daemon with jemalloc" ON)
if(TRIGGERD_JEMALLOC AND NOT TRIGGERD_SANITIZE AND NOT TRIGGERD_FUZZ)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
  set(TRIGGERD_ALLOCATOR PkgConfig::JEMALLOC)
else()
  set(TRIGGERD_ALLOCATOR "")
endif()

# Header-only libraries every folder may use: RapidJSON and CLI11.
add_library(triggerd_headers INTERFACE)
add_library(triggerd::headers ALIAS triggerd_headers)
target_include_directories(triggerd_headers SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIR}
                                                             ${CLI11_INCLUDE_DIR})
target_compile_definitions(triggerd_headers INTERFACE RAPIDJSON_HAS_STDSTRING=1
                                                      TOML_EXCEPTIONS=1)
# RapidJSON's SSE2 string and whitespace scans (SSE2 is part of every x86-64 CPU): strings are
# most of the JSON triggerd reads, and scanning them a byte at a time was slow. They load aligned
# 16-byte blocks, which can reach up to 15 bytes past the end of the text inside the same page;
# AddressSanitizer reports that, so sanitizer and fuzzing builds scan a byte at a time.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$" AND NOT TRIGGERD_SANITIZE
   AND NOT TRIGGERD_FUZZ)
  target_compile_definitions(triggerd_headers INTERFACE RAPIDJSON_SSE2=1)
endif()
