"""Runs the fuzz cases: for every target, its seeds as they are, then half
byte-level mutations of them (random.Random(seed)) and half hypothesis-generated
structured cases (fixed seed), counting outcomes; an uncaught exception is counted, its case
kept (under `keep`, when given) and never stops the run."""
from __future__ import annotations

import random
import tempfile
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from tests.fuzz.mutate import mutate
from tests.fuzz.seeds import Case
from tests.fuzz.strategies import structured
from tests.fuzz.targets import TARGETS, Target, outcome

UNCAUGHT = "UNCAUGHT"


@dataclass
class Results:
    counts: dict[str, Counter] = field(default_factory=dict)  # target → outcome → cases
    failures: list[str] = field(default_factory=list)  # one report per uncaught exception

    @property
    def cases(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())

    @property
    def uncaught(self) -> int:
        return sum(c[UNCAUGHT] for c in self.counts.values())


def run(cases: int, seed: int = 0, keep: Path | None = None, targets: list[Target] = TARGETS) -> Results:
    """About `cases` cases over all targets (each target gets an equal share)."""
    results = Results()
    share = max(2, cases // len(targets))
    with tempfile.TemporaryDirectory(prefix="samcli-fuzz-") as tmp:
        for target in targets:
            counts = results.counts.setdefault(target.name, Counter())
            folder = Path(tmp) / target.name
            folder.mkdir()

            def one(case: Case, how: str) -> None:
                found = outcome(target, folder, case)
                if isinstance(found, str):
                    counts[found] += 1
                    return
                counts[UNCAUGHT] += 1
                n = len(results.failures)
                results.failures.append(f"{target.name} ({how}): " + "".join(
                    traceback.format_exception(type(found), found, found.__traceback__)[-3:]))
                if keep is not None:
                    for name, data in case.items():
                        path = keep / f"{target.name}-{n}" / name
                        path.parent.mkdir(parents=True, exist_ok=True)
                        path.write_bytes(data)

            for case in target.seeds:  # unchanged, each must load
                one(case, "seed")
            rng = random.Random(f"{seed}:{target.name}")
            for _ in range(share // 2):
                one(mutate(rng.choice(target.seeds), rng), "mutation")
            _generated(target, share - share // 2, seed, lambda case: one(case, "hypothesis"))
    return results


def _generated(target: Target, n: int, seed: int, each) -> None:
    strategies = [structured(case) for case in target.seeds]
    per_seed = [n // len(strategies) + (i < n % len(strategies)) for i in range(len(strategies))]
    for strategy, count in zip(strategies, per_seed):
        if not count:
            continue

        @hypothesis_seed(seed)
        @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def case(case: Case) -> None:
            each(case)

        case()
