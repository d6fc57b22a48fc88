"""Totals over a run for `--stats`: decoder prompts (per round for
hierarchical mode), images encoded and read from --embeddings, and seconds
per stage, summed over images."""
from __future__ import annotations

from samcli.engine.records import ImageResult
from samcli.writers.outputs import Writer


class StatsTotals(Writer):
    def __init__(self) -> None:
        self.prompts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}
        #: with --embeddings: images encoded, and images whose embedding was read ("read")
        self.embeddings: dict[str, int] = {}

    def add(self, result: ImageResult) -> None:
        per_round = result.stats.get("prompts_per_round")
        rounds = {f"round {i}": n for i, n in enumerate(per_round, 1)} if per_round else {"all": result.stats.get("prompts", 0)}
        for name, count in rounds.items():
            self.prompts[name] = self.prompts.get(name, 0) + int(count)
        if "embedding" in result.stats:
            how = result.stats["embedding"]
            self.embeddings[how] = self.embeddings.get(how, 0) + 1
        for stage, s in result.stats.get("time_s", {}).items():
            self.seconds[stage] = self.seconds.get(stage, 0.0) + float(s)

    def lines(self) -> list[str]:
        total = sum(self.prompts.values())
        per_round = "" if list(self.prompts) == ["all"] else " (" + ", ".join(f"{k}: {v}" for k, v in self.prompts.items()) + ")"
        lines = [f"decoder prompts evaluated: {total}{per_round}"]
        if self.embeddings:
            lines.append(f"images encoded: {self.embeddings.get('encoded', 0)}, embeddings read from --embeddings: "
                         f"{self.embeddings.get('read', 0)}")
        return lines + ["seconds per stage: " + ", ".join(f"{k} {v:.2f}" for k, v in self.seconds.items())]
