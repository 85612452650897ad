#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of triggerd from Debian packages.
# Idempotent: packages already present are left alone. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates clang-format
  libevent-dev libssl-dev rapidjson-dev libhiredis-dev libre2-dev libtomlplusplus-dev
  libcli11-dev libsystemd-dev libcurl4-openssl-dev libgtest-dev libgmock-dev
  libsimdjson-dev  # the webhook payload parser (cmake/TriggerdDependencies.cmake says why)
  libjemalloc-dev  # the daemon's allocator (cmake/TriggerdDependencies.cmake says why)
  redis-server redis-tools nginx-light wrk procps bc openssl curl python3 nodejs
  clang-14 libclang-rt-14-dev  # scripts/fuzz.sh: libFuzzer, ASan and UBSan runtimes
  # triggerd-runner's end-to-end tests: git serves a real repository (git http-backend), buildah
  # builds a FROM-scratch image (chroot isolation and vfs storage: no runc, crun or
  # fuse-overlayfs needed) and docker-registry receives the push, all on loopback.
  buildah docker-registry
  # The web console's browser tests (tests/browser): Debian's Chromium, driven headless by
  # playwright-core from npm.
  chromium
  # The Python runner in docs/runner-protocol.md, which CI runs against triggerd.
  python3-redis
  # scripts/package.sh: CPack's .deb generator runs `file` on what it packages (dpkg-dev, for
  # dpkg-shlibdeps, comes with build-essential); the package depends on systemd, whose
  # systemd-analyze checks the installed units (it works without systemd as PID 1).
  file systemd
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# npm (for the Node service bench/run.sh compares with): Debian's npm package, unless the
# installed nodejs already ships npm (some nodejs builds do, and conflict with Debian's npm).
command -v npm >/dev/null 2>&1 || dpkg-query -W -f='${Status}' npm 2>/dev/null |
  grep -q "install ok installed" || missing+=(npm)

if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Debian enables and starts the packaged redis/nginx services where systemd runs; triggerd's
# scripts start their own instances on their own ports, so the packaged ones are not needed.
echo "dependencies ready"
