"""Prompt decoder time per prompt: this tree vs an earlier revision, same weights.

The earlier revision's `samcli` package is extracted from git and imported
side by side with this one (its model objects keep their own modules), so
both run in one process, interleaved, on the same embedding and prompts.

    python benchmarks/bench_decoder.py [--baseline REV] [--model mobilesam] [--batches 1,2,8,64]

REV defaults to main before the CPU work (1dff42b); `--baseline a631366` keeps
the oneDNN layers and isolates the decoder's image-side sharing and folding.
Also prints the largest difference between the two outputs. On a shared CPU,
`--threads 1` gives steadier numbers.
"""
from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from common import REPO, benchmark_model, header, sample_image  # noqa: E402
from samcli.models.base import PromptTensors

BEFORE_CPU_WORK = "1dff42b"


@contextlib.contextmanager
def samcli_at(rev: str):
    """Import `samcli` as of git revision `rev` inside the block; this tree's
    modules are back in place afterwards."""
    mine = {k: m for k, m in sys.modules.items() if k == "samcli" or k.startswith("samcli.")}
    with tempfile.TemporaryDirectory(prefix="samcli_baseline_") as tmp:
        subprocess.run(f"git -C {REPO} archive {rev} samcli | tar -x -C {tmp}", shell=True, check=True)
        for k in mine:
            del sys.modules[k]
        sys.path.insert(0, tmp)
        try:
            import samcli.models

            yield samcli
        finally:
            sys.path.remove(tmp)
            for k in [k for k in sys.modules if k == "samcli" or k.startswith("samcli.")]:
                del sys.modules[k]
            sys.modules.update(mine)


def box_prompts(n: int, seed: int = 0) -> PromptTensors:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 700, (n, 2))
    wh = rng.uniform(50, 300, (n, 2))
    boxes = torch.from_numpy(np.concatenate([xy, xy + wh], axis=1).astype(np.float32))
    return PromptTensors(torch.zeros(n, dtype=torch.long), boxes=boxes)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", default=BEFORE_CPU_WORK)
    ap.add_argument("--model", default="mobilesam")
    ap.add_argument("--batches", default="1,2,8,64")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch default)")
    args = ap.parse_args()
    torch.set_grad_enabled(False)
    if args.threads:
        torch.set_num_threads(args.threads)
    cpu = torch.device("cpu")

    new = benchmark_model(args.model, cpu)
    with samcli_at(args.baseline) as old_samcli:
        old = old_samcli.models.get_spec(args.model).build()
        head = {k: v for k, v in new.state_dict().items() if not k.startswith("image_encoder.")}
        missing, unexpected = old.load_state_dict(head, strict=False)  # same decoder weights
        assert not unexpected and all(k.startswith("image_encoder.") for k in missing), (missing, unexpected)
        old.eval()
    emb = new.encode(new.prepare_batch([new.preprocess(sample_image())]))

    header(f"decoder ms per prompt, {args.model}, box prompts on one image: {args.baseline} vs this tree", cpu)
    print(f"{'prompts/call':>12s} {'before':>9s} {'after':>9s} {'speed-up':>9s} {'max |d| logits':>15s}")
    for b in (int(v) for v in args.batches.split(",")):
        prompts = box_prompts(b)
        low_old, iou_old = old.decode(emb, prompts)
        low_new, iou_new = new.decode(emb, prompts)
        diff = (low_old - low_new).abs().max().item()
        times: dict[str, list[float]] = {"old": [], "new": []}
        for _ in range(args.repeat):
            for name, model in (("old", old), ("new", new)):
                t = time.perf_counter()
                model.decode(emb, prompts)
                times[name].append((time.perf_counter() - t) / b)
        t_old, t_new = statistics.median(times["old"]), statistics.median(times["new"])
        print(f"{b:12d} {t_old * 1e3:9.2f} {t_new * 1e3:9.2f} {t_old / t_new:8.2f}x {diff:15.2e}")


if __name__ == "__main__":
    main()
