"""The IDX file format (MNIST's and its relatives'): read one file, optionally gzipped, checked.

The format: two zero bytes, a type code, the number of dimensions, one big-endian int32 per
dimension, then the data.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

__all__ = ["IDXFormatError", "read_idx"]

# IDX type codes (third byte of the magic number) -> numpy dtype (big-endian)
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class IDXFormatError(ValueError):
    """An IDX file that is not what it claims to be (bad magic, truncated, wrong shape)."""


def _open(path: Path):  # noqa: ANN202
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (optionally gzipped) into a numpy array, checking it thoroughly.

    The format: two zero bytes, a type code, the number of dimensions, one big-endian int32 per
    dimension, then the data. Anything else raises ``IDXFormatError`` naming the file.
    """
    path = Path(path)
    raw = _read_bytes(path)
    dtype, shape, header = _header(path, raw)
    expected = int(np.prod(shape)) * dtype.itemsize
    got = len(raw) - header
    if got != expected:
        what = "truncated" if got < expected else "has trailing bytes"
        raise IDXFormatError(
            f"{path}: IDX file {what}: header says shape {shape} ({expected} data bytes), "
            f"file has {got}"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes (unzipped); a missing file is a FileNotFoundError, an unreadable or
    broken one an ``IDXFormatError``."""
    try:
        with _open(path) as f:
            return f.read()
    except (EOFError, gzip.BadGzipFile, OSError) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise IDXFormatError(f"{path}: cannot read IDX file ({e})") from e


def _header(path: Path, raw: bytes) -> tuple[np.dtype, tuple[int, ...], int]:
    """The header's element dtype and shape, and its length in bytes (where data starts)."""
    if len(raw) < 4:
        raise IDXFormatError(f"{path}: truncated IDX file ({len(raw)} bytes, no header)")
    zero, code, ndim = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
    if zero != 0 or code not in _IDX_TYPES or ndim == 0:
        raise IDXFormatError(
            f"{path}: not an IDX file (magic number 0x{raw[:4].hex()}; expected 0x000008NN, "
            "e.g. 0x00000803 for images or 0x00000801 for labels)"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXFormatError(f"{path}: truncated IDX header ({len(raw)} bytes, need {header})")
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    return np.dtype(_IDX_TYPES[code]), shape, header
