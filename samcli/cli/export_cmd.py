"""`samcli export onnx`: a model's encoder and decoder as ONNX files for
interactive annotators (samcli.onnx.annotator)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from samcli.cli import options as opt
from samcli.cli.command_style import command, samcli_typer

app = samcli_typer(help="Export a model for other runtimes.", no_args_is_help=True)


@command(app, "onnx", no_args_is_help=True)
def export_onnx(
    model: Annotated[str, typer.Option("--model", "-m", help="Model id (see `samcli models list`); every promptable model.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for <id>.encoder.onnx, <id>.decoder.onnx and <id>.json.", file_okay=False)],
    checkpoint: opt.Checkpoint = None,
    offline: opt.Offline = False,
    multimask_output: Annotated[bool, typer.Option("--multimask-output", help="The decoder returns all 4 mask tokens instead of one mask chosen by the reference's rule (SAM interface only; EfficientSAM's always returns its 3 candidates).")] = False,
    quantize: Annotated[bool, typer.Option("--quantize", help="Also write <id>.encoder.int8.onnx (ONNX Runtime dynamic int8) and report its speed and mask agreement with float32.")] = False,
    quiet: opt.Quiet = False,
) -> None:
    """Export MODEL's image encoder and prompt decoder to ONNX, with a JSON that
    says how to preprocess images and feed prompts (SAM's decoder interface for
    SAM-head models, EfficientSAM's own for EfficientSAM). See the README section
    "Use samcli's models in an interactive annotator"."""
    from rich.markup import escape

    from samcli.cli.common import checkpoint_or_exit, fail
    from samcli.cli.drive import err
    from samcli.errors import SamcliError
    from samcli.models.registry import spec_for

    try:
        spec_for(model, "promptable", "export onnx")
        from samcli.onnx.deps import require

        require("onnx"), require("onnxruntime")
        from samcli.writers.destinations import check_output_folder

        # a file in the way or a folder that cannot be written: said now, not after the export
        check_output_folder("--out", out)
    except SamcliError as exc:
        raise fail(str(exc)) from None
    weights = checkpoint_or_exit(model, checkpoint, offline, quiet)
    exported = _export(model, weights, out, multimask_output, quantize, quiet)
    if not quiet:
        from samcli.onnx.large_graph import data_file

        for path in (exported.encoder, data_file(exported.encoder), exported.decoder, exported.int8_encoder,
                     exported.manifest):
            if path is not None and path.is_file():
                err.print(f"wrote {escape(str(path))}")
    if quantize:
        _report_int8(model, weights)


def _export(model: str, weights: Path, out: Path, multimask: bool, quantize: bool, quiet: bool):
    from samcli.cli.common import fail
    from samcli.cli.drive import err
    from samcli.cli.exit_codes import EXIT_IO_FAULT, EXIT_MODEL
    from samcli.errors import CheckpointError
    from samcli.models import get_spec, load_model
    from samcli.onnx.annotator import export_for_annotators
    from samcli.models.checkpoint import weights_digest

    try:
        net = load_model(model, checkpoint=weights, device="cpu", offline=True, progress=False)
    except CheckpointError as exc:
        raise fail(str(exc), EXIT_MODEL) from None
    if not quiet:
        err.print(f"exporting {model} (opset 17; a minute at most on a CPU)…")
    digest = weights_digest(weights)
    try:
        return export_for_annotators(net, get_spec(model), out, digest, multimask, quantize)
    except OSError as exc:  # disk full, quota, I/O error: each file is published whole, or not at all
        raise fail(f"--out {out}: cannot write the export ({exc.strerror or exc}); free some space or fix the "
                   f"disk, then rerun", EXIT_IO_FAULT) from None


def _report_int8(model: str, weights: Path) -> None:
    """Like `samcli bench --precision int8`: the int8 encoder against float32, same
    images and boxes, both on ONNX Runtime."""
    from samcli.bench import BenchOptions, run_bench
    from samcli.cli.drive import err

    report = run_bench(BenchOptions(model, str(weights), runtime="onnxruntime", precision="int8", num_images=4,
                                    vs_torch=False))
    vs = report["vs_fp32"]
    err.print(f"int8 encoder vs float32 on ONNX Runtime ({vs['prompts']} box prompts on generated photos): "
              f"{vs['speedup']:.2f}× the speed, mask IoU mean {vs['mean_iou']:.4f}, worst {vs['worst_iou']:.4f}")
