#!/usr/bin/env bash
# Sets up a fresh machine and runs every triggerd test: unit tests and integration tests that
# start real redis-server instances, the real triggerd binary and fake GitHub/GitLab servers on
# free loopback ports. Usage: bash scripts/test.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

bash scripts/install-deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRIGGERD_WERROR=ON \
  -DTRIGGERD_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j2
cd "$build"
ctest --output-on-failure -j2 --timeout 300
