"""PyTorch's legacy tensor types: ``FloatTensor([1, 2])``, ``LongTensor(2, 3)``,
``isinstance(t, FloatTensor)``, ``t.type(DoubleTensor)``.

In PyTorch these are classes whose metaclass answers ``isinstance`` by dtype, and whose call
makes a plain ``Tensor``; so here. ``FloatTensor(2, 3)`` is zero-filled (PyTorch's is
uninitialised memory).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor",
           "HalfTensor", "IntTensor", "LongTensor", "ShortTensor"]


class _TensorType(type):
    """The metaclass: ``isinstance(t, FloatTensor)`` is a float32 Tensor."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __repr__(cls) -> str:
        return f"<class '{cls._type_name}'>"


def _is_size(args: tuple) -> bool:
    return all(isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))
               for a in args)


def _new(cls: _TensorType, args: tuple, device: Any) -> Tensor:
    """``FloatTensor()``, ``FloatTensor(*sizes)``, ``FloatTensor(data)``, ``FloatTensor(t)``."""
    from .device import check_device

    check_device(device, cls.__name__)
    if args and _is_size(args):
        return Tensor(np.zeros(tuple(int(a) for a in args), dtype=cls.dtype))
    if not args:
        return Tensor(np.zeros((0,), dtype=cls.dtype))
    if len(args) == 1 and isinstance(args[0], Tensor):
        return _same_dtype(cls, args[0])
    if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray)):
        return Tensor(np.array(args[0], dtype=cls.dtype))
    raise TypeError(f"{cls.__name__}: expected sizes (ints), a data list or tuple, or a "
                    f"tensor, got ({', '.join(type(a).__name__ for a in args)})")


def _same_dtype(cls: _TensorType, t: Tensor) -> Tensor:
    """``FloatTensor(t)``: ``t`` itself, which must be of the class's dtype (as PyTorch)."""
    if t.dtype != cls.dtype:
        raise TypeError(f"{cls.__name__}: expected a tensor of dtype {np.dtype(cls.dtype)}, "
                        f"got one of dtype {t.dtype}")
    return t


def _tensor_type(name: str, dtype: type) -> _TensorType:
    def __new__(cls: _TensorType, *args: Any, device: Any = None) -> Tensor:  # noqa: N807
        return _new(cls, args, device)

    doc = (f"``torch.{name}``: ``{name}(data)``, ``{name}(*sizes)`` or ``{name}()`` makes a "
           f"{np.dtype(dtype).name} Tensor; ``isinstance(t, {name})`` checks the dtype.")
    return _TensorType(name, (), {"__new__": __new__, "__doc__": doc, "dtype": dtype,
                                  "_type_name": f"torch.{name}", "__module__": __name__})


FloatTensor = _tensor_type("FloatTensor", np.float32)
DoubleTensor = _tensor_type("DoubleTensor", np.float64)
HalfTensor = _tensor_type("HalfTensor", np.float16)
LongTensor = _tensor_type("LongTensor", np.int64)
IntTensor = _tensor_type("IntTensor", np.int32)
ShortTensor = _tensor_type("ShortTensor", np.int16)
CharTensor = _tensor_type("CharTensor", np.int8)
ByteTensor = _tensor_type("ByteTensor", np.uint8)
BoolTensor = _tensor_type("BoolTensor", np.bool_)
