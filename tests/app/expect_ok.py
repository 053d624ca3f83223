#!/usr/bin/python3
"""Runs one test command and requires its exit code AND its output: ctest ignores the exit code as soon as a
test sets PASS_REGULAR_EXPRESSION, so a run that crashed after printing the expected text would pass. Every
app test that matches text goes through this script instead (CMake: dodge_expect_test in tests/CMakeLists.txt).

Usage: expect_ok.py [--exit N] [--match REGEX]... [--reject REGEX]... [--complete FILE]... -- command args...

  --exit N        the exit code the command must return (default 0)
  --match REGEX   must occur in the combined stdout+stderr (Python re, '.' matches newlines, '^'/'$' match at
                  line boundaries); repeatable, all must match
  --reject REGEX  must not occur in the output; repeatable
  --complete FILE the HDF5 file must exist and its root attribute status must be 'complete'; repeatable
Prints the command's output, then one line per check; exits 0 only if every check holds, 1 otherwise."""
import os
import re
import subprocess
import sys

import h5py


def main(argv):
    if "--" not in argv:
        print("expect_ok.py: usage: expect_ok.py [--exit N] [--match RE]... [--reject RE]... [--complete FILE]... -- cmd ...")
        return 2
    split = argv.index("--")
    opts, cmd = argv[:split], argv[split + 1:]
    want_exit, matches, rejects, completes = 0, [], [], []
    i = 0
    while i < len(opts):
        key = opts[i]
        if i + 1 >= len(opts):
            print(f"expect_ok.py: {key} needs a value")
            return 2
        val = opts[i + 1]
        if key == "--exit":
            want_exit = int(val)
        elif key == "--match":
            matches.append(val)
        elif key == "--reject":
            rejects.append(val)
        elif key == "--complete":
            completes.append(val)
        else:
            print(f"expect_ok.py: unknown option {key}")
            return 2
        i += 2
    if not cmd:
        print("expect_ok.py: no command after --")
        return 2
    for f in completes:  # a file left by an earlier run must not satisfy the check
        try:
            os.remove(f)
        except FileNotFoundError:
            pass
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = r.stdout.decode(errors="replace")
    sys.stdout.write(out)
    if out and not out.endswith("\n"):
        sys.stdout.write("\n")
    failures = []
    if r.returncode != want_exit:
        failures.append(f"exit code {r.returncode}, expected {want_exit}")
    flags = re.DOTALL | re.MULTILINE
    for p in matches:
        if not re.search(p, out, flags):
            failures.append(f"output does not match /{p}/")
    for p in rejects:
        m = re.search(p, out, flags)
        if m:
            failures.append(f"output matches the rejected /{p}/: {m.group(0)[:200]!r}")
    for f in completes:
        try:
            with h5py.File(f, "r") as h:
                status = h.attrs.get("status", "")
                status = status.decode() if isinstance(status, bytes) else str(status)
            if status != "complete":
                failures.append(f"{f}: status {status!r}, expected 'complete'")
        except OSError as e:
            failures.append(f"{f}: cannot be read ({e})")
    if failures:
        print("FAIL (expect_ok): " + "; ".join(failures) + "\n  command: " + " ".join(cmd))
        return 1
    print(f"expect_ok: exit {r.returncode}" + "".join(f", matches /{p}/" for p in matches)
          + "".join(f", {f} complete" for f in completes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
