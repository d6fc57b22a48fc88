"""Output problems are found before the work (exit 2, naming the path), and a
stdout that goes away or fills up ends the run as Unix tools end: quietly for
`| head -1` (exit 141), with a message for `> /dev/full` (exit 5), never with
a traceback, and without leaving the private journal in $TMPDIR."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from samcli.cli.exit_codes import EXIT_BROKEN_PIPE, EXIT_IO_FAULT, EXIT_USAGE
from samcli.writers.journal import journal_path
from tests.cli_helpers import invoke
from tests.eval_cli_data import make_job as make_eval_job
from tests.segment_job import make_segment_job


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    return make_segment_job(tmp_path_factory.mktemp("job"), 3)


@contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """A folder this process cannot create files in. Permissions for a user; root
    ignores them, so for root an immutable folder (chattr +i), or a skip."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", folder], capture_output=True).returncode:
        pytest.skip("root ignores permissions, and this file system cannot make a folder immutable (chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", folder], check=True)


def assert_refused_before_work(run, *names: str) -> None:
    assert run.exit_code == EXIT_USAGE, run.stderr
    for name in names:
        assert name in run.stderr, name


def segment(job, *args, log: Path):
    return invoke("segment", job.images, "-p", job.prompts, "--model", "disc", "-c", job.checkpoint, "-q", *args,
                  env={"SAMCLI_FAKE_ENCODE_LOG": str(log)})


