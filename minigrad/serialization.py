"""``minigrad.save`` / ``minigrad.load``: checkpoints as plain ``.npz`` files, never pickle.

The file is an ordinary numpy ``.npz`` archive: one entry per array (``a0``, ``a1``, ...)
plus ``__minigrad__``, a JSON manifest (as uint8 bytes) that records the format marker, the
version and the structure of the saved object (dicts, lists, tuples, numbers, strings,
None, and which array goes where). Loading uses ``np.load(allow_pickle=False)``, so a
checkpoint can never run code.

Writes are atomic: the archive goes to a temporary file in the target's directory, is
flushed and fsync'ed, and only then renamed over the target (``os.replace``). A crash
mid-write leaves the previous checkpoint untouched.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["CheckpointError", "load", "save"]

FORMAT = "minigrad-checkpoint"
VERSION = 1
_MANIFEST = "__minigrad__"


class CheckpointError(ValueError):
    """The file is not a (readable) minigrad checkpoint: truncated, corrupted or foreign."""


def _encode(obj: Any, arrays: dict[str, np.ndarray], path: str) -> Any:
    """The JSON description of ``obj``; arrays are moved into ``arrays``."""
    if isinstance(obj, Tensor):
        obj = obj.data
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biufc":
            raise TypeError(f"minigrad.save: array at {path} has dtype {obj.dtype}; only "
                            "numeric and bool arrays can be saved")
        key = f"a{len(arrays)}"
        arrays[key] = obj
        return {"array": key}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"float": repr(obj)}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"minigrad.save: dict key {k!r} at {path} is a "
                                f"{type(k).__name__}; only str and int keys can be saved")
            items.append([k, _encode(v, arrays, f"{path}[{k!r}]")])
        return {"dict": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, arrays, f"{path}[{i}]") for i, v in enumerate(obj)]}
    raise TypeError(f"minigrad.save: cannot save a {type(obj).__name__} at {path}; a checkpoint "
                    "holds Tensors, arrays, numbers, strings, None and dicts/lists/tuples of them")


def _decode(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict) and len(node) == 1:
        (kind, value), = node.items()
        if kind == "array":
            return Tensor(arrays[value])
        if kind == "float":
            return float(value)
        if kind == "dict":
            return {k: _decode(v, arrays) for k, v in value}
        if kind == "list":
            return [_decode(v, arrays) for v in value]
        if kind == "tuple":
            return tuple(_decode(v, arrays) for v in value)
    raise ValueError(f"unknown manifest entry {node!r}")


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (a state dict, an optimizer state, or nested dicts/lists of Tensors,
    arrays and plain values) to ``path`` atomically."""
    arrays: dict[str, np.ndarray] = {}
    manifest = {"format": FORMAT, "version": VERSION, "root": _encode(obj, arrays, "obj")}
    blob = np.frombuffer(json.dumps(manifest).encode("utf-8"), dtype=np.uint8)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            _write_npz(f, {_MANIFEST: blob, **arrays})
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a checkpoint is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _write_npz(f: Any, arrays: dict[str, np.ndarray]) -> None:
    np.savez(f, **arrays)


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (best effort: not every platform allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(path: str | os.PathLike) -> Any:
    """Read a checkpoint written by ``save``; arrays come back as Tensors.

    Raises ``CheckpointError`` when the file is truncated, corrupted or not a minigrad
    checkpoint (``FileNotFoundError`` when it does not exist)."""
    path = os.fspath(path)

    def fail(why: str) -> CheckpointError:
        return CheckpointError(f"minigrad.load: {path!r} is not a minigrad checkpoint ({why})")

    def broken(e: Exception) -> CheckpointError:
        return CheckpointError(f"minigrad.load: {path!r} is truncated or corrupted, or not a "
                               f"minigrad checkpoint at all (reading it failed: {e})")

    if not os.path.exists(path):
        raise FileNotFoundError(f"minigrad.load: no such file {path!r}")
    with open(path, "rb") as f:
        head = f.read(6)
    if not head:
        raise fail("the file is empty")
    if head == b"\x93NUMPY":
        raise fail("it is a single .npy array, not an .npz archive")
    if not head.startswith(b"PK"):
        raise fail(f"not an .npz (zip) archive: it starts with {head!r}")
    try:
        archive = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        raise broken(e) from e
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise fail("it is a single .npy array, not an .npz archive")
    with archive:
        if _MANIFEST not in archive.files:
            raise fail(f"an .npz archive without the {_MANIFEST!r} manifest entry")
        try:
            arrays = {name: archive[name] for name in archive.files}
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as e:
            raise broken(e) from e
    try:
        manifest = json.loads(arrays.pop(_MANIFEST).tobytes().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise fail(f"the manifest is not valid JSON: {e}") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise fail("the manifest has no minigrad format marker")
    version = manifest.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise CheckpointError(
            f"minigrad.load: {path!r} has checkpoint format version {version!r}; this minigrad "
            f"reads versions up to {VERSION} (upgrade minigrad)"
        )
    try:
        return _decode(manifest["root"], arrays)
    except (KeyError, ValueError, TypeError) as e:
        raise fail(f"the manifest does not match the stored arrays: {e!r}") from e
