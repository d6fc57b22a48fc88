"""Parameters (millions) and encoder GMACs of the built-in models, as
`samcli.models.complexity` computes them from the architecture: computing all
takes ~13 s, so `samcli models list` reads them here and computes only models
not listed (plugins). tests/test_cli_models.py recomputes every row."""
from __future__ import annotations

#: id → (parameters in millions, GMACs of one image-encoder pass at the model's input size)
COMPLEXITY: dict[str, tuple[float, float]] = {
    "sam-vit-b": (93.74, 486.0),
    "sam-vit-l": (312.34, 1492.8),
    "sam-vit-h": (641.09, 2980.5),
    "mobilesam": (9.81, 38.8),
    "tinysam": (9.81, 38.8),
    "efficientvit-sam-l0": (34.79, 34.8),
    "efficientvit-sam-l1": (47.65, 49.0),
    "efficientvit-sam-l2": (61.33, 68.6),
    "efficientvit-sam-xl0": (116.96, 184.8),
    "efficientvit-sam-xl1": (203.35, 321.9),
    "efficientsam-ti": (10.22, 102.3),
    "efficientsam-s": (26.41, 245.6),
    "edgesam": (9.58, 20.0),
    "edgesam-3x": (9.58, 20.0),
    "u2netp": (1.13, 19.8),
    "u2net": (44.01, 58.6),
}
