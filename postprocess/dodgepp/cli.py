"""What the command-line tools share: error reporting and unique per-run folder names."""
from __future__ import annotations

import sys
from collections import Counter
from typing import Callable

from .run import Run, RunError


def run_main(prog: str, main: Callable[[], int]) -> None:
    """Runs a tool's main; a RunError (bad input file) becomes one clear message and exit status 1."""
    try:
        sys.exit(main())
    except RunError as e:
        for line in str(e).splitlines():
            print(f"{prog}: error: {line}", file=sys.stderr)
        sys.exit(1)


def unique_folders(runs: list[Run]) -> list[str]:
    """Each run's folder is its file stem; runs from different directories may share a stem, so
    repeats get -2, -3, ... in command-line order instead of overwriting each other's figures."""
    counts = Counter(r.stem for r in runs)
    seen: Counter = Counter()
    folders = []
    for r in runs:
        seen[r.stem] += 1
        folders.append(r.stem if counts[r.stem] == 1 or seen[r.stem] == 1 else f"{r.stem}-{seen[r.stem]}")
    return folders


def split_list(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []
