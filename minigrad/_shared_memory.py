"""The shared-memory storage behind ``Tensor.share_memory_()``.

A shared tensor's array lives in an anonymous memory file (``memfd_create`` on Linux, an
unlinked temporary file elsewhere) mapped with ``MAP_SHARED``. The file has no name, so there
is nothing to unlink and nothing left in ``/dev/shm`` when processes end or are killed: the
kernel frees the memory when the last mapping and descriptor are gone. Another process
reaches the same memory through a duplicate of the file's descriptor (what
``minigrad.multiprocessing`` sends, as PyTorch's ``file_descriptor`` sharing strategy does);
a forked child inherits the mapping itself.
"""

from __future__ import annotations

import mmap
import os
import sys
import tempfile
import weakref

import numpy as np

__all__ = ["Block", "attach", "block_of", "is_shared", "offset_in", "share"]

# every block mapped in this process, by the file's identity: a tensor that comes back to
# the process (or twice) reuses the mapping instead of mapping the same memory again
_mapped: weakref.WeakValueDictionary[tuple[int, int], Block] = weakref.WeakValueDictionary()


class Block(mmap.mmap):
    """One mapping of a shared memory file. It keeps the file's descriptor (``fd``) open,
    to hand duplicates to other processes, and closes it once no array uses the mapping
    (the mapping holds a second descriptor of its own: two per block in all)."""

    fd: int


def _anonymous_file(size: int) -> int:
    """A descriptor of a new nameless memory file of ``size`` bytes."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("minigrad-tensor", os.MFD_CLOEXEC)
    elif sys.platform != "win32":
        fd, path = tempfile.mkstemp(prefix="minigrad-tensor-")
        os.unlink(path)  # the open descriptor keeps the file; no name, nothing to clean up
    else:
        raise RuntimeError("share_memory_: shared tensors need POSIX shared memory; "
                           "minigrad does not support them on Windows")
    os.ftruncate(fd, size)
    return fd


def attach(fd: int, size: int) -> Block:
    """Map the memory file ``fd`` (``size`` bytes), taking ownership of the descriptor."""
    st = os.fstat(fd)
    key = (st.st_dev, st.st_ino)
    known = _mapped.get(key)
    if known is not None:
        os.close(fd)
        return known
    block = Block(fd, size)
    block.fd = fd
    weakref.finalize(block, os.close, fd)
    _mapped[key] = block
    return block


def block_of(arr: np.ndarray) -> Block | None:
    """The shared block under ``arr`` (following views to their base), or None."""
    obj: object = arr
    while obj is not None:
        if isinstance(obj, Block):
            return obj
        obj = obj.obj if isinstance(obj, memoryview) else getattr(obj, "base", None)
    return None


def is_shared(arr: np.ndarray) -> bool:
    """Whether ``arr`` lives in shared memory."""
    return block_of(arr) is not None


_ALIGN = 64  # each array of a block starts on a cache line


def share(*arrays: np.ndarray) -> list[np.ndarray]:
    """Copies of ``arrays`` (same shapes and dtypes, C order) side by side in one new shared
    block: a module's weights take one memory file, not one each."""
    offsets, end = [], 0
    for arr in arrays:
        offsets.append(end)
        end += -(-arr.nbytes // _ALIGN) * _ALIGN
    size = max(end, 1)  # a zero-length mapping is refused; empty tensors take 1 byte
    block = attach(_anonymous_file(size), size)
    out = []
    for arr, offset in zip(arrays, offsets):
        copy = np.ndarray(arr.shape, arr.dtype, buffer=block, offset=offset)
        copy[...] = arr
        out.append(copy)
    return out


def offset_in(arr: np.ndarray, block: Block) -> int:
    """Where ``arr``'s first element lies in ``block``, in bytes."""
    start = np.frombuffer(block, np.uint8, count=1).__array_interface__["data"][0]
    return arr.__array_interface__["data"][0] - start
