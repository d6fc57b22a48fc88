"""What a run shows while it goes. On a terminal: a live bar (images, img/s,
failures, time left, and the prompts decoded inside the current image). Where
stderr is not a terminal (`2> log`, a fleet job's log), a bar would appear only
at the end, so plain lines instead: one when the work starts, then one every
`--log-every` seconds, whether or not an image finished meanwhile (one image
of `everything` on a CPU can take minutes)."""
from __future__ import annotations

import threading
import time

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from samcli.words import plural

#: seconds between two progress lines in a log, by default
LOG_EVERY = 10.0


def duration(seconds: float) -> str:
    """45 s, 3 min 20 s, 2 h 05 min: how long, at a glance."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class RunProgress:
    """`with RunProgress(...) as shown:` around the loop over results; `image_done`
    after each, `prompts` from the engine (see engine.progress) while it works."""

    def __init__(self, console: Console, label: str, total: int, *, resumed: int = 0, quiet: bool = False,
                 log_every: float = LOG_EVERY) -> None:
        self.console, self.label, self.total, self.resumed = console, label, total, resumed
        self.log_every = log_every
        self.logging = not quiet and not console.is_terminal
        self.images = self.failed = 0
        self.inner: tuple[int, int] | None = None  # prompts decoded, planned, in the current image(s)
        self.started = time.perf_counter()
        self._bar = None if quiet or self.logging else Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[inner]}"),
            console=console, transient=False)
        self._task = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # ---- what happened ----
    def image_done(self, failed: bool) -> None:
        self.images += 1
        self.failed += failed
        self.inner = None
        self._refresh(advance=1)

    def prompts(self, done: int, planned: int) -> None:
        """The engine's listener: prompts decoded so far in the images it holds."""
        self.inner = (done, planned)
        self._refresh()

    # ---- what is shown ----
    def rate(self) -> float:
        return self.images / max(time.perf_counter() - self.started, 1e-9)

    def line(self) -> str:
        """One plain progress line, as written to a log."""
        done = f"{self.images}/{self.total} images ({100 * self.images / max(self.total, 1):.0f}%)"
        rate = self.rate()
        left = self.total - self.images
        eta = duration(left / rate) if rate > 0 else "unknown"
        text = f"{self.label}: {done}, {rate:.2f} img/s, ETA {eta}, {self.failed} failed"
        if self.inner is not None and self.images < self.total:
            text += f"; image {self.images + 1}: {self.inner[0]}/{self.inner[1]} prompts decoded"
        return text

    def _fields(self) -> dict:
        failed = f", {self.failed} failed" if self.failed else ""
        inner = f"image {self.images + 1}: {self.inner[0]}/{self.inner[1]} prompts" if self.inner else ""
        return {"rate": f"{self.rate():.2f} img/s{failed}", "inner": inner}

    def _refresh(self, advance: int = 0) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, advance=advance, **self._fields())

    # ---- start and stop ----
    def __enter__(self) -> "RunProgress":
        self.started = time.perf_counter()
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total, **self._fields())
        elif self.logging:
            before = f" (+{self.resumed} done in the journal)" if self.resumed else ""
            every = f"; a progress line every {self.log_every:g} s" if self.log_every > 0 else ""
            self.console.print(escape(f"{self.label}: starting, {plural(self.total, 'image')} to do{before}{every}"))
            if self.log_every > 0:
                self._ticker = threading.Thread(target=self._tick, name="samcli-progress", daemon=True)
                self._ticker.start()
        return self

    def _tick(self) -> None:
        while not self._stop.wait(self.log_every):
            self.console.print(escape(self.line()))

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self._bar is not None:
            self._bar.stop()
