"""What a model's encoder expects of an image, as data: written into an
exported model's JSON for annotators and other callers (tests apply it as
written and hold it equal to each family's own `preprocess` + `normalize`)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from samcli.ops.resize import longest_side_shape, pil_bilinear

#: how the RGB uint8 image is resized to the encoder's input
RESIZES = {
    "longest_side": "longest side to input_size, the other rounded as int(x·scale + 0.5); Pillow BILINEAR on uint8 "
                    "(antialiased), before normalising",
    "stretch": "both sides to input_size (aspect ratio not kept); bilinear on floats after dividing by `divisor`, "
               "half-pixel centres, no antialiasing (torch F.interpolate align_corners=False = ONNX Resize "
               "linear/half_pixel)",
}
PADS = {
    "bottom_right": "zeros at the bottom and right up to input_size × input_size, AFTER normalising",
    "none": "none (the resize gives input_size × input_size)",
}


@dataclass(frozen=True)
class Preprocessing:
    """uint8 RGB H×W×3 → float32 (3, S, S): resize, x / divisor, (x − mean) / std, pad.
    mean and std are in the units after the division, rounded to float32 when applied."""

    input_size: int
    resize: str
    divisor: float
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    pad: str

    def resized_hw(self, original_hw: tuple[int, int]) -> tuple[int, int]:
        """The image's size inside the encoder's input, before any padding."""
        if self.resize == "stretch":
            return self.input_size, self.input_size
        return longest_side_shape(original_hw, self.input_size)

    def describe(self) -> dict:
        """The JSON form, with each rule spelled out."""
        return {**asdict(self), "resize_rule": RESIZES[self.resize], "pad_rule": PADS[self.pad],
                "channels": "RGB", "layout": "NCHW float32"}

    def apply(self, image: np.ndarray) -> np.ndarray:
        """uint8 RGB H×W×3 → float32 (3, S, S) in numpy, as written above: the ONNX Runtime
        engine's preprocessing (tests hold it equal to each family's own, in torch)."""
        s = self.input_size
        if self.resize == "longest_side":
            image = pil_bilinear(image, self.resized_hw(image.shape[:2]))
        x = image.astype(np.float32) / np.float32(self.divisor) if self.divisor != 1 else image.astype(np.float32)
        if self.resize == "stretch" and x.shape[:2] != (s, s):
            import cv2  # plain bilinear, half-pixel centres, no antialiasing: torch's interpolate

            x = cv2.resize(x, (s, s), interpolation=cv2.INTER_LINEAR)
        x = (x - np.asarray(self.mean, np.float32)) / np.asarray(self.std, np.float32)
        out = np.zeros((3, s, s), np.float32)
        h, w = x.shape[:2]
        out[:, :h, :w] = x.transpose(2, 0, 1)
        return out

