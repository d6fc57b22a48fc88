"""A model that cannot do the job is a usage error, decided from the registry
before any weights are looked for (issue 15, item 2); weights made for another
model are a weights error naming the model they were checked against and the
models they fit."""
from __future__ import annotations

import pytest

from samcli.errors import SamcliError
from samcli.models import get_spec
from samcli.models.complexity import build_on_meta
from samcli.models.registry import all_specs
from tests.cli_helpers import SAMPLES, invoke

IMAGES = SAMPLES / "images"
PROMPTABLE = [s.id for s in all_specs("promptable")]
SALIENCY = [s.id for s in all_specs("saliency")]


def listed(message: str) -> set[str]:
    """The model ids a message lists after its last colon."""
    return {word.strip(" .\n") for word in message.rsplit(":", 1)[1].split(",")}


@pytest.mark.parametrize("args", [
    ["segment", IMAGES, "-p", SAMPLES / "prompts" / "prompts.json", "-m", "u2netp"],
    ["everything", IMAGES, "-m", "u2net"],
    ["salient", IMAGES, "-o", "{tmp}", "--sod", "spectral", "-m", "u2netp"],
    ["eval", IMAGES, "-a", SAMPLES / "eval" / "instances_gt.json", "--protocol", "box", "-m", "u2netp"],
    ["bench", "-m", "u2netp"],
], ids=["segment", "everything", "salient", "eval", "bench"])
def test_a_saliency_model_where_a_promptable_one_is_needed_is_exit_2(args, tmp_path):
    run = invoke(*[str(a).replace("{tmp}", str(tmp_path / "out")) for a in args])
    assert run.exit_code == 2, run.stderr
    assert "is a salient-object map" in run.stderr and "needs a promptable segmenter" in run.stderr
    assert listed(run.stderr) >= set(PROMPTABLE) and not listed(run.stderr) & set(SALIENCY)


def test_a_promptable_model_as_the_saliency_source_is_exit_2(tmp_path):
    run = invoke("salient", IMAGES, "-o", tmp_path / "out", "--sod", "mobilesam")
    assert run.exit_code == 2
    assert "mobilesam is a promptable segmenter" in run.stderr and "--sod needs a salient-object map" in run.stderr
    assert listed(run.stderr) == {*SALIENCY, "spectral"}


def test_an_unknown_model_lists_only_the_models_that_fit(tmp_path):
    run = invoke("segment", IMAGES, "-p", SAMPLES / "prompts" / "prompts.json", "-m", "nope", "-o", tmp_path / "o.json")
    assert run.exit_code == 2 and "unknown model 'nope'; segment takes:" in run.stderr
    assert not listed(run.stderr) & set(SALIENCY)


def test_the_python_api_refuses_a_saliency_model_too():
    import samcli

    model = build_on_meta(get_spec("u2netp"))
    model.spec = get_spec("u2netp")
    with pytest.raises(SamcliError, match=r"u2netp is a salient-object map .*; Segmenter needs a promptable segmenter"):
        samcli.Segmenter(model)


@pytest.mark.parametrize("fixture, model, expected", [
    ("mobilesam", "efficientvit-sam-l0", "Its tensors are those of mobilesam, tinysam: use --model mobilesam (or tinysam)."),
    ("u2netp", "edgesam", "Its tensors are those of u2netp: use --sod u2netp."),
])
def test_weights_of_another_model_name_the_model_they_fit(parity_checkpoint, tmp_path, fixture, model, expected):
    weights = parity_checkpoint(fixture)
    run = invoke("segment", IMAGES / "dog.jpg", "-p", SAMPLES / "prompts" / "prompts.json", "-m", model,
                 "-c", weights, "-o", tmp_path / "o.json", "-q")
    assert run.exit_code == 3, run.stderr
    assert f"{weights}: not {model} weights. {expected} In detail: " in " ".join(run.stderr.split())
