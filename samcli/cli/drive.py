"""Drives a stream of ImageResults into the run's outputs with a progress bar,
then reports: a summary on stderr and an exit code that means something.

How a run ends: finished (outputs written, exit 0 or 1: an image that failed
is listed and recorded as failed, and the run went on); interrupted (Ctrl-C,
SIGTERM: what is done is written, the journal stays, exit 130); or stopped by
a fault no single image explains (an output that cannot be written, a bug):
the journal stays, NO results file is written (it would look complete), and
the exit code says which fault (`fault_exit_code`)."""
from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field
from typing import Iterable

from rich.console import Console
from rich.markup import escape

from samcli.cli.exit_codes import (EXIT_CLUSTER, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_IO_FAULT, EXIT_MODEL, EXIT_OK,
                                   EXIT_PARTIAL, EXIT_USAGE)
from samcli.cli.progress import RunProgress
from samcli.engine.records import ImageResult
from samcli.errors import CheckpointError, SamcliError, describe
from samcli.words import plural
from samcli.writers.outputs import Outputs
from samcli.writers.stdout import StdoutFailed

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
class OutputCounts:
    """The whole output of a resumed run: this run's images and earlier runs' (journal)."""

    images: int
    failed: int
    masks: int
    earlier: int  # images finished by earlier runs


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
    run_warnings: list[str] = field(default_factory=list)  # about the whole run, printed once at its start
    resumed: int = 0  # images finished by earlier runs (journal)
    encoded: int | None = None  # images that went through the encoder in this run
    embeddings_read: int | None = None  # images whose embedding was read from --embeddings instead
    resumable: bool = True  # a journal keeps the finished work
    journal: str | None = None  # where, for messages
    interrupted: bool = False
    fault: Exception | None = None  # what stopped the run
    output: OutputCounts | None = None  # after --resume: the whole output, earlier runs included

    @property
    def exit_code(self) -> int:
        if self.fault is not None:
            return fault_exit_code(self.fault)
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_PARTIAL if (self.failed.count or self.prompt_errors.count or self.upfront_errors) else EXIT_OK

    def count(self, result: ImageResult) -> None:
        self.images += 1
        self.annotations += len(result.annotations)
        if result.stats.get("embedding") == "read":  # set where --embeddings is given, here or on Ray
            self.embeddings_read = (self.embeddings_read or 0) + 1
        if not result.ok:
            self.failed.add(result.key, result.error)
        for m in result.prompt_errors:
            self.prompt_errors.add(result.key, m)
        for m in result.warnings:
            self.warnings.add(result.key, m)


def fault_exit_code(exc: Exception) -> int:
    """A fault that stopped the run → its exit code."""
    if isinstance(exc, CheckpointError):  # e.g. a Ray worker could not load the weights
        return EXIT_MODEL
    if isinstance(exc, SamcliError):
        return EXIT_USAGE
    if isinstance(exc, OSError):  # disk full, quota, file-size limit, I/O error
        return EXIT_IO_FAULT
    if cluster_fault(exc):
        return EXIT_CLUSTER
    return EXIT_INTERNAL


def cluster_fault(exc: Exception) -> bool:
    """Ray's own failures (a node, actor or worker died, an object was lost), told by
    class name so that ray is never imported here; not RayTaskError, which carries an
    exception our own code raised in a task (a bug, or a fault of its own)."""
    names = {f"{c.__module__}.{c.__qualname__}" for c in type(exc).__mro__}
    return "ray.exceptions.RayError" in names and "ray.exceptions.RayTaskError" not in names


def drive(results: Iterable[ImageResult], total: int, outputs: Outputs, quiet: bool = False,
          label: str = "segmenting", summary: RunSummary | None = None, shown: RunProgress | None = None) -> RunSummary:
    """Feed every result to the outputs, then close them (see the module doc for how
    a run ends), showing progress (`shown`, made here if not given). Never raises for
    a fault: it is in `summary.fault`."""
    summary = summary or RunSummary()
    summary.total = total
    start = time.perf_counter()
    shown = shown or RunProgress(err, label, total, resumed=summary.resumed, quiet=quiet)
    try:
        with shown:
            for result in results:
                outputs.add(result)
                summary.count(result)
                shown.image_done(failed=not result.ok)
    except KeyboardInterrupt:
        summary.interrupted = True
    except StdoutFailed:  # ends the process as `samcli.cli.main` says (quiet on a closed pipe)
        outputs.abandon()
        raise
    except Exception as exc:  # the run cannot go on
        summary.fault = exc
    except BaseException:  # e.g. SystemExit: keep the journal, write nothing
        outputs.abandon()
        raise
    _finish(outputs, summary)
    summary.seconds = time.perf_counter() - start
    return summary


