#!/usr/bin/env bash
# Benchmark, by hand (not a test): signed GitHub push deliveries, driven by wrk over loopback, in
# one run and on the same load against
#   - nginx answering 204 (the HTTP ceiling: the same traffic with no work behind it),
#   - triggerd (verify, look up the trigger, parse, match, durable enqueue in Redis, 202), and the
#     same deliveries to a trigger whose rule matches nothing (everything but the enqueue, 200),
#   - a typical Node service (bench/node: @octokit/webhooks verify, ioredis XADD, 202), as one
#     process and as node:cluster workers.
# Every server that writes gets its own fresh redis-server with AOF on, appendfsync everysec.
# Each run of each server: a warm-up, then the measured run; servers are measured in turn, round
# after round, and the table shows the median of the rounds. Knobs (defaults):
#   DURATION=15s WARMUP=3s RUNS=3 THREADS=1 CONNECTIONS=32
#   NGINX_WORKERS="1 2"     nginx worker counts, one row each
#   NODE_WORKERS="1 2"      Node rows: 1 = one process, N > 1 = node:cluster with N workers
#   TRIGGERD_PROCESSES="1"  triggerd rows: N > 1 = N processes sharing the port (SO_REUSEPORT),
#                           which needs the server.reuse_port key; checked before anything runs
#   BODY=tests/fixtures/github/push.json   KEEP_WORK=1 keeps the scratch directory
#   REDIS_ARGS="--auto-aof-rewrite-percentage 0": more redis-server arguments, every Redis
#   TRIGGERD_BIN=path measures that binary instead of building one; BASELINE_BIN=path adds rows
#   for an earlier build (before/after in one run)
#   bash bench/run.sh                       RUNS=1 DURATION=5s bash bench/run.sh (quick look)
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$bench_root"

duration=${DURATION:-15s}
warmup=${WARMUP:-3s}
runs=${RUNS:-3}
threads=${THREADS:-1}
connections=${CONNECTIONS:-32}
nginx_workers=${NGINX_WORKERS-1 2}
node_workers=${NODE_WORKERS-1 2}
triggerd_processes=${TRIGGERD_PROCESSES:-1}
body="$bench_root/${BODY:-tests/fixtures/github/push.json}"

for v in runs threads connections; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "${v^^} must be a positive integer, not '${!v}'"
done
for v in $nginx_workers $node_workers $triggerd_processes; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || die "worker and process counts must be positive integers, not '$v'"
done
[[ -f $body ]] || die "no body file $body"

bash scripts/install-deps.sh >/dev/null
build_triggerd
bench_init
template="$bench_work/push-template.json"
push_template "$body" "$template"

# --- TRIGGERD_PROCESSES > 1 ------------------------------------------------------------------
# Several triggerd processes can share the public port only when the daemon sets SO_REUSEPORT,
# enabled by `reuse_port = true` in [server]. Binaries without that key are refused here, before
# anything runs.
for n in $triggerd_processes; do
  if ((n > 1)) && ! triggerd_accepts "reuse_port = true" server; then
    die "TRIGGERD_PROCESSES=$n needs a triggerd that shares its port between processes
(config key server.reuse_port); this build does not know it:
$(grep -i reuse_port "$bench_work/probe/out" || tail -3 "$bench_work/probe/out")
Run with TRIGGERD_PROCESSES=1."
  fi
done

if [[ -n $node_workers ]]; then
  (cd bench/node && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null) ||
    die "npm ci in bench/node failed"
fi

# --- servers ----------------------------------------------------------------------------------
# Each server id has: a title, a URL, the webhook secret push.lua signs with, the status that means success, its
# processes (pids), its Redis (port and pid; none for nginx) and its stream key. A stream key with
# expect=202 is checked against the 202 answers; with another expected status it must not grow.
servers=()
declare -A title short url secret expect pids rport rpid stream

for n in $nginx_workers; do
  id="nginx$n"
  port=$(free_port)
  dir="$bench_work/nginx$n"
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<NGINX
worker_processes $n;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir;
  client_max_body_size 10m;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    location / { return 204; }
  }
}
NGINX
  nginx -c "$dir/nginx.conf" &
  master=$!
  bench_pids+=("$master")
  wait_for 10 curl -fsS "http://127.0.0.1:$port/" || die "nginx did not start ($dir/error.log)"
  wait_for 10 has_children "$master" "$n" || die "nginx workers missing"
  servers+=("$id")
  plural=""
  ((n > 1)) && plural=s
  title[$id]="nginx \`return 204\`, $n worker$plural"
  short[$id]="nginx, $n worker$plural"
  url[$id]="http://127.0.0.1:$port/webhooks/github/bench"
  secret[$id]=$(openssl rand -hex 20)  # same requests; nginx checks nothing
  expect[$id]=204
  pids[$id]="$master $(children "$master" | tr '\n' ' ')"
