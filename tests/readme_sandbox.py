"""Where README examples run as written: a scratch copy of the repository's root (sample_data, the
Makefile, benchmarks/), with `samcli` and `.venv/bin/samcli` on hand, a HOME whose ~/weights holds
weights files under their released names, and SAMCLI_HOME a cache holding them too (offline).

The `samcli` there records its arguments (one JSON list a line) before it runs this checkout's
samcli; in a dry run it only records them, so every example's options and paths can be checked
without running a model."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.readme_examples import REPO, Example

SAMCLI_SHIM = """#!{python}
import json, os, sys
with open(os.environ["README_ARGV_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if os.environ.get("README_DRY_RUN"):
    sys.stdin.buffer.read()  # a pipeline's writer is not cut off
    sys.exit(0)
os.execv(sys.executable, [sys.executable, "-m", "samcli", *sys.argv[1:]])
"""
PYTHON_SHIM = """#!/bin/sh
[ -n "$README_DRY_RUN" ] && exit 0
exec {python} "$@"
"""


def write_script(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.format(python=sys.executable))
    path.chmod(0o755)


@dataclass
class Sandbox:
    root: Path  # the working directory: the repository's root as a reader has it
    env: dict[str, str]
    argv_log: Path

    def run(self, example: Example, timeout: float = 600) -> subprocess.CompletedProcess:
        """The example as written: a shell line in bash (a failing command or pipeline part fails
        it), a Python block in this checkout's interpreter."""
        if example.language == "python":
            args = [sys.executable, "-c", example.text]
        else:
            args = ["bash", "-e", "-o", "pipefail", "-c", example.text]
        return subprocess.run(args, cwd=self.root, env=self.env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=timeout)

    def take_argv(self) -> list[list[str]]:
        """The samcli command lines run since the last call."""
        if not self.argv_log.exists():
            return []
        lines = self.argv_log.read_text(encoding="utf-8").splitlines()
        self.argv_log.unlink()
        return [json.loads(line) for line in lines]


def make_sandbox(folder: Path, cache: Path, weights: dict[str, Path], dry: bool = False) -> Sandbox:
    """weights: released file name → file, linked into ~/weights (a dry run gets empty files)."""
    root, home = folder / "repo", folder / "home"
    shutil.copytree(REPO / "sample_data", root / "sample_data")
    shutil.copy2(REPO / "Makefile", root / "Makefile")
    (root / "benchmarks").symlink_to(REPO / "benchmarks")
    write_script(folder / "bin" / "samcli", SAMCLI_SHIM)
    write_script(root / ".venv" / "bin" / "samcli", SAMCLI_SHIM)
    write_script(root / ".venv" / "bin" / "python", PYTHON_SHIM)
    (home / "weights").mkdir(parents=True)
    for name, path in weights.items():
        if dry:
            (home / "weights" / name).touch()
        else:
            (home / "weights" / name).symlink_to(path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMCLI_", "RAY_", "README_"))}
    env.update(PATH=f"{folder / 'bin'}{os.pathsep}{env.get('PATH', '')}", HOME=str(home), PYTHONPATH=str(REPO),
               SAMCLI_HOME=str(cache), SAMCLI_OFFLINE="1", README_ARGV_LOG=str(folder / "argv.jsonl"))
    if dry:
        env["README_DRY_RUN"] = "1"
    return Sandbox(root, env, folder / "argv.jsonl")
