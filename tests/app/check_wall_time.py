#!/usr/bin/env python3
"""Runs a dodge command and checks its summary's wall time: total = setup + steps + I/O + other (to the
printed 1 ms), each part >= 0, the time-in lines repeat the parts, and I/O > 0 when the run writes a file.
Usage: check_wall_time.py [--io] -- command ..."""
import re
import subprocess
import sys

args = sys.argv[1:]
want_io = "--io" in args[: args.index("--")]
cmd = args[args.index("--") + 1:]
p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
out = p.stdout
if p.returncode != 0:
    sys.exit(f"FAIL: exit {p.returncode}\n{out}")
m = re.search(r"wall time +([0-9.]+) s = setup ([0-9.]+) \+ steps ([0-9.]+) \+ I/O ([0-9.]+) \+ other ([0-9.]+) s", out)
if not m:
    sys.exit(f"FAIL: no 'wall time ... = setup + steps + I/O + other' line\n{out}")
total, setup, steps, io, other = map(float, m.groups())
if abs(total - (setup + steps + io + other)) > 0.0035:
    sys.exit(f"FAIL: {total} != {setup} + {steps} + {io} + {other}")
for name, v in (("setup", setup), ("steps", steps), ("I/O", io)):
    line = re.search(rf"time in {re.escape(name)} +([0-9.]+) s", out)
    if not line or float(line.group(1)) != v:
        sys.exit(f"FAIL: 'time in {name}' line missing or not {v}\n{out}")
iol = re.search(r"\(output ([0-9.]+) s with its creation and /inputs, checkpoints ([0-9.]+) s\)", out)
if not iol or abs(float(iol.group(1)) + float(iol.group(2)) - io) > 0.0025:
    sys.exit(f"FAIL: I/O is not output + checkpoints\n{out}")
if want_io and io <= 0:
    sys.exit("FAIL: the run wrote a file but reports no I/O time")
if steps <= 0 or setup <= 0:
    sys.exit("FAIL: setup and steps must take time")
print(f"ok: wall time {total} = setup {setup} + steps {steps} + I/O {io} + other {other}")
