"""Drives a stream of ImageResults into the run's outputs with a progress bar,
then prints a summary and turns the outcome into an exit code."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from samcli.cli.exit_codes import EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL
from samcli.engine.records import ImageResult
from samcli.writers.outputs import Outputs

# soft_wrap: never break a long path or URL in a message the user may copy
err = Console(stderr=True, highlight=False, soft_wrap=True)

#: per-kind lines printed in the summary before "… and N more"
MAX_LISTED = 20


@dataclass
class RunSummary:
    images: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (image key, error)
    prompt_errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    annotations: int = 0
    seconds: float = 0.0
    upfront_errors: list[str] = field(default_factory=list)  # e.g. prompts for unknown images
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_PARTIAL if (self.failed or self.prompt_errors or self.upfront_errors) else EXIT_OK

    def count(self, result: ImageResult) -> None:
        """Keep only short messages, never the result: memory stays flat on long runs."""
        self.images += 1
        self.annotations += len(result.annotations)
        if not result.ok:
            self.failed.append((result.key, result.error))
        self.prompt_errors += [(result.key, m) for m in result.prompt_errors]
        self.warnings += [(result.key, m) for m in result.warnings]


def drive(results: Iterable[ImageResult], total: int, outputs: Outputs, quiet: bool = False,
          label: str = "segmenting", upfront_errors: list[str] | None = None) -> RunSummary:
    """Feed every result to the outputs; Ctrl-C stops early but keeps what is done
    (the outputs are closed, so they write what they hold)."""
    summary = RunSummary(upfront_errors=list(upfront_errors or []))
    start = time.perf_counter()
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn())
    with outputs, Progress(*columns, console=err, disable=quiet, transient=False) as progress:
        task = progress.add_task(label, total=total, rate="")
        try:
            for result in results:
                outputs.add(result)
                summary.count(result)
                elapsed = time.perf_counter() - start
                progress.update(task, advance=1, rate=f"{summary.images / max(elapsed, 1e-9):.2f} img/s")
        except KeyboardInterrupt:
            summary.interrupted = True
    summary.seconds = time.perf_counter() - start
    if not quiet or summary.exit_code != EXIT_OK:
        print_summary(summary, total)
    return summary


def _listed(kind: str, items: list[tuple[str, str]]) -> None:
    for key, message in items[:MAX_LISTED]:
        err.print(f"{kind} {key}: {message}")
    if len(items) > MAX_LISTED:
        err.print(f"{kind} … and {len(items) - MAX_LISTED} more (each is in the output file)")


def print_summary(s: RunSummary, total: int) -> None:
    ok = s.images - len(s.failed)
    rate = s.images / s.seconds if s.seconds > 0 else 0.0
    err.print(f"[bold]{ok}/{total}[/] images done, {len(s.failed)} failed, {s.annotations} masks, "
              f"{len(s.warnings)} warnings, {s.seconds:.1f} s ({rate:.2f} img/s)")
    for msg in s.upfront_errors:
        err.print(f"[red]error[/] {msg}")
    _listed("[red]failed[/]", s.failed)
    _listed("[red]prompt skipped[/]", s.prompt_errors)
    _listed("[yellow]warning[/]", s.warnings)
    if s.interrupted:
        err.print(f"[yellow]interrupted[/]: {s.images} of {total} images were processed and written")
