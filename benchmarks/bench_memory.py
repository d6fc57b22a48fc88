"""Flat memory on long runs: `samcli segment` over 2,000 small generated images
with the smallest registered model (fewest parameters), stand-in weights.

Samples the CLI process's RSS when its journal holds 200 and 2,000 images
(/proc), and its peak RSS when it exits (getrusage of the child). Goal:
growth between image 200 and 2,000 < 50 MB, peak < 2 GiB.

    python benchmarks/bench_memory.py [--images 2000] [--model ID] [--boxes 2]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from common import REPO  # noqa: E402
from samcli.models import all_specs, get_spec
from samcli.models.complexity import build_on_meta, parameter_count


def smallest_model() -> str:
    specs = all_specs(kind="promptable")
    return min(specs, key=lambda s: parameter_count(build_on_meta(s))).id


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--model", default=None)
    ap.add_argument("--boxes", type=int, default=2)
    args = ap.parse_args()
    model = args.model or smallest_model()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "images").mkdir()
        rng = np.random.default_rng(0)
        entries = []
        for i in range(args.images):
            name = f"{i:05d}.jpg"
            Image.fromarray(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)).save(root / "images" / name)
            entries.append({"file": name, "prompts": [{"box": [8 + b, 8, 100, 80 - b]} for b in range(args.boxes)]})
        (root / "p.json").write_text(json.dumps({"images": entries}))
        torch.manual_seed(0)
        weights = root / "weights.pt"
        torch.save(get_spec(model).build().state_dict(), weights)  # speed and memory don't depend on values

        out = root / "out.json"
        journal = Path(f"{out}.journal.jsonl")
        cmd = [sys.executable, "-m", "samcli", "segment", str(root / "images"), "-p", str(root / "p.json"),
               "-o", str(out), "-q", "--model", model, "--checkpoint", str(weights), "--device", "cpu"]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(REPO)})
        samples: list[tuple[int, float]] = []  # (images in the journal, RSS MB)
        while proc.poll() is None:
            try:
                done = max(0, journal.read_bytes().count(b"\n") - 1)
                samples.append((done, rss_mb(proc.pid)))
            except (FileNotFoundError, RuntimeError):  # not started yet, or finished
                pass
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode != 0:
        raise SystemExit(f"samcli failed with exit code {proc.returncode}")
    early = next(s for s in samples if s[0] >= min(200, args.images // 10))
    late = max(s for s in samples if s[0] <= args.images)  # the last sample before the output is written
    print(f"model {model}, {args.images} images × {args.boxes} boxes, {seconds:.0f} s ({args.images / seconds:.1f} img/s)")
    print(f"RSS at image {early[0]}: {early[1]:.0f} MB; at image {late[0]}: {late[1]:.0f} MB; "
          f"growth {late[1] - early[1]:+.1f} MB (goal < 50)")
    print(f"peak RSS: {peak:.0f} MB (goal < 2048)")


if __name__ == "__main__":
    main()
