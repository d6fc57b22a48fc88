"""A promptable model run by ONNX Runtime, behind the engine's PromptableModel
contract, so the engine does not change.

The networks (encoder, decoder) are ONNX Runtime sessions over the files of
`samcli.onnx.cache`; everything around them (geometry, resize, normalisation,
mask choice, upscaling, thresholds) is the model family's own code, called on a
copy of the PyTorch model built without weights: its methods need none, and
building it costs milliseconds, not the seconds of building and loading the real one.
"""
from __future__ import annotations

import functools
import hashlib
import platform
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from samcli.models.base import Geometry, PromptableModel, PromptTensors
from samcli.onnx.cache import ENCODER, RuntimeFiles
from samcli.onnx.deps import require
from samcli.writers.atomic import atomic_path
from samcli.onnx.tokens import prompt_tokens


def session(path: Path, threads: int):
    """A CPU session with all graph optimisations, `threads` threads for each op,
    ops run one after another (the graphs are chains; parallel ops only contend).

    Optimising a graph costs more than loading it (MobileSAM's encoder: 0.33 s vs
    0.09 s of CPU), so the optimised graph is saved beside the file once and
    loaded as is after that. It may hold kernels for this CPU's instruction set,
    so its name carries this machine's key (`machine_key`)."""
    ort = require("onnxruntime")
    optimised = path.with_name(f"{path.stem}.optimised-{machine_key()}.onnx")
    if optimised.is_file():
        try:
            return ort.InferenceSession(str(optimised), _options(ort, threads, optimise=False),
                                        providers=["CPUExecutionProvider"])
        except Exception:  # e.g. written by another ORT build: optimise again
            optimised.unlink(missing_ok=True)
    options = _options(ort, threads, optimise=True)
    try:
        with atomic_path(optimised) as tmp:
            options.optimized_model_filepath = tmp
            return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except OSError:  # a read-only cache: optimise in memory each time
        return ort.InferenceSession(str(path), _options(ort, threads, optimise=True),
                                    providers=["CPUExecutionProvider"])


def _options(ort, threads: int, optimise: bool):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimise
                                        else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    options.log_severity_level = 3  # not ORT's warning that a saved optimised graph is CPU-specific: we know
    # ORT's threads spin after each op by default, waiting for the next: in samcli they
    # then take the cores from the loader threads and the Python between calls. Off:
    # 20 % less CPU and 11 % less wall time for `samcli segment` (MobileSAM, 5 photos ×
    # 8 boxes, 2 cores, A B A B, whole process)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


@functools.lru_cache(maxsize=1)
def machine_key() -> str:
    """ONNX Runtime's version and this CPU's model and instruction-set flags, hashed."""
    ort = require("onnxruntime")
    cpu = platform.machine() + platform.processor()
    try:
        with open("/proc/cpuinfo") as info:
            cpu += "".join(line for line in info if line.startswith(("model name", "flags")))[:4096]
    except OSError:
        pass
    return hashlib.sha256(f"{ort.__version__}|{cpu}".encode()).hexdigest()[:12]


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
        self.threads = threads or torch.get_num_threads()
        self.runtime = "onnxruntime"
        self._encoder = session(files.encoder, self.threads)
        self._decoder = session(files.decoder, self.threads)
        self._mask_decoder = None  # built on the first mask prompt

    # ---- the family's own processing, from the weightless copy --------------
    @property
    def preprocessing(self):
        return self.host.preprocessing

    def geometry(self, original_hw: tuple[int, int]) -> Geometry:
        return self.host.geometry(original_hw)

    def preprocess(self, image: np.ndarray) -> torch.Tensor:
        return self.host.preprocess(image)

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        return self.host.normalize(x)

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
            self._mask_decoder = session(self.files.mask_decoder, self.threads)
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
