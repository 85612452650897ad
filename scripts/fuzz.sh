#!/usr/bin/env bash
# Builds every libFuzzer target of tests/fuzz/ with clang in build-fuzz and runs each for a
# bounded time (default 20 s) from its seed corpus, two at a time. The corpus is copied to a
# temporary directory, so the repository is never modified; inputs that crash are kept in
# build-fuzz/fuzz/artifacts/. Fails when a target crashes, leaks, times out or violates one of
# its checks. One summary line per target.
#
#   bash scripts/fuzz.sh [seconds-per-target]
#   reproduce: build-fuzz/fuzz/<target> build-fuzz/fuzz/artifacts/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || { echo "usage: $0 [seconds-per-target]" >&2; exit 2; }

cxx=$(command -v clang++-14 || command -v clang++ || true)
if [[ -z $cxx ]]; then
  echo "fuzz.sh: needs clang++ and libFuzzer: apt-get install clang-14 libclang-rt-14-dev" >&2
  exit 2
fi

start=$SECONDS
# -O1 with line tables: fast to build, fast enough to fuzz, readable stack traces.
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" -DTRIGGERD_FUZZ=ON \
  -DTRIGGERD_BUILD_TESTS=OFF -DTRIGGERD_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j2 --target triggerd_fuzzers >/dev/null
echo "fuzz: built in $((SECONDS - start)) s; ${seconds} s per target"

mapfile -t targets < build-fuzz/fuzz/fuzzers.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts=build-fuzz/fuzz/artifacts

run() {  # target: runs it and writes its exit status to $work/<target>.rc
  local t=$1 corpus=tests/fuzz/corpus/${1%_fuzz}
  mkdir -p "$work/$t" "$artifacts/$t"
  if [[ -d $corpus ]]; then cp -R "$corpus/." "$work/$t/"; fi
  local rc=0
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "build-fuzz/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$t/" "$work/$t" >"$work/$t.log" 2>&1 ||
    rc=$?
  echo "$rc" >"$work/$t.rc"
}

# Two at a time: the machine has two cores.
for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= 2)); do wait -n || true; done
  run "$t" &
done
wait

failed=0
for t in "${targets[@]}"; do
  rc=$(cat "$work/$t.rc")
  log=$work/$t.log
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  if [[ $rc == 0 ]]; then
    printf '%-22s ok      %9s runs  cov %5s  corpus %5s\n' "$t" "${runs:-?}" "${cov:-?}" "${corp:-?}"
  else
    failed=1
    crash=$(grep -o "$artifacts/$t/[a-z-]*[0-9a-f]*" "$log" | tail -1 || true)
    printf '%-22s FAILED  exit %s  input %s\n' "$t" "$rc" "${crash:-?}"
    grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ 0x' "$log" | head -20 | sed 's/^/    /' || true
  fi
done
echo "fuzz: $((SECONDS - start)) s in total"
exit "$failed"
