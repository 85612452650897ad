# shellcheck shell=bash
# shellcheck disable=SC2034  # the start_* helpers set globals for their callers
# Helpers shared by bench/run.sh and bench/soak.sh (sourced, not run). Everything listens on
# 127.0.0.1 only; every process started here is recorded in bench_pids and stopped on exit.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_pids=()
bench_work=""

bench_init() {  # creates the scratch directory; removes it and stops our processes on exit
  bench_work=$(mktemp -d /tmp/triggerd-bench.XXXXXX)
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {
  local p
  for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${bench_pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
  [[ -n $bench_work && ${KEEP_WORK:-0} != 1 ]] && rm -rf "$bench_work"
  [[ ${KEEP_WORK:-0} == 1 ]] && echo "kept $bench_work" >&2
  return 0
}

die() { echo "error: $*" >&2; exit 2; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds; fails after SECONDS.
wait_for() {
  local tries=$(($1 * 10))
  shift
  for _ in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

build_triggerd() {  # Release build in build-bench/, at most 2 compile jobs (shared machine)
  if [[ -n ${TRIGGERD_BIN:-} ]]; then  # a binary built before (compare two versions)
    triggerd_bin=$(realpath "$TRIGGERD_BIN")
    return
  fi
  cmake -S "$bench_root" -B "$bench_root/build-bench" -DCMAKE_BUILD_TYPE=Release \
    -DTRIGGERD_BUILD_TESTS=OFF -DTRIGGERD_BUILD_BENCH=OFF >/dev/null
  cmake --build "$bench_root/build-bench" -j2 --target triggerd >/dev/null
  triggerd_bin="$bench_root/build-bench/daemon/triggerd"
}

# start_redis NAME: a private redis-server with AOF on and appendfsync everysec (the durable
# configuration triggerd requires). Sets redis_port and redis_pid.
start_redis() {
  local dir="$bench_work/redis-$1"
  mkdir -p "$dir"
  redis_port=$(free_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir" --appendonly yes \
    --appendfsync everysec --save "" --daemonize no --logfile "$dir/redis.log" ${REDIS_ARGS:-} &
  redis_pid=$!
  bench_pids+=("$redis_pid")
  wait_for 10 redis-cli -p "$redis_port" ping || die "redis-server $1 did not start ($dir/redis.log)"
}

# write_triggerd_config FILE REDIS_PORT PUBLIC_PORT ADMIN_PORT TOKEN [EXTRA_SERVER_LINES] [EXTRA_TOML]
write_triggerd_config() {
  local dir
  dir=$(dirname "$1")
  [[ -f $dir/master.key ]] || { openssl rand -hex 32 >"$dir/master.key"; chmod 600 "$dir/master.key"; }
  cat >"$1" <<TOML
[server]
public_listen = "127.0.0.1:$3"
admin_listen = "127.0.0.1:$4"
public_base_url = "http://127.0.0.1:$3"
log_level = "warn"
${6:-}
[redis]
address = "127.0.0.1:$2"
[security]
master_key_file = "master.key"
admin_token_sha256 = ["$(printf %s "$5" | sha256sum | cut -d' ' -f1)"]
${7:-}
TOML
}

# triggerd_accepts LINE TABLE: whether this triggerd binary accepts the config line in [TABLE]
# (checked with --check-config, so a key the binary does not know yet is detected up front).
triggerd_accepts() {
  local dir="$bench_work/probe"
  mkdir -p "$dir"
  if [[ $2 == server ]]; then
    write_triggerd_config "$dir/probe.toml" 6379 8080 8081 probe "$1"
  else
    write_triggerd_config "$dir/probe.toml" 6379 8080 8081 probe "" "[$2]
$1"
  fi
  "$triggerd_bin" --check-config --config "$dir/probe.toml" >"$dir/out" 2>&1
}

# start_triggerd NAME REDIS_PORT PROCESSES [EXTRA_TOML]: PROCESSES triggerd processes on one
# public port (more than one needs server.reuse_port), each with its own admin port. Sets
# triggerd_public_port, triggerd_admin_port (the first process's), triggerd_pids, admin_token.
start_triggerd() {
  local name=$1 rport=$2 n=$3 extra=${4:-} dir="$bench_work/triggerd-$1" i server_extra=""
  mkdir -p "$dir"
  admin_token=$(openssl rand -hex 24)
  triggerd_public_port=$(free_port)
  triggerd_pids=()
  ((n > 1)) && server_extra="reuse_port = true"
  for i in $(seq "$n"); do
    local aport
    aport=$(free_port)
    ((i == 1)) && triggerd_admin_port=$aport
    write_triggerd_config "$dir/triggerd-$i.toml" "$rport" "$triggerd_public_port" "$aport" \
      "$admin_token" "$server_extra" "$extra"
    "$triggerd_bin" --config "$dir/triggerd-$i.toml" 2>"$dir/triggerd-$i.log" &
    triggerd_pids+=($!)
    bench_pids+=($!)
    wait_for 20 curl -fsS "http://127.0.0.1:$aport/readyz" ||
      die "triggerd $name/$i not ready ($dir/triggerd-$i.log: $(tail -3 "$dir/triggerd-$i.log"))"
  done
}

# create_trigger ADMIN_PORT TOKEN BRANCH_MATCH: a GitHub trigger for the fixture's repository
# (Codertocat/Hello-World, branch master). Sets trigger_id and trigger_secret.
create_trigger() {
  local created
  created=$(curl -fsS -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -d '{"provider":"github","repository":"Codertocat/Hello-World","image":"registry.example.com/bench/app","install_hook":false,"rules":[{"kind":"branch","match":"'"$3"'","tags":["latest","{branch}-{sha:7}"]}]}' \
    "http://127.0.0.1:$1/api/v1/users/bench/triggers")
  trigger_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["trigger"]["id"])' <<<"$created")
  trigger_secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["webhook"]["secret"])' <<<"$created")
}

# push_template PAYLOAD OUT: the push payload as bench/push.lua takes it: repository.pushed_at is
# @PUSHED_AT@ and the head commit id (head_commit.id and after) is @SHA@, moved to the end of the
# JSON so that push.lua's per-request HMAC hashes only the last blocks. Compact JSON, as GitHub
# sends it (7.5 KB for the fixture); the same fields.
push_template() {
  python3 - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["repository"]["pushed_at"] = 1111111111
head = d.pop("head_commit")
d.pop("after")
head.pop("id")
text = json.dumps(d, separators=(",", ":"))[:-1]
text = text.replace('"pushed_at":1111111111', '"pushed_at":@PUSHED_AT@', 1)
text += ',"head_commit":' + json.dumps(head, separators=(",", ":"))[:-1]
text += ',"id":"@SHA@"},"after":"@SHA@"}'
open(sys.argv[2], "w").write(text)
PY
}


children() { ps --ppid "$1" -o pid= | tr -d ' ' || true; }
has_children() { [[ $(children "$1" | wc -l) -eq $2 ]]; }

cpu_ticks() {  # cpu_ticks PID...: utime + stime of all threads of these processes, in clock ticks
  local p sum=0
  for p in "$@"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$sum"
}

status_kb() {  # status_kb FIELD PID...: sum of a /proc/PID/status field (VmHWM, VmRSS) in KiB
  local f=$1 p sum=0
  shift
  for p in "$@"; do sum=$((sum + $(awk -v f="$f:" '$1 == f {print $2}' "/proc/$p/status"))); done
  echo "$sum"
}
