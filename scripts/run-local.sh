#!/usr/bin/env bash
# Sets up this machine and runs triggerd in the foreground with its own Redis: AOF on, data
# under ./state/redis, listening on 127.0.0.1:6380 only. First run creates ./state/master.key and
# an admin token in ./state/admin-token (use it with triggerctl). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target triggerd triggerctl

state="$root/state"
mkdir -p "$state/redis" "$state/spool"
chmod 700 "$state"
umask 077
[[ -s "$state/master.key" ]] || openssl rand -hex 32 >"$state/master.key"
[[ -s "$state/admin-token" ]] || openssl rand -hex 24 >"$state/admin-token"
printf '%s\n' "$(tr -d '\n' <"$state/admin-token" | sha256sum | cut -d' ' -f1)" \
  >"$state/admin-tokens.sha256"

if ! redis-cli -p 6380 ping >/dev/null 2>&1; then
  redis-server --port 6380 --bind 127.0.0.1 --protected-mode yes --dir "$state/redis" \
    --appendonly yes --appendfsync everysec --save "" --daemonize yes \
    --pidfile "$state/redis.pid" --logfile "$state/redis.log"
  for _ in $(seq 50); do redis-cli -p 6380 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
stop_redis() { [[ -f "$state/redis.pid" ]] && kill "$(cat "$state/redis.pid")" 2>/dev/null || true; }
trap stop_redis EXIT

cat <<MSG
triggerd: public http://127.0.0.1:8080, admin http://127.0.0.1:8081, redis 127.0.0.1:6380
admin token: $state/admin-token    e.g.
  TRIGGERCTL_TOKEN_FILE=$state/admin-token build/cli/triggerctl triggers list alice
MSG
build/daemon/triggerd --config config/triggerd.local.toml
