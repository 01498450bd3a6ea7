"""``minigrad.save`` / ``minigrad.load``: state dicts and nested containers, never pickle.

The file is a safetensors checkpoint (``minigrad.checkpoint``): each array is one tensor, named
by its path in the saved object (a state dict keeps its own keys, so PyTorch reads it with
``safetensors.torch.load_file``), and the structure around the arrays (dicts, lists, tuples,
numbers, strings, None) is JSON in the header. Loading never runs code.
"""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from typing import Any

import numpy as np

from .checkpoint import CheckpointError, _check_finite, read, write
from .pytorch_format import is_pytorch_file, load_pytorch
from .tensor import Tensor

__all__ = ["CheckpointError", "load", "save"]

FORMAT = "minigrad-checkpoint"
VERSION = 2  # 1 was an .npz archive with a JSON manifest
MAX_DEPTH = 32  # nesting of the saved object; deeper is refused on save and on load


def _encode(obj: Any, arrays: dict[str, np.ndarray], path: str, depth: int) -> Any:
    """The JSON description of ``obj``; arrays are moved into ``arrays`` under their path."""
    if depth > MAX_DEPTH:
        raise ValueError(f"minigrad.save: {path} nests deeper than {MAX_DEPTH} levels")
    if isinstance(obj, Tensor):
        obj = obj._data
    if isinstance(obj, np.ndarray):
        return _encode_array(obj, arrays, path)
    if isinstance(obj, dict):
        return _encode_dict(obj, arrays, path, depth)
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_encode(v, arrays, _child(path, i), depth + 1)
                       for i, v in enumerate(obj)]}
    return _encode_scalar(obj, path)


def _encode_scalar(obj: Any, path: str) -> Any:
    """A number, string or None as itself (a numpy scalar as its Python value); a NaN or
    Inf float as its repr, which JSON cannot hold. Anything else cannot be saved."""
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"float": repr(obj)}
    raise TypeError(f"minigrad.save: cannot save a {type(obj).__name__} at "
                    f"{path or 'the top'}; a checkpoint holds Tensors, arrays, numbers, "
                    "strings, None and dicts/lists/tuples of them")


def _child(path: str, key: Any) -> str:
    """The path of an item inside a container: dotted, with no dot at the top."""
    return f"{path}.{key}" if path else str(key)


def _encode_array(obj: np.ndarray, arrays: dict[str, np.ndarray], path: str) -> dict:
    """Store the array under its path; a taken name (the same path given twice, as in
    ``{"a.b": x, "a": {"b": y}}``) gets ``#1``, ``#2``... so no array is lost."""
    key, n = path or "tensor", 1
    while key in arrays:
        key, n = f"{path}#{n}", n + 1
    arrays[key] = obj
    return {"tensor": key}


def _encode_dict(obj: dict, arrays: dict[str, np.ndarray], path: str, depth: int) -> dict:
    """A dict as a list of [key, value] pairs, so int keys stay ints (JSON keys are strings)."""
    items = []
    for k, v in obj.items():
        if not isinstance(k, (str, int)) or isinstance(k, bool):
            raise TypeError(f"minigrad.save: dict key {k!r} at {path or 'the top'} is a "
                            f"{type(k).__name__}; only str and int keys can be saved")
        items.append([k, _encode(v, arrays, _child(path, k), depth + 1)])
    return {"dict": items}


def _state_dict_metadata(obj: Any, keys: tuple = ()) -> list:
    """``[key path, metadata]`` for each dict in ``obj`` that carries ``Module.state_dict``'s
    ``_metadata`` (the modules' versions, read by ``load_state_dict``). It goes beside the
    structure, not into it, so a minigrad that predates it still reads the file."""
    found = []
    if isinstance(obj, dict):
        metadata = getattr(obj, "_metadata", None)
        if isinstance(metadata, dict):
            found.append([list(keys), _encode(metadata, {}, "_metadata", 0)])
        items = obj.items()
    else:
        items = enumerate(obj) if isinstance(obj, (list, tuple)) else ()
    for k, v in items:
        found += _state_dict_metadata(v, (*keys, k))
    return found


def _with_metadata(obj: Any, keys: list, metadata: Any) -> Any:
    """``obj`` with the dict at ``keys`` made an OrderedDict holding ``_metadata``."""
    if not keys:
        out = OrderedDict(obj)
        out._metadata = OrderedDict(_decode(metadata, {}))
        return out
    inner = _with_metadata(obj[keys[0]], keys[1:], metadata)
    if isinstance(obj, tuple):
        return (*obj[:keys[0]], inner, *obj[keys[0] + 1:])
    obj[keys[0]] = inner
    return obj


