"""The optional compiled kernels' plumbing: numba found and imported lazily, its on-disk
cache, the one-line notice while kernels compile, ``warmup()``.

``pip install "minigrad[fast]"`` adds numba; without it ``available()`` is False and the
choosers hand out only the numpy kernels. numba is imported on the first convolution, max
pool or batch norm that could use it, never by ``import minigrad``. Before that import, if
the user has not set ``NUMBA_CACHE_DIR``, it is set to a per-user directory
(``$XDG_CACHE_HOME/minigrad/numba`` or ``~/.cache/minigrad/numba``): numba's default
writes next to the installed source, which a system-wide install cannot. Compiling every
kernel takes tens of seconds the first time; later processes load the machine code from
that cache in well under a second.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .parallel import for_blocks

__all__ = ["available", "cache_dir", "compile_for", "in_memory_order", "numba", "run_blocks",
           "warmup"]

# the modules holding numba kernels; each has ``signatures(dtype)``: [(dispatcher, types)]
KERNEL_MODULES = ("minigrad.kernels.winograd", "minigrad.kernels.winograd_small",
                  "minigrad.kernels.direct",
                  "minigrad.kernels.pool_compiled", "minigrad.kernels.norm_compiled",
                  "minigrad.kernels.elementwise_compiled", "minigrad.kernels.optim_compiled",
                  "minigrad.kernels.im2col_compiled")
DTYPES = (np.float32, np.float64)

_lock = threading.RLock()
_available: bool | None = None
_ready: set[np.dtype] = set()  # dtypes whose kernels are compiled (or loaded) here


def cache_dir() -> Path:
    """Where numba caches the compiled kernels (``NUMBA_CACHE_DIR`` when set)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "minigrad" / "numba"


ENV_VAR = "MINIGRAD_COMPILED"  # "0": the numpy kernels only, even where numba is installed


def available() -> bool:
    """Whether the compiled kernels may be used: numba is installed (checked once, without
    importing it) and ``MINIGRAD_COMPILED=0`` was not set when minigrad first asked."""
    global _available
    if _available is None:
        _available = (os.environ.get(ENV_VAR, "1") != "0"
                      and importlib.util.find_spec("numba") is not None)
    return _available


def run_blocks(kernel: Any, n: int, per_item: int, *args: Any) -> None:
    """``kernel(lo, hi, *args)`` over blocks of ``range(n)`` (image planes or channels) on
    minigrad's threads (``parallel.for_blocks``; ``per_item``: elements per item).

    For the short memory-bound passes (max pool, batch norm): serial compiled loops that
    release the GIL, run like the numpy passes. As numba parallel loops they ran on OpenMP
    workers, and a short parallel region between two GEMMs has to wake those on cores where
    OpenBLAS's threads still spin, which cost a training step more than the loops saved.
    Winograd's transforms, longer, measured the other way round and stay parallel loops
    (docs/performance.md)."""
    for_blocks(lambda lo, hi: kernel(lo, hi, *args), n, per_item)


def in_memory_order(a: np.ndarray) -> tuple[np.ndarray, bool]:
    """(N, C, ...) ``a`` as a C-contiguous array in the order it lies in memory, and whether
    that order is (C, N, ...), as conv2d's outputs and the gradients flowing back to them
    lie; a copy in (N, C, ...) order only when ``a`` lies neither way. The compiled loops
    take their arrays this way, so conv outputs reach them without a transposing copy."""
    if a.flags.c_contiguous:
        return a, False
    swapped = a.swapaxes(0, 1)
    if swapped.flags.c_contiguous:
        return swapped, True
    return np.ascontiguousarray(a), False


def numba() -> Any:
    """The numba module, imported now if it was not yet (cache directory set first)."""
    with _lock:
        if "numba" not in sys.modules and not os.environ.get("NUMBA_CACHE_DIR"):
            try:
                cache_dir().mkdir(parents=True, exist_ok=True)
                os.environ["NUMBA_CACHE_DIR"] = str(cache_dir())
            except OSError:  # unwritable: numba falls back to its own locations
                pass
        return importlib.import_module("numba")


def _stamp(dtype: np.dtype) -> Path:
    """A file saying this numba and these kernel sources were compiled for ``dtype``."""
    nb = sys.modules["numba"]
    mtimes = "-".join(str(int(os.path.getmtime(importlib.util.find_spec(m).origin)))
                      for m in KERNEL_MODULES)
    return cache_dir() / f"minigrad-{np.dtype(dtype).name}-numba{nb.__version__}-{mtimes}"


def compile_for(dtype: Any) -> None:
    """Compile (or load from the cache) every kernel for ``dtype``, once per process.

    The first time on a machine this takes tens of seconds, so a one-line notice goes to
    stderr before it starts."""
    key = np.dtype(dtype)  # a set of dtypes, not of names: dtype.name costs 1.5 us a call
    if key in _ready:
        return
    with _lock:
        if key in _ready:
            return
        name = key.name
        numba()
        stamp = _stamp(dtype)
        if not stamp.exists():
            print(f"minigrad: compiling the numba kernels for {name} (once; cached in "
                  f"{cache_dir()})", file=sys.stderr, flush=True)
        for module in KERNEL_MODULES:
            for dispatcher, types in importlib.import_module(module).signatures(dtype):
                dispatcher.compile(types)
        try:
            stamp.touch()
        except OSError:
            pass
        _ready.add(key)


def warmup(dtypes: Any = DTYPES) -> bool:
    """Compile the numba kernels now (float32 and float64) rather than on first use.

    Returns False, doing nothing, when numba is not installed."""
    if not available():
        return False
    for dtype in dtypes:
        compile_for(dtype)
    return True
