"""`samcli export onnx`: a model's encoder and decoder as ONNX files, plus a JSON
saying how to feed them, for interactive annotators and other runtimes.

DIR/<id>.encoder.onnx   preprocessed image (B, 3, S, S) → embeddings
DIR/<id>.encoder.onnx.data   its weights, for a graph past 2 GB (SAM ViT-H)
DIR/<id>.decoder.onnx   prompts + one embedding → masks (SAM's or EfficientSAM's interface)
DIR/<id>.encoder.int8.onnx   with --quantize
DIR/<id>.json           preprocessing, interfaces, opset, weights digest
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from samcli import __version__
from samcli.models.base import PromptableModel
from samcli.models.edgesam import EdgeSam
from samcli.models.spec import ModelSpec
from samcli.writers.atomic import write_atomic
from samcli.onnx.export import EXPORT_VERSION, OPSET, export_encoder, export_interface_decoder, interface_of
from samcli.onnx.interfaces import decoder_description
from samcli.onnx.large_graph import data_file, has_external_data


@dataclass(frozen=True)
class Exported:
    encoder: Path
    decoder: Path
    manifest: Path
    int8_encoder: Path | None = None


def export_for_annotators(model: PromptableModel, spec: ModelSpec, out_dir: Path, weights_sha256: str,
                          multimask: bool = False, quantize: bool = False) -> Exported:
    out_dir.mkdir(parents=True, exist_ok=True)
    encoder = export_encoder(model, out_dir / f"{spec.id}.encoder.onnx")
    decoder = export_interface_decoder(model, out_dir / f"{spec.id}.decoder.onnx", multimask)
    int8 = None
    if quantize:
        from samcli.onnx.quantize import quantize_encoder

        int8 = quantize_encoder(encoder, out_dir / f"{spec.id}.encoder.int8.onnx")
    manifest = out_dir / f"{spec.id}.json"
    write_atomic(manifest, (json.dumps(describe(model, spec, weights_sha256, multimask, encoder, decoder, int8),
                                       indent=1) + "\n").encode())
    return Exported(encoder, decoder, manifest, int8)


def describe(model: PromptableModel, spec: ModelSpec, weights_sha256: str, multimask: bool, encoder: Path,
             decoder: Path, int8: Path | None) -> dict:
    pre = model.preprocessing
    return {
        "samcli": __version__,
        "export_version": EXPORT_VERSION,
        "model": spec.id,
        "family": spec.family,
        "weights_sha256": weights_sha256,
        "opset": OPSET,
        "preprocessing": pre.describe(),
        "encoder": describe_encoder(encoder, int8, pre.input_size),
        "decoder": {"file": decoder.name,
                    **decoder_description(interface_of(model), not multimask, isinstance(model, EdgeSam))},
    }


def describe_encoder(encoder: Path, int8: Path | None, size: int) -> dict:
    return {"file": encoder.name, "int8_file": int8.name if int8 else None,
            # past 2 GB (SAM ViT-H) the weights sit in one file beside the graph: keep the two together
            "data_file": data_file(encoder).name if has_external_data(encoder) else None,
            "input": f"image: float32 (B, 3, {size}, {size}), preprocessed as `preprocessing` says",
            "output": "image_embeddings: float32 (B, 256, 64, 64)"}
