"""Drives a stream of ImageResults into the run's outputs with a progress bar,
then reports: a summary on stderr and an exit code that means something."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterable

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from samcli.cli.exit_codes import EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL
from samcli.engine.records import ImageResult
from samcli.writers.outputs import Outputs

# soft_wrap: never break a long path or URL in a message the user may copy
err = Console(stderr=True, highlight=False, soft_wrap=True)


def shown(name: str) -> str:
    """A file name as one readable line: a newline, other control characters and
    bytes that are not UTF-8 are shown as escapes (\\n, \\udce9), as Python writes them."""
    return name if name.isprintable() else repr(name)[1:-1]


#: messages of each kind kept for the summary: a long run's memory stays flat
MAX_LISTED = 20


@dataclass
class Messages:
    """A count, and the first MAX_LISTED (image key, message) pairs."""

    count: int = 0
    first: list[tuple[str, str]] = field(default_factory=list)

    def add(self, key: str, message: str) -> None:
        self.count += 1
        if len(self.first) < MAX_LISTED:
            self.first.append((key, message))

    def print(self, kind: str) -> None:
        for key, message in self.first:
            err.print(f"{kind} {escape(shown(key))}: {escape(message)}")
        if self.count > len(self.first):
            err.print(f"{kind} … and {self.count - len(self.first)} more (each is in the output file)")


@dataclass
class RunSummary:
    total: int = 0  # images this run had to do
    images: int = 0
    annotations: int = 0
    failed: Messages = field(default_factory=Messages)
    prompt_errors: Messages = field(default_factory=Messages)
    warnings: Messages = field(default_factory=Messages)
    seconds: float = 0.0
    upfront_errors: list[str] = field(default_factory=list)  # e.g. prompts for unknown images
    resumed: int = 0  # images finished by earlier runs (journal)
    encoded: int | None = None  # images that went through the encoder in this run
    resumable: bool = True  # a journal keeps the finished work
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_PARTIAL if (self.failed.count or self.prompt_errors.count or self.upfront_errors) else EXIT_OK

    def count(self, result: ImageResult) -> None:
        self.images += 1
        self.annotations += len(result.annotations)
        if not result.ok:
            self.failed.add(result.key, result.error)
        for m in result.prompt_errors:
            self.prompt_errors.add(result.key, m)
        for m in result.warnings:
            self.warnings.add(result.key, m)


def drive(results: Iterable[ImageResult], total: int, outputs: Outputs, quiet: bool = False,
          label: str = "segmenting", summary: RunSummary | None = None) -> RunSummary:
    """Feed every result to the outputs. Ctrl-C (or SIGTERM) stops early; the
    outputs are closed either way, as incomplete when interrupted (files hold
    what is done, the journal stays for --resume)."""
    summary = summary or RunSummary()
    summary.total = total
    start = time.perf_counter()
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err, disable=quiet, transient=False) as progress:
            task = progress.add_task(label, total=total, rate="")
            for result in results:
                outputs.add(result)
                summary.count(result)
                elapsed = time.perf_counter() - start
                progress.update(task, advance=1, rate=f"{summary.images / max(elapsed, 1e-9):.2f} img/s")
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        try:
            outputs.close(complete=not summary.interrupted)
        except KeyboardInterrupt:  # a second Ctrl-C while writing: the journal still holds everything
            summary.interrupted = True
    summary.seconds = time.perf_counter() - start
    return summary


def report(s: RunSummary, quiet: bool = False) -> int:
    """Print the summary (always when something went wrong) → the exit code."""
    if quiet and s.exit_code == EXIT_OK:
        return s.exit_code
    rate = s.images / s.seconds if s.seconds > 0 else 0.0
    resumed = f" (+{s.resumed} from the journal)" if s.resumed else ""
    encoded = f", {s.encoded} encoded" if s.encoded is not None else ""
    err.print(f"[bold]{s.images - s.failed.count}/{s.total}[/] images done{resumed}, {s.failed.count} failed, "
              f"{s.annotations} masks, {s.warnings.count} warnings, {s.seconds:.1f} s ({rate:.2f} img/s{encoded})")
    for msg in s.upfront_errors:
        err.print(f"[red]error[/] {escape(msg)}")
    s.failed.print("[red]failed[/]")
    s.prompt_errors.print("[red]prompt skipped[/]")
    s.warnings.print("[yellow]warning[/]")
    if s.interrupted:
        again = "; rerun the same command with --resume to finish" if s.resumable else ""
        err.print(f"[yellow]interrupted[/]: {s.images} of {s.total} images were processed and written{again}")
    return s.exit_code