done

# add_triggerd ID LABEL PROCESSES: a triggerd row (and its "no rule matches" row) with the binary
# in triggerd_bin, on a Redis of its own.
add_triggerd() {
  local id=$1 label=$2 n=$3
  start_redis "$id"
  start_triggerd "$id" "$redis_port" "$n"
  create_trigger "$triggerd_admin_port" "$admin_token" "master|main"
  ((n > 1)) && label="$label, $n processes (SO_REUSEPORT)"
  servers+=("$id")
  title[$id]="$label: verify, parse, match, enqueue, 202"
  short[$id]=$label
  url[$id]="http://127.0.0.1:$triggerd_public_port/webhooks/github/$trigger_id"
  secret[$id]=$trigger_secret
  expect[$id]=202
  pids[$id]="${triggerd_pids[*]}"
  rport[$id]=$redis_port
  rpid[$id]=$redis_pid
  stream[$id]="triggerd:jobs"
  # The same deliveries to a trigger whose rule matches no pushed branch: everything but the
  # enqueue, answered 200 "ignored"; the difference is what the durable write costs.
  create_trigger "$triggerd_admin_port" "$admin_token" "release"
  servers+=("$id-nomatch")
  title[$id-nomatch]="$label, no rule matches: verify, parse, match, 200"
  short[$id-nomatch]="$label, no rule matches"
  url[$id-nomatch]="http://127.0.0.1:$triggerd_public_port/webhooks/github/$trigger_id"
  secret[$id-nomatch]=$trigger_secret
  expect[$id-nomatch]=200
  pids[$id-nomatch]=${pids[$id]}
  rport[$id-nomatch]=$redis_port
  rpid[$id-nomatch]=$redis_pid
  stream[$id-nomatch]="triggerd:jobs"
}

if [[ -n ${BASELINE_BIN:-} ]]; then  # an earlier build, measured in the same run
  current_bin=$triggerd_bin
  triggerd_bin=$(realpath "$BASELINE_BIN")
  add_triggerd baseline1 "triggerd (baseline)" 1
  triggerd_bin=$current_bin
fi
for n in $triggerd_processes; do
  add_triggerd "triggerd$n" triggerd "$n"
done

for n in $node_workers; do
  id="node$n"
  start_redis "$id"
  port=$(free_port)
  node_secret=$(openssl rand -hex 20)
  NODE_ENV=production WEBHOOK_SECRET=$node_secret REDIS_URL="redis://127.0.0.1:$redis_port" \
    HOST=127.0.0.1 PORT=$port WORKERS=$n STREAM=jobs node bench/node/server.js \
    2>"$bench_work/$id.log" &
  primary=$!
  bench_pids+=("$primary")
  node_up() { [[ $(curl -s -o /dev/null -w '%{http_code}' -d '{}' "http://127.0.0.1:$1/") == 401 ]]; }
  wait_for 20 node_up "$port" || die "Node service did not start ($bench_work/$id.log)"
  if ((n > 1)); then
    wait_for 20 has_children "$primary" "$n" || die "Node workers missing"
    sleep 0.5  # the last worker is forked; let it connect to Redis and listen
  fi
  servers+=("$id")
  if ((n > 1)); then
    short[$id]="Node, cluster of $n workers"
  else
    short[$id]="Node, 1 process"
  fi
  title[$id]="${short[$id]}: verify, XADD, 202"
  url[$id]="http://127.0.0.1:$port/webhooks/github"
  secret[$id]=$node_secret
  expect[$id]=202
  pids[$id]="$primary $(children "$primary" | tr '\n' ' ')"
  rport[$id]=$redis_port
  rpid[$id]=$redis_pid
  stream[$id]="jobs"
done

