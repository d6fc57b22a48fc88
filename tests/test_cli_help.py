"""`--help` of every command says what a value is the way users type it, and
usage errors are one `error:` line (no box), exit 2."""
from __future__ import annotations

import re

import pytest

from tests.cli_helpers import invoke


def command_paths() -> list[tuple[str, ...]]:
    """Every command and group of `samcli`, as argument lists: (), ("segment",), ("models", "list"), …"""
    from typer.main import get_command

    from samcli.cli import app

    def walk(command, path):
        yield path
        for name in getattr(command, "list_commands", lambda ctx: [])(None):
            yield from walk(command.get_command(None, name), (*path, name))

    return list(walk(get_command(app), ()))


#: what Typer 0.29 printed before: a Python type per value (<bool>, <str>, <list[Path]>, <int range>, <path>, …)
PYTHON_TYPES = re.compile(r"<(bool|str|int|float|path|dir|file|list\[|[a-z]+ range)")
LONG_DEFAULT = re.compile(r"default: -?\d*\.\d{5,}")


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "samcli")
def test_help_shows_values_as_users_type_them(path):
    result = invoke(*path, "--help", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert not PYTHON_TYPES.search(text), PYTHON_TYPES.search(text).group(0)
    assert not LONG_DEFAULT.search(text), LONG_DEFAULT.search(text).group(0)
    assert "{" not in text.splitlines()[1]  # the usage line names arguments as click does: IMAGES, not {images}


def test_switches_choices_and_extras_read_right():
    text = invoke("salient", "--help", env={"COLUMNS": "200"}).output
    assert re.search(r"--offline\s+Never download", text)  # a switch: no value shown
    assert re.search(r"--format\s+-f\s+\[coco\|coco-results\|jsonl\|yolo-seg\|labelstudio\]", text)
    assert re.search(r"--sod\s+\[u2netp\|u2net\|spectral\]", text)
    assert "samcli[ray]" in text and "[default: one per GPU; on CPUs, as many as fit]" in text  # no longer eaten as markup
    text = invoke("everything", "--help", env={"COLUMNS": "200"}).output
    assert "[default: 512/1500]" in text


def test_a_fraction_is_a_crop_overlap_ratio(tmp_path):
    from samcli.cli.everything_cmd import fraction

    assert fraction("512/1500") == 512 / 1500 and fraction("0.25") == 0.25
    result = invoke("everything", tmp_path, "--crop-overlap-ratio", "1/0")
    assert result.exit_code == 2 and "neither a number nor a fraction" in result.output


@pytest.mark.parametrize("args, says", [
    (["segment", "x", "--bogus"], "No such option: --bogus"),
    (["segment", "x", "-p", "missing.json"], "'missing.json' does not exist"),
    (["segment", "x", "-p", "x", "-f", "coco-json"], "'coco-json' is not one of 'coco', 'coco-results'"),
    (["everything", "x", "--precision", "fp64"], "'fp64' is not one of 'auto', 'fp32', 'fp16', 'bf16', 'int8'"),
    (["eval", "x", "-a", "x", "--protocol", "boxes"], "'boxes' is not one of 'box', 'point', 'coco-ap'"),
    (["models", "download"], "Missing argument 'MODEL_IDS'"),
    (["nosuch"], "No such command 'nosuch'"),
    (["segmnt", "x"], "Did you mean 'segment'"),  # commands are imported when they run, yet all are suggested
    (["everything", "x", "--batch-size", "0"], "0 is not in the range x>=1"),
    (["salient", "x", "--threshold", "nan"], "nan is not in the range 0.0<=x<=1.0"),
])
def test_usage_errors_are_one_error_line_exit_2(args, says, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x").write_text("{}")
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], result.output
    assert "╭" not in result.output and "--help" in lines[0]


def test_the_parser_accepts_what_the_engine_does():
    """The choices are torch-free copies (a fast --help): they must be the engine's."""
    from samcli.cli import options as opt
    from samcli.engine.device import PRECISIONS
    from samcli.eval.pipeline import PROTOCOLS
    from samcli.engine.segment import SCORE_MODES
    from samcli.models.base import MULTIMASK_MODES
    from samcli.salient.saliency import saliency_source_names

    assert opt.PRECISIONS == PRECISIONS and opt.PROTOCOLS == PROTOCOLS
    assert opt.MULTIMASK_MODES == tuple(MULTIMASK_MODES) and opt.SCORE_MODES == SCORE_MODES
    assert opt.SALIENCY_SOURCES == tuple(saliency_source_names())
    from samcli.onnx.engine_runtime import RUNTIMES

    assert opt.RUNTIMES == RUNTIMES
