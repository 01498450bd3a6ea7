"""Checkpoint files: safetensors, written atomically, read with bounded memory.

A checkpoint is a standard `safetensors <https://huggingface.co/docs/safetensors>`_ file: an
8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte
range, then the raw bytes. Tensors keep the names and layouts they have in a state dict (which
are PyTorch's), so ``safetensors.torch.load_file(path)`` gives a state dict that PyTorch's
``load_state_dict`` accepts for the same architecture. Everything else (configuration, metrics,
where training stands) is JSON in the header's ``__metadata__``, under the key ``minigrad``.

Writing goes through a temporary file in the target's directory (flushed, fsync'ed, renamed
over the target, removed on any error). Its name carries the writer's process id, so a
temporary file left by a killed writer is recognised and removed by the next save into that
directory.

Reading checks the header before touching any data: its length against the file size and a
limit, every tensor's byte range against the file, its shape against its byte count, the
JSON's nesting depth. The data are then read tensor by tensor, so memory stays bounded by
what the file actually holds. Anything wrong raises ``CheckpointError`` saying what; a file in
another format (PyTorch's ``torch.save`` zip or pickle, a numpy ``.npz``) is named as such,
without unpickling or otherwise running anything in it. With ``check_finite=True`` a float
tensor holding NaN or Inf is refused too, naming the tensor.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ._orphans import orphans

__all__ = ["CheckpointError", "atomic_write", "read", "write"]

MAX_HEADER_BYTES = 64 << 20  # a header beyond this is not a checkpoint but an attack or damage
MAX_JSON_DEPTH = 64  # deeper nesting is refused before json.loads could recurse too far
_KEY = "minigrad"

# safetensors dtype names <-> numpy (the ones numpy has)
_DTYPES = {"BOOL": "?", "U8": "u1", "I8": "i1", "I16": "<i2", "U16": "<u2", "I32": "<i4",
           "U32": "<u4", "I64": "<i8", "U64": "<u8", "F16": "<f2", "F32": "<f4", "F64": "<f8"}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


class CheckpointError(ValueError):
    """The file is not a readable checkpoint: truncated, corrupted, hostile or foreign."""


# ----------------------------------------------------------------------------- writing

def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def remove_stale_temporaries(directory: str | os.PathLike) -> list[Path]:
    """Remove temporary files left in ``directory`` by writers that no longer run."""
    removed = []
    for entry in orphans(directory, r"\..+\.(\d+)\.tmp"):
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def atomic_write(path: str | os.PathLike, chunks: Iterable[bytes], what: str = "save") -> Path:
    """Write ``chunks`` to ``path`` so that it is either the old file or the complete new one."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        why = "is not a directory" if directory.exists() else "does not exist"
        raise FileNotFoundError(f"{what}: cannot write {str(target)!r}: the directory "
                                f"{str(directory)!r} {why}")
    remove_stale_temporaries(directory)
    tmp = _temp_name(target)
    try:
        with open(tmp, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as e:  # permission, a full disk, a quota: say which file could not be written
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        reason = "permission denied" if isinstance(e, PermissionError) else (e.strerror or str(e))
        error = type(e)(f"{what}: cannot write {str(target)!r}: {reason}")
        error.errno = e.errno
        raise error from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename durable where the platform allows it
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return target


def write(path: str | os.PathLike, tensors: Mapping[str, np.ndarray],
          metadata: Any = None, what: str = "save") -> Path:
    """Write ``tensors`` (name -> array) and JSON-able ``metadata`` as one safetensors file."""
    header: dict[str, Any] = {}
    arrays = []
    offset = 0
    for name, value in tensors.items():
        a = np.asarray(value)
        if a.dtype.newbyteorder("<") in _NAMES:
            a = a.astype(a.dtype.newbyteorder("<"), copy=False)
        if a.dtype not in _NAMES:
            raise TypeError(f"{what}: tensor {name!r} has dtype {a.dtype}; a checkpoint holds "
                            "bool, integer and float16/32/64 tensors")
        a = a if a.flags.c_contiguous else a.copy(order="C")
        header[name] = {"dtype": _NAMES[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
        arrays.append(a)
    if metadata is not None:
        header["__metadata__"] = {_KEY: json.dumps(metadata, allow_nan=True)}
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)  # the format aligns the data on 8 bytes

    def chunks() -> Iterable[bytes]:
        yield struct.pack("<Q", len(blob)) + blob
        for a in arrays:
            yield a.tobytes()

    return atomic_write(path, chunks(), what)


# ----------------------------------------------------------------------------- reading

def _depth_ok(text: str, limit: int) -> bool:
    """Whether JSON ``text`` nests at most ``limit`` deep (strings are skipped)."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _json(text: str, what: str) -> Any:
    if not _depth_ok(text, MAX_JSON_DEPTH):
        raise CheckpointError(f"{what} nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        raise CheckpointError(f"{what} is not valid JSON ({e})") from None


def _entry(name: str, info: Any, data_size: int) -> tuple[np.dtype, tuple[int, ...], int, int]:
    """One tensor's header entry checked: its dtype, shape and byte range ``begin..end``."""
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise CheckpointError(f"tensor {name!r}: malformed header entry")
    dtype = _DTYPES.get(info["dtype"])
    if dtype is None:
        raise CheckpointError(f"tensor {name!r}: unsupported dtype {info['dtype']!r}")
    shape = info["shape"]
    _check_shape(name, shape)
    begin, end = _byte_range(name, info["data_offsets"], data_size)
    if _nbytes(np.dtype(dtype).itemsize, shape, data_size) != end - begin:
        raise CheckpointError(f"tensor {name!r}: shape {tuple(shape)} of {info['dtype']} does "
                              f"not match its {end - begin} stored bytes")
    return np.dtype(dtype), tuple(shape), begin, end


def _check_shape(name: str, shape: Any) -> None:
    """A list of at most 32 non-negative ints."""
    if (not isinstance(shape, list) or len(shape) > 32
            or not all(type(s) is int and s >= 0 for s in shape)):
        raise CheckpointError(f"tensor {name!r}: bad shape {shape!r}")


def _byte_range(name: str, offsets: Any, data_size: int) -> tuple[int, int]:
    """``data_offsets`` as ``(begin, end)``: two ints in order, inside the data section."""
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(type(o) is int for o in offsets) or not 0 <= offsets[0] <= offsets[1]):
        raise CheckpointError(f"tensor {name!r}: bad data_offsets {offsets!r}")
    begin, end = offsets
    if end > data_size:
        raise CheckpointError(f"tensor {name!r} claims bytes {begin}..{end} but the file holds "
                              f"{data_size} data bytes (truncated or forged)")
    return begin, end


def _nbytes(itemsize: int, shape: list[int], data_size: int) -> int:
    """The bytes a tensor of ``shape`` needs: the exact integer product, stopped as soon as
    it exceeds the file (it cannot match the stored bytes then, and a forged shape of huge
    dims costs no long multiplication)."""
    nbytes = itemsize
    for s in shape:
        nbytes *= s
        if nbytes > data_size:
            break
    return nbytes


_CONVERT = ("convert it in PyTorch with safetensors: from safetensors.torch import save_file; "
            "save_file(model.state_dict(), 'model.safetensors')")


def _foreign_format(head: bytes) -> str | None:
    """What a file that is not safetensors is, judged from its first bytes only (nothing in
    it is unpickled or otherwise run); None when it is not a format we recognise."""
    if head.startswith(b"PK\x03\x04"):  # a zip archive; its first member's name says whose
        (name_length,) = struct.unpack("<H", head[26:28]) if len(head) >= 30 else (0,)
        first = head[30:30 + name_length].decode("utf-8", "replace")
        if first.endswith(("data.pkl", "/version", "/byteorder")) or ".data/" in first:
            return ("it is a PyTorch checkpoint (torch.save's zip format), not a safetensors "
                    "file: minigrad.load reads the state dict in it (through an unpickler that "
                    f"runs no code), or {_CONVERT}")
        if first.endswith(".npy"):
            return ("it is a numpy .npz archive (as minigrad wrote before checkpoint format "
                    "version 2), not a safetensors file: read it with numpy.load(path) and "
                    "write it again with minigrad.save")
        return "it is a zip archive, not a safetensors file"
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return ("it is a Python pickle (PyTorch's legacy torch.save format, or pickle.dump), "
                "not a safetensors file; minigrad never unpickles. If it is a PyTorch "
                f"checkpoint, {_CONVERT}")
    return None


def _check_finite(where: str, name: str, array: np.ndarray) -> None:
    if array.dtype.kind != "f":
        return
    bad = ~np.isfinite(array)
    if bad.any():
        nan = int(np.isnan(array).sum())
        kinds = " and ".join(k for k, n in (("NaN", nan), ("Inf", int(bad.sum()) - nan)) if n)
        raise CheckpointError(f"{where}: tensor {name!r} holds {kinds} ({int(bad.sum()):,} of "
                              f"{array.size:,} values), so the weights are unusable (did "
                              "training diverge?)")


def read(path: str | os.PathLike, names: Iterable[str] | None = None,
         what: str = "load", *, check_finite: bool = False
         ) -> tuple[dict[str, np.ndarray], Any]:
    """The tensors (all, or only ``names``) and the metadata of a checkpoint file.

    Raises ``FileNotFoundError`` when there is no such file and ``CheckpointError`` when it is
    not a well-formed safetensors file (a PyTorch ``.pt`` file or a pickle is named as such,
    never unpickled), or, with ``check_finite=True``, when a float tensor holds NaN or Inf
    (the error names the tensor). ``what`` starts every message (``"minigrad.load"``);
    ``""`` starts them with the path alone."""
    path = Path(path)
    where = f"{what}: {str(path)!r}" if what else str(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what}: no such file {str(path)!r}" if what
                                else f"{path}: no such file")
    size = path.stat().st_size
    with open(path, "rb") as f:
        n = _header_length(f, size, where)
        header, metadata = _read_header(f, n, where)
        entries = _entries(header, size - 8 - n, where)
        wanted = list(entries) if names is None else list(names)
        missing = [k for k in wanted if k not in entries]
        if missing:
            raise CheckpointError(f"{where} has no tensor {missing[0]!r} (it holds "
                                  f"{len(entries)}: {', '.join(list(entries)[:6])}...)")
        tensors = {}
        for name in wanted:
            tensors[name] = _read_tensor(f, 8 + n, entries[name], where, name)
            if check_finite:
                _check_finite(where, name, tensors[name])
    return tensors, metadata