# --- measuring --------------------------------------------------------------------------------
hz=$(getconf CLK_TCK)
field() { sed -n 's/^RESULT //p' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
status_count() { sed -n 's/^STATUS //p' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | grep . || echo 0; }
xlen() { redis-cli -p "${rport[$1]}" xlen "${stream[$1]}"; }
settle() {  # until the stream stops growing: requests wrk abandoned at its deadline finish
  local id=$1 last now
  if [[ -z ${rport[$id]:-} ]]; then sleep 0.5; return; fi
  last=$(xlen "$id")
  for _ in $(seq 50); do
    sleep 0.3
    now=$(xlen "$id")
    [[ $now == "$last" ]] && return
    last=$now
  done
}
wrk_run() {  # wrk_run ID LENGTH NONCE [OUT]
  local limit=$((${2//[!0-9]/} * 60 + 60))  # bounded even if the length is in minutes
  timeout "$limit" wrk -t"$threads" -c"$connections" -d"$2" --latency -s bench/push.lua \
    "${url[$1]}" -- "$template" "${secret[$1]}" "$3" >"${4:-/dev/null}"
}

failures=()
notes=()
measure() {  # measure ID ROUND: warm-up, measured run, checks; appends a result line
  local id=$1 r=$2 out="$bench_work/$1.$2.out" before=0 after=0 c0 c1 r0=0 r1=0
  wrk_run "$id" "$warmup" "warm-$id-$r-$RANDOM"
  settle "$id"
  [[ -n ${rport[$id]:-} ]] && before=$(xlen "$id")
  # shellcheck disable=SC2086
  c0=$(cpu_ticks ${pids[$id]})
  [[ -n ${rpid[$id]:-} ]] && r0=$(cpu_ticks "${rpid[$id]}")
  wrk_run "$id" "$duration" "$id-$r-$RANDOM$RANDOM" "$out"
  # shellcheck disable=SC2086
  c1=$(cpu_ticks ${pids[$id]})
  [[ -n ${rpid[$id]:-} ]] && r1=$(cpu_ticks "${rpid[$id]}")
  settle "$id"
  [[ -n ${rport[$id]:-} ]] && after=$(xlen "$id")

  local requests ok jobs sockerr statuses
  requests=$(field "$out" requests)
  ok=$(status_count "$out" "${expect[$id]}")
  sockerr=$(field "$out" socket_errors)
  statuses=$(sed -n 's/^STATUS //p' "$out")
  jobs=$((after - before))
  ((requests > 0)) || { failures+=("${title[$id]}, run $r: no answers at all"); return; }
  if ((ok != requests || sockerr > 0)); then
    notes+=("${title[$id]}, run $r: answers $statuses, socket errors $sockerr")
  fi
  if [[ -n ${stream[$id]:-} ]]; then
    if [[ ${expect[$id]} == 202 ]]; then
      # wrk stops at its deadline without reading the answers in flight (at most one per
      # connection): those deliveries were enqueued but never counted as 202s.
      if ((jobs < ok || jobs > ok + connections)); then
        failures+=("${title[$id]}, run $r: $jobs jobs in the stream for $ok answers 202")
      fi
    elif ((jobs != 0)); then
      failures+=("${title[$id]}, run $r: $jobs jobs in the stream, none expected")
    fi
  fi
  echo "$r $(field "$out" rps) $(field "$out" p50_us) $(field "$out" p99_us) $requests $ok" \
    "$((c1 - c0)) $((r1 - r0)) $jobs" >>"$bench_work/$id.results"
  printf '  round %d %-58s %9s req/s  p99 %6.2f ms  jobs-202s %s\n' "$r" "${title[$id]}" \
    "$(field "$out" rps)" "$(awk -v u="$(field "$out" p99_us)" 'BEGIN {print u / 1000}')" \
    "$([[ ${expect[$id]} == 202 ]] && echo $((jobs - ok)) || echo -)" >&2
}

parse_seconds() { awk -v d="$1" 'BEGIN { n = d + 0; if (d ~ /m$/) n *= 60; if (d ~ /h$/) n *= 3600; print n }'; }
per_run=$(($(parse_seconds "$duration") + $(parse_seconds "$warmup") + 3))
echo "${#servers[@]} servers x $runs runs x ~${per_run}s: about $(((${#servers[@]} * runs * per_run + 59) / 60)) min" >&2
for r in $(seq "$runs"); do
  for id in "${servers[@]}"; do measure "$id" "$r"; done
done

# --- the table --------------------------------------------------------------------------------
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
col() { awk -v c="$2" '{print $c}' "$bench_work/$1.results" | median; }
# CPU per delivery of run r: ticks * 1e6 / hz / answers; the median over the runs
cpu_us() { awk -v c="$2" -v hz="$hz" '{print $c * 1e6 / hz / $5}' "$bench_work/$1.results" | median; }

declare -A m_rps m_srv m_red
printf '\nbody: %s, compact, a fresh commit id per request (%d bytes); wrk -t%s -c%s, %s per run after a %s warm-up; median of %s runs\n\n' \
  "${body#"$bench_root"/}" "$(($(stat -c %s "$template") - 11 + 10 - 2 * 5 + 2 * 40))" "$threads" "$connections" "$duration" \
  "$warmup" "$runs"
row() { printf '| %-58s | %9s | %6s | %8s | %8s | %9s | %10s | %10s |\n' "$@"; }
row server "req/s" spread p50 p99 "peak RSS" "CPU server" "CPU Redis"
row "$(printf -- '-%.0s' {1..58})" "--------:" "-----:" "-------:" "-------:" "--------:" \
  "---------:" "---------:"
for id in "${servers[@]}"; do
  m_rps[$id]=$(col "$id" 2)
  m_srv[$id]=$(cpu_us "$id" 7)
  m_red[$id]=$(cpu_us "$id" 8)
  spread=$(awk -v m="${m_rps[$id]}" 'NR == 1 {lo = hi = $2} {if ($2 < lo) lo = $2; if ($2 > hi) hi = $2}
    END {printf "%.0f%%", (hi - lo) * 100 / m}' "$bench_work/$id.results")
  # shellcheck disable=SC2086
  rss=$(status_kb VmHWM ${pids[$id]})
  redis_col="-"
  [[ -n ${rpid[$id]:-} ]] && redis_col=$(printf '%.1f us' "${m_red[$id]}")
  row "${title[$id]}" "$(printf %.0f "${m_rps[$id]}")" "$spread" \
    "$(col "$id" 3 | awk '{printf "%.2f ms", $1 / 1000}')" \
    "$(col "$id" 4 | awk '{printf "%.2f ms", $1 / 1000}')" \
    "$(awk -v k="$rss" 'BEGIN {printf "%.1f MiB", k / 1024}')" \
    "$(printf '%.1f us' "${m_srv[$id]}")" "$redis_col"
done
cat <<'EXPLAIN'

req/s, p50, p99: wrk's figures for the measured run (median of the runs); spread: (max - min) /
median of req/s over the runs. Peak RSS: VmHWM over the whole benchmark, summed over the server's
processes (nginx master and workers, Node primary and workers). CPU: utime + stime from
/proc/<pid>/stat over the measured run, per answer wrk read, of the server's processes and,
separately, of its redis-server. A "no rule matches" row is the same process and Redis as the row
above it.
EXPLAIN

echo
for t in "${servers[@]}"; do
  [[ ($t == triggerd* || $t == baseline*) && $t != *-nomatch ]] || continue
  for n in "${servers[@]}"; do
    [[ $n == node* ]] || continue
    awk -v t="${short[$t]}" -v n="${short[$n]}" -v tr="${m_rps[$t]}" -v nr="${m_rps[$n]}" \
      -v tc="$(awk -v a="${m_srv[$t]}" -v b="${m_red[$t]}" 'BEGIN {print a + b}')" \
      -v nc="$(awk -v a="${m_srv[$n]}" -v b="${m_red[$n]}" 'BEGIN {print a + b}')" \
      'BEGIN {printf "%s / %s: %.2fx the requests/s, %.2fx the CPU per delivery (server + Redis)\n", t, n, tr / nr, tc / nc}'
  done
  for n in "${servers[@]}"; do
    [[ $n == nginx* ]] || continue
    awk -v t="${short[$t]}" -v n="${short[$n]}" -v tr="${m_rps[$t]}" -v nr="${m_rps[$n]}" \
      'BEGIN {printf "%s / %s: %.1f%% of the requests/s\n", t, n, tr * 100 / nr}'
  done
done

echo
for id in "${servers[@]}"; do
  [[ ${expect[$id]} == 202 ]] || continue
  awk -v t="${short[$id]}" -v c="$connections" '{d = $9 - $6; if (NR == 1 || d < lo) lo = d; if (NR == 1 || d > hi) hi = d}
    END {printf "stream check, %s: jobs - 202 answers = %d..%d per run (in flight at stop; at most %d)\n", t, lo, hi, c}' \
    "$bench_work/$id.results"
done
for n in "${notes[@]}"; do echo "note: $n"; done
if ((${#failures[@]})); then
  for f in "${failures[@]}"; do echo "MISMATCH: $f" >&2; done
  echo "every 202 must be a job in the stream, and no job may lack a delivery" >&2
  exit 1
fi
echo "stream check: ok"
