"""Read a state dict that ``torch.save`` wrote (``.pt``/``.pth``), without torch and without
running pickle code.

Since PyTorch 1.6 such a file is a zip archive: ``<name>/data.pkl`` is a pickle of the dict,
in which each tensor is a call of ``torch._utils._rebuild_tensor_v2`` on a *storage*, and
each storage is a separate member ``<name>/data/<key>`` holding its raw little-endian bytes.
A pickle can name any Python global, which is why unpickling a stranger's file can run any
code. This reader does what ``torch.load(weights_only=True)`` does: its unpickler resolves
only an allow-list of tensor-rebuilding names, which it implements itself in numpy, and
refuses every other global with an error naming it. Storages are read one member at a time,
each checked against the size its tensors claim, so a damaged file is reported, not
half-loaded.
"""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from collections import OrderedDict
from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["is_pytorch_file", "load_pytorch"]

_ZIP_MAGIC = b"PK\x03\x04"
_LEGACY_MAGIC = b"\x80"  # a bare pickle: PyTorch's format before 1.6

# torch's typed storage classes and the numpy dtype of their elements
_STORAGE_DTYPES = {
    "DoubleStorage": np.float64, "FloatStorage": np.float32, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class _StorageType:
    """Stands for ``torch.<X>Storage``: only its element dtype matters here."""

    def __init__(self, name: str) -> None:
        self.name, self.dtype = name, np.dtype(_STORAGE_DTYPES[name])


def _rebuild_tensor_v2(storage: np.ndarray, offset: int, size: tuple, stride: tuple,
                       requires_grad: bool = False, backward_hooks: Any = None,
                       metadata: Any = None) -> Tensor:
    """``torch._utils._rebuild_tensor_v2``: a strided view of the storage, copied."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    _check_extent(storage, offset, size, stride)
    item = storage.itemsize
    view = np.lib.stride_tricks.as_strided(storage[offset:] if storage.size else storage, size,
                                           tuple(st * item for st in stride), writeable=False)
    return Tensor(np.array(view), requires_grad=bool(requires_grad) and view.dtype.kind == "f")


def _check_extent(storage: np.ndarray, offset: int, size: tuple, stride: tuple) -> None:
    """A damaged or hostile file must not make a view outside its storage: sizes, strides
    and offset are not negative, and the last element lies inside the storage."""
    if any(s < 0 for s in (*size, *stride)) or offset < 0:
        raise pickle.UnpicklingError(f"a tensor with a negative size or stride: size {size}, "
                                     f"stride {stride}, offset {offset}")
    last = offset + sum((n - 1) * st for n, st in zip(size, stride)) if all(size) else offset - 1
    if last >= storage.size:
        raise pickle.UnpicklingError(
            f"a tensor of size {size} (stride {stride}, offset {offset}) reaches element "
            f"{last} of a storage of {storage.size} elements")


def _rebuild_parameter(data: Tensor, requires_grad: bool, backward_hooks: Any) -> Tensor:
    """``torch._utils._rebuild_parameter``: a state dict holds the values; keep the Tensor."""
    return data


_ALLOWED = {
    ("collections", "OrderedDict"): OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    **{("torch", name): _StorageType(name) for name in _STORAGE_DTYPES},
}


class _Unpickler(pickle.Unpickler):
    """Resolves only ``_ALLOWED`` names; storages come from the archive's members."""

    def __init__(self, data: bytes, archive: zipfile.ZipFile, prefix: str, path: str) -> None:
        super().__init__(io.BytesIO(data))
        self.archive, self.prefix, self.path = archive, prefix, path
        self.little = True
        self.storages: dict[str, np.ndarray] = {}

    def find_class(self, module: str, name: str) -> Any:
        found = _ALLOWED.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(
                f"load: {self.path} names the Python global {module}.{name}, which is not one "
                "of the tensor-rebuilding names a state dict needs; refused without running it "
                "(as torch.load(weights_only=True) does)")
        return found

    def persistent_load(self, pid: Any) -> np.ndarray:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(f"load: {self.path}: unexpected persistent id {pid!r}")
        _, kind, key, _location, numel = pid
        key = str(key)
        if key not in self.storages:
            self.storages[key] = self._read_storage(key, kind.dtype, int(numel))
        return self.storages[key]

    def _read_storage(self, key: str, dtype: np.dtype, numel: int) -> np.ndarray:
        member = f"{self.prefix}data/{key}"
        try:
            info = self.archive.getinfo(member)
        except KeyError:
            raise pickle.UnpicklingError(f"load: {self.path} lacks the storage {member}") from None
        if info.file_size != numel * dtype.itemsize:
            raise pickle.UnpicklingError(
                f"load: {self.path}: storage {member} holds {info.file_size} bytes, but its "
                f"{numel} elements of {dtype} need {numel * dtype.itemsize}")
        array = np.frombuffer(self.archive.read(member), dtype=dtype)
        return array if self.little else array.byteswap()


def is_pytorch_file(path: str | os.PathLike) -> str | None:
    """``"zip"`` or ``"legacy"`` when ``path`` starts like a file ``torch.save`` wrote."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head == _ZIP_MAGIC and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            if any(n.endswith("/data.pkl") or n == "data.pkl" for n in z.namelist()):
                return "zip"
        return None
    if head[:1] == _LEGACY_MAGIC:
        return "legacy"
    return None


def load_pytorch(path: str | os.PathLike) -> dict[str, Tensor]:
    """The state dict in a ``torch.save`` zip file, as minigrad Tensors (float64 stays
    float64, integer buffers stay integer). Raises ``pickle.UnpicklingError`` naming the
    problem for a file that holds anything but tensors in (nested) dicts."""
    path = os.fspath(path)
    kind = is_pytorch_file(path)
    if kind == "legacy":
        raise pickle.UnpicklingError(
            f"load: {path} is in PyTorch's legacy (pre-1.6) format, a bare pickle that cannot "
            "be read safely; re-save it with a current torch.save (the zip format)")
    if kind != "zip":
        raise pickle.UnpicklingError(f"load: {path} is not a file written by torch.save")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        pkl = next(n for n in names if n.endswith("/data.pkl") or n == "data.pkl")
        prefix = pkl[: -len("data.pkl")]
        unpickler = _Unpickler(archive.read(pkl), archive, prefix, path)
        order = f"{prefix}byteorder"
        if order in names:
            unpickler.little = archive.read(order).strip() == b"little"
        result = unpickler.load()
    if not isinstance(result, dict):
        raise pickle.UnpicklingError(
            f"load: {path} holds a {type(result).__name__}, not a state dict")
    return result
