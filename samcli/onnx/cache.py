"""The ONNX Runtime files of a model, cached beside the weights cache
($SAMCLI_HOME/onnx/<model>-<weights sha256[:16]>-v<export version>/), built on
first use from the weights (a minute at most on a CPU, once per weights file).

Keyed by the weights' content, not their path: the same file under two names
shares its exports, and a changed file gets new ones (`weights_digest`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from samcli.models.checkpoint import home_dir, weights_digest
from samcli.onnx.versions import EXPORT_VERSION
from samcli.writers.atomic import write_atomic

ENCODER, INT8_ENCODER, DECODER, MASK_DECODER = "encoder.onnx", "encoder.int8.onnx", "decoder.onnx", "mask_decoder.onnx"
#: what the graphs need around them, as data (`engine_runtime.describe_for_runtime`): written
#: last, so a folder with it is complete and runs without importing torch
DESCRIPTION = "runtime.json"


@dataclass(frozen=True)
class RuntimeFiles:
    folder: Path
    encoder: Path  # the float32 or the int8 one, as `precision` says
    decoder: Path
    mask_decoder: Path | None  # models that take a mask prompt
    precision: str  # fp32 | int8

    def missing(self) -> list[Path]:
        wanted = [self.encoder, self.decoder] + ([self.mask_decoder] if self.mask_decoder else [])
        return [p for p in wanted if not p.is_file()]


def onnx_home() -> Path:
    return home_dir() / "onnx"


def runtime_folder(model_id: str, weights: Path) -> Path:
    return onnx_home() / f"{model_id}-{weights_digest(Path(weights))[:16]}-v{EXPORT_VERSION}"


def read_description(folder: Path) -> dict | None:
    """The folder's DESCRIPTION, or None where it is missing or unreadable (built again)."""
    try:
        found = json.loads((folder / DESCRIPTION).read_text())
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def write_description(folder: Path, description: dict) -> None:
    write_atomic(folder / DESCRIPTION, (json.dumps(description, indent=1) + "\n").encode())


def runtime_files(model_id: str, weights: Path, precision: str, accepts_mask_input: bool) -> RuntimeFiles:
    """Where the files for these weights live (they may not exist yet: `ensure_built`)."""
    folder = runtime_folder(model_id, weights)
    return RuntimeFiles(folder, folder / (INT8_ENCODER if precision == "int8" else ENCODER), folder / DECODER,
                        folder / MASK_DECODER if accepts_mask_input else None, precision)


def ensure_built(files: RuntimeFiles, model_id: str, weights: Path,
                 announce: Callable[[str], None] | None = None, model=None) -> RuntimeFiles:
    """Export what is missing from the PyTorch model (`model`: already loaded from
    these weights). Each file is written atomically, so processes racing to build
    the same folder never see half a file."""
    missing = files.missing()
    if not missing:
        return files
    if announce is not None:
        announce(f"building the ONNX Runtime files of {model_id} for these weights (once): {files.folder}")
    from samcli.models import load_model
    from samcli.onnx.export import export_encoder, export_token_decoder
    from samcli.onnx.quantize import quantize_encoder

    model = model or load_model(model_id, checkpoint=weights, device="cpu", offline=True, progress=False)
    float_encoder = files.folder / ENCODER
    if not float_encoder.is_file():
        export_encoder(model, float_encoder)
    if files.encoder != float_encoder and not files.encoder.is_file():
        quantize_encoder(float_encoder, files.encoder)
    if not files.decoder.is_file():
        export_token_decoder(model, files.decoder)
    if files.mask_decoder is not None and not files.mask_decoder.is_file():
        export_token_decoder(model, files.mask_decoder, with_mask=True)
    return files
