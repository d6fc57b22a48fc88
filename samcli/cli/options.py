"""Options shared by several commands, declared once."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Optional

import typer

from samcli.ops.polygons import PARTS
from samcli.writers.export import ExportOptions
from samcli.writers.formats import FORMATS
from samcli.writers.formats import HELP as FORMATS_HELP

# Values the parser accepts, listed in --help and in its error (--sod: the built-in sources, checked
# against the registry by the command): torch-free copies of the engine's own lists
# (tests/test_cli_help.py holds them equal), so `--help` starts fast
PRECISIONS = ("auto", "fp32", "fp16", "bf16", "int8")
RUNTIMES = ("auto", "torch", "onnxruntime")
MULTIMASK_MODES = ("auto", "always", "never")
SCORE_MODES = ("detection", "mask", "product")
SALIENCY_SOURCES = ("u2netp", "u2net", "spectral")
PROTOCOLS = ("box", "point", "coco-ap")
FormatName = Literal[FORMATS]

# Apache-2.0, fewest encoder MACs among commercially usable models, fastest of them
# on CPU (benchmarks/bench_encoders.py), and the best published quality per MAC
DEFAULT_MODEL = "efficientvit-sam-l0"

Images = Annotated[str, typer.Argument(
    help="A folder (searched recursively), one image, a text file listing image paths, or - to read that list from stdin.")]
Model = Annotated[str, typer.Option("--model", "-m", metavar="ID", help="Model id (see `samcli models list`).")]
Checkpoint = Annotated[Optional[Path], typer.Option(
    "--checkpoint", "-c", help="Local weights file; skips the cache/download.")]
Offline = Annotated[bool, typer.Option(
    "--offline", help="Never download; fail fast if the weights are not cached (also SAMCLI_OFFLINE=1).")]
Device = Annotated[str, typer.Option("--device", metavar="DEVICE", help="auto | cpu | cuda | cuda:N")]
Precision = Annotated[Literal[PRECISIONS], typer.Option(
    "--precision", help="auto: fp32 on CPU, bf16 on CUDA; int8 (CPU): int8 encoder layers, see the README for speed "
                        "and agreement.")]
Runtime = Annotated[Literal[RUNTIMES], typer.Option(
    "--runtime", envvar="SAMCLI_RUNTIME",
    help="auto: ONNX Runtime on the CPU for the models it runs faster (see the README), else PyTorch; torch; "
         "onnxruntime (CPU; exported once per weights file, cached; needs samcli[onnx]).")]
BatchSize = Annotated[int, typer.Option(
    "--batch-size", "-b", min=1, help="Images per encoder call (raise on a GPU; 1 is best on CPU).")]
Workers = Annotated[Optional[int], typer.Option(
    "--workers", min=1, help="Threads decoding/resizing the next images (default: 2 on CPU, all cores but one on CUDA, at most 16).")]
Out = Annotated[Optional[str], typer.Option(
    "--out", "-o", metavar="FILE", show_default=False,
    help="Output file (a folder for yolo-seg), or - for stdout. Without it: stdout when that is a pipe or a file; "
         "a terminal gets no dataset (exit 2).")]
Format = Annotated[FormatName, typer.Option("--format", "-f", help=FORMATS_HELP)]
SaveMasks = Annotated[Optional[Path], typer.Option(
    "--save-masks", help="Also write each mask as DIR/<image path>/<k>.png (0/255).", file_okay=False)]
SaveOverlays = Annotated[Optional[Path], typer.Option(
    "--save-overlays", help="Also write DIR/<image path>.jpg with the masks drawn, to look at.", file_okay=False)]
Embeddings = Annotated[Optional[Path], typer.Option(
    "--embeddings", metavar="DIR", file_okay=False,
    help="Read image embeddings from DIR (samcli embed, --save-embeddings): an image stored there by the same model, "
         "weights, precision and runtime is not encoded (a DIR made otherwise is refused); the others are.")]
SaveEmbeddings = Annotated[Optional[Path], typer.Option(
    "--save-embeddings", metavar="DIR", file_okay=False,
    help="Also write the embedding of each image this run encodes into DIR, as samcli embed does; with "
         "--embeddings DIR the missing ones are added.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress; summary only on failure.")]
LogEvery = Annotated[float, typer.Option(
    "--log-every", metavar="SECONDS", min=0,
    help="Where stderr is not a terminal (a log file, a fleet job): a progress line every SECONDS (images done, "
         "img/s, ETA, failures), after one at the start; 0: only those two ends.")]
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
    "--shard", metavar="I/N", help="I/N: process only this machine's share of the images (by a hash of each image's key, the "
                    "same on every machine). Combine the N outputs with `samcli merge`.")]
Ray = Annotated[Optional[str], typer.Option(
    "--ray", metavar="ADDRESS", help="Run on a Ray cluster (install samcli[ray]): the address `ray start --head` printed "
                                     "(HOST:6379); auto: RAY_ADDRESS, else this machine's cluster, else a new local "
                                     "one; ray://HOST:10001 for Ray Client. See the README for tokens (RAY_AUTH_MODE).")]
RayActors = Annotated[Optional[int], typer.Option(
    "--ray-actors", min=1, help="Model actors on Ray (one model each) [default: one per GPU; on CPUs, as many as fit]. "
                                "On CPUs each reserves the CPUs of a local run's torch threads (see the README).")]
Verbose = Annotated[bool, typer.Option(
    "--verbose", help="Also show Ray's own log lines (INFO, WARNING, core worker; the workers' output) with --ray.")]

# ---- how masks are written (polygons, Label Studio); shared by segment, everything, salient, convert ----
EXPORT = ExportOptions()  # the defaults
Polygons = Annotated[bool, typer.Option(
    "--polygons", help="coco, coco-results, jsonl: segmentation as a COCO polygon (the mask's outer outline: holes "
                       "are filled) instead of RLE; area and bbox stay the mask's.")]
PolygonParts = Annotated[Literal[PARTS], typer.Option(
    "--polygon-parts", help="Polygons of a mask in several parts: join (one outline through every part, linked by "
                            "zero-width bridges) | largest (the largest part only).")]
MinArea = Annotated[int, typer.Option(
    "--min-area", min=0, help="Polygons (yolo-seg, --polygons, --ls-polygons): leave out parts of a mask smaller "
                              "than this many pixels.")]
LsImageRoot = Annotated[str, typer.Option(
    "--ls-image-root", help="labelstudio: each task's data.image is this + the image's path relative to IMAGES.")]
LsFromName = Annotated[str, typer.Option("--ls-from-name", help="labelstudio: the labels control's name.")]
LsToName = Annotated[str, typer.Option("--ls-to-name", help="labelstudio: the image object's name.")]
LsPolygons = Annotated[bool, typer.Option(
    "--ls-polygons", help="labelstudio: polygonlabels regions (points in percent) instead of brush masks.")]