@pytest.mark.parametrize("command", ["segment", "everything", "eval", "merge"])
def test_out_that_is_a_folder_is_refused_at_start(command, job, tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    if command == "eval":
        evaluation = make_eval_job(tmp_path / "ev")
        run = invoke(*evaluation.args("box", "-o", folder, models="disc"), env=evaluation.env())
    elif command == "merge":
        part = tmp_path / "part.json"
        part.write_text("[]")
        run = invoke("merge", part, "-o", folder)
    else:
        extra = ["-p", job.prompts] if command == "segment" else []
        run = invoke(command, job.images, *extra, "--model", "disc", "-c", job.checkpoint, "-o", folder)
    assert_refused_before_work(run, f"--out {folder}: is a folder")
    assert list(folder.iterdir()) == [] and list(tmp_path.glob("*.journal.jsonl")) == []


def test_out_in_a_folder_that_is_a_file(job, tmp_path):
    """Works as root too: no permission can make a file a folder."""
    (tmp_path / "notes").write_text("x")
    log = tmp_path / "encoded.log"
    run = segment(job, "-o", tmp_path / "notes" / "out.json", "--save-masks", tmp_path / "m", log=log)
    assert_refused_before_work(run, f"{tmp_path / 'notes'} is a file, not a folder")
    assert not log.exists()


@pytest.mark.parametrize("option", ["--out", "--save-masks", "--save-overlays"])
def test_a_folder_that_cannot_be_written_is_refused_at_start(option, job, tmp_path):
    locked, log = tmp_path / "locked", tmp_path / "encoded.log"
    target = locked / "out.json" if option == "--out" else locked / "pictures"
    args = [option, target] if option == "--out" else ["-o", tmp_path / "out.json", option, target]
    with unwritable(locked):
        run = segment(job, *args, log=log)
    assert_refused_before_work(run, f"{option} {target}: cannot write in")
    assert not log.exists() and not journal_path(tmp_path / "out.json").exists()


def test_export_out_that_cannot_be_written_is_refused_before_the_weights(tmp_path):
    """`export onnx --out`: under a file, or in a folder that cannot be written: exit 2,
    naming the path, before any weights are looked for (none exist here)."""
    pytest.importorskip("onnx", reason="samcli[onnx] is not installed")
    (tmp_path / "notes").write_text("x")
    run = invoke("export", "onnx", "--model", "mobilesam", "--offline", "--out", tmp_path / "notes" / "onnx")
    assert_refused_before_work(run, f"--out {tmp_path / 'notes' / 'onnx'}: {tmp_path / 'notes'} is a file")
    locked = tmp_path / "locked"
    with unwritable(locked):
        run = invoke("export", "onnx", "--model", "mobilesam", "--offline", "--out", locked / "onnx")
    assert_refused_before_work(run, f"--out {locked / 'onnx'}: cannot write in {locked}")


def test_export_that_cannot_write_ends_with_the_io_exit_code(parity_checkpoint, tmp_path, monkeypatch):
    """A disk that fills during `export onnx`: exit 5 naming --out, not an internal error."""
    pytest.importorskip("onnx", reason="samcli[onnx] is not installed")
    import errno

    from samcli.onnx import annotator

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(annotator, "export_for_annotators", full_disk)
    out = tmp_path / "onnx"
    run = invoke("export", "onnx", "--model", "mobilesam", "-c", parity_checkpoint("mobilesam"), "--out", out)
    assert run.exit_code == EXIT_IO_FAULT, run.output
    assert f"--out {out}: cannot write the export (No space left on device)" in run.stderr


def test_salient_subfolder_that_is_a_file_is_refused_at_start(job, tmp_path):
    out_dir = tmp_path / "sal"
    out_dir.mkdir()
    (out_dir / "cutouts").write_text("x")
    run = invoke("salient", job.images, "--sod", "spectral", "--save-cutouts", out_dir / "cutouts" / "dogs",
                 "--model", "disc", "-c", job.checkpoint)
    assert_refused_before_work(run, f"--save-cutouts {out_dir / 'cutouts' / 'dogs'}: {out_dir / 'cutouts'} is a file")


# ---- stdout: the real command in a process of its own (the entry point turns stdout failures into exit codes)


def start_to_stdout(job, fmt: str, stdout, env: dict) -> subprocess.Popen:
    return job.start(["segment", job.images, "-p", job.prompts, "-f", fmt, "-q"], env, stdout=stdout)


def test_a_reader_that_stops_early_ends_the_run_quietly(job, tmp_path):
    """`samcli segment … -f jsonl | head -1`: the second line finds the pipe closed."""
    gate = tmp_path / "gate"
    proc = start_to_stdout(job, "jsonl", subprocess.PIPE,
                           {"SAMCLI_FAKE_ENCODE_GATE": str(gate), "SAMCLI_FAKE_GATE_AFTER": "1"})
    assert proc.stdout.readline().startswith(b'{"image_id": 1')
    proc.stdout.close()  # what `head -1` does once it has its line
    gate.touch()
    assert proc.wait(timeout=120) == EXIT_BROKEN_PIPE
    assert proc.stderr.read() == b""  # no traceback, no "internal error"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("fmt", ["jsonl", "coco"])
def test_a_full_stdout_ends_the_run_with_a_message(fmt, job, tmp_path):
    """jsonl fails on its first line; coco, gathered in a private journal in $TMPDIR, at the end."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    with open("/dev/full", "wb") as full:
        proc = start_to_stdout(job, fmt, full, {"TMPDIR": str(tmp)})
        code, stderr = proc.wait(timeout=120), proc.stderr.read().decode()
    assert code == EXIT_IO_FAULT and "cannot write to stdout (No space left on device)" in stderr, stderr
    assert "--out FILE" in stderr and "internal error" not in stderr and "Traceback" not in stderr
    assert list(tmp.iterdir()) == []


def open_files(pid: int) -> list[str]:
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            found.append(os.readlink(fd))
        except OSError:  # closed meanwhile
            pass
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see the process's open files")
def test_a_killed_run_leaves_no_private_journal(job, tmp_path):
    """The private journal has no name from the start: even SIGKILL leaves nothing."""
    tmp, gate = tmp_path / "tmp", tmp_path / "gate"
    tmp.mkdir()
    proc = start_to_stdout(job, "coco", subprocess.DEVNULL, {"TMPDIR": str(tmp), "SAMCLI_FAKE_ENCODE_GATE": str(gate),
                                                              "SAMCLI_FAKE_GATE_AFTER": "1"})
    deadline = time.monotonic() + 120
    # the journal is open, in $TMPDIR (not tempfile's own first-use probe of $TMPDIR, a file of another name)
    while not [f for f in open_files(proc.pid) if f.startswith(f"{tmp}/.samcli-")]:
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()
        time.sleep(0.05)
    assert list(tmp.iterdir()) == []  # open, but already without a name
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list(tmp.iterdir()) == []