def _header_length(f: BinaryIO, size: int, where: str) -> int:
    """The header's byte count, from the file's first 8 bytes. A count the file cannot hold
    is how a foreign format (a PyTorch zip, a pickle) shows, so such a file is named."""
    head = f.read(8)
    if len(head) < 8:
        raise CheckpointError(f"{where} is not a checkpoint: {size} bytes, too short for "
                              "a safetensors header")
    (n,) = struct.unpack("<Q", head)
    if n > min(MAX_HEADER_BYTES, size - 8):
        foreign = _foreign_format(head + f.read(504))
        if foreign:
            raise CheckpointError(f"{where} is not a checkpoint: {foreign}")
        raise CheckpointError(f"{where} is not a checkpoint (or is truncated): its header "
                              f"claims {n} bytes, the file has {size - 8} after the length "
                              f"field (limit {MAX_HEADER_BYTES})")
    return n


def _read_header(f: BinaryIO, n: int, where: str) -> tuple[dict, Any]:
    """The header's tensor entries and minigrad's metadata (None when the file has none),
    checked before any of it is trusted."""
    raw = f.read(n)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        head = struct.pack("<Q", n)  # the length field, byte for byte as read
        foreign = _foreign_format(head + raw[:504])
        raise CheckpointError(f"{where} is not a checkpoint: {foreign}" if foreign else
                              f"{where} is not a checkpoint: its header is not UTF-8 "
                              "text") from None
    header = _json(text, f"{where}: the header")
    if not isinstance(header, dict):
        raise CheckpointError(f"{where}: the header is not a JSON object")
    meta_raw = header.pop("__metadata__", None) or {}
    if not isinstance(meta_raw, dict) or not all(isinstance(v, str)
                                                 for v in meta_raw.values()):
        raise CheckpointError(f"{where}: __metadata__ must map strings to strings")
    metadata = _json(meta_raw[_KEY], f"{where}: the metadata") if _KEY in meta_raw else None
    return header, metadata


def _entries(header: dict, data_size: int, where: str
             ) -> dict[str, tuple[np.dtype, tuple[int, ...], int, int]]:
    """Each tensor's dtype, shape and byte range, every one checked against the data size."""
    entries = {}
    for name, info in header.items():
        try:
            entries[name] = _entry(name, info, data_size)
        except CheckpointError as e:
            raise CheckpointError(f"{where}: {e}") from None
    return entries


def _read_tensor(f: BinaryIO, data_start: int,
                 entry: tuple[np.dtype, tuple[int, ...], int, int], where: str,
                 name: str) -> np.ndarray:
    """One tensor's bytes as an array in native byte order that owns its memory."""
    dtype, shape, begin, end = entry
    f.seek(data_start + begin)
    buf = f.read(end - begin)
    if len(buf) != end - begin:
        raise CheckpointError(f"{where}: tensor {name!r} is truncated")
    return np.frombuffer(buf, dtype=dtype).reshape(shape).astype(
        dtype.newbyteorder("="), copy=True)
