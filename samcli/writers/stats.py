"""Totals over a run for `--stats`: decoder prompts (per round for
hierarchical mode) and seconds per stage, summed over images."""
from __future__ import annotations

from samcli.engine.records import ImageResult
from samcli.writers.outputs import Writer


class StatsTotals(Writer):
    def __init__(self) -> None:
        self.prompts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def add(self, result: ImageResult) -> None:
        per_round = result.stats.get("prompts_per_round")
        rounds = {f"round {i}": n for i, n in enumerate(per_round, 1)} if per_round else {"all": result.stats.get("prompts", 0)}
        for name, count in rounds.items():
            self.prompts[name] = self.prompts.get(name, 0) + int(count)
        for stage, s in result.stats.get("time_s", {}).items():
            self.seconds[stage] = self.seconds.get(stage, 0.0) + float(s)

    def lines(self) -> list[str]:
        total = sum(self.prompts.values())
        per_round = "" if list(self.prompts) == ["all"] else " (" + ", ".join(f"{k}: {v}" for k, v in self.prompts.items()) + ")"
        return [f"decoder prompts evaluated: {total}{per_round}",
                "seconds per stage: " + ", ".join(f"{k} {v:.2f}" for k, v in self.seconds.items())]
