"""`samcli models list|path|download`."""
from __future__ import annotations

import json

import pytest

from tests.cli_helpers import invoke, samcli


def test_models_list_reports_sizes_macs_and_cache_state(tmp_path):
    home = tmp_path / "home"
    (home / "checkpoints").mkdir(parents=True)
    (home / "checkpoints" / "mobile_sam.pt").write_bytes(b"x")
    run = invoke("models", "list", "--json", env={"SAMCLI_HOME": str(home)})
    assert run.exit_code == 0, run.output
    rows = {r["id"]: r for r in map(json.loads, run.stdout.splitlines())}
    assert {"sam-vit-b", "mobilesam", "tinysam", "efficientvit-sam-l0", "efficientsam-ti", "edgesam", "u2netp"} <= set(rows)
    assert rows["mobilesam"]["cached"] and not rows["tinysam"]["cached"]
    # parameters as released (SAM ViT-B's 93.7 M; EfficientViT-SAM-L0's 34.8 M per its README)
    assert rows["sam-vit-b"]["params_m"] == 93.74 and rows["efficientvit-sam-l0"]["params_m"] == 34.79
    assert 480 < rows["sam-vit-b"]["encoder_gmacs"] < 490  # computed from the graph, ~486 G published
    assert rows["edgesam"]["encoder_gmacs"] < rows["mobilesam"]["encoder_gmacs"] < rows["sam-vit-b"]["encoder_gmacs"]
    assert rows["efficientvit-sam-l0"]["input_size"] == 512 and rows["u2netp"]["kind"] == "saliency"
    assert rows["disc"]["params_m"] == 0.0  # a plugin model, not in the table: computed


def test_models_list_names_each_weights_file_and_the_cache_folder(tmp_path):
    run = invoke("models", "list", env={"SAMCLI_HOME": str(tmp_path)})
    assert run.exit_code == 0, run.output
    for name in ("mobile_sam.pt", "edge_sam.pth", "efficientvit_sam_l0.pt", "u2netp.pth"):
        assert name in run.stdout
    assert f"weights files live in {tmp_path / 'checkpoints'}" in run.stdout


def test_models_path_prints_where_the_weights_go(tmp_path):
    run = invoke("models", "path", "mobilesam", "edgesam", env={"SAMCLI_HOME": str(tmp_path)})
    assert run.exit_code == 0 and run.stdout.splitlines() == [
        str(tmp_path / "checkpoints" / "mobile_sam.pt"), str(tmp_path / "checkpoints" / "edge_sam.pth")]
    run = invoke("models", "path", "no-such-model")
    assert run.exit_code == 2 and "unknown model" in run.stderr


def test_models_download_offline_fails_with_the_path(tmp_path):
    run = invoke("models", "download", "tinysam", env={"SAMCLI_HOME": str(tmp_path)})
    assert run.exit_code == 3 and "tinysam_42.3.pth" in run.stderr and "Traceback" not in run.stderr
    assert "--checkpoint" not in run.stderr  # an option `models download` does not have
    run = invoke("models", "download", "u2netp", env={"SAMCLI_HOME": str(tmp_path)})
    assert run.exit_code == 3 and "--sod spectral, which needs no weights" in run.stderr
    assert "--sod-checkpoint" not in run.stderr
    run = invoke("models", "download", "no-such-model")
    assert run.exit_code == 2 and "unknown model" in run.stderr


def test_a_command_without_weights_names_its_options(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    from PIL import Image

    Image.new("RGB", (32, 24)).save(images / "a.png")
    run = invoke("salient", images, "--sod", "u2netp", "--save-cutouts", tmp_path / "c", "--model", "disc",
                 "-c", tmp_path / "missing.pt", env={"SAMCLI_HOME": str(tmp_path / "home")})
    assert run.exit_code == 3 and "missing.pt does not exist" in run.stderr
    ckpt = tmp_path / "disc.pt"
    from tests.fake_models import write_checkpoint

    write_checkpoint(ckpt)
    run = invoke("salient", images, "--sod", "u2netp", "--save-cutouts", tmp_path / "c", "--model", "disc", "-c", ckpt,
                 env={"SAMCLI_HOME": str(tmp_path / "home")})
    assert run.exit_code == 3 and "--sod-checkpoint PATH" in run.stderr and "--sod spectral" in run.stderr


#: one model of each architecture family; the slow case checks every row
SAMPLED = ("efficientvit-sam-l0", "efficientsam-ti", "mobilesam")


@pytest.mark.parametrize("model_id", [
    *SAMPLED, *(pytest.param(m, marks=pytest.mark.slow) for m in (
        "sam-vit-b", "sam-vit-l", "sam-vit-h", "tinysam", "efficientvit-sam-l1", "efficientvit-sam-l2",
        "efficientvit-sam-xl0", "efficientvit-sam-xl1", "efficientsam-s", "edgesam", "edgesam-3x", "u2netp", "u2net"))])
def test_the_complexity_table_is_what_the_architecture_gives(model_id):
    """`models list` reads a table (computing all takes ~15 s): each row is what the code computes."""
    from samcli.models import get_spec
    from samcli.models.complexity import complexity
    from samcli.models.complexity_table import COMPLEXITY

    assert COMPLEXITY[model_id] == complexity(get_spec(model_id))


def test_the_complexity_table_covers_every_built_in_model():
    from samcli.models.complexity_table import COMPLEXITY
    from samcli.models.registry import BUILT_IN

    assert set(COMPLEXITY) == {spec.id for spec in BUILT_IN}
