#!/usr/bin/env bash
# Bounded soak, by hand (not a test): signed GitHub push deliveries at a fixed rate against one
# triggerd (its own redis-server, AOF on, appendfsync everysec) for DURATION, while a stand-in
# runner drains the job stream as real runners do (XREADGROUP, XACK, XDEL). Every SAMPLE seconds
# it records triggerd's RSS and Redis used_memory in a CSV; at the end it says whether each is
# flat: triggerd's RSS after RSS_SETTLE, Redis once the retention windows are full.
#   DURATION=600s RATE=200 bash bench/soak.sh
#   DURATION=85m RATE=100 EXTRA_TOML='job_retention = "1h"' bash bench/soak.sh   (Redis too)
# Knobs (defaults):
#   DURATION=600s RATE=200 (requests/s, paced by bench/paced.lua) CONNECTIONS=8 SAMPLE=10 (s)
#   DELIVERY_TTL=1h     queue.delivery_ttl: how long push keys (and delivery ids) are remembered
#                       (72h by default; 1h is the shortest triggerd accepts). spool.max_age is
#                       set to 30m, below it, as triggerd requires.
#   EXTRA_TOML=""       more config lines, appended after delivery_ttl inside [queue] (start them
#                       with a [table] line for another table), e.g. job_retention = "1h" (job
#                       records and job lists; 7d by default)
#   WINDOW=$DELIVERY_TTL  the longest retention window in that config: Redis is judged on the
#                       samples after WINDOW + EXPIRE_SETTLE, and only when the soak lasts that long
#   EXPIRE_SETTLE=10m   Redis frees expired keys gradually (active expiry stops sampling while
#                       fewer than about 10% of the sampled keys have expired), so once the
#                       windows are full its memory still grows by that slack for some minutes
#   RSS_SETTLE=60s      triggerd's RSS is judged on the samples after this
#   TOLERANCE=5         flat: the mean of the last third of the judged samples is within this
#                       percentage (and at least 1 MiB) of the mean of the first third
#   RUNNER=1            drain the stream like a runner; RUNNER=0 leaves every job in it
#   OUT=build-bench/soak-<time>.csv   BODY=tests/fixtures/github/push.json   KEEP_WORK=1
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$bench_root"

duration=${DURATION:-600s}
rate=${RATE:-200}
connections=${CONNECTIONS:-8}
sample=${SAMPLE:-10}
delivery_ttl=${DELIVERY_TTL:-1h}
window=${WINDOW:-$delivery_ttl}
tolerance=${TOLERANCE:-5}
runner=${RUNNER:-1}
body="$bench_root/${BODY:-tests/fixtures/github/push.json}"
out=${OUT:-$bench_root/build-bench/soak-$(date +%Y%m%d-%H%M%S).csv}

# The soak's triggerd configuration beyond listeners, Redis and keys. Redis keeps a push key per
# delivery for queue.delivery_ttl and a job record per job for queue.job_retention (7 days unless
# EXTRA_TOML shortens it; docs/redis-layout.md): it is flat once the longer of the two is full.
soak_toml="[spool]
max_age = \"30m\"
[queue]
delivery_ttl = \"$delivery_ttl\"
${EXTRA_TOML:-}"

seconds() { awk -v d="$1" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; if (d ~ /h$/) n *= 3600; if (d ~ /d$/) n *= 86400; print int(n) }'; }
total=$(seconds "$duration")
redis_from=$(($(seconds "$window") + $(seconds "${EXPIRE_SETTLE:-10m}")))
rss_from=$(seconds "${RSS_SETTLE:-60s}")
((total > 0 && rate > 0 && sample > 0)) || die "DURATION, RATE and SAMPLE must be positive"
((total - rss_from >= 6 * sample)) ||
  die "DURATION ($duration) leaves fewer than 6 samples after RSS_SETTLE: lengthen it"
if ((total - redis_from < 6 * sample)); then
  echo "note: the retention window ($window) does not fill in $duration: Redis is not judged," \
    "only its growth per delivery is shown (DURATION=$(((redis_from + 6 * sample + 59) / 60))m judges it)" >&2
fi

bash scripts/install-deps.sh >/dev/null
build_triggerd
bench_init

dir="$bench_work/check"
mkdir -p "$dir"
write_triggerd_config "$dir/check.toml" 6379 8080 8081 check "" "$soak_toml"
"$triggerd_bin" --check-config --config "$dir/check.toml" >"$dir/out" 2>&1 ||
  die "triggerd refuses the soak configuration:
$(grep -v '^ *$' "$dir/out" | head -5)"

start_redis soak
start_triggerd soak "$redis_port" 1 "$soak_toml"
pid=${triggerd_pids[0]}
create_trigger "$triggerd_admin_port" "$admin_token" "master|main"
url="http://127.0.0.1:$triggerd_public_port/webhooks/github/$trigger_id"
template="$bench_work/push-template.json"
push_template "$body" "$template"

