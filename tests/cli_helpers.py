"""Running the real `samcli` command in a subprocess, as a user or a shell pipeline would."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: the PyTorch models' tests run them on PyTorch; `--runtime` on a command line overrides this
#: (ONNX Runtime's own tests: test_onnx_runtime.py), as it does for a user
RUNTIME_ENV = {"SAMCLI_RUNTIME": "torch"}


def samcli(*args, stdin: str | None = None, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "SAMCLI_OFFLINE": "1", **RUNTIME_ENV, **(env or {})}
    return subprocess.run([sys.executable, "-m", "samcli", *map(str, args)], input=stdin, capture_output=True,
                          text=True, env=full_env, cwd=cwd or REPO, timeout=600)


#: the command line with the fake "disc" model registered (tests/fake_models.py)
FAKE_ENV = {"SAMCLI_PLUGINS": "tests.fake_models"}
SAMPLES = REPO / "sample_data"


def samcli_fake(*args, checkpoint: Path, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """`samcli CMD … --model disc --checkpoint FILE`: every command end to end, no parity weights needed."""
    return samcli(*args, "--model", "disc", "--checkpoint", checkpoint, env={**FAKE_ENV, **(env or {})}, **kwargs)


def invoke(*args, env: dict | None = None):
    """The CLI in this process (no interpreter start-up): for tests running it many times."""
    from typer.testing import CliRunner

    from samcli.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args],
                                env={"SAMCLI_OFFLINE": "1", **RUNTIME_ENV, **FAKE_ENV, **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result
