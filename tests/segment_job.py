"""A small `segment` job for the fake disc model (no fixtures needed), and the
helpers to run it as separate processes: started in the background, watched
through its journal, killed, run again. Used by the resume and lock tests."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from tests.cli_helpers import FAKE_ENV, REPO, samcli_fake
from tests.fake_models import write_checkpoint


@dataclass
class SegmentJob:
    images: Path
    prompts: Path
    checkpoint: Path

    def args(self, out: Path, *extra, quiet: bool = True) -> list:
        return ["segment", self.images, "-p", self.prompts, "-o", out, *(["-q"] if quiet else []), *extra]

    def run(self, args: list, env: dict | None = None) -> subprocess.CompletedProcess:
        return samcli_fake(*args, checkpoint=self.checkpoint, env=env)

    def start(self, args: list, env: dict | None = None, stdout=subprocess.DEVNULL) -> subprocess.Popen:
        """In the background; stderr is piped (read it once the process ended)."""
        full = {**os.environ, "PYTHONPATH": str(REPO), "SAMCLI_OFFLINE": "1", **FAKE_ENV, **(env or {})}
        cmd = [sys.executable, "-m", "samcli", *map(str, args), "--model", "disc", "--checkpoint", str(self.checkpoint)]
        return subprocess.Popen(cmd, env=full, cwd=REPO, stdout=stdout, stderr=subprocess.PIPE)


def make_segment_job(root: Path, count: int) -> SegmentJob:
    """`count` small noise photos, two boxes each, and the disc model's weights."""
    images = root / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    entries = []
    for i in range(count):
        name = f"img{i:02d}.png"
        Image.fromarray(rng.integers(0, 255, (48 + i, 64, 3), dtype=np.uint8)).save(images / name)
        entries.append({"file": name, "prompts": [{"box": [4, 4, 30, 30]}, {"box": [20, 10, 60, 40 + i]}]})
    prompts = root / "prompts.json"
    prompts.write_text(json.dumps({"images": entries}))
    return SegmentJob(images, prompts, write_checkpoint(root / "disc.pt"))


def records(journal: Path) -> int:
    """Complete image records in a journal (its first line is the header)."""
    if not journal.exists():
        return 0
    return max(0, journal.read_bytes().count(b"\n") - 1)


def wait_for_records(proc: subprocess.Popen, journal: Path, at_least: int, timeout: float = 120) -> int:
    deadline = time.monotonic() + timeout
    while records(journal) < at_least:
        assert proc.poll() is None, f"finished too early: {proc.stderr.read().decode()}"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.02)
    return records(journal)


def kill_when(proc: subprocess.Popen, journal: Path, at_least: int, timeout: float = 120) -> int:
    wait_for_records(proc, journal, at_least, timeout)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return records(journal)


def encodes(log: Path) -> int:
    """How many images the fake encoder encoded (SAMCLI_FAKE_ENCODE_LOG: a line per image)."""
    return len(log.read_text().splitlines()) if log.exists() else 0
