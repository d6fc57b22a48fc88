"""EfficientViT-SAM L0/L1/L2/XL0/XL1 against the reference's key manifests: the same
tensor names, shapes, dtypes and order as the released checkpoints (before BatchNorm
folding), and the published sizes. L1, L2 and XL1 have no golden: this is what ties
them to the reference, the parity of L0/XL0 proves the shared code."""
from __future__ import annotations

import json

import pytest
import torch

from samcli.models import get_spec
from samcli.models.checkpoint import apply_state_dict, read_state_dict
from samcli.models.efficientvit_sam import EfficientViTSam
from samcli.models.complexity import build_on_meta as build_spec_on_meta
from tests.parity import fixture_dir

#: variant → its parity folder (L1, L2, XL1 hold key/shape manifests only)
FIXTURES = {"l0": "efficientvit_sam_l0", "l1": "efficientvit_sam_l1", "l2": "efficientvit_sam_l2",
            "xl0": "efficientvit_sam_xl0", "xl1": "efficientvit_sam_xl1"}
VARIANTS = tuple(FIXTURES)
#: nn.Parameters of the reference model, from the L0/XL0 fixture READMEs
PARAMETERS = {"l0": 34_792_784, "xl0": 116_957_904}
#: shared/parity/README.md "parameter counts from them" for the keys-only manifests:
#: these count EVERY float tensor of keys.json, BatchNorm running statistics included
MANIFEST_FLOATS_M = {"l1": 47.68, "l2": 61.37, "xl1": 203.44}
#: the reference README's model table (parameters, 0.1M)
TABLE_PARAMS_M = {"l0": 34.8, "l1": 47.7, "l2": 61.3, "xl0": 117.0, "xl1": 203.3}


def build_on_meta(variant: str) -> torch.nn.Module:
    return build_spec_on_meta(get_spec(f"efficientvit-sam-{variant}"))


@pytest.mark.parametrize("variant", VARIANTS)
def test_state_dict_equals_reference_manifest(variant):
    manifest = json.loads((fixture_dir(FIXTURES[variant]) / "keys.json").read_text())
    ours = [[k, list(t.shape), str(t.dtype).removeprefix("torch.")] for k, t in build_on_meta(variant).state_dict().items()]
    assert ours == manifest["tensors"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_parameter_counts(variant):
    model = build_on_meta(variant)
    params = sum(p.numel() for p in model.parameters())
    floats = sum(t.numel() for t in model.state_dict().values() if t.is_floating_point())
    assert round(params / 1e6, 1) == TABLE_PARAMS_M[variant]
    if variant in PARAMETERS:
        assert params == PARAMETERS[variant]
    else:
        assert round(floats / 1e6, 2) == MANIFEST_FLOATS_M[variant]


@pytest.mark.parametrize("variant", VARIANTS)
def test_registry_entry(variant):
    spec = get_spec(f"efficientvit-sam-{variant}")
    assert spec.url == f"https://huggingface.co/mit-han-lab/efficientvit-sam/resolve/main/efficientvit_sam_{variant}.pt"
    assert spec.filename == spec.url.rsplit("/", 1)[1]
    assert spec.input_size == (1024 if variant.startswith("xl") else 512)
    assert spec.licence == "Apache-2.0"


def test_trainer_wrapped_checkpoint_loads(parity_checkpoint, tmp_path):
    """The reference's trainer saves {"state_dict": sd}; its loader unwraps that, so must ours."""
    bare = read_state_dict(parity_checkpoint("efficientvit_sam_l0"))
    torch.save({"state_dict": bare}, tmp_path / "wrapped.pt")
    wrapped = read_state_dict(tmp_path / "wrapped.pt")
    assert list(wrapped) == list(bare)
    assert all(torch.equal(wrapped[k], bare[k]) for k in bare)
    model = EfficientViTSam("l0")
    apply_state_dict(model, wrapped)
    # after_load folded every encoder BatchNorm into its conv
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
