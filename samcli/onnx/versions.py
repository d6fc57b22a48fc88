"""Versions of what samcli exports (no torch: the runtime cache is found without it)."""

#: ONNX opset of every exported file (SAM's exporter's default; ORT ≥ 1.14 runs it)
OPSET = 17
#: bumped whenever exported graphs change: cached runtime files of older versions are rebuilt
EXPORT_VERSION = 1
