"""Bench reports as rich tables: one run in detail, or many runs a row each."""
from __future__ import annotations

from rich.table import Table

from samcli.bench.run import STAGE_LABELS, STAGES


def _ms(report: dict, stage: str, key: str = "median") -> str:
    return f"{report['stage_ms_per_image'][stage][key]:.2f}"


def _mb(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def report_table(r: dict) -> Table:
    """One run: throughput, milliseconds per image and stage, memory; the setup below."""
    setup = [f"{r['images']} images timed after {r['warmup_images']} warm-up, from {r['images_source']}",
             f"{r.get('runtime', 'torch')} runtime, {r['precision']}, batch {r['batch_size']}, prompt batch {r['prompt_batch']}, {r['workers']} workers, "
             f"torch {r['torch']}, {r['threads']} threads, {r['date']}",
             f"weights: {r['weights']}"]
    table = Table(title=f"samcli bench: {r['model']} on {r['gpu'] or r['device']}", caption="\n".join(setup),
                  caption_justify="left")
    table.add_column("")
    table.add_column("median", justify="right")
    table.add_column("mean", justify="right")
    table.add_row("images/s", f"{r['images_per_s']:.2f}", "", style="bold")
    table.add_row(f"prompts/s ({r['prompts_per_image']} boxes per image)", f"{r['prompts_per_s']:.1f}", "", style="bold")
    for stage in STAGES:
        table.add_row(f"ms per image: {STAGE_LABELS[stage]}", _ms(r, stage), _ms(r, stage, "mean"))
    table.add_row("peak RSS MB", _mb(r["peak_rss_mb"]), "")
    for key, label in (("vs_torch", "vs PyTorch"), ("vs_fp32", "vs float32")):
        if r.get(key):
            v = r[key]
            table.add_row(f"{label}: speed ×, mask IoU mean / worst ({v['prompts']} prompts)",
                          f"{v['speedup']:.2f}×", f"{v['mean_iou']:.4f} / {v['worst_iou']:.4f}")
    table.add_row("peak CUDA MB", _mb(r["peak_cuda_mb"]), "")
    return table


def runs_table(reports: list[dict], title: str = "samcli bench") -> Table:
    """Many runs, a row each (e.g. models × batch sizes)."""
    table = Table(title=title)
    for name in ("model", "variant", "batch", "img/s", "prompts/s", *STAGES, "peak CUDA MB"):
        table.add_column(name, justify="left" if name in ("model", "variant") else "right")
    for r in reports:
        if "error" in r:
            table.add_row(r["model"], r.get("variant", ""), str(r.get("batch_size", "")), f"[red]{r['error']}[/]")
            continue
        table.add_row(r["model"], r.get("variant", ""), str(r["batch_size"]), f"{r['images_per_s']:.1f}",
                      f"{r['prompts_per_s']:.0f}", *(_ms(r, s) for s in STAGES), _mb(r["peak_cuda_mb"]))
    return table
