"""Keep freed array memory in the process for the next step (glibc's malloc thresholds).

A training step allocates and frees the same few-megabyte arrays every time. With glibc's
defaults, big freed blocks go back to the operating system (``munmap``, or a trim of the
heap's free top), so the next step's arrays are fresh pages again: one page fault per 4 KiB,
each zero-filled by the kernel. On the project machine that was about 2,400 faults per LeNet
step and 3,500 per SimpleConvNet step, a third of the step's time. PyTorch's CPU tuning guide
answers the same problem by swapping in jemalloc or tcmalloc; numpy cannot be given an
allocator from Python, but glibc's own malloc has two knobs that do the job:

* ``M_MMAP_THRESHOLD`` = 128 MiB: blocks below it come from the heap, where a freed block
  can be handed out again, instead of their own ``mmap`` (fresh, zero-filled pages every
  time). Older glibc releases refuse more than 32 MiB (their historical maximum); there
  32 MiB is used.
* ``M_TRIM_THRESHOLD`` = 256 MiB: the heap gives memory back only when that much is free at
  its top, so a step's worth of freed arrays stays mapped for the next step.

These are settings of the whole process, so a library must not change them behind its
user's back: ``import minigrad`` leaves malloc alone. A program opts in with one call,
``tune()`` (the ``minigrad`` command does, for its own process), or with the environment
variable ``MINIGRAD_MALLOC_TUNING=1`` read at import. The cost is memory the process keeps
after a step: its resident size stays near the step's peak (plus at most 256 MiB of free
heap) instead of dropping in between; the peak itself did not move (231 MiB over a
`minigrad train` run).

Even when asked, it is left alone where the user has set glibc's own ``MALLOC_*_`` variables
or ``GLIBC_TUNABLES`` for malloc (theirs win), and wherever the C library is not glibc
(macOS, Windows, musl). ``status`` says which happened.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["MMAP_THRESHOLD", "OLD_GLIBC_MMAP_THRESHOLD", "TRIM_THRESHOLD", "status", "tune"]

MMAP_THRESHOLD = 128 << 20  # SimpleConvNet's batch-1000 activations (69 MiB) fit under it
OLD_GLIBC_MMAP_THRESHOLD = 32 << 20  # the most older glibc releases accept
TRIM_THRESHOLD = 256 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h> parameter numbers

status = "off: not asked for (call minigrad.kernels.tune_malloc() or set MINIGRAD_MALLOC_TUNING=1)"


def _users_own_setting() -> str | None:
    """The environment variable through which the user already configures glibc's malloc."""
    for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"):
        if name in os.environ:
            return name
    if "glibc.malloc." in os.environ.get("GLIBC_TUNABLES", ""):
        return "GLIBC_TUNABLES"
    return None


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the C library this interpreter already runs on
    except OSError:
        return None
    if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):
        return None  # musl and others: no glibc malloc to configure
    return libc


def asked_for_by_environment() -> bool:
    """Whether ``MINIGRAD_MALLOC_TUNING`` asks for the tuning (``1``, ``on``, ``true``, ``yes``)."""
    return os.environ.get("MINIGRAD_MALLOC_TUNING", "").strip().lower() in ("1", "on", "true",
                                                                            "yes")


def tune() -> str:
    """Raise glibc's mmap and trim thresholds for this process (see the module's text);
    returns and records in ``status`` what was done. An explicit opt-in, also reached as
    ``minigrad.kernels.tune_malloc()``: minigrad never calls it on import unless
    ``MINIGRAD_MALLOC_TUNING=1`` asks."""
    global status
    if (name := _users_own_setting()) is not None:
        status = f"left alone: the user configures malloc through {name}"
    elif (libc := _glibc()) is None:
        status = f"left alone: the C library is not glibc ({sys.platform})"
    else:
        mmap = next((t for t in (MMAP_THRESHOLD, OLD_GLIBC_MMAP_THRESHOLD)
                     if libc.mallopt(_M_MMAP_THRESHOLD, t) == 1), None)
        if mmap is not None and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1:
            status = (f"tuned: mmap threshold {mmap >> 20} MiB, "
                      f"trim threshold {TRIM_THRESHOLD >> 20} MiB")
        else:
            status = "left alone: glibc refused the thresholds"
    return status
