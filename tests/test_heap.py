"""A process that runs a PyTorch model on the CPU keeps its freed heap: a large
block used again is not faulted in again page by page (see samcli.ops.memory).
Each case runs in its own interpreter: the setting is for the whole process."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from samcli.ops import memory

pytestmark = pytest.mark.skipif(memory._LIBC is None, reason="the kept heap is glibc's (mallopt)")

BLOCK_PAGES = 2**26 // 4096  # a 64 MB tensor, above glibc's largest mmap threshold

SCRIPT = """
import json, resource, torch
from samcli.engine.segment import Segmenter
from samcli.models import get_spec
from samcli.ops import memory

def faults_of_a_second_use():
    torch.ones(2**24)  # 64 MB, freed at once
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    torch.ones(2**24)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

def mapped():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()

def released_by_a_large_free():
    # bytes given back when 2.5 GB of freed heap sit on top (SAM ViT-L/H's global blocks
    # free more than 2 GB at once); never touched, so this costs no page faults
    block = torch.empty(625 * 2**20)
    before = mapped()
    del block
    return before - mapped()

before = faults_of_a_second_use()
Segmenter(get_spec("mobilesam").build())  # on the CPU
print(json.dumps({"kept": memory._kept, "before": before, "after": faults_of_a_second_use(),
                  "released": released_by_a_large_free()}))
"""


def _run(**env: str) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_a_cpu_pipeline_keeps_the_heap_so_a_large_block_is_not_faulted_in_again():
    seen = _run(SAMCLI_KEEP_HEAP="1")
    assert seen["kept"]
    assert seen["before"] >= BLOCK_PAGES * 0.9  # glibc's default: a fresh mapping each time
    assert seen["after"] < BLOCK_PAGES * 0.1, seen
    assert seen["released"] < 2**30, seen  # not trimmed: mallopt's 2 GB maximum would give it back


def test_glibcs_defaults_give_a_large_block_back():
    """The oracle of the kept heap's last check: by default the block goes back."""
    assert _run(SAMCLI_KEEP_HEAP="0")["released"] >= 2**31


def test_samcli_keep_heap_0_leaves_glibcs_defaults():
    seen = _run(SAMCLI_KEEP_HEAP="0")
    assert not seen["kept"]
    assert seen["after"] >= BLOCK_PAGES * 0.9, seen
