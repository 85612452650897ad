#!/usr/bin/env python3
"""Redis CPU of triggerd's enqueue script alone, by hand (not a test).

Runs the enqueue script as queue/job_queue.cpp holds it (its text is read from there) against a
redis-server, in calls of 16 pushes like the ones bench/run.sh sends (one job each, a push key,
supersede of the branch's previous job), and prints per delivery: the script's time by
`commandstats`, Redis's whole CPU (user + sys) and its memory. --without drops one part of the
script to show what that part costs; the result is then no longer a correct enqueue.

  python3 bench/script_cost.py --port 6399 [--calls 1000] [--without supersede|record|expire|
                                             lists|xadd|push-key]

Flushes the Redis it is given: start a scratch one, e.g.
  redis-server --port 6399 --save '' --appendonly yes --appendfsync everysec \\
      --auto-aof-rewrite-percentage 0 --dir /tmp
"""
import argparse
import json
import pathlib
import re
import time

import redis

ROOT = pathlib.Path(__file__).resolve().parent.parent
BATCH = 16
# What each --without removes: a piece of the script's text and its replacement.
PARTS = {
    "supersede": ("if m > 0 and s then", "if false then"),
    "record": ("      redis.call('HSET', record, unpack(fields))\n"
               "      redis.call('EXPIRE', record, ARGV[2])\n", ""),
    "expire": ("      redis.call('EXPIRE', record, ARGV[2])\n", ""),
    "lists": ("for _, key in ipairs(order) do", "for _, key in ipairs({}) do"),
    "xadd": ("redis.call('XADD', KEYS[1], '*', 'job', ARGV[j + 1], 'id', id)", "'1-1'"),
    "push-key": ("    if p then redis.call('SET', KEYS[k + 1], ARGV[a + 1] .. '\\n' .. ARGV[a + 3], "
                 "'EX', ARGV[1]) end\n", ""),
}


def script_text(without):
    source = (ROOT / "queue/job_queue.cpp").read_text()
    text = re.search(r'kEnqueueScript\(R"lua\((.*?)\)lua"\);', source, re.S).group(1)
    names = re.search(r"kNewRecordFieldNames = \{(.*?)\};",
                      (ROOT / "queue/job_record.h").read_text(), re.S).group(1)
    if without:
        old, new = PARTS[without]
        if old not in text:
            raise SystemExit(f"--without {without}: the script no longer has {old.strip()!r}")
        text = text.replace(old, new)
    return text, re.findall(r'"([a-z_]+)"', names)


def job_json(job_id, delivery, sha):
    return json.dumps({
        "schema": 1, "id": job_id, "trigger_id": "T" * 26, "user": "alice", "provider": "github",
        "repository": {"id": "1296269", "full_name": "octocat/Hello-World",
                       "clone_url": "https://github.com/octocat/Hello-World.git",
                       "ssh_url": "git@github.com:octocat/Hello-World.git", "private": False},
        "event": "push", "ref": "refs/heads/main", "ref_type": "branch", "ref_name": "main",
        "commit": {"sha": sha, "message": "Update README.md with the release notes",
                   "author": "Monalisa Octocat <mona@github.com>",
                   "timestamp": "2026-11-26T09:00:00Z"},
        "image": "registry.example.com/octocat/hello-world", "tags": ["main", "main-" + sha[:7]],
        "dockerfile": "Dockerfile", "context": ".", "build_args": {}, "delivery_id": delivery,
        "received_at": "2026-11-26T09:00:00Z", "attempt": 1}, separators=(",", ":"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--without", choices=sorted(PARTS))
    opts = ap.parse_args()
    text, names = script_text(opts.without)
    r = redis.Redis(port=opts.port)
    r.flushall()
    sha = r.script_load(text)
    r.config_resetstat()
    cpu0 = r.info("cpu")
    n = 0
    for _ in range(opts.calls):
        # The layout JobQueue::flush and JobQueue::enqueue build.
        keys = ["triggerd:jobs"]
        args = ["259200", "604800", "100", "100", str(int(time.time())), "triggerd:job:",
                str(len(names))] + names
        for _ in range(BATCH):
            n += 1
            job_id, delivery, commit = f"{n:026d}", f"delivery-{n}", f"{n:040x}"
            keys += ["triggerd:jobs", f"triggerd:push:T:{n}", "triggerd:latest:T:refs/heads/main",
                     "triggerd:trigger-jobs:T", "triggerd:user-jobs:alice", "triggerd:job:" + job_id]
            values = {"trigger": "T" * 26, "user": "alice", "provider": "github",
                      "repo": "octocat/Hello-World", "ref": "refs/heads/main", "sha": commit,
                      "image": "registry.example.com/octocat/hello-world",
                      "tags": "main,main-" + commit[:7], "attempt": "1", "delivery": delivery}
            args += ["ps", json.dumps([job_id]), job_id, delivery, "1", job_id,
                     job_json(job_id, delivery, commit)] + [values.get(f, "") for f in names]
        r.evalsha(sha, len(keys), *keys, *args)
    cpu1 = r.info("cpu")
    script_us = r.info("commandstats")["cmdstat_evalsha"]["usec"]
    redis_us = (cpu1["used_cpu_user"] + cpu1["used_cpu_sys"] - cpu0["used_cpu_user"] -
                cpu0["used_cpu_sys"]) * 1e6
    print(f"without {opts.without or '-'}: {n} deliveries; per delivery: script {script_us / n:.1f} us,"
          f" Redis CPU {redis_us / n:.1f} us, memory {r.info('memory')['used_memory'] / n:.0f} B"
          " (stream entries kept)")


if __name__ == "__main__":
    main()
