#!/usr/bin/env bash
# Profile, by hand (not a test): triggerd and its Redis (AOF everysec) under bench/push.lua's
# load, sampled with `perf record -g`; prints the functions with the most samples (self and
# inclusive) for each and keeps the folded stacks (flame graph input) in OUT_DIR.
#   DURATION=10 (s) CONNECTIONS=32 OUT_DIR=/tmp/triggerd-profile TOP=25
#   CALL_GRAPH=dwarf (perf --call-graph: dwarf unwinds the Release build, which has no frame
#   pointers; fp is cheaper but shows most stacks as [unknown])
#   TRIGGERD_BIN=path: profile that binary instead of building one
#   BODY=tests/fixtures/github/push.json   bash bench/profile.sh
# Needs perf (linux-perf) and kernel.perf_event_paranoid <= 1, or root.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$bench_root"

duration=${DURATION:-10}
connections=${CONNECTIONS:-32}
out_dir=${OUT_DIR:-/tmp/triggerd-profile}
body="$bench_root/${BODY:-tests/fixtures/github/push.json}"
[[ $duration =~ ^[1-9][0-9]*$ ]] || die "DURATION is whole seconds, not '$duration'"
command -v perf >/dev/null || die "perf is missing (Debian: linux-perf)"

build_triggerd
bench_init
mkdir -p "$out_dir"
template="$bench_work/push-template.json"
push_template "$body" "$template"
start_redis profile
start_triggerd profile "$redis_port" 1
create_trigger "$triggerd_admin_port" "$admin_token" "master|main"
url="http://127.0.0.1:$triggerd_public_port/webhooks/github/$trigger_id"

wrk_load() {
  timeout $(($1 + 30)) wrk -t1 -c"$connections" -d"${1}s" --latency -s bench/push.lua "$url" \
    -- "$template" "$trigger_secret" "$2-$RANDOM$RANDOM"
}
wrk_load 2 warm >/dev/null
wrk_load "$duration" profile >"$out_dir/wrk.out" &
load=$!
sleep 0.5
call_graph=${CALL_GRAPH:-dwarf}
perf record -q --call-graph "$call_graph" -F 499 -p "${triggerd_pids[0]}" -o "$out_dir/triggerd.data" -- \
  sleep $((duration - 1)) 2>/dev/null &
p1=$!
perf record -q --call-graph "$call_graph" -F 499 -p "$redis_pid" -o "$out_dir/redis.data" -- sleep $((duration - 1)) \
  2>/dev/null &
p2=$!
wait "$p1" "$p2" "$load"
grep -E '^(STATUS|RESULT)' "$out_dir/wrk.out"
echo
echo "== redis commands (calls, usec per call; EVALSHA calls < deliveries: grouped enqueues)"
redis-cli -p "$redis_port" info commandstats | tr -d '\r' |
  sed -n 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\),usec=[0-9]*,usec_per_call=\([0-9.]*\).*/\1 \2 \3/p' |
  sort -k2,2nr | head -20
for who in triggerd redis; do
  echo
  echo "== $who"
  perf script -i "$out_dir/$who.data" 2>/dev/null |
    python3 bench/fold.py --folded "$out_dir/$who.folded" --top "${TOP:-25}"
done
echo
echo "folded stacks: $out_dir/triggerd.folded $out_dir/redis.folded"
