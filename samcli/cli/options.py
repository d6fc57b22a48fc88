"""Options shared by several commands, declared once."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

# Apache-2.0, fewest encoder MACs among commercially usable models, fastest of them
# on CPU (benchmarks/bench_encoders.py), and the best published quality per MAC
DEFAULT_MODEL = "efficientvit-sam-l0"

Images = Annotated[str, typer.Argument(
    help="A folder (searched recursively), one image, a text file listing image paths, or - to read that list from stdin.")]
Model = Annotated[str, typer.Option("--model", "-m", help="Model id (see `samcli models list`).")]
Checkpoint = Annotated[Optional[Path], typer.Option(
    "--checkpoint", "-c", help="Local weights file; skips the cache/download.", dir_okay=False)]
Offline = Annotated[bool, typer.Option(
    "--offline", help="Never download; fail fast if the weights are not cached (also SAMCLI_OFFLINE=1).")]
Device = Annotated[str, typer.Option("--device", help="auto | cpu | cuda | cuda:N")]
Precision = Annotated[str, typer.Option(
    "--precision", help="auto (fp32 on CPU, bf16 on CUDA) | fp32 | fp16 | bf16 | int8 (CPU: int8 encoder layers, "
                        "see the README for speed and agreement)")]
Runtime = Annotated[str, typer.Option(
    "--runtime", envvar="SAMCLI_RUNTIME",
    help="auto: ONNX Runtime on the CPU for the models it runs faster (see the README), else PyTorch | torch | "
         "onnxruntime (CPU; exported once per weights file, cached; needs samcli[onnx]).")]
BatchSize = Annotated[int, typer.Option(
    "--batch-size", "-b", min=1, help="Images per encoder call (raise on a GPU; 1 is best on CPU).")]
Workers = Annotated[Optional[int], typer.Option(
    "--workers", min=1, help="Threads decoding/resizing the next images (default: 2 on CPU, all cores but one on CUDA, at most 16).")]
Out = Annotated[str, typer.Option("--out", "-o", help="Output file, or - for stdout.")]
Format = Annotated[str, typer.Option("--format", "-f", help="coco (dataset JSON) | coco-results (list for COCO.loadRes) | jsonl (a line per image, streamed)")]
SaveMasks = Annotated[Optional[Path], typer.Option(
    "--save-masks", help="Also write each mask as DIR/<image path>/<k>.png (0/255).", file_okay=False)]
SaveOverlays = Annotated[Optional[Path], typer.Option(
    "--save-overlays", help="Also write DIR/<image path>.jpg with the masks drawn, to look at.", file_okay=False)]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar; summary only on failure.")]
Stats = Annotated[bool, typer.Option(
    "--stats", help="Add per-image counters (prompts decoded, per round for --hierarchical; masks per stage) "
                    "and seconds per stage to the output.")]

# ---- large jobs: resume, shards, Ray (shared by segment, everything, salient) ----
Resume = Annotated[bool, typer.Option(
    "--resume", help="Continue an interrupted run: images already in the journal (<out>.journal.jsonl) are "
                     "skipped, never encoded again. Refused if the journal was written with other settings.")]
KeepJournal = Annotated[bool, typer.Option(
    "--keep-journal", help="Keep <out>.journal.jsonl after the output is written (it is removed by default).")]
Shard = Annotated[Optional[str], typer.Option(
    "--shard", help="I/N: process only this machine's share of the images (by a hash of each image's key, the "
                    "same on every machine). Combine the N outputs with `samcli merge`.")]
Ray = Annotated[Optional[str], typer.Option(
    "--ray", help="Run on a Ray cluster (install samcli[ray]): 'auto' joins the cluster this machine belongs "
                  "to or starts a local one; or a cluster address such as ray://head:10001.")]
RayActors = Annotated[Optional[int], typer.Option(
    "--ray-actors", min=1, help="Model actors on Ray (one model each) [default: one per GPU, or per 2 CPUs].")]