# The stand-in runner: takes up to 1000 new entries for consumer "soak" and finishes them at once
# (XACK + XDEL), as docs/job-schema.md asks runners to; job records are left as they are.
drain='local r = redis.call("XREADGROUP", "GROUP", "runners", "soak", "COUNT", 1000, "STREAMS", KEYS[1], ">")
if not r then return 0 end
local ids = {}
for _, e in ipairs(r[1][2]) do ids[#ids + 1] = e[1] end
if #ids > 0 then
  redis.call("XACK", KEYS[1], "runners", unpack(ids))
  redis.call("XDEL", KEYS[1], unpack(ids))
end
return #ids'

mkdir -p "$(dirname "$out")"
echo "elapsed_s,triggerd_rss_kib,redis_used_memory_bytes,redis_keys,stream_length,jobs_added" >"$out"
rcli() { redis-cli -p "$redis_port" "$@"; }
sample_now() {
  local mem added
  mem=$(rcli info memory | tr -d '\r' | awk -F: '$1 == "used_memory" {print $2}')
  added=$(rcli xinfo stream triggerd:jobs | tr -d '\r' | awk 'p {print; exit} $0 == "entries-added" {p = 1}')
  echo "$1,$(status_kb VmRSS "$pid"),$mem,$(rcli dbsize),$(rcli xlen triggerd:jobs),$added" >>"$out"
}

echo "soak: $duration at $rate deliveries/s over $connections connections; delivery_ttl" \
  "$delivery_ttl; samples every ${sample}s in $out" >&2
timeout $((total + 60)) wrk -t1 -c"$connections" -d"${total}s" --latency -s bench/paced.lua "$url" \
  -- "$template" "$trigger_secret" "soak-$RANDOM$RANDOM" "$rate" >"$bench_work/wrk.out" &
wrk_pid=$!
bench_pids+=("$wrk_pid")
start=$(date +%s)
next=0
while kill -0 "$wrk_pid" 2>/dev/null; do
  now=$(($(date +%s) - start))
  if ((now >= next)); then
    sample_now "$now"
    ((next += sample))
  fi
  ((runner == 1)) && rcli eval "$drain" 1 triggerd:jobs >/dev/null
  sleep 1
done
wait "$wrk_pid" || die "wrk failed: $(cat "$bench_work/wrk.out")"
((runner == 1)) && rcli eval "$drain" 1 triggerd:jobs >/dev/null
sample_now $(($(date +%s) - start))

echo
sed -n 's/^STATUS /answers: /p; s/^RESULT /wrk: /p' "$bench_work/wrk.out"
python3 - "$out" "$rss_from" "$redis_from" "$tolerance" "$rate" <<'PY'
import csv, sys
path = sys.argv[1]
rss_from, redis_from, tolerance, rate = (float(a) for a in sys.argv[2:6])
rows = list(csv.DictReader(open(path)))

def trend(col, start):
    pts = [(int(r["elapsed_s"]), float(r[col]) / 1048576) for r in rows if int(r["elapsed_s"]) >= start]
    t, v = [p[0] for p in pts], [p[1] for p in pts]
    mt, mv = sum(t) / len(t), sum(v) / len(v)
    slope = sum((a - mt) * (b - mv) for a, b in zip(t, v)) / max(1e-9, sum((a - mt) ** 2 for a in t))
    third = max(1, len(v) // 3)
    return t, v, sum(v[:third]) / third, sum(v[-third:]) / third, slope

verdict = 0
for col, name, start, scale in (("triggerd_rss_kib", "triggerd RSS", rss_from, 1024),
                                ("redis_used_memory_bytes", "Redis used_memory", redis_from, 1)):
    rows_for = [r for r in rows if int(r["elapsed_s"]) >= start]
    for r in rows:
        r[col + "_b"] = float(r[col]) * scale
    if len(rows_for) < 6:
        t, v, first, last, slope = trend(col + "_b", rss_from)
        print(f"{name}: not judged (its retention window does not fill in this soak); "
              f"{v[0]:.1f} -> {v[-1]:.1f} MiB from {t[0]}s to {t[-1]}s, "
              f"{slope * 1048576 / rate:.0f} bytes per delivery")
        continue
    t, v, first, last, slope = trend(col + "_b", start)
    # Falling is bounded too (Redis catching up on expired keys); only growth fails.
    margin = max(first * tolerance / 100, 1.0)
    state = "flat" if abs(last - first) <= margin else "falling" if last < first else "NOT flat: growing"
    verdict = 1 if state.startswith("NOT") else verdict
    print(f"{name}: {first:.1f} -> {last:.1f} MiB from {t[0]}s to {t[-1]}s (trend {slope * 3600:+.1f}"
          f" MiB/h, {slope * 1048576 / rate:.0f} bytes per delivery): {state}")
print("no growth where judged" if verdict == 0 else "memory still grows (see the CSV)")
sys.exit(verdict)
PY
