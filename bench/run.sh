#!/usr/bin/env bash
# Benchmark: signed GitHub push deliveries against triggerd (verify, parse, match, enqueue in
# Redis with AOF) and, in the same run, against nginx answering 204 (the reference: the same
# HTTP traffic with no work behind it). Both run one worker on this machine; wrk drives them.
#   DURATION=20s CONNECTIONS=32 THREADS=2 bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
duration=${DURATION:-20s}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}

bash scripts/install-deps.sh >/dev/null
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DTRIGGERD_BUILD_TESTS=OFF \
  -DTRIGGERD_BUILD_BENCH=OFF >/dev/null
cmake --build build-bench -j2 --target triggerd >/dev/null

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port); public_port=$(free_port); admin_port=$(free_port); nginx_port=$(free_port)

redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --appendonly yes \
  --appendfsync everysec --save "" --daemonize no --logfile "$work/redis.log" &
pids+=($!)

admin_token=$(openssl rand -hex 24)
openssl rand -hex 32 >"$work/master.key"
chmod 600 "$work/master.key"
cat >"$work/triggerd.toml" <<TOML
[server]
public_listen = "127.0.0.1:$public_port"
admin_listen = "127.0.0.1:$admin_port"
public_base_url = "http://127.0.0.1:$public_port"
log_level = "warn"
[redis]
address = "127.0.0.1:$redis_port"
[security]
master_key_file = "master.key"
admin_token_sha256 = ["$(printf %s "$admin_token" | sha256sum | cut -d' ' -f1)"]
TOML
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
build-bench/daemon/triggerd --config "$work/triggerd.toml" 2>"$work/triggerd.log" &
triggerd_pid=$!
pids+=($triggerd_pid)
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$public_port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done

created=$(curl -fsS -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
  -d '{"provider":"github","repository":"Codertocat/Hello-World","image":"registry.example.com/bench/app","install_hook":false,"rules":[{"kind":"branch","match":"master|main","tags":["latest","{branch}-{sha:7}"]}]}' \
  "http://127.0.0.1:$admin_port/api/v1/users/bench/triggers")
trigger_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["trigger"]["id"])' <<<"$created")
secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["webhook"]["secret"])' <<<"$created")

# A second trigger whose rule matches no pushed branch: the same verify-parse-match work, answered
# 200 "ignored" without the enqueue, to show what the Redis write costs.
created2=$(curl -fsS -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
  -d '{"provider":"github","repository":"Codertocat/Hello-World","image":"registry.example.com/bench/app","install_hook":false,"rules":[{"kind":"branch","match":"release","tags":["latest"]}]}' \
  "http://127.0.0.1:$admin_port/api/v1/users/bench/triggers")
trigger2_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["trigger"]["id"])' <<<"$created2")
secret2=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["webhook"]["secret"])' <<<"$created2")

body="$root/tests/fixtures/github/push.json"
signature="sha256=$(openssl dgst -sha256 -hmac "$secret" -r "$body" | cut -d' ' -f1)"
signature2="sha256=$(openssl dgst -sha256 -hmac "$secret2" -r "$body" | cut -d' ' -f1)"
redis_pid=$(redis-cli -p "$redis_port" info server | awk -F: '/^process_id/ {print $2}' | tr -d '\r')
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work;
  client_max_body_size 10m;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { return 204; }
  }
}
NGINX
nginx -c "$work/nginx.conf" &
pids+=($!)
sleep 0.5

nginx_url="http://127.0.0.1:$nginx_port/webhooks/github/$trigger_id"
triggerd_url="http://127.0.0.1:$public_port/webhooks/github/$trigger_id"
warm() { wrk -t"$threads" -c"$connections" -d2s -s bench/push.lua "$1" -- "$body" "$signature" >/dev/null; }
measure() {  # url label [signature]
  local t0 r0
  t0=$(cpu_ticks "$triggerd_pid")
  r0=$(cpu_ticks "$redis_pid")
  wrk -t"$threads" -c"$connections" -d"$duration" --latency -s bench/push.lua "$1" -- "$body" \
    "${3:-$signature}" >"$work/$2.out"
  echo "$(($(cpu_ticks "$triggerd_pid") - t0)) $(($(cpu_ticks "$redis_pid") - r0))" >"$work/$2.cpu"
}

warm "$nginx_url"
warm "$triggerd_url"
jobs_before=$(redis-cli -p "$redis_port" xlen triggerd:jobs)
measure "$nginx_url" nginx
measure "$triggerd_url" triggerd
sleep 1  # requests wrk abandoned at the deadline still finish on the server
jobs_after=$(redis-cli -p "$redis_port" xlen triggerd:jobs)
measure "http://127.0.0.1:$public_port/webhooks/github/$trigger2_id" ignored "$signature2"
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$triggerd_pid/status")

field() { grep RESULT "$1" | tr ' ' '\n' | grep "^$2=" | cut -d= -f2; }
accepted=$(grep STATUS "$work/triggerd.out" | tr ' ' '\n' | grep '^202=' | cut -d= -f2 || echo 0)

printf '\nbody: %s (%d bytes), %s connections, %s wrk threads, %s\n' "tests/fixtures/github/push.json" \
  "$(stat -c %s "$body")" "$connections" "$threads" "$duration"
hz=$(getconf CLK_TCK)
printf '%-10s %12s %10s %10s %8s %16s %14s\n' server "requests/s" "p50 (ms)" "p99 (ms)" errors \
  "triggerd us/req" "redis us/req"
for s in nginx triggerd ignored; do
  requests=$(echo "$(field "$work/$s.out" rps) * ${duration%s}" | bc -l)
  read -r tcpu rcpu <"$work/$s.cpu"
  label=$s
  [[ $s == ignored ]] && label="triggerd*"
  printf '%-10s %12s %10.3f %10.3f %8s %16.1f %14.1f\n' "$label" "$(field "$work/$s.out" rps)" \
    "$(echo "$(field "$work/$s.out" p50_us)/1000" | bc -l)" \
    "$(echo "$(field "$work/$s.out" p99_us)/1000" | bc -l)" "$(field "$work/$s.out" errors)" \
    "$(echo "$tcpu * 1000000 / $hz / $requests" | bc -l)" \
    "$(echo "$rcpu * 1000000 / $hz / $requests" | bc -l)"
done
echo "triggerd*: same deliveries to a trigger whose rule matches nothing (verify, parse, match; no enqueue)"
ratio=$(echo "$(field "$work/triggerd.out" rps) / $(field "$work/nginx.out" rps) * 100" | bc -l)
printf 'triggerd / nginx: %.1f%% of the reference requests/s\n' "$ratio"
printf 'triggerd peak RSS: %.1f MiB\n' "$(echo "$rss_kb/1024" | bc -l)"
printf 'triggerd statuses: %s\n' "$(grep STATUS "$work/triggerd.out" | cut -d' ' -f2-)"
measured_jobs=$((jobs_after - jobs_before))
printf 'jobs in the stream from the measured run: %d; 202 answers wrk read: %s\n' \
  "$measured_jobs" "$accepted"
# wrk stops at its deadline without reading the answers still in flight (at most one per
# connection); those deliveries were enqueued but never counted as 202s.
if ((measured_jobs < accepted || measured_jobs > accepted + connections)); then
  echo "MISMATCH: every 202 must be a job in the stream, and no job may lack a delivery" >&2
  exit 1
fi
printf 'jobs - 202s = %d (answers in flight when wrk stopped; at most %d): ok\n' \
  "$((measured_jobs - accepted))" "$connections"
