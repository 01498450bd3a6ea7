"""``Tensor``: a numpy array that remembers how it was made, so it can be differentiated.

Here is what makes a Tensor a node of the graph: its storage, gradient, version counter and
hooks, ``backward``, and the operators, each a thin front for an op in ``minigrad.ops``. The
named methods PyTorch scripts call (``t.sum()``, ``t.flip(0)``, ``t.to(dtype)``...) are
inherited from ``minigrad.tensor_methods``; the engine that walks the graph lives in
``minigrad.autograd``.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from . import autograd, tensor_methods
from . import device as _device
from .dtypes import get_default_dtype, is_scalar, result_type, true_divide_dtype
from .tensor_methods import TensorMethods

DEFAULT_FLOAT = np.float32  # the initial default; ``dtypes.get_default_dtype()`` is current


# the ufuncs behind Python's operators: (the Tensor's method, its reflected method)
_OPERATOR_UFUNCS = {
    "add": ("__add__", "__radd__"),
    "subtract": ("__sub__", "__rsub__"),
    "multiply": ("__mul__", "__rmul__"),
    "true_divide": ("__truediv__", "__rtruediv__"),
    "power": ("__pow__", "__rpow__"),
    "matmul": ("__matmul__", "__rmatmul__"),
    "less": ("__lt__", "__gt__"),
    "less_equal": ("__le__", "__ge__"),
    "greater": ("__gt__", "__lt__"),
    "greater_equal": ("__ge__", "__le__"),
    "equal": ("__eq__", "__eq__"),
    "not_equal": ("__ne__", "__ne__"),
}


def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Float data defaults to float32, but a float64 numpy array keeps its precision."""
    if isinstance(data, Tensor):
        data = data._data
    if dtype is not None:
        return np.array(data, dtype=dtype)
    keep_precision = isinstance(data, (np.ndarray, np.generic))
    arr = np.array(data)
    if arr.dtype.kind == "f" and not keep_precision:
        arr = arr.astype(get_default_dtype())
    elif arr.dtype.kind in "OUS":
        raise TypeError(f"tensor: cannot make a tensor from data of type {arr.dtype}")
    return arr


def _check_can_require_grad(arr: np.ndarray) -> None:
    if arr.dtype.kind not in "fc":
        raise TypeError(
            f"only floating point tensors can require gradients, got dtype {arr.dtype} "
            "(integer tensors are for labels and indices)"
        )


class RemovableHandle:
    """What ``register_hook`` (and a module's ``register_forward_hook``) returns:
    ``remove()``, or the end of a ``with`` block, takes the hook out again."""

    _ids = itertools.count()

    def __init__(self, hooks: OrderedDict) -> None:
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        """Take the hook out (again: nothing happens)."""
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class MaxResult(NamedTuple):
    """``(values, indices)``, as ``Tensor.max(dim)`` returns in PyTorch."""

    values: Tensor
    indices: Tensor


