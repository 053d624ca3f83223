#!/usr/bin/python3
"""Stand-in for postprocess/report used by the SLURM job tests while postprocess/report does not exist.

Same calling convention (report FILE.h5... -o DIR): checks that every file is a complete dodge output and
writes DIR/summary.md with one line per file (file, status, problem, region, algorithm, steps, ranks).
Exit code 1 if a file is missing or not complete, so a chained job fails as the real report would.
"""
import argparse
import os
import sys

import h5py


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("files", nargs="+")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    os.makedirs(a.output, exist_ok=True)
    rows, bad = [], 0
    for path in a.files:
        try:
            with h5py.File(path, "r") as f:
                at = f.attrs
                region = ""
                if "inputs/problem" in f:
                    region = text(f["inputs/problem"].attrs.get("region", ""))
                rows.append((path, text(at.get("status", "?")), text(at.get("problem", "?")), region,
                             text(at.get("algorithm", "?")), text(at.get("steps", "?")), text(at.get("ranks", "?"))))
        except OSError as e:
            rows.append((path, "unreadable: %s" % e, "", "", "", "", ""))
        if rows[-1][1] != "complete":
            bad += 1
    with open(os.path.join(a.output, "summary.md"), "w") as out:
        out.write("# dodge runs (stand-in report)\n\n| file | status | problem | region | algorithm | steps | ranks |\n")
        out.write("| --- | --- | --- | --- | --- | --- | --- |\n")
        for r in rows:
            out.write("| " + " | ".join([os.path.basename(r[0])] + list(r[1:])) + " |\n")
    print("report_standin: %d files, %d not complete -> %s" % (len(rows), bad, os.path.join(a.output, "summary.md")))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
