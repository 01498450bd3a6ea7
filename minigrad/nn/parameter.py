"""``Parameter``: a Tensor that a ``Module`` registers as trainable when assigned to it;
``Buffer``, one it registers as a buffer; ``UninitializedParameter`` and
``UninitializedBuffer``, the shapeless placeholders of the lazy layers."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` by default.

    Assigning one as a Module attribute is what makes it show up in ``parameters()`` and
    ``state_dict()``. ``Parameter(t)`` shares ``t``'s array (no copy), as in PyTorch.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty((0,), dtype=get_default_dtype())
        if isinstance(data, Tensor):
            data = data._data
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """A Tensor that a ``Module`` registers as a buffer when assigned to it (PyTorch 2.5's
    ``nn.Buffer``): state saved in ``state_dict`` (unless ``persistent=False``) but not
    trained, without a ``register_buffer`` call. ``Buffer(t)`` shares ``t``'s array and
    keeps its ``requires_grad``, as in PyTorch."""

    __slots__ = ("_persistent",)

    def __init__(self, data: Any = None, *, persistent: bool = True) -> None:
        if data is None:
            data = np.empty((0,), dtype=get_default_dtype())
        requires_grad = data.requires_grad if isinstance(data, Tensor) else False
        super().__init__(data._data if isinstance(data, Tensor) else np.asarray(data),
                         requires_grad=requires_grad)
        self.persistent = persistent

    @property
    def persistent(self) -> bool:
        """Whether a module that registers it saves it in ``state_dict`` (True for a
        Buffer made another way, e.g. rebuilt in another process)."""
        return getattr(self, "_persistent", True)

    @persistent.setter
    def persistent(self, value: bool) -> None:
        self._persistent = bool(value)


_UNINITIALIZED = ("Can't access the shape of an uninitialized parameter or buffer. This "
                  "error usually happens in `load_state_dict` when trying to load an "
                  "uninitialized parameter into an initialized one. Call `forward` to "
                  "initialize the parameters before accessing their attributes.")


class UninitializedTensorMixin:
    """What ``UninitializedParameter`` and ``UninitializedBuffer`` share: no shape until
    ``materialize(shape)`` gives them one and turns them into the class they stand for
    (``cls_to_become``), as a lazy module's first forward does."""

    __slots__ = ()
    cls_to_become: type = Tensor

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Zeros of ``shape`` (in the placeholder's dtype unless ``dtype``), and the class
        it stands for; the lazy module then initialises the values."""
        dtype = np.dtype(dtype) if dtype is not None else self._data.dtype
        self._data = np.zeros(tuple(shape), dtype)
        self.__class__ = self.cls_to_become

    @property
    def shape(self) -> tuple[int, ...]:
        """Refused, with PyTorch's words: there is no shape before the first forward."""
        raise RuntimeError(_UNINITIALIZED)

    def share_memory_(self) -> Tensor:
        """Refused, as in PyTorch: there is nothing to share yet."""
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call "
                           "`forward` to initialize the parameters before calling "
                           "`module.share_memory()`.")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """The placeholder weight of a lazy module (``LazyLinear``, ``LazyConv2d``...): a
    Parameter without a shape until the module's first forward materialises it."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(np.empty((0,), np.dtype(dtype or get_default_dtype())),
                         requires_grad)


class UninitializedBuffer(UninitializedTensorMixin, Buffer):
    """The placeholder running statistics of a lazy norm layer: a buffer without a shape
    until the module's first forward materialises it."""

    __slots__ = ()
    cls_to_become = Buffer

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: Any = None,
                 persistent: bool = True) -> None:
        super().__init__(Tensor(np.empty((0,), np.dtype(dtype or get_default_dtype())),
                                requires_grad=requires_grad), persistent=persistent)


def is_lazy(t: Any) -> bool:
    """True for a parameter or buffer that has no shape yet."""
    return isinstance(t, UninitializedTensorMixin)
