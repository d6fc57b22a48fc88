"""The GPU check of issue #9, driven by benchmarks/gpu_check.sh (read that first).

    gpu_check.py pack DIR [--parity-dir D] [--no-wheel]   # here: what the device run needs
    gpu_check.py run --carry DIR --out FILE [--dry-run]   # there: parity, syncs, throughput → one JSON

`run` does, in this order, saving the JSON after every row (a run cut short
keeps what it measured), then prints the tables:
  (a) parity: each promptable model with a pipeline golden runs the golden's
      prompts through the segment engine on the device, fp32 and bf16, from
      deterministic-weights checkpoints; mask IoU and score error per model.
      fp32 must meet the CPU tests' tolerance (tests/test_cli_parity_all_models.py);
      bf16 is reported.
  (b) syncs: where the segment path makes the host wait for the GPU in one
      encoder batch (torch's sync debug mode, attributed to the samcli line that
      asked): the stage boundaries are expected, anything else is a hidden sync.
  (c) throughput: `samcli bench` (samcli.bench.run_bench) for each model at each
      batch size, K box prompts per image, then variants of one model (fp32,
      2 loader workers, prompt batch 256, channels-last, torch.compile) while
      the time budget lasts.
`--dry-run`: the same code on the CPU with tiny sizes (a test runs it).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

#: fp32 on the device must meet what the CPU tests demand (tests/test_cli_parity_all_models.py)
FP32_MIN_IOU = 0.98
FP32_SCORE_ATOL = 1e-3
IMAGE = "dog.jpg"  # the pipeline goldens' photo


@dataclass(frozen=True)
class Plan:
    device: str
    parity_models: tuple[str, ...]  # model ids of tests/test_cli_parity_all_models.CASES
    precisions: tuple[str, ...]
    bench_models: tuple[str, ...]
    batch_sizes: tuple[int, ...]
    prompts_per_image: int
    image_size: tuple[int, int]
    min_images: int  # timed images per run, at least `min_batches` encoder batches
    min_batches: int
    #: (model, batch size, {variant: BenchOptions overrides}) timed after the sweep, while time allows
    variants: tuple[str, int, dict]
    sync_models: tuple[str, ...]  # watched for host syncs, one batch of `sync_batch` images each
    sync_batch: int
    budget_s: float = 240.0  # then only what fits: a call of under 5 minutes


def full_plan(parity_models: tuple[str, ...]) -> Plan:
    return Plan("cuda", parity_models, ("fp32", "bf16"),
                ("efficientvit-sam-l0", "mobilesam", "edgesam", "efficientvit-sam-xl1"), (1, 8, 32, 64),
                prompts_per_image=8, image_size=(640, 480), min_images=64, min_batches=2,
                variants=("efficientvit-sam-l0", 32, {"fp32": {"precision": "fp32"}, "2 workers": {"workers": 2},
                                                      "prompt batch 256": {"prompt_batch": 256},
                                                      "channels-last": {"channels_last": True},
                                                      "compile": {"compile": True}}),
                sync_models=("mobilesam", "efficientsam-ti", "edgesam"), sync_batch=4)


def dry_plan() -> Plan:
    return Plan("cpu", ("efficientvit-sam-l0",), ("fp32", "bf16"), ("edgesam",), (1, 2),
                prompts_per_image=2, image_size=(320, 240), min_images=2, min_batches=1,
                variants=("edgesam", 2, {"channels-last": {"channels_last": True}}),
                sync_models=("edgesam",), sync_batch=1, budget_s=120.0)


# ---- pack (here) -----------------------------------------------------------------

def pack(dest: Path, parity_dir: Path, wheel: bool = True) -> dict:
    """Copy what `run` needs: per fixture keys.json, int_buffers.npz and the golden's
    pipe/* arrays; the goldens' photo; the pycocotools wheel for Python 3.12."""
    import numpy as np

    from tests.test_cli_parity_all_models import CASES

    dest.mkdir(parents=True, exist_ok=True)
    ensure_ignored(dest)
    for fixture in sorted({fixture for fixture, _, _ in CASES.values()}):
        src, out = parity_dir / fixture, dest / "parity" / fixture
        if not (src / "golden.npz").is_file():
            raise SystemExit(f"pack: {src}/golden.npz not found (parity fixtures at {parity_dir}?)")
        out.mkdir(parents=True, exist_ok=True)
        for name in ("keys.json", "int_buffers.npz"):
            if (src / name).is_file():
                shutil.copyfile(src / name, out / name)
        with np.load(src / "golden.npz", allow_pickle=False) as g:
            np.savez_compressed(out / "golden.npz", **{k: g[k] for k in g.files if k.startswith("pipe/")})
    (dest / "images").mkdir(exist_ok=True)
    shutil.copyfile(parity_dir.parent / "images" / IMAGE, dest / "images" / IMAGE)
    if wheel:
        download_wheel(dest / "whl")
    sizes = {"carry_mib": folder_mib(dest), "repo_tracked_mib": tracked_mib(REPO)}
    print(f"packed {dest}: {sizes['carry_mib']:.1f} MiB (+ {sizes['repo_tracked_mib']:.1f} MiB of tracked files "
          "travel with it; the limit is 64 MiB)")
    return sizes


def download_wheel(folder: Path) -> None:
    """pycocotools (the version installed here) as a CPython 3.12 manylinux wheel: the device has none."""
    from importlib.metadata import version

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("pycocotools-*.whl"):
        old.unlink()
    platforms = [a for p in ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64",
                             "manylinux2014_x86_64", "manylinux1_x86_64") for a in ("--platform", p)]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "--python-version", "3.12", "--implementation", "cp", *platforms, "-d", str(folder),
                    f"pycocotools=={version('pycocotools')}"], check=True)


def ensure_ignored(path: Path) -> None:
    """A pack inside a git checkout must not show up as untracked files (nor be
    committed): add it to the checkout's .git/info/exclude unless already ignored."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=path, capture_output=True, text=True)

    top = git("rev-parse", "--show-toplevel")
    if top.returncode != 0:
        return
    root = Path(top.stdout.strip()).resolve()
    rel = path.resolve().relative_to(root).as_posix()
    if git("-C", str(root), "check-ignore", "-q", rel + "/").returncode == 0:
        return
    exclude = Path(git("rev-parse", "--path-format=absolute", "--git-path", "info/exclude").stdout.strip())
    exclude.parent.mkdir(parents=True, exist_ok=True)
    with open(exclude, "a", encoding="utf-8") as f:
        f.write(f"/{rel}/\n")


def folder_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def tracked_mib(repo: Path) -> float:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=repo, capture_output=True, text=True)
    files = [repo / name for name in listed.stdout.split("\0") if name]
    return sum(p.stat().st_size for p in files if p.is_file()) / 2**20


# ---- run (there) -----------------------------------------------------------------

class Report:
    """The one JSON file, rewritten after every row."""

    def __init__(self, path: Path, plan: Plan, dry_run: bool) -> None:
        import torch

        self.path, self.started = path, time.perf_counter()
        cuda = plan.device == "cuda" and torch.cuda.is_available()
        self.doc = {"kind": "samcli gpu_check", "dry_run": dry_run, "ok": False,
                    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                    "host": {"python": platform.python_version(), "torch": torch.__version__,
                             "cuda": torch.version.cuda, "gpu": torch.cuda.get_device_name(0) if cuda else None,
                             "cpu_count": os.cpu_count(), "pycocotools": _version("pycocotools")},
                    "plan": {k: v for k, v in plan.__dict__.items()}, "parity": [], "syncs": [], "bench": [],
                    "seconds": 0.0}

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def add(self, section: str, row: dict) -> None:
        self.doc[section].append(row)
        self.save()

    def save(self) -> None:
        self.doc["seconds"] = round(self.elapsed(), 1)
        self.doc["ok"] = (bool(self.doc["parity"]) and all(r.get("pass") is not False for r in self.doc["parity"])
                          and not any("error" in r for r in self.doc["bench"]))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.doc, indent=1))
        os.replace(tmp, self.path)


def _version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def parity_section(plan: Plan, carry: Path, report: Report, tmp: Path) -> None:
    os.environ["SAMCLI_PARITY_DIR"] = str(carry / "parity")  # read by tests.parity at import
    from samcli.engine.pipeline import Job, PipelineOptions
    from samcli.engine.segment import Segmenter
    from samcli.io.images import ImageRef
    from samcli.models import load_model
    from samcli.ops import rle
    from tests import parity
    from tests.pipeline_goldens import expected_prompts
    from tests.test_cli_parity_all_models import CASES

    for model_id in plan.parity_models:
        fixture, pick, sets = CASES[model_id]
        try:
            cases = expected_prompts(parity.golden(fixture), pick, sets)
            model = load_model(model_id, checkpoint=parity.write_checkpoint(fixture, tmp / f"{fixture}.pt"),
                               offline=True, progress=False)
        except Exception as exc:  # noqa: BLE001  one model's failure is a row, not the end of the check
            report.add("parity", {"model": model_id, "fixture": fixture, "pass": False, "error": _err(exc)})
            continue
        job = Job(ImageRef(parity.IMAGES_DIR / IMAGE, IMAGE), [p for p, _, _ in cases])
        for precision in plan.precisions:
            row = {"model": model_id, "fixture": fixture, "precision": precision, "device": plan.device}
            started = time.perf_counter()
            try:
                (result,) = Segmenter(model, pipeline=PipelineOptions(plan.device, precision)).run([job])
                anns = sorted(result.annotations, key=lambda a: a.extra["prompt_index"])
                if not result.ok or len(anns) != len(cases):
                    raise RuntimeError(result.error or f"{len(anns)} masks for {len(cases)} prompts")
                ious = [parity.mask_iou(rle.decode(a.rle), mask) for a, (_, mask, _) in zip(anns, cases)]
                errs = [abs(a.score - s) for a, (_, _, s) in zip(anns, cases) if s is not None]
                within = min(ious) >= FP32_MIN_IOU and max(errs, default=0.0) <= FP32_SCORE_ATOL
                row.update(prompts=len(cases), min_iou=round(min(ious), 5), mean_iou=round(statistics.fmean(ious), 5),
                           max_score_err=round(max(errs, default=0.0), 6), ious=[round(v, 5) for v in ious],
                           within_fp32_tolerance=within,
                           **{"pass": within if precision == "fp32" else None})  # bf16: reported, not judged
            except Exception as exc:  # noqa: BLE001
                row.update({"pass": False, "error": _err(exc)})
            row["seconds"] = round(time.perf_counter() - started, 2)
            report.add("parity", row)
            print(f"[{report.elapsed():4.0f} s] parity {model_id:22s} {precision}: " + (
                f"min IoU {row['min_iou']:.4f}, max score err {row['max_score_err']:.2g}, pass {row['pass']}"
                if "error" not in row else f"ERROR {row['error']}"), flush=True)
        del model


@contextmanager
def host_syncs(watch: bool):
    """Count, by samcli call site, the host syncs torch reports inside the block
    (its sync debug mode, CUDA only; `watch=False` counts nothing but runs the same)."""
    import torch

    sites: Counter = Counter()
    shown = warnings.showwarning

    def record(message, category, filename, lineno, file=None, line=None):
        if "synchroniz" not in str(message):
            return shown(message, category, filename, lineno, file, line)
        # the two innermost samcli frames: the helper that synced and who called it
        frames = [f for f in traceback.extract_stack()[:-1] if "/samcli/" in f.filename.replace(os.sep, "/")]
        chain = [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames[-2:]]
        sites[" > ".join(chain) or f"{filename}:{lineno}"] += 1

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = record
        if watch:
            torch.cuda.set_sync_debug_mode("warn")
        try:
            yield sites
        finally:
            if watch:
                torch.cuda.set_sync_debug_mode(0)


def sync_section(plan: Plan, report: Report, images: Path) -> None:
    import numpy as np

    from samcli.bench import bench_model
    from samcli.bench.inputs import box_prompts
    from samcli.engine.pipeline import Job, PipelineOptions
    from samcli.engine.segment import Segmenter
    from samcli.io.images import list_images
    from samcli.io.prompts.types import Prompt

    b, k = plan.sync_batch, plan.prompts_per_image
    click = Prompt(points=np.array([[0.5, 0.5]]), labels=np.array([1]), normalized=True)  # a lone point: multimask
    jobs = [Job(ref, box_prompts(k, i) + [click]) for i, ref in enumerate(list_images(images)[: 2 * b])]
    for model_id in plan.sync_models:
        row = {"model": model_id, "batch_size": b, "prompts_per_image": f"{k} boxes + 1 point", "batches": 1}
        try:
            model, _ = bench_model(model_id)
            segmenter = Segmenter(model, pipeline=PipelineOptions(plan.device, batch_size=b))
            watch = segmenter.device.type == "cuda"
            list(segmenter.run(jobs[:b]))  # warm-up: lazy initialisation is not the steady state
            with host_syncs(watch) as sites:
                results = list(segmenter.run(jobs[b:]))
            assert all(r.ok for r in results), [r.error for r in results]
            row.update(watched=watch, sites=dict(sites.most_common()), total=sum(sites.values()))
            del model, segmenter
        except Exception as exc:  # noqa: BLE001
            row["error"] = _err(exc)
        report.add("syncs", row)
        status = f"{row['total']} per batch" if row.get("watched") else row.get("error", "not watched (CUDA only)")
        print(f"[{report.elapsed():4.0f} s] syncs  {model_id:22s} {status}", flush=True)


def bench_section(plan: Plan, report: Report, images: Path) -> None:
    import torch

    from samcli.bench import BenchOptions, bench_model, run_bench

    extra_model, extra_batch, variants = plan.variants
    for model_id in plan.bench_models:
        try:
            model, weights = bench_model(model_id)
        except Exception as exc:  # noqa: BLE001
            report.add("bench", {"model": model_id, "variant": "default", "error": _err(exc)})
            continue
        base = BenchOptions(model_id, images=str(images), device=plan.device,
                            prompts_per_image=plan.prompts_per_image)
        runs = [("default", replace(base, batch_size=b)) for b in plan.batch_sizes]
        if model_id == extra_model:
            runs += [(name, replace(base, batch_size=extra_batch, **overrides)) for name, overrides in variants.items()]
        for variant, options in runs:
            b = options.batch_size
            options = replace(options, num_images=max(plan.min_images, plan.min_batches * b),
                              warmup=max(b, min(8, plan.min_images)))
            row = {"model": model_id, "variant": variant, "batch_size": b}
            needed = 120 if options.compile else 0  # compiling takes a minute or more
            if report.elapsed() + needed > plan.budget_s:
                report.add("bench", {**row, "skipped": f"time budget ({plan.budget_s:.0f} s) spent"})
                continue
            try:
                row = {**row, **run_bench(options, model, weights), "images_source": f"{images.name} (generated)"}
            except Exception as exc:  # noqa: BLE001  e.g. out of memory at a large batch
                row["error"] = _err(exc)
            if options.channels_last:  # it converted the encoder's weights in place: undo for the next runs
                getattr(model, "image_encoder", model).to(memory_format=torch.contiguous_format)
            report.add("bench", row)
            print(f"[{report.elapsed():4.0f} s] bench  {model_id:22s} {variant:13s} batch {b:3d}: " + (
                f"{row['images_per_s']:8.1f} img/s {row['prompts_per_s']:9.0f} prompts/s"
                if "error" not in row else f"ERROR {row['error']}"), flush=True)
        del model
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def _err(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]


def print_tables(doc: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    from samcli.bench.report import runs_table

    console = Console(width=160)
    table = Table(title=f"parity on {doc['host']['gpu'] or 'cpu'} (fp32 must reach IoU ≥ {FP32_MIN_IOU}, "
                        f"|score err| ≤ {FP32_SCORE_ATOL}; bf16 reported)")
    for name in ("model", "precision", "min IoU", "mean IoU", "max score err", "pass", "s"):
        table.add_column(name, justify="left" if name in ("model", "precision") else "right")
    for r in doc["parity"]:
        if "error" in r:
            table.add_row(r["model"], r.get("precision", ""), f"[red]{r['error']}[/]")
            continue
        table.add_row(r["model"], r["precision"], f"{r['min_iou']:.4f}", f"{r['mean_iou']:.4f}",
                      f"{r['max_score_err']:.2g}", {True: "yes", False: "[red]NO[/]", None: "–"}[r["pass"]],
                      f"{r['seconds']:.1f}")
    console.print(table)
    for r in doc["syncs"]:
        if r.get("watched"):
            console.print(f"host syncs in one batch of {r['batch_size']} images ({r['prompts_per_image']} each), "
                          f"{r['model']}: " + ", ".join(f"{n}× {site}" for site, n in r["sites"].items()))
    rows = [r for r in doc["bench"] if "skipped" not in r]
    console.print(runs_table(rows, title=f"samcli bench, {doc['plan']['prompts_per_image']} boxes per image "
                                         "(ms per image and stage: medians)"))
    for r in doc["bench"]:
        if "skipped" in r:
            console.print(f"skipped: {r['model']} {r['variant']} batch {r['batch_size']}: {r['skipped']}")
    console.print(f"ok: {doc['ok']}  ({doc['seconds']:.0f} s)")


def run(carry: Path, out: Path, dry_run: bool) -> int:
    from samcli.bench.inputs import write_images

    os.environ.setdefault("SAMCLI_OFFLINE", "1")
    if not (carry / "parity").is_dir():
        print(f"gpu_check: {carry}/parity is missing: run `benchmarks/gpu_check.sh --pack {carry}` first", file=sys.stderr)
        return 2
    from tests.test_cli_parity_all_models import CASES

    plan = dry_plan() if dry_run else full_plan(tuple(sorted(CASES)))
    report = Report(out, plan, dry_run)
    with tempfile.TemporaryDirectory(prefix="samcli-gpu-check-") as tmp:
        parity_section(plan, carry, report, Path(tmp))
        images = Path(tmp) / f"images_{plan.image_size[0]}x{plan.image_size[1]}"
        write_images(images, plan.min_images, plan.image_size)
        sync_section(plan, report, images)
        bench_section(plan, report, images)
    report.save()
    print_tables(report.doc)
    print(f"wrote {out}")
    return 0 if report.doc["ok"] else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack")
    p.add_argument("dest", type=Path)
    p.add_argument("--parity-dir", type=Path, default=Path(os.environ.get("SAMCLI_PARITY_DIR", REPO.parent / "shared" / "parity")))
    p.add_argument("--no-wheel", action="store_true", help="skip downloading the pycocotools wheel")
    r = sub.add_parser("run")
    r.add_argument("--carry", type=Path, required=True)
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    if args.cmd == "pack":
        pack(args.dest, args.parity_dir, wheel=not args.no_wheel)
        return 0
    return run(args.carry, args.out, args.dry_run)


if __name__ == "__main__":
    sys.exit(main())
