"""Salient-object pipeline for `samcli salient`: image → saliency map → clicks
→ (a mask from any promptable model) → cutout."""
from samcli.salient.clicks import (DEFAULT_MIN_BLOB_AREA, DEFAULT_THRESHOLD, NoSalientObject, SalientObject,
                                   salient_clicks)
from samcli.salient.cutout import cutout_rgba, mask_box
from samcli.salient.saliency import DEFAULT_SALIENCY_SOURCE, load_saliency_source, saliency_source_names
from samcli.salient.source import SaliencySource

__all__ = [
    "DEFAULT_MIN_BLOB_AREA", "DEFAULT_SALIENCY_SOURCE", "DEFAULT_THRESHOLD", "NoSalientObject", "SaliencySource",
    "SalientObject", "cutout_rgba", "load_saliency_source", "mask_box", "saliency_source_names", "salient_clicks",
]
