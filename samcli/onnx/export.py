"""PyTorch modules → ONNX files, with PyTorch's TorchScript-based exporter.

Why that exporter (`dynamo=False`) and not torch.export's default: it exports
every family here (tested: all 8 parity models), needs no extra package (the
new one needs onnxscript), traces sizes read from inputs as SAM's own exporter
relies on (SAM's interface computes the output size from `orig_im_size`), and
is what every reference exporter used. Tried with torch 2.13 + onnxscript 0.7.2
on MobileSAM: the torch.export-based exporter failed on the encoder (at the
torch.export step) and on SAM's decoder interface (at the ONNX conversion step).
PyTorch's deprecation notice for the TorchScript exporter is silenced here.

Files are written atomically; a graph past 2 GB as the graph and one data file
(samcli.onnx.large_graph).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import nn

from samcli.models.base import PromptableModel
from samcli.models.efficientsam.model import EfficientSam
from samcli.models.sam_head.model import SamHeadModel
from samcli.onnx.large_graph import graph_path
from samcli.onnx.runtime_graphs import EncoderGraph, TokenDecoder
from samcli.onnx.sam_interface import EfficientSamInterfaceDecoder, SamInterfaceDecoder
from samcli.onnx.versions import EXPORT_VERSION, OPSET

__all__ = ["EXPORT_VERSION", "OPSET", "export_encoder", "export_token_decoder", "export_interface_decoder",
           "interface_of"]

#: the interface each decoder file speaks (README: "ONNX decoder" column)
SAM_INTERFACE, EFFICIENTSAM_INTERFACE = "sam", "efficientsam"


def export_module(module: nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str],
                  dynamic_axes: dict[str, dict[int, str]]) -> Path:
    with graph_path(path) as tmp, warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer notes on shapes read as numbers; the exporter's deprecation
        torch.onnx.export(module.eval(), args, tmp, dynamo=False, opset_version=OPSET, do_constant_folding=True,
                          input_names=inputs, output_names=outputs, dynamic_axes=dynamic_axes)
    return path


def embedding_shape(model: PromptableModel) -> tuple[int, int, int, int]:
    """(1, C, h, w): the decoder side's view of an embedding."""
    c = model.prompt_encoder.pe_layer.positional_encoding_gaussian_matrix.shape[1] * 2
    return (1, c, *model.prompt_encoder.embedding_hw)


def export_encoder(model: PromptableModel, path: Path) -> Path:
    """image (B, 3, S, S) float32, preprocessed as the JSON says → image_embeddings."""
    s = model.encoder_size
    return export_module(EncoderGraph(model), (torch.zeros(1, 3, s, s),), path, ["image"], ["image_embeddings"],
                         {"image": {0: "batch"}, "image_embeddings": {0: "batch"}})


def interface_of(model: PromptableModel) -> str:
    if isinstance(model, EfficientSam):
        return EFFICIENTSAM_INTERFACE
    if isinstance(model, SamHeadModel):
        return SAM_INTERFACE
    raise TypeError(f"no ONNX decoder interface for {type(model).__name__}")


def export_interface_decoder(model: PromptableModel, path: Path, multimask: bool) -> Path:
    """The decoder with the interface annotators use (`interface_of`)."""
    emb = torch.zeros(embedding_shape(model))
    if interface_of(model) == EFFICIENTSAM_INTERFACE:
        args = (emb, torch.full((1, 1, 3, 2), 100.0), torch.ones(1, 1, 3), torch.tensor([480, 640]))
        return export_module(EfficientSamInterfaceDecoder(model), args, path,
                             ["image_embeddings", "batched_point_coords", "batched_point_labels", "orig_im_size"],
                             ["output_masks", "iou_predictions", "low_res_masks"],
                             {"batched_point_coords": {1: "num_queries", 2: "num_points"},
                              "batched_point_labels": {1: "num_queries", 2: "num_points"},
                              "output_masks": {1: "num_queries", 3: "height", 4: "width"},
                              "iou_predictions": {1: "num_queries"}, "low_res_masks": {0: "num_queries"}})
    args = (emb, torch.tensor([[[100.0, 200.0], [0.0, 0.0]]]), torch.tensor([[1.0, -1.0]]),
            torch.zeros(1, 1, 256, 256), torch.zeros(1), torch.tensor([480.0, 640.0]))
    return export_module(SamInterfaceDecoder(model, single_mask=not multimask), args, path,
                         ["image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input",
                          "orig_im_size"],
                         ["masks", "iou_predictions", "low_res_masks"],
                         {"point_coords": {1: "num_points"}, "point_labels": {1: "num_points"},
                          "masks": {2: "height", 3: "width"}})


def export_token_decoder(model: PromptableModel, path: Path, with_mask: bool = False) -> Path:
    """samcli's own decoder graph (`runtime_graphs.TokenDecoder`), for `--runtime onnxruntime`."""
    # traced with a box (T = 2): the traced code takes the folded path, valid for any T
    args = [torch.zeros(embedding_shape(model)), torch.tensor([[[10.0, 20.0], [300.0, 400.0]]]).repeat(2, 1, 1),
            torch.tensor([[2, 3]]).repeat(2, 1)]
    if isinstance(model, EfficientSam):  # every query is max_points tokens
        pad = model.max_points - 2
        args[1] = torch.cat([args[1], torch.full((2, pad, 2), -1.0)], dim=1)
        args[2] = torch.cat([args[2], torch.full((2, pad), -1)], dim=1)
    names = ["embedding", "coords", "labels"]
    axes = {"coords": {0: "prompts", 1: "tokens"}, "labels": {0: "prompts", 1: "tokens"},
            "low_res": {0: "prompts"}, "iou": {0: "prompts"}}
    if with_mask:
        args.append(torch.zeros(2, 1, 256, 256))
        names.append("mask_input")
        axes["mask_input"] = {0: "prompts"}
    return export_module(TokenDecoder(model, with_mask), tuple(args), path, names, ["low_res", "iou"], axes)
