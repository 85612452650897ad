#!/usr/bin/env python3
"""Checks that every #include in a source folder points at the folder itself or at a folder it
declares as a dependency (directly or through one), as written by triggerd_library() in
layers.txt. An upward or undeclared include fails the test with the file, line and the fix."""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([A-Za-z0-9_]+)/')


def main(source_dir: str, layers_file: str) -> int:
    deps = {}
    for line in pathlib.Path(layers_file).read_text().splitlines():
        if not line.strip():
            continue
        folder, _, listed = line.partition(":")
        deps[folder] = [d for d in listed.split(",") if d]

    # The declared graph itself must be acyclic and name only known folders.
    problems = []
    for folder, listed in deps.items():
        for d in listed:
            if d not in deps:
                problems.append(f"{folder}: depends on unknown folder '{d}'")

    closure = {}

    def reach(folder, stack=()):
        if folder in stack:
            problems.append("dependency cycle: " + " -> ".join(stack + (folder,)))
            return set()
        if folder not in closure:
            seen = set()
            for d in deps.get(folder, []):
                seen.add(d)
                seen |= reach(d, stack + (folder,))
            closure[folder] = seen
        return closure[folder]

    for folder in deps:
        reach(folder)

    root = pathlib.Path(source_dir)
    checked = 0
    for folder in sorted(deps):
        allowed = {folder} | closure.get(folder, set())
        for path in sorted((root / folder).glob("*")):
            if path.suffix not in (".h", ".cpp"):
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                checked += 1
                target = m.group(1)
                if target in deps and target not in allowed:
                    problems.append(
                        f"{path.relative_to(root)}:{number}: includes {target}/, which "
                        f"{folder}/ does not depend on; add it to DEPS in {folder}/CMakeLists.txt "
                        f"if the layering allows it, or move the code down a layer")
    for p in problems:
        print(p)
    print(f"{len(deps)} folders, {checked} includes checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
