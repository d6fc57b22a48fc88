"""A re-run that reads stored embeddings (`segment --embeddings DIR`: the prompt
decoder only) vs the full run (encoder and decoder), whole processes, on the
sample data (sample_data/images + sample_data/prompts/prompts.json) with the
parity fixture's deterministic weights.

Setup (once, in --work): the checkpoint, `samcli embed` of the sample images,
and one run of each command (ONNX Runtime's cached files are built on first
use; the timed runs are steady state). Both outputs are checked equal. Then the
two commands alternate, A B A B, after a warm-up; medians and the per-pair ratio
full / re-run are printed (per pair: steadier on a shared CPU).

    python benchmarks/bench_embeddings_rerun.py --model efficientvit-sam-l0 [--runtime auto] [--repeat 5]
    python benchmarks/bench_embeddings_rerun.py --model mobilesam --print-commands   # for an external timer
"""
from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

from bench_vs_ort_loop import offline_env, paired, spread
from common import REPO  # noqa: E402
from tests.parity import write_checkpoint

SAMPLES = REPO / "sample_data"


def prepare(model_id: str, runtime: str, work: Path, env: dict) -> tuple[list[str], list[str]]:
    """→ (the re-run's command, the full run's command), with what they need in `work`."""
    from samcli.models import get_spec

    work.mkdir(parents=True, exist_ok=True)
    fixture = get_spec(model_id).parity
    checkpoint = work / f"{fixture}.pt"
    if not checkpoint.is_file():
        write_checkpoint(fixture, checkpoint)
    samcli = [sys.executable, "-m", "samcli"]
    model = ["--model", model_id, "--checkpoint", str(checkpoint), "--runtime", runtime, "--quiet"]
    subprocess.run([*samcli, "embed", str(SAMPLES / "images"), "--out", str(work / "embeddings"), *model],
                   check=True, env=env, cwd=REPO)
    segment = [*samcli, "segment", str(SAMPLES / "images"), "--prompts", str(SAMPLES / "prompts" / "prompts.json"),
               *model]
    rerun = [*segment, "--embeddings", str(work / "embeddings"), "--out", str(work / "rerun.json")]
    full = [*segment, "--out", str(work / "full.json")]
    for command in (rerun, full):
        subprocess.run(command, check=True, env=env, cwd=REPO)
    if (work / "rerun.json").read_bytes() != (work / "full.json").read_bytes():
        raise SystemExit("the re-run's output differs from the full run's")
    return rerun, full


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="efficientvit-sam-l0")
    parser.add_argument("--runtime", default="auto", choices=("auto", "torch", "onnxruntime"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/samcli-embeddings-rerun"))
    parser.add_argument("--print-commands", action="store_true", help="Prepare, print both commands and stop.")
    args = parser.parse_args()
    work = args.work / f"{args.model}-{args.runtime}"
    env = offline_env(work / "home")
    rerun, full = prepare(args.model, args.runtime, work, env)
    if args.print_commands:
        prefix = ["env", f"SAMCLI_HOME={env['SAMCLI_HOME']}", "SAMCLI_OFFLINE=1", f"PYTHONPATH={REPO}"]
        print("re-run:", shlex.join(prefix + rerun))
        print("full:  ", shlex.join(prefix + full))
        return
    full_s, rerun_s, ratios = paired(full, rerun, env, args.repeat)
    print(f"{args.model} ({args.runtime}): full {full_s:.2f} s, re-run with "
          f"--embeddings {rerun_s:.2f} s (medians of {args.repeat}); full / re-run "
          f"per pair: {spread(ratios, 2)}")


if __name__ == "__main__":
    main()
