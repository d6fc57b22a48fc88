"""The C heap of a process that runs models on the CPU (glibc; elsewhere no-ops).

Kept heap. PyTorch's CPU tensors come straight from malloc, and glibc serves
every block above its mmap threshold (32 MB at most) with a fresh mapping that
it unmaps on free. So each large temporary (the 0.8 GB attention bias of
SAM ViT-B's global blocks, its 50 MB MLP activations, full-resolution mask
batches) is faulted in page by page on every use: 2.1 M page faults and ~5 s
of system time per ViT-B encode on 2 cores (10.5 s; kept, 7.7 s).
`keep_freed_heap` turns those mappings off and stops glibc from trimming the
heap, so freed blocks are reused as they are; the process keeps its peak
memory until it exits (peaks measured from -13 % to +21 %: README). Set
SAMCLI_KEEP_HEAP=0 to leave glibc's defaults.

Released heap. Full-resolution masks are allocated and freed chunk after
chunk while small, long-lived RLE strings land between them, and the heap
fragments: measured on an 8-MP image with one-mask chunks, RSS grew to 1.4 GB
instead of 0.4 GB (glibc's defaults: its dynamic mmap threshold puts those
maps on the heap), and with the heap kept, `everything` on an 8-MP image
(tests/test_everything_memory.py) peaked 950 MB above its start instead of
380. `release_free_heap` gives the free pages back after each window of masks
where the heap is not kept; where it is, only once the process holds more
than what its encoder needed (`note_encoder_memory`) plus MASK_SLACK, so the
encoder's kept working set is not faulted in again after every image.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
#: mallopt(3): "Setting M_TRIM_THRESHOLD to -1 disables trimming completely". The
#: largest int instead (2 GB) let SAM ViT-L/H's freed temporaries, over 2 GB together,
#: be trimmed after every global block: 2.1 M page faults per ViT-L encode, 23.0 s vs 18.9
_NEVER = -1


def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):  # not glibc
        return None
    return libc


_LIBC = _libc()
_kept = False
#: resident bytes the process held right after an encoder call (freed temporaries included)
_encoder_resident = 0
#: resident bytes mask windows may add to that before the heap is trimmed
MASK_SLACK = 128 * 2**20


def keep_freed_heap() -> bool:
    """Reuse freed memory instead of unmapping it and faulting it in again, for the
    rest of the process. True if the heap is kept (now or already)."""
    global _kept
    if _kept or _LIBC is None or os.environ.get("SAMCLI_KEEP_HEAP", "1") == "0":
        return _kept
    # mallopt returns 1 on success; both, or the heap is left as glibc has it
    _kept = bool(_LIBC.mallopt(_M_MMAP_MAX, 0)) and bool(_LIBC.mallopt(_M_TRIM_THRESHOLD, _NEVER))
    return _kept


def trim_heap() -> None:
    """Give every free page of the heap back to the operating system now."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _resident() -> int:
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def note_encoder_memory() -> None:
    """After an encoder call: what the process holds now is kept for the next one."""
    global _encoder_resident
    if _kept:
        _encoder_resident = max(_encoder_resident, _resident())


def release_free_heap() -> None:
    """After a window of masks: trim where the heap is not kept, or where the masks
    took the process past its encoder's memory by more than MASK_SLACK."""
    if not _kept or _resident() > _encoder_resident + MASK_SLACK:
        trim_heap()
