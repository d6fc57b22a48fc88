"""Drives a stream of ImageResults to writers with a progress bar, then prints
a summary and turns the outcome into an exit code."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from samcli.engine.records import ImageResult

# Exit codes (documented in the README)
EXIT_OK = 0  # every image and every prompt succeeded
EXIT_PARTIAL = 1  # finished, but some images or prompt items failed: see the summary
EXIT_USAGE = 2  # bad arguments or unusable input files; nothing was processed
EXIT_MODEL = 3  # the model or its checkpoint could not be loaded
EXIT_INTERNAL = 4  # a bug in samcli: please report it (SAMCLI_DEBUG=1 shows the traceback)
EXIT_INTERRUPTED = 130  # Ctrl-C: results finished so far were written

# soft_wrap: never break a long path or URL in a message the user may copy
err = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class RunSummary:
    images: int = 0
    failed: list[ImageResult] = field(default_factory=list)
    with_prompt_errors: list[ImageResult] = field(default_factory=list)
    annotations: int = 0
    warnings: int = 0
    seconds: float = 0.0
    upfront_errors: list[str] = field(default_factory=list)  # e.g. prompts for unknown images
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_PARTIAL if (self.failed or self.with_prompt_errors or self.upfront_errors) else EXIT_OK


def drive(results: Iterable[ImageResult], total: int, sinks: list[Callable[[ImageResult], None]],
          quiet: bool = False, label: str = "segmenting", upfront_errors: list[str] | None = None) -> RunSummary:
    """Feed every result to every sink; Ctrl-C stops early but keeps what is done
    (the caller's writers flush on exit)."""
    summary = RunSummary(upfront_errors=list(upfront_errors or []))
    start = time.perf_counter()
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, disable=quiet, transient=False) as progress:
        task = progress.add_task(label, total=total, rate="")
        try:
            for result in results:
                for sink in sinks:
                    sink(result)
                _count(summary, result)
                elapsed = time.perf_counter() - start
                progress.update(task, advance=1, rate=f"{summary.images / max(elapsed, 1e-9):.2f} img/s")
        except KeyboardInterrupt:
            summary.interrupted = True
    summary.seconds = time.perf_counter() - start
    if not quiet or summary.exit_code != EXIT_OK:
        print_summary(summary, total)
    return summary


def _count(summary: RunSummary, result: ImageResult) -> None:
    summary.images += 1
    summary.annotations += len(result.annotations)
    summary.warnings += len(result.warnings)
    if not result.ok:
        summary.failed.append(result)
    elif result.prompt_errors:
        summary.with_prompt_errors.append(result)


def print_summary(s: RunSummary, total: int) -> None:
    ok = s.images - len(s.failed)
    rate = s.images / s.seconds if s.seconds > 0 else 0.0
    err.print(f"[bold]{ok}/{total}[/] images done, {len(s.failed)} failed, {s.annotations} masks, "
              f"{s.warnings} warnings, {s.seconds:.1f} s ({rate:.2f} img/s)")
    for msg in s.upfront_errors:
        err.print(f"[red]error[/] {msg}")
    for r in s.failed:
        err.print(f"[red]failed[/] {r.file}: {r.error}")
    for r in s.with_prompt_errors:
        for msg in r.prompt_errors:
            err.print(f"[red]prompt skipped[/] {r.file}: {msg}")
    if s.interrupted:
        err.print(f"[yellow]interrupted[/]: {s.images} of {total} images were processed and written")
