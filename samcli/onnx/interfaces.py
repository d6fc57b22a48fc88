"""What an exported decoder file expects and returns, written into the
model's JSON beside it: enough for a caller that never reads samcli's code."""
from __future__ import annotations

from samcli.onnx.export import EFFICIENTSAM_INTERFACE, SAM_INTERFACE

SAM_DECODER = {
    "reference": "segment-anything utils/onnx.py SamOnnxModel (SAM's web demo, CVAT, Label Studio, AnyLabeling, "
                 "samexporter)",
    "inputs": {
        "image_embeddings": "float32 (1, 256, 64, 64): the encoder's output for one image",
        "point_coords": "float32 (1, N, 2) x, y in the prompt frame: original pixels × (resized / original) per "
                        "axis, the image resized so its longest side is prompt_side (ResizeLongestSide.apply_coords)",
        "point_labels": "float32 (1, N): 1 positive point, 0 negative point, 2 box top-left, 3 box bottom-right, "
                        "-1 padding; without a box, append one padding point (0, 0) with label -1",
        "mask_input": "float32 (1, 1, 256, 256): low_res_masks of an earlier call, or zeros",
        "has_mask_input": "float32 (1,): 1 when mask_input is used, else 0",
        "orig_im_size": "float32 (2,): the original image's (height, width)",
    },
    "outputs": {
        "masks": "float32 (1, K, H, W) logits at orig_im_size; mask = logits > mask_threshold",
        "iou_predictions": "float32 (1, K) predicted IoU",
        "low_res_masks": "float32 (1, K, 256, 256) logits, to feed back as mask_input",
    },
}

EFFICIENTSAM_DECODER = {
    "reference": "yformer/EfficientSAM export_to_onnx.py (OnnxEfficientSamDecoder)",
    "inputs": {
        "image_embeddings": "float32 (1, 256, 64, 64): the encoder's output for one image",
        "batched_point_coords": "float32 (1, Q, N, 2) x, y in ORIGINAL pixels (the decoder rescales them); "
                                "Q prompts decoded at once",
        "batched_point_labels": "float32 (1, Q, N): 1 positive, 0 negative, 2 box top-left, 3 box bottom-right, "
                                "-1 padding; at most 6 points per prompt (the rest are dropped)",
        "orig_im_size": "int64 (2,): the original image's (height, width)",
    },
    "outputs": {
        "output_masks": "float32 (1, Q, 3, H, W) logits of the 3 candidates at orig_im_size (bicubic); "
                        "mask = logits >= mask_threshold",
        "iou_predictions": "float32 (1, Q, 3); the reference keeps the candidate with the highest",
        "low_res_masks": "float32 (Q, 3, 256, 256) logits",
    },
}


def decoder_description(interface: str, single_mask: bool, edgesam: bool) -> dict:
    if interface == EFFICIENTSAM_INTERFACE:
        return {"interface": "efficientsam", **EFFICIENTSAM_DECODER, "mask_threshold": 0.0, "threshold": ">=",
                "candidates": "always the 3 multimask candidates (EfficientSAM takes no mask prompt)"}
    assert interface == SAM_INTERFACE
    if not single_mask:
        rule = "all 4 mask tokens: K = 4 (token 0 the single-mask output, 1..3 the multimask candidates)"
    elif edgesam:
        rule = ("K = 1, EdgeSAM's demo rule: with a box (a label 2 point) token 0; otherwise the most stable of "
                "the 4 tokens (stability score of the low-res logits at ±1)")
    else:
        rule = ("K = 1, SAM's exporter's rule: with at most 2 point tokens (one click + padding, or a lone box) the "
                "best of the 3 candidates by predicted IoU, otherwise token 0")
    return {"interface": "sam", **SAM_DECODER, "mask_threshold": 0.0, "threshold": ">", "prompt_side": 1024,
            "mask_choice": rule}
