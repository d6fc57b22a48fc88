"""ONNX: `samcli export onnx` (files for interactive annotators and other
runtimes) and ONNX Runtime as the engine's CPU runtime (`--runtime`).

onnx and onnxruntime are an optional extra (`pip install 'samcli[onnx]'`):
nothing here imports them at module level (see `deps`).
"""
