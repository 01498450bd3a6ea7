"""Scratch memory for the kernels' big internal buffers (columns, padded images,
transposed gradients).

A fresh multi-megabyte array costs a page fault per page on first touch (the kernel
zeroes it): for the 72 MiB column buffer of a mid-sized conv that is ~10 ms, more than
filling it. So those buffers come from a small cache of blocks, like PyTorch's caching
allocator. The reference ops allocate plainly and never use it.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np

__all__ = ["clear_workspace", "workspace", "workspace_bytes"]

_CACHE: list[np.ndarray] = []
_CACHE_LOCK = threading.Lock()
_CACHE_BLOCKS = 8  # enough for a few conv layers; each block is reused only when free
_CACHE_MIN_BYTES = 1 << 20


def workspace(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An uninitialised scratch array, reusing a cached block that nothing references.

    A block is handed out again only when its reference count shows that no array (or
    view of it) is alive any more. Never used for arrays returned to the user.
    """
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if nbytes < _CACHE_MIN_BYTES:
        return np.empty(shape, dtype)
    with _CACHE_LOCK:
        for i in range(len(_CACHE)):
            block = _CACHE[i]
            # referenced by the cache, ``block`` and getrefcount's argument only: free
            if block.nbytes == nbytes and sys.getrefcount(block) == 3:
                _CACHE.append(_CACHE.pop(i))  # most recently used last
                return block.view(dtype).reshape(shape)
            del block
        block = np.empty(nbytes, np.uint8)
        _CACHE.append(block)
        if len(_CACHE) > _CACHE_BLOCKS:
            _CACHE.pop(0)  # forgotten by the cache; freed when its last user lets go
        return block.view(dtype).reshape(shape)


def clear_workspace() -> int:
    """Drop the cached scratch blocks (freed once nothing uses them); returns the bytes
    the cache held. For memory measurements and tight-memory programs."""
    with _CACHE_LOCK:
        held = sum(b.nbytes for b in _CACHE)
        _CACHE.clear()
    return held


def workspace_bytes() -> int:
    """Bytes currently held by the scratch cache."""
    with _CACHE_LOCK:
        return sum(b.nbytes for b in _CACHE)
