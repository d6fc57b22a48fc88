"""`samcli segment` (default runtime) vs a plain ONNX Runtime loop over the same
exported model, whole processes, file → RLE JSON: the shared photos × 8 boxes.

Setup (once, in --work): the parity fixture's deterministic checkpoint,
`samcli export onnx` of it (the loop's files), a samcli prompt file with 8
seeded boxes per photo, and one samcli run so its runtime files are cached
(first use builds them; the timed runs are steady state, as for a user's second
job). Then the two commands alternate, A B A B, after a warm-up; medians and the
per-pair ratio samcli / loop are printed (per pair: steadier on a shared CPU).

    python benchmarks/bench_vs_ort_loop.py --model mobilesam [--repeat 5] [--work /tmp/ortloop]
    python benchmarks/bench_vs_ort_loop.py --model mobilesam --print-commands   # for an external timer
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import REPO, box_prompts  # noqa: E402
from tests.parity import IMAGES_DIR, write_checkpoint

BOXES_PER_IMAGE = 8


def prepare(model_id: str, fixture: str, work: Path, copies: int = 1) -> tuple[list[str], list[str]]:
    """→ (samcli's command, the loop's command), with every file they need in `work`.
    `copies` > 1: a longer job, the photos linked that many times under other names."""
    from PIL import Image

    work.mkdir(parents=True, exist_ok=True)
    photos = work / "photos"
    photos.mkdir(exist_ok=True)
    for path in sorted(p for p in IMAGES_DIR.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png")):
        for c in range(copies):
            link = photos / f"{path.stem}_{c}{path.suffix}"
            if not link.exists():
                link.symlink_to(path)
    env_home = work / "home"
    checkpoint = work / f"{fixture}.pt"
    if not checkpoint.is_file():
        write_checkpoint(fixture, checkpoint)
    prompts = work / "prompts.json"
    images = sorted(photos.iterdir())
    items = []
    for i, path in enumerate(images):
        w, h = Image.open(path).size
        items.append({"file": path.name, "prompts": [{"box": [round(float(v), 1) for v in box]}
                                                     for box in box_prompts(w, h, BOXES_PER_IMAGE, seed=i % 5)]})
    prompts.write_text(json.dumps({"images": items}))
    exported = work / "exported"
    samcli = [sys.executable, "-m", "samcli"]
    env = offline_env(env_home)
    if not (exported / f"{model_id}.json").is_file():
        subprocess.run([*samcli, "export", "onnx", "--model", model_id, "--checkpoint", str(checkpoint), "--out",
                        str(exported), "--quiet"], check=True, env=env, cwd=REPO)
    ours = [*samcli, "segment", str(photos), "--prompts", str(prompts), "--model", model_id, "--checkpoint",
            str(checkpoint), "--out", str(work / "samcli.json"), "--quiet"]
    subprocess.run(ours, check=True, env=env, cwd=REPO)  # builds and caches samcli's runtime files
    # an installed samcli has its bytecode compiled (pip does it); a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module on each start, the loop's libraries not
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "samcli")], check=True)
    loop = [sys.executable, str(REPO / "benchmarks" / "ort_loop.py"), str(exported), model_id, str(photos),
            str(prompts), str(work / "loop.json")]
    return ours, loop


def offline_env(home: Path) -> dict:
    """The environment of a timed samcli: its own cache, offline, this checkout."""
    return {**os.environ, "SAMCLI_HOME": str(home), "SAMCLI_OFFLINE": "1", "PYTHONPATH": str(REPO)}


def spread(ratios: list[float], digits: int = 3) -> str:
    return f"median {statistics.median(ratios):.{digits}f}, min {min(ratios):.{digits}f}, max {max(ratios):.{digits}f}"


def wall(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, cwd=REPO, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def paired(a: list[str], b: list[str], env: dict, repeat: int) -> tuple[float, float, list[float]]:
    """A and B in turn, after one warm-up of each: (median A s, median B s, A / B per pair)."""
    wall(a, env), wall(b, env)  # warm-up: file caches
    pairs = [(wall(a, env), wall(b, env)) for _ in range(repeat)]
    return (statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs),
            [x / y for x, y in pairs])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="mobilesam")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/samcli-vs-ort-loop"))
    parser.add_argument("--copies", type=int, default=1, help="Each photo this many times (a longer job).")
    parser.add_argument("--print-commands", action="store_true", help="Prepare, print both commands and stop.")
    args = parser.parse_args()
    from samcli.models import get_spec

    fixture = get_spec(args.model).parity
    work = args.work / f"{args.model}-x{args.copies}"
    ours, loop = prepare(args.model, fixture, work, args.copies)
    env = offline_env(work / "home")
    if args.print_commands:
        print(f"export SAMCLI_HOME={shlex.quote(env['SAMCLI_HOME'])} SAMCLI_OFFLINE=1 PYTHONPATH={REPO}")
        print("samcli:", shlex.join(ours))
        print("loop:  ", shlex.join(loop))
        return
    a, b, ratios = paired(ours, loop, env, args.repeat)
    print(f"{args.model}: samcli {a:.2f} s, ONNX Runtime loop {b:.2f} s "
          f"(medians of {args.repeat}); samcli / loop per pair: {spread(ratios)}")


if __name__ == "__main__":
    main()