class Tensor(TensorMethods):
    """An n-dimensional array with an optional gradient.

    ``grad`` is filled by ``backward()`` for leaves that require grad; ``grad_fn`` is the
    graph node that made a non-leaf tensor. The numpy array underneath is ``numpy()``
    (``_data`` inside minigrad); ``data`` is, as in PyTorch, the same storage as a Tensor
    with no history.
    """

    __slots__ = (
        "_data",
        "grad",
        "requires_grad",
        "grad_fn",
        "_output_index",
        "_retains_grad",
        "_hooks",
        "_vc",
        "__weakref__",
    )

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> None:
        self._data = data if isinstance(data, np.ndarray) and dtype is None else _to_array(
            data, dtype
        )
        if requires_grad:
            _check_can_require_grad(self._data)
        self.grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self.grad_fn = None
        self._output_index = 0
        self._retains_grad = False
        self._hooks: OrderedDict = _NO_HOOKS
        self._vc: list[int] | None = None

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool, grad_fn: Any, index: int) -> Tensor:
        """Fast constructor for op outputs: no checks, no copies."""
        t = object.__new__(cls)
        t._data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._output_index = index
        t._retains_grad = False
        t._hooks = _NO_HOOKS
        t._vc = None
        return t

    # ------------------------------------------------------------------ storage
    @property
    def data(self) -> Tensor:
        """This tensor's storage as a Tensor with no history and ``requires_grad=False``.

        As in PyTorch: writing through it (``p.data.add_(...)``, ``p.data[0] = 1``,
        ``p.data -= lr * p.grad``) changes this tensor without recording a graph, and without
        the version check a ``detach()`` would trigger. (The book's ndarray is ``numpy()``.)
        """
        return Tensor._make(self._data, False, None, 0)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(
                f"Tensor.data: assigned data must be a Tensor, got {type(value).__name__}; "
                "wrap an array with minigrad.tensor(array) or minigrad.from_numpy(array)"
            )
        self._data = value._data


    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """Numpy meets a Tensor. ``array * t`` and the other operators stay in the graph
        (they run the Tensor's own operator); any other ufunc (``np.isfinite(t)``) runs on
        the arrays and returns an array, refused for a tensor that requires grad."""
        names = _OPERATOR_UFUNCS.get(ufunc.__name__)
        if names is not None and method == "__call__" and not kwargs and len(inputs) == 2:
            a, b = inputs
            return getattr(a, names[0])(b) if isinstance(a, Tensor) else getattr(b, names[1])(a)
        arrays = [x.numpy() if isinstance(x, Tensor) else x for x in inputs]
        return getattr(ufunc, method)(*arrays, **kwargs)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """Numpy interop (``np.asarray(t)``), refused where ``numpy()`` refuses, as in PyTorch."""
        arr = np.asarray(self.numpy())  # a 0-d result may hold a numpy scalar
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    # ------------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple[int, ...]:
        """The size of each dimension, e.g. ``(N, C, H, W)`` for a batch of images."""
        return self._data.shape

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim


    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of ``data`` (float32 unless made from float64 data)."""
        return self._data.dtype


    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op: only leaves get ``.grad``."""
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's storage has seen (PyTorch's ``_version``).

        Views share the counter with their base. The engine compares it, when a saved tensor
        is unpacked in backward, with the value it had when the op saved it.
        """
        return 0 if self._vc is None else self._vc[0]

    def _version_cell(self) -> list[int]:
        """The counter itself (made on first use, so most tensors never need one)."""
        if self._vc is None:
            self._vc = [0]
        return self._vc

    def _bump_version(self) -> None:
        """Record an in-place change of the storage (in-place ops, optimizers, loading)."""
        self._version_cell()[0] += 1


    # ------------------------------------------------------------------ conversions
    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number (e.g. a loss, for printing)."""
        if self._data.size != 1:
            raise ValueError(
                f"item: only a one-element tensor can be converted to a Python number, "
                f"got shape {self.shape}"
            )
        return self._data.item()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying array itself, not a copy: writing to it changes the tensor.

        As in PyTorch, refused on a tensor that requires grad (the array would escape the
        graph unnoticed) unless ``force=True``, which returns a detached copy.
        """
        if self.requires_grad:
            if force:
                return self._data.copy()
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead."
            )
        return self._data

    def tolist(self) -> Any:
        """The data as (nested) Python lists."""
        return self._data.tolist()

    def detach(self) -> Tensor:
        """The same data, cut from the graph (and sharing its version counter)."""
        t = Tensor._make(self._data, False, None, 0)
        t._vc = self._version_cell()
        return t


    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Start (or stop) recording operations on this leaf; returns the tensor itself."""
        if not self.is_leaf:
            raise RuntimeError(
                "requires_grad_: you can only change requires_grad of leaf tensors; "
                "use detach().requires_grad_() for a non-leaf"
            )
        if requires_grad:
            _check_can_require_grad(self._data)
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after ``backward()``."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        if not self.is_leaf:
            self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` was called on this non-leaf."""
        return self._retains_grad

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned Tensor
        replaces the gradient. Returns a handle whose ``remove()`` unregisters it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that "
                               "does not require grad")
        if self._hooks is _NO_HOOKS:
            self._hooks = OrderedDict()
        handle = RemovableHandle(self._hooks)
        self._hooks[handle.id] = hook
        return handle

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate the gradient of this tensor into every leaf's ``.grad`` (with
        ``inputs``, into those tensors' ``.grad`` only)."""
        autograd.backward(self, None if gradient is None else [gradient], retain_graph,
                          create_graph, inputs=inputs)

    # ------------------------------------------------------------------ python protocol
    def __repr__(self) -> str:
        return _format(self)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous"
            )
        return bool(self._data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iu":
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ arithmetic
    # Both operands are brought to ``dtypes.result_type`` first (``_pair``): one rule.
    def __add__(self, other: Any) -> Tensor:
        return _ops.Add.apply(*_pair(self, other))

    def __radd__(self, other: Any) -> Tensor:
        return _ops.Add.apply(*_pair(other, self))

    def __sub__(self, other: Any) -> Tensor:
        return _ops.Sub.apply(*_pair(self, other))

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.Sub.apply(*_pair(other, self))

    def __mul__(self, other: Any) -> Tensor:
        return _ops.Mul.apply(*_pair(self, other))

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.Mul.apply(*_pair(other, self))

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.Div.apply(*_pair(self, other, divide=True))

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.Div.apply(*_pair(other, self, divide=True))

    def __pow__(self, other: Any) -> Tensor:
        return _fn.power(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ops.Pow.apply(*_pair(other, self))

    def __matmul__(self, other: Any) -> Tensor:
        return _fn.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _fn.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ops.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.Abs.apply(self)

    # comparisons give bool tensors, outside the graph
    def __lt__(self, other: Any) -> Tensor:
        return _compare(np.less, self, other)

    def __le__(self, other: Any) -> Tensor:
        return _compare(np.less_equal, self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _compare(np.greater, self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _compare(np.greater_equal, self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.equal, self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _compare(np.not_equal, self, other)

    def __invert__(self) -> Tensor:
        return Tensor._make(np.logical_not(self._data) if self.dtype == bool else ~self._data,
                            False, None, 0)


    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __setitem__(self, index: Any, value: Any) -> None:
        index = _fn.normalize_index(index)
        _inplace(self, "__setitem__", lambda a: _fn.index_put(a, index, value))


    def __getitem__(self, index: Any) -> Tensor:
        return _ops.GetItem.apply(self, index=_fn.normalize_index(index))


_NO_HOOKS: OrderedDict = OrderedDict()


def _operand(value: Any, dtype: np.dtype) -> Tensor:
    """``value`` as a Tensor of ``dtype`` (a cast Tensor stays differentiable)."""
    if isinstance(value, Tensor):
        return value if value.dtype == dtype else _fn.cast(value, dtype)
    arr = value if isinstance(value, np.ndarray) else np.asarray(value)
    return Tensor._make(arr if arr.dtype == dtype else arr.astype(dtype), False, None, 0)


def _pair(a: Any, b: Any, divide: bool = False) -> tuple[Tensor, Tensor]:
    """The two operands of a binary op, in the dtype of ``dtypes.result_type`` (PyTorch's
    rule; true division of integers gives the default float dtype)."""
    quick = _quick_pair(a, b, divide)
    if quick is not None:
        return quick
    raw = [_promotion_view(v) for v in (a, b)]
    dtype = result_type(*raw)
    if divide:
        dtype = true_divide_dtype(dtype)
    return (
        _operand(a if isinstance(a, Tensor) or is_scalar(a) else raw[0], dtype),
        _operand(b if isinstance(b, Tensor) or is_scalar(b) else raw[1], dtype),
    )


def _quick_pair(a: Any, b: Any, divide: bool) -> tuple[Tensor, Tensor] | None:
    """The hot paths of ``_pair``, where there is nothing to decide: two tensors of one
    dtype, or a float tensor and a Python number (which takes the tensor's dtype)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        same = a.dtype == b.dtype and (not divide or a.dtype.kind in "fc")
        return (a, b) if same else None
    if isinstance(a, Tensor):
        lifted = _number_like(b, a)
        return None if lifted is None else (a, lifted)
    lifted = _number_like(a, b) if isinstance(b, Tensor) else None
    return None if lifted is None else (lifted, b)


def _number_like(number: Any, tensor: Tensor) -> Tensor | None:
    """A Python int or float as a 0-d tensor of a float ``tensor``'s dtype, else None."""
    if type(number) not in (float, int) or tensor.dtype.kind != "f":
        return None
    return Tensor._make(np.asarray(number, tensor.dtype), False, None, 0)


def _promotion_view(value: Any) -> Any:
    """What ``result_type`` sees: a Tensor's array, a scalar, or the data as an array."""
    if isinstance(value, Tensor):
        return value._data
    if is_scalar(value) or isinstance(value, np.ndarray):
        return value
    return _to_array(value)


def _promotion_view_or_none(value: Any) -> Any:
    try:
        return _promotion_view(value)
    except (TypeError, ValueError):
        return None


def _lift(value: Any, like: Tensor) -> Tensor:
    """Make the other operand of a binary op a Tensor, promoted with ``like`` by PyTorch's
    rule (only ``value`` is converted; ``like`` is the caller's to convert with ``_pair``)."""
    return _pair(like, value)[1]


def _compare(op: Callable, a: Tensor, b: Any) -> Tensor:
    if not isinstance(b, Tensor) and _promotion_view_or_none(b) is None:
        return NotImplemented  # pytest.approx, a string...: let the other side decide
    other = b._data if isinstance(b, Tensor) else _pair(a, b)[1]._data
    try:
        out = op(a._data, other)
    except ValueError:
        raise _broadcast_error(op.__name__, a.shape, np.shape(other)) from None
    return Tensor._make(out, False, None, 0)


def _broadcast_error(op: str, a: tuple, b: tuple) -> RuntimeError:
    """PyTorch's message for shapes that do not broadcast, naming the op."""
    a, b = tuple(a), tuple(b)
    for i in range(1, min(len(a), len(b)) + 1):
        if a[-i] != b[-i] and 1 not in (a[-i], b[-i]):
            return RuntimeError(
                f"{op}: the size of tensor a ({a[-i]}) must match the size of tensor b "
                f"({b[-i]}) at non-singleton dimension {max(len(a), len(b)) - i} "
                f"(shapes {a} and {b})"
            )
    return RuntimeError(f"{op}: shapes {a} and {b} are not broadcastable")


def _inplace(t: Tensor, name: str, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """Run ``compute`` (the out-of-place op) and write its result into ``t``'s storage.

    Outside the graph that is all. When the result is recorded, ``compute`` sees a copy of
    ``t``'s old value (an op may have saved it) and ``t`` takes over the new node, so
    gradients flow through the change as in PyTorch ("rebasing history").
    """
    recording = autograd._state.grad_enabled
    if recording:
        _check_inplace_in_graph(t, name)
        base = _views.base_of(t, name) if t.grad_fn is not None else None
        if base is not None:  # a view: its base's history changes too (inplace_view.py)
            return _views.change_view(t, base, name, compute)
    alias = Tensor._make(t._data.copy(), t.requires_grad, t.grad_fn, t._output_index) \
        if recording else t
    result = compute(alias)
    if not isinstance(result, Tensor):
        result = Tensor(result)
    _check_inplace_result(t, name, result)
    np.copyto(t._data, result._data, casting="unsafe")
    t._bump_version()
    if recording and result.grad_fn is not None:
        _rebase_history(t, alias, result)
    return t


def _check_inplace_in_graph(t: Tensor, name: str) -> None:
    """Refuse what PyTorch refuses while recording: changing a leaf that requires grad."""
    if t.requires_grad and t.grad_fn is None:
        raise RuntimeError(
            f"{name}: a leaf Variable that requires grad is being used in an in-place "
            "operation. Do it under `with minigrad.no_grad():` (as optimizer steps do), or "
            "use the out-of-place op"
        )


def _check_inplace_result(t: Tensor, name: str, result: Tensor) -> None:
    """The result must fit ``t``: its shape, a dtype that casts, writable storage."""
    if result.shape != t.shape:
        raise RuntimeError(
            f"{name}: output with shape {t.shape} doesn't match the broadcast shape "
            f"{result.shape}"
        )
    if not np.can_cast(result.dtype, t.dtype, "same_kind"):
        raise RuntimeError(
            f"{name}: result type {result.dtype} can't be cast to the desired output type "
            f"{t.dtype}"
        )
    if not t._data.flags.writeable:
        raise RuntimeError(
            f"{name}: unsupported operation: the tensor of shape {t.shape} is a read-only "
            "(expanded or broadcast) view, more than one element refers to a single memory "
            "location. clone() it before the in-place operation"
        )


def _rebase_history(t: Tensor, alias: Tensor, result: Tensor) -> None:
    """``t`` becomes the output of ``result``'s node; its old node's output is ``alias``."""
    node, i = result.grad_fn, result._output_index
    if t.grad_fn is not None:  # the old node's output is now the copy, not t
        old = t.grad_fn
        old.outputs = tuple(
            autograd.weakref.ref(alias) if j == t._output_index else r
            for j, r in enumerate(old.outputs)
        )
        _views.supersede(old, t._output_index, node, i)  # a view of t can find t again
    node.outputs = tuple(
        autograd.weakref.ref(t) if j == i else r for j, r in enumerate(node.outputs)
    )
    node._output_arrays[i] = (t._data, True)
    t.grad_fn, t._output_index, t.requires_grad = node, i, True


def _format(t: Tensor) -> str:
    from .printing import array_options  # set_printoptions' state

    body = np.array2string(t._data, **array_options(t._data))
    return "tensor(" + body + "".join(", " + e for e in _format_extras(t)) + ")"


def _format_extras(t: Tensor) -> list[str]:
    """What the repr adds after the values: a dtype that is not the default, the history."""
    dtype, extras = t._data.dtype, []
    if dtype.kind == "f" and dtype != DEFAULT_FLOAT or dtype.kind == "c" or (
            dtype.kind in "iu" and dtype != np.int64):
        extras.append(f"dtype={dtype}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn={t.grad_fn!r}")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return extras


# ====================================================================== PyTorch-compatible
# conveniences at module level: Size, the dtype names, as_tensor, and the ``axis=`` alias.
class Size(tuple):
    """A shape, as ``Tensor.size()`` returns it: a tuple with PyTorch's ``numel()`` and repr."""

    __slots__ = ()

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        return int(np.prod(self, dtype=np.int64))

    def __repr__(self) -> str:
        return f"Size({list(self)})"


def _dtype_of(dtype: Any, fn: str) -> np.dtype:
    """``dtype`` (``minigrad.float32``, ``np.float64``, ``"float32"``, ``float``) as a numpy
    dtype, or a TypeError naming ``fn``."""
    try:
        d = np.dtype(dtype)
    except TypeError:
        d = None
    if d is None or d.kind not in "biuf":
        raise TypeError(f"{fn}: argument 'dtype' must be a minigrad dtype (float32, float64, "
                        f"int64, int32, bool, ...), not {dtype!r}")
    return d


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a Tensor, sharing memory whenever it can, as ``torch.as_tensor``.

    A Tensor of the right dtype is returned itself (graph and all); a numpy array of the right
    dtype is wrapped without a copy (writes show through); anything else is converted.
    """
    _device.check_device(device, "as_tensor")
    d = None if dtype is None else _dtype_of(dtype, "as_tensor")
    if isinstance(data, Tensor):
        return data if d is None else _fn.cast(data, d)
    if isinstance(data, np.ndarray) and data.dtype.kind in "biufc" and (
            d is None or d == data.dtype):
        return Tensor(data)
    return Tensor(data, dtype=d)


def require_tensor(value: Any, fn: str, arg: str) -> Tensor:
    """``value`` itself if it is a Tensor, else PyTorch's TypeError naming ``fn`` and ``arg``."""
    if isinstance(value, Tensor):
        return value
    cls = type(value)
    name = cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"
    raise TypeError(f"{fn}: argument '{arg}' must be Tensor, not {name}")


from . import functional as _fn  # noqa: E402  (functions build on Tensor)
from . import inplace_view as _views  # noqa: E402  (in-place changes of views)
from . import ops as _ops  # noqa: E402  (ops build on Tensor)

tensor_methods.bind_late_names()
