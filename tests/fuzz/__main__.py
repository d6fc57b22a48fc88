"""`python -m tests.fuzz [--cases N] [--seed S] [--keep DIR]`: the full fuzz run,
counts per target and outcome; exit 1 if any case raised an uncaught exception."""
from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

from tests.fuzz.runner import UNCAUGHT, run

OUTCOMES = ("loaded", "item-errors", "usage-error", UNCAUGHT)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--cases", type=int, default=12000, help="cases over all targets (default 12000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=Path("fuzz-failures"), help="where failing cases are saved")
    args = parser.parse_args()
    started = time.perf_counter()
    results = run(args.cases, args.seed, args.keep)
    width = max(map(len, results.counts)) + 2
    print(f"{'target':<{width}}" + "".join(f"{o:>13}" for o in OUTCOMES) + f"{'cases':>8}")
    for name, counts in results.counts.items():
        print(f"{name:<{width}}" + "".join(f"{counts[o]:>13}" for o in OUTCOMES) + f"{sum(counts.values()):>8}")
    total = {o: sum(c[o] for c in results.counts.values()) for o in OUTCOMES}
    print(f"{'all':<{width}}" + "".join(f"{total[o]:>13}" for o in OUTCOMES) + f"{results.cases:>8}")
    print(f"{results.cases} cases, {results.uncaught} uncaught, seed {args.seed}, "
          f"{time.perf_counter() - started:.0f} s, {datetime.date.today()}")
    for failure in results.failures[:20]:
        print("\n" + failure, file=sys.stderr)
    if results.failures:
        print(f"failing cases saved under {args.keep}/", file=sys.stderr)
    return 1 if results.uncaught else 0


if __name__ == "__main__":
    sys.exit(main())
