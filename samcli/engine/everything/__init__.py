"""Automatic ("everything") mask generation for any promptable model.

    from samcli.engine.everything import EverythingParams, generate
    result = generate(model, rgb_uint8, EverythingParams(hierarchical=True))
    result.annotations  # COCO-RLE masks, best predicted IoU first
    result.stats        # prompts decoded, masks per filter stage, seconds per stage

Grid mode is SAM's `SamAutomaticMaskGenerator`; hierarchical mode is TinySAM's
`hierarchical_generate`. Both reproduce their reference's decisions (see the
parity tests) while holding only RLE masks, not full-resolution maps.

Reading order: generate → grid / hierarchical → point_decoder → maskset; stats
and params hold the counters and settings.
"""
from samcli.engine.everything.generate import EverythingRunner, generate
from samcli.engine.everything.params import EverythingParams
from samcli.engine.everything.point_decoder import Trace

__all__ = ["EverythingParams", "EverythingRunner", "Trace", "generate"]
