#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A plain clone is the whole project: no source, test, tool or script
refers to a path above the source root.  Every relative path with parent
steps (a leading "..", in a path or in one of meson's joins) is resolved against the folder of
the file that names it (or the source root, after project_source_root();
outside meson files, against the source root as well, where a program
started from it would look) and must stay inside the tree."""
import os
import re
import subprocess
import sys

ROOT = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else
                        os.path.join(os.path.dirname(__file__), "..", ".."))
SCANNED = ("src", "tests", "build-aux", "data", "po", "flatpak", ".ci",
           "meson.build", "meson_options.txt")
TEXT = re.compile(r"\.(c|h|py|build|txt|sh|in|xml|ui|json|yml|yaml|service|css)$|^[^.]+$")
UP = r"\.\."
PROGRAM = re.compile(r"\.(c|h|py|sh)$|^(build-aux|\.ci)/[^.]+$")
SLASH_PATH = re.compile(r"(?<![\w/.])((?:" + UP + r"/)+)([\w.\-]*)")
MESON_JOIN = re.compile(r"(project_source_root\(\)\s*/\s*)?((?:'" + UP + r"'\s*/\s*)+)")


def tracked_files():
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files", "--", *SCANNED],
                             capture_output=True, text=True, check=True).stdout
        return [f for f in out.splitlines() if f]
    except (OSError, subprocess.CalledProcessError):
        found = []
        for top in SCANNED:
            path = os.path.join(ROOT, top)
            if os.path.isfile(path):
                found.append(top)
            for folder, dirs, files in os.walk(path):
                found += [os.path.relpath(os.path.join(folder, f), ROOT) for f in files]
        return found


def escapes(base, ups, rest):
    target = os.path.normpath(os.path.join(base, *([".."] * ups), rest))
    return os.path.commonpath([ROOT, target]) != ROOT


def problems(rel):
    path = os.path.join(ROOT, rel)
    if not TEXT.search(os.path.basename(rel)):
        return
    try:
        text = open(path, encoding="utf-8").read()
    except (UnicodeDecodeError, OSError):
        return
    folder = os.path.dirname(path)
    for number, line in enumerate(text.splitlines(), 1):
        for m in SLASH_PATH.finditer(line):
            ups = m.group(1).count("/")
            # Outside meson, a program resolves it against its working
            # folder at run time: the source root at the very least.
            runtime = PROGRAM.search(rel) is not None and escapes(ROOT, ups, m.group(2))
            if runtime or escapes(folder, ups, m.group(2)):
                yield f"{rel}:{number}: {line.strip()}"
        for m in MESON_JOIN.finditer(line):
            base = ROOT if m.group(1) else folder
            if escapes(base, m.group(2).count("'") // 2, ""):
                yield f"{rel}:{number}: {line.strip()}"


def main():
    files = tracked_files()
    assert len(files) > 50, f"only {len(files)} files found under {ROOT}"
    bad = [p for rel in files for p in problems(rel)]
    for p in bad:
        print("refers above the source root:", p)
    print(f"{len(files)} files checked, {len(bad)} outside references")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
