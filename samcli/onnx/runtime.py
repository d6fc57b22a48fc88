"""A promptable model run by ONNX Runtime, behind the engine's PromptableModel
contract, so the engine does not change.

The networks (encoder, decoder) are ONNX Runtime sessions over the files of
`samcli.onnx.cache`; everything around them (geometry, resize, normalisation,
mask choice, upscaling, thresholds) is the model family's own code, called on a
copy of the PyTorch model built without weights: its methods need none, and
building it costs milliseconds, not the seconds of building and loading the real one.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from samcli.models.base import Geometry, PromptableModel, PromptTensors
from samcli.onnx.cache import ENCODER, RuntimeFiles
from samcli.engine.choices import cpu_count
from samcli.onnx.sessions import session
from samcli.onnx.tokens import prompt_tokens


class OrtModel(PromptableModel):
    """`host`: the PyTorch model built without weights (`engine_runtime.weightless`)."""

    float64_points = False  # the graph takes float32 coordinates

    def __init__(self, host: PromptableModel, files: RuntimeFiles, threads: int | None = None) -> None:
        super().__init__()
        # kept out of nn.Module's registry: .to(device) must not try to move meta tensors
        object.__setattr__(self, "host", host)
        for name in ("encoder_size", "prompt_size", "max_points", "candidate_tokens", "accepts_mask_input"):
            setattr(self, name, getattr(host, name))
        self.files = files
        self.threads = threads or cpu_count()
        self.runtime = "onnxruntime"
        self._encoder = session(files.encoder, self.threads)
        self._decoder = session(files.decoder, self.threads, fixed_shapes=False)
        self._mask_decoder = None  # built on the first mask prompt

    # ---- the family's own processing, from the weightless copy --------------
    @property
    def preprocessing(self):
        return self.host.preprocessing

    def geometry(self, original_hw: tuple[int, int]) -> Geometry:
        return self.host.geometry(original_hw)

    def preprocess(self, image: np.ndarray) -> torch.Tensor:
        """The recipe as data, in numpy (`Preprocessing.apply`), as the ONNX Runtime engine
        without torch does it (`samcli.onnx.lean`): both runtimes' encoders see the same input."""
        return torch.from_numpy(self.host.preprocessing.apply(image))

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        return x  # done by `preprocess`

    def upscale(self, low_res: torch.Tensor, geom: Geometry) -> torch.Tensor:
        return self.host.upscale(low_res, geom)

    def binarize(self, logits: torch.Tensor, margin: float = 0.0) -> torch.Tensor:
        return self.host.binarize(logits, margin)

    def select(self, low_res, iou, prompts: PromptTensors, mode: str) -> torch.Tensor:
        return self.host.select(low_res, iou, prompts, mode)

    def prompt_problem(self, num_points: int, has_box: bool) -> str | None:
        return self.host.prompt_problem(num_points, has_box)

    def auto_multimask(self, prompts: PromptTensors) -> bool:
        return self.host.auto_multimask(prompts)

    # ---- networks ------------------------------------------------------------
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        (emb,) = self._encoder.run(None, {"image": np.ascontiguousarray(x.detach().cpu().numpy(), np.float32)})
        return torch.from_numpy(emb)

    def decode(self, embeddings: torch.Tensor, prompts: PromptTensors) -> tuple[torch.Tensor, torch.Tensor]:
        """Prompts grouped by image (each call shares one image's work), results in prompt order."""
        coords, labels = prompt_tokens(self.host, prompts)
        index = prompts.image_index.cpu()
        low = iou = None
        for image in torch.unique(index).tolist():
            rows = (index == image).nonzero()[:, 0]
            feed = {"embedding": embeddings[image : image + 1].detach().cpu().float().numpy(),
                    "coords": coords[rows].numpy(), "labels": labels[rows].numpy()}
            net = self._decoder
            if prompts.masks is not None:
                feed["mask_input"] = prompts.masks[rows].detach().cpu().float().numpy()
                net = self._mask_session()
            part_low, part_iou = (torch.from_numpy(a) for a in net.run(None, feed))
            if low is None:
                if len(rows) == len(index):
                    return part_low, part_iou
                low = part_low.new_empty((len(index), *part_low.shape[1:]))
                iou = part_iou.new_empty((len(index), *part_iou.shape[1:]))
            low[rows], iou[rows] = part_low, part_iou
        return low, iou

    def _mask_session(self):
        if self.files.mask_decoder is None:
            raise ValueError(f"{type(self.host).__name__} takes no mask prompt (accepts_mask_input is False)")
        if self._mask_decoder is None:
            self._mask_decoder = session(self.files.mask_decoder, self.threads, fixed_shapes=False)
        return self._mask_decoder

    def float32(self) -> "OrtModel":
        """The same model with the float32 encoder (which the int8 one is made from)."""
        files = replace(self.files, encoder=self.files.folder / ENCODER, precision="fp32")
        twin = OrtModel(self.host, files, self.threads)
        twin.spec = getattr(self, "spec", None)
        return twin

    def quantize_int8(self) -> "OrtModel":
        """The pipeline's `--precision int8` hook: these files were chosen for the
        precision when the model was loaded (`samcli.onnx.load`)."""
        if self.files.precision != "int8":
            raise ValueError("load the model with precision='int8' to run its int8 ONNX encoder")
        return self
