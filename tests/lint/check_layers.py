#!/usr/bin/env python3
"""Checks that no #include in lib/ or app/ runs back up a layer (issue 10, part 5; docs/architecture.md).

Layers, lowest first; a file may include its own folder and any folder of a lower layer, never a higher one:

  0 core        agent blocks, options, events, RNG
  1 comm        the exchange layer and collectives (the only MPI outside io)
  1 io          readers, CSV, the HDF5 recorder
  2 graph       graph families, schedules, weights (uses comm)
  2 metrics     per-step metrics and their block sums
  3 oracle      generic exact solvers: per-step root finding, dense QP, full-horizon box solve (TAO)
  4 problems    one family per file: data, per-agent kernels, the family's own solver pieces
  5 algorithms  one algorithm per file and the registry
  6 run         the run loop and its monitors (output file, checkpoints, progress)
  7 app         the driver

Usage: check_layers.py SOURCE_DIR   prints every violation as FILE:LINE and exits 1 if there is any.
       check_layers.py --self-test  checks the checker on a scratch tree: a clean one passes, and an upward, a
                                    sideways and an unknown-folder include each fail.
"""
import pathlib
import re
import sys
import tempfile

LAYER = {"core": 0, "comm": 1, "io": 1, "graph": 2, "metrics": 2, "oracle": 3, "problems": 4, "algorithms": 5,
         "run": 6, "app": 7}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')


def folder_of(root, path):
    rel = path.relative_to(root).parts
    return rel[1] if rel[0] == "lib" else rel[0]


def self_test(prog):
    def tree(files):
        d = pathlib.Path(tempfile.mkdtemp(prefix="check_layers_"))
        for name, text in files.items():
            (d / name).parent.mkdir(parents=True, exist_ok=True)
            (d / name).write_text(text)
        return d
    clean = {"lib/core/a.hpp": "#include <vector>\n", "lib/problems/p.hpp": '#include "oracle/o.hpp"\n',
             "lib/oracle/o.hpp": '#include "core/a.hpp"\n', "app/main.cpp": '#include "driver.hpp"\n'}
    cases = [("clean", clean, 0),
             ("upward", {**clean, "lib/problems/q.cpp": '#include "algorithms/x.hpp"\n'}, 1),
             ("sideways", {**clean, "lib/graph/g.cpp": '#include "metrics/m.hpp"\n'}, 1),
             ("unknown", {**clean, "lib/core/b.cpp": '#include "nowhere/n.hpp"\n'}, 1)]
    failed = 0
    for name, files, want in cases:
        got = main([prog, str(tree(files))])
        print(f"self-test {name}: exit {got}, expected {want}")
        failed += got != want
    print(f"check_layers self-test: {len(cases) - failed} of {len(cases)} cases behave")
    return 1 if failed else 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test(argv[0])
    if len(argv) != 2:
        print(__doc__)
        return 2
    root = pathlib.Path(argv[1]).resolve()
    files = sorted(p for d in ("lib", "app") for p in (root / d).rglob("*") if p.suffix in (".hpp", ".cpp", ".h"))
    if not files:
        print(f"check_layers: no sources under {root}/lib or {root}/app")
        return 2
    bad, checked = [], 0
    for path in files:
        own = folder_of(root, path)
        if own not in LAYER:
            bad.append(f"{path.relative_to(root)}: folder '{own}' has no layer; add it to LAYER in {argv[0]}")
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m or "/" not in m.group(1):
                continue  # same-folder includes ("driver.hpp") are always allowed
            target = m.group(1).split("/")[0]
            checked += 1
            if target not in LAYER:
                bad.append(f"{path.relative_to(root)}:{n}: includes '{m.group(1)}' from unknown folder '{target}'")
            elif target != own and LAYER[target] >= LAYER[own]:
                bad.append(f"{path.relative_to(root)}:{n}: {own} (layer {LAYER[own]}) includes {m.group(1)} "
                           f"(layer {LAYER[target]}): an include may not run up or across a layer")
    for b in bad:
        print(b)
    print(f"check_layers: {len(files)} files, {checked} cross-folder includes, {len(bad)} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
