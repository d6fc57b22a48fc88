"""How a model family turns its decoder's outputs into ONE mask, as data (no
torch): the PyTorch models follow these rules, and the ONNX Runtime engine
(`samcli.onnx.lean`) applies them to numpy arrays from the description the
runtime cache keeps (`samcli.onnx.engine_runtime`)."""
from __future__ import annotations

from dataclasses import dataclass

MULTIMASK_MODES = ("auto", "always", "never")
#: which prompts `--multimask auto` gives the best multimask candidate
AUTO_RULES = {
    "lone_point": "a prompt of exactly one point and no box (SAM's advice: ambiguous)",
    "always": "every prompt (the reference's predictor always returns the candidates)",
    "points": "every prompt without a box (EdgeSAM's demo point mode)",
}
#: how the chosen low-res logits reach the original size
UPSCALES = {
    "letterbox": "bilinear to the square prompt frame, crop the padding, bilinear to the original size",
    "bicubic": "bicubic straight to the original size (nothing was padded)",
}


@dataclass(frozen=True)
class MaskRules:
    auto: str = "lone_point"  # AUTO_RULES
    #: how `auto` picks among the tokens: by predicted IoU among the candidates, or (EdgeSAM)
    #: the most stable of ALL tokens by the stability score of the low-res logits
    auto_pick: str = "predicted_iou"
    upscale: str = "letterbox"  # UPSCALES
    #: foreground is logits >= 0 (EfficientSAM's example) rather than > 0 (SAM)
    inclusive_threshold: bool = False

    def multimask(self, num_points: int, has_box: bool) -> bool:
        """Whether `--multimask auto` takes a multimask candidate for this prompt shape."""
        if self.auto == "always":
            return True
        if self.auto == "points":
            return not has_box
        return num_points == 1 and not has_box


def token_problem(model_name: str, max_points: int | None, num_points: int, has_box: bool) -> str | None:
    """Why a model taking at most `max_points` point tokens cannot take a prompt of this
    shape, or None."""
    tokens = num_points + 2 * has_box
    if max_points is not None and tokens > max_points:
        return (f"{model_name} accepts at most {max_points} points per prompt "
                f"(a box counts as 2), this one has {tokens}")
    return None