def _finish(outputs: Outputs, summary: RunSummary) -> None:
    if summary.fault is None:
        try:
            outputs.close(complete=not summary.interrupted)
            return
        except KeyboardInterrupt:  # a second Ctrl-C while writing: the journal still holds everything
            summary.interrupted = True
            return
        except StdoutFailed:
            outputs.abandon()
            raise
        except Exception as exc:  # e.g. the disk filled up while writing the results file
            summary.fault = exc
    outputs.abandon()


def report_fault(s: RunSummary, label: str = "") -> None:
    """What stopped the run, what is kept, and how to go on."""
    who = f"{escape(label)}: " if label else ""
    code = s.exit_code
    err.print(f"[red]{'internal error' if code == EXIT_INTERNAL else 'error'}:[/] {who}{escape(describe(s.fault))}")
    if os.environ.get("SAMCLI_DEBUG"):
        err.print("".join(traceback.format_exception(s.fault)), markup=False)
    elif code == EXIT_INTERNAL:
        err.print("this is a bug in samcli: please report it (SAMCLI_DEBUG=1 shows the traceback)")
    stopped = f"the run stopped after {s.images} of {plural(s.total, 'image')}"
    if not s.resumable:
        err.print(f"{stopped}; nothing could be kept (no journal): rerun the command")
        return
    where = f" ({escape(s.journal)})" if s.journal else ""
    fix = {EXIT_IO_FAULT: "free some space or fix the disk, then rerun",
           EXIT_CLUSTER: "check the cluster (`ray status`), then rerun"}.get(code, "rerun")
    err.print(f"{stopped}; finished images are kept in the journal{where} and no results file was written: "
              f"{fix} the same command with --resume to do only what is missing")


def report(s: RunSummary, quiet: bool = False) -> int:
    """Print the summary (always when something went wrong) → the exit code."""
    if quiet and s.exit_code == EXIT_OK:
        return s.exit_code
    rate = s.images / s.seconds if s.seconds > 0 else 0.0
    encoded = f", {s.encoded} encoded" if s.encoded is not None else ""
    if s.embeddings_read is not None:
        encoded += f", {s.embeddings_read} read from --embeddings"
    warnings = s.warnings.count + len(s.run_warnings)
    this_run = "this run: " if s.output is not None else ""
    err.print(f"{this_run}[bold]{s.images - s.failed.count}/{s.total}[/] images done, {s.failed.count} failed, "
              f"{plural(s.annotations, 'mask')}, {plural(warnings, 'warning')}, {s.seconds:.1f} s "
              f"({rate:.2f} img/s{encoded})")
    if s.output is not None:
        o = s.output
        err.print(f"whole output: [bold]{o.images - o.failed}/{o.images}[/] images done, {o.failed} failed, "
                  f"{plural(o.masks, 'mask')} ({plural(o.earlier, 'image')} from earlier runs, in the journal)")
    for msg in s.upfront_errors:
        err.print(f"[red]error[/] {escape(msg)}")
    s.failed.print("[red]failed[/]")
    s.prompt_errors.print("[red]prompt skipped[/]")
    s.warnings.print("[yellow]warning[/]")
    if s.fault is not None:
        report_fault(s)
    elif s.interrupted:
        again = "; rerun the same command with --resume to finish" if s.resumable else ""
        err.print(f"[yellow]interrupted[/]: {s.images} of {plural(s.total, 'image')} processed and written{again}")
    elif s.failed.count and s.resumable:
        where = f" ({escape(s.journal)})" if s.journal else ""
        err.print(f"the journal{where} is kept: fix the cause, then rerun the same command with --resume "
                  "to do only the failed images again")
    return s.exit_code