# what each one-key structure entry {kind: value} stands for
_DECODERS = {
    "tensor": lambda value, arrays: Tensor(arrays[value]),
    "float": lambda value, arrays: float(value),
    "dict": lambda value, arrays: {k: _decode(v, arrays) for k, v in value},
    "list": lambda value, arrays: [_decode(v, arrays) for v in value],
    "tuple": lambda value, arrays: tuple(_decode(v, arrays) for v in value),
}


def _decode(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The object that the JSON description ``node`` (from ``_encode``) stands for."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict) and len(node) == 1:
        (kind, value), = node.items()
        if kind in _DECODERS:
            return _DECODERS[kind](value, arrays)
    raise ValueError(f"unknown structure entry {str(node)[:80]!r}")


def save(obj: Any, f: str | os.PathLike) -> None:
    """Write ``obj`` (a state dict, an optimizer state, or nested dicts/lists of Tensors,
    arrays and plain values) to the file ``f`` atomically, as ``torch.save`` does."""
    arrays: dict[str, np.ndarray] = {}
    meta = {"format": FORMAT, "version": VERSION, "root": _encode(obj, arrays, "", 0)}
    metadata = _state_dict_metadata(obj)
    if metadata:
        meta["state_dict_metadata"] = metadata
    write(f, arrays, meta, what="minigrad.save")


def _check_location(map_location: Any) -> None:
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return
    if str(map_location).split(":")[0] != "cpu":
        raise ValueError(f"minigrad.load: map_location={map_location!r}: minigrad tensors "
                         "live on the CPU only (use None or 'cpu')")


def load(f: str | os.PathLike, map_location: Any = None, *, weights_only: bool | None = None,
         check_finite: bool = False, **pickle_load_args: Any) -> Any:
    """Read a file written by ``save`` (or any safetensors file); arrays come back as Tensors.

    A safetensors file without ``save``'s structure in its metadata (PyTorch's
    ``save_file``, or the checkpoints ``minigrad train`` writes, whose metadata describe the
    run) gives its flat state dict: tensor name -> Tensor.

    ``map_location`` and ``weights_only`` are accepted as in ``torch.load``: every tensor is
    on the CPU, and loading is always weights-only (the format cannot hold code).

    ``check_finite=True`` refuses a file in which any float tensor holds NaN or Inf (weights
    saved after training diverged), with a ``CheckpointError`` naming the first such tensor;
    by default the values load as stored, as in ``torch.load``.

    A state dict that ``torch.save`` wrote (``.pt``/``.pth``, its zip format) is read too,
    without torch and without running pickle code (``minigrad.pytorch_format``), as
    ``torch.load(weights_only=True)`` would. Raises ``CheckpointError`` when the file is
    truncated, corrupted or not a checkpoint (a legacy pickle is named as such, never
    unpickled), and ``FileNotFoundError`` when it does not exist."""
    _check_location(map_location)
    if pickle_load_args:
        raise TypeError(f"minigrad.load: unexpected arguments {sorted(pickle_load_args)} "
                        "(minigrad never unpickles)")
    if os.path.isfile(f) and is_pytorch_file(f) == "zip":
        return _load_pytorch(f, check_finite)
    arrays, meta = read(f, what="minigrad.load", check_finite=check_finite)
    if not isinstance(meta, dict) or "format" not in meta:  # not written by save: flat
        return {k: Tensor(v) for k, v in arrays.items()}
    where = f"minigrad.load: {os.fspath(f)!r}"
    _check_format(meta, where)
    try:
        obj = _decode(meta.get("root"), arrays)
        for keys, metadata in meta.get("state_dict_metadata", []):
            obj = _with_metadata(obj, keys, metadata)
        return obj
    except (KeyError, IndexError, ValueError, TypeError) as e:
        raise CheckpointError(f"{where}: the structure does not match the stored tensors "
                              f"({e})") from None


def _check_format(meta: dict, where: str) -> None:
    """The metadata must name ``save``'s format, at a version this minigrad reads."""
    if meta["format"] != FORMAT:
        raise CheckpointError(f"{where}: the metadata names the format {meta['format']!r}, "
                              f"not {FORMAT!r}")
    version = meta.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise CheckpointError(f"{where} has checkpoint format version {version!r}; this "
                              f"minigrad reads versions up to {VERSION} (upgrade minigrad)")


def _load_pytorch(f: str | os.PathLike, check_finite: bool) -> dict[str, Tensor]:
    """``torch.save``'s zip file: its state dict, refused with a ``CheckpointError``
    (naming what is wrong) where it holds anything but tensors."""
    import pickle

    try:
        state = load_pytorch(f)
    except (pickle.UnpicklingError, ValueError, EOFError) as e:
        raise CheckpointError(f"minigrad.load: {os.fspath(f)!r}: {e}") from None
    if check_finite:
        for name, t in state.items():
            if isinstance(t, Tensor):
                _check_finite(f"minigrad.load: {os.fspath(f)!r}", str(name), t._data)
    return state
