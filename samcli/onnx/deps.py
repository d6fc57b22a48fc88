"""The optional packages, imported on demand, with a message naming what to install."""
from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from samcli.errors import InputError

INSTALL_HINT = "pip install 'samcli[onnx]' (onnx and onnxruntime)"


def require(name: str) -> ModuleType:
    """`onnx`, `onnxruntime` or one of their modules; a usage error if it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise InputError(f"{name} is not installed ({exc}); {INSTALL_HINT}") from None


def available() -> bool:
    """Whether ONNX Runtime can be used here (`--runtime auto` falls back to torch otherwise)."""
    return importlib.util.find_spec("onnxruntime") is not None
