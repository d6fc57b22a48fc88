"""samcli: batch Segment-Anything segmentation for labeling jobs.

The command line is a thin layer over this API:

    import samcli
    model = samcli.load_model("efficientvit-sam-l0")            # or checkpoint="file.pt"
    seg = samcli.Segmenter(model)                              # PipelineOptions(device="cuda", …)
    anns = seg.segment(rgb_uint8, [samcli.Prompt(box=np.array([x0, y0, x1, y1]))])
    mask = samcli.decode_rle(anns[0].rle)                      # H×W bool

Heavy modules (torch) load on first use, so `import samcli` stays cheap.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "load_model": "samcli.models",
    "all_specs": "samcli.models",
    "Segmenter": "samcli.engine.segment",
    "SegmentOptions": "samcli.engine.segment",
    "Job": "samcli.engine.pipeline",
    "PipelineOptions": "samcli.engine.pipeline",
    "EverythingParams": "samcli.engine.everything",
    "EverythingRunner": "samcli.engine.everything",
    "generate_everything": ("samcli.engine.everything", "generate"),
    "Prompt": "samcli.io.prompts",
    "load_prompts": "samcli.io.prompts",
    "match_image": "samcli.io.prompts",
    "image_ids_for": "samcli.io.prompts",
    "list_images": "samcli.io.images",
    "decode_image": "samcli.io.images",
    "decode_rle": ("samcli.ops.rle", "decode"),
    "load_saliency_source": "samcli.salient",
    "salient_clicks": "samcli.salient",
    "cutout_rgba": "samcli.salient",
    "SalientRunner": "samcli.engine.salient",
    "SalientOptions": "samcli.engine.salient",
    "ResultWriter": "samcli.writers.results",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'samcli' has no attribute {name!r}")
    module, attr = target if isinstance(target, tuple) else (target, name)
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value
