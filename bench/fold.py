#!/usr/bin/env python3
"""Folds `perf script` output into stacks, one line each ("root;...;leaf count"), the input of
flame graph renderers, and prints a text summary: the functions with the most samples on their
own (self) and anywhere on the stack (inclusive).

    perf record -g -p PID -o perf.data -- sleep 10
    perf script -i perf.data | python3 bench/fold.py --folded out.folded --top 25
"""
import argparse
import collections
import re
import sys

FRAME = re.compile(r"^\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$")


def frames(lines):
    """Yields each sample's frames, leaf first."""
    stack = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if stack:
                yield stack
            stack = []
            continue
        m = FRAME.match(line)
        if m:
            name, dso = m.group(1), m.group(2)
            if name == "[unknown]":
                name = "[" + dso.rsplit("/", 1)[-1] + "]"
            stack.append(re.sub(r"\+0x[0-9a-f]+$", "", name))
    if stack:
        yield stack


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--folded", help="write the folded stacks here")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    folded = collections.Counter()
    own = collections.Counter()
    anywhere = collections.Counter()
    for stack in frames(sys.stdin):
        folded[";".join(reversed(stack))] += 1
        own[stack[0]] += 1
        for name in set(stack):
            anywhere[name] += 1
    total = sum(folded.values()) or 1
    if args.folded:
        with open(args.folded, "w") as out:
            for s, n in folded.most_common():
                out.write(f"{s} {n}\n")
    for title, counts in (("self", own), ("inclusive", anywhere)):
        print(f"\n{title} (of {total} samples)")
        for name, n in counts.most_common(args.top):
            print(f"{100.0 * n / total:6.2f}%  {name[:150]}")


if __name__ == "__main__":
    main()
