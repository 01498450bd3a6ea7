"""``Tensor``: a numpy array that remembers how it was made, so it can be differentiated.

Every method here is a thin, readable front for an op in ``minigrad.ops``; the engine that
walks the graph lives in ``minigrad.autograd``.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

from . import autograd
from . import device as _device
from .dtypes import get_default_dtype, is_scalar, result_type, true_divide_dtype
from .rng import get_rng

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


class Tensor:
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

    def share_memory_(self) -> Tensor:
        """Move this tensor's array into shared memory, in place; returns self.

        Processes of ``minigrad.multiprocessing`` that receive it (and forked children) then
        read and write the same memory: Hogwild training (docs/porting.md). Its ``grad`` stays
        private to each process. A no-op when already shared.
        """
        from . import _shared_memory, multiprocessing  # the latter sends shared tensors

        multiprocessing.init_reductions()
        if not _shared_memory.is_shared(self._data):
            self._data = _shared_memory.share(self._data)[0]
        return self

    def is_shared(self) -> bool:
        """Whether the array is in shared memory (``share_memory_()``, or received from
        another process through ``minigrad.multiprocessing``)."""
        from . import _shared_memory

        return _shared_memory.is_shared(self._data)

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

    def numel(self) -> int:
        """Number of elements, as in PyTorch."""
        return self._data.size

    def dim(self) -> int:
        """Number of dimensions, as in PyTorch."""
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of ``data`` (float32 unless made from float64 data)."""
        return self._data.dtype

    @property
    def output_nr(self) -> int:
        """Which output of its ``grad_fn`` this tensor is (0 for a leaf), as in PyTorch."""
        return self._output_index

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

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (a transpose for a matrix)."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped: a batch of matrices transposed."""
        return self.transpose(-2, -1)

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

    def float(self) -> Tensor:
        """``to(float32)``."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """``to(float64)``: what ``gradcheck`` needs for accurate finite differences."""
        return self.to(np.float64)

    def long(self) -> Tensor:
        """``to(int64)``: labels and indices."""
        return self.to(np.int64)

    def clone(self) -> Tensor:
        """A differentiable copy with its own memory (``detach()`` shares memory instead)."""
        return _ops.cast(self, self.dtype, copy=True)

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
    ) -> None:
        """Accumulate the gradient of this tensor into every leaf's ``.grad``."""
        autograd.backward(self, None if gradient is None else [gradient], retain_graph,
                          create_graph)

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
        return _ops.power(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ops.Pow.apply(*_pair(other, self))

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

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

    def __and__(self, other: Any) -> Tensor:
        return _compare(np.logical_and, self, other)

    def __or__(self, other: Any) -> Tensor:
        return _compare(np.logical_or, self, other)

    # ------------------------------------------------------------------ in-place
    # PyTorch's rules (docs/autograd.md): refused on a leaf that requires grad unless under
    # no_grad(); every one bumps the version counter, so a stale saved tensor is caught.
    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        """``self += alpha * other`` in place."""
        return _inplace(self, "add_", lambda a: a + (other if alpha == 1 else alpha * other))

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        """``self -= alpha * other`` in place."""
        return _inplace(self, "sub_", lambda a: a - (other if alpha == 1 else alpha * other))

    def mul_(self, other: Any) -> Tensor:
        """``self *= other`` in place."""
        return _inplace(self, "mul_", lambda a: a * other)

    def div_(self, other: Any) -> Tensor:
        """``self /= other`` in place."""
        return _inplace(self, "div_", lambda a: a / other)

    def clamp_(self, min: float | Tensor | None = None,
               max: float | Tensor | None = None) -> Tensor:
        """Limit to ``[min, max]`` in place (numbers or Tensors broadcast to ``self``)."""
        return _inplace(self, "clamp_", lambda a: a.clamp(min, max))

    clip_ = clamp_

    def copy_(self, src: Any) -> Tensor:
        """Overwrite with ``src`` (broadcast to this shape, cast to this dtype)."""
        return _inplace(self, "copy_", lambda a: _replace(a, src))

    def fill_(self, value: Any) -> Tensor:
        """Set every element to ``value``."""
        return _inplace(self, "fill_", lambda a: _replace(a, value))

    def zero_(self) -> Tensor:
        """Set every element to 0 (``w.grad.zero_()``)."""
        return self.fill_(0)

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        """Fill with samples of N(mean, std**2) from minigrad's generator."""
        draw = get_rng().normal(mean, std, self.shape)
        return _inplace(self, "normal_", lambda a: _replace(a, draw))

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        """Fill with samples of U(a, b) from minigrad's generator."""
        draw = get_rng().uniform(a, b, self.shape)
        return _inplace(self, "uniform_", lambda t: _replace(t, draw))

    def bernoulli_(self, p: float | Tensor = 0.5, *, generator: Any = None) -> Tensor:
        """Fill with 1 with probability ``p`` (a number, or a Tensor of probabilities that
        broadcasts to this shape), else 0: the noise of stochastic depth and dropout."""
        probs = np.asarray(p._data if isinstance(p, Tensor) else p, dtype=np.float64)
        if probs.size and not ((probs >= 0) & (probs <= 1)).all():  # NaN fails both
            shown = p if not isinstance(p, Tensor) else "a Tensor with values outside [0, 1]"
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={shown}")
        draw = get_rng(generator).random(self.shape) < probs
        return _inplace(self, "bernoulli_", lambda t: _replace(t, draw))

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __setitem__(self, index: Any, value: Any) -> None:
        index = _ops.normalize_index(index)
        _inplace(self, "__setitem__", lambda a: _ops.index_put(a, index, value))

    # ------------------------------------------------------------------ elementwise
    def exp(self) -> Tensor:
        """Elementwise e**x."""
        return _ops.Exp.apply(self)

    def log(self) -> Tensor:
        """Elementwise natural logarithm (-inf at 0, NaN below: see ``detect_anomaly``)."""
        return _ops.Log.apply(self)

    def sqrt(self) -> Tensor:
        """Elementwise square root."""
        return _ops.Sqrt.apply(self)

    def abs(self) -> Tensor:
        """Elementwise absolute value (gradient 0 at 0, as in PyTorch)."""
        return _ops.Abs.apply(self)

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent."""
        return _ops.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        """Elementwise 1 / (1 + e**-x), computed without overflow for large |x|."""
        return _ops.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        """Elementwise max(x, 0); the gradient at exactly 0 is 0, as in PyTorch."""
        return _ops.Relu.apply(self)

    def clamp(self, min: float | Tensor | None = None,
              max: float | Tensor | None = None) -> Tensor:
        """Limit values to ``[min, max]`` (either may be None; numbers or Tensors, broadcast
        as in PyTorch); the gradient is 0 outside, and reaches a bound Tensor where it was
        chosen."""
        return _ops.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: Any) -> Tensor:
        """Elementwise maximum with ``other`` (broadcast); ties split the gradient evenly."""
        return _ops.Maximum.apply(*_pair(self, other))

    def minimum(self, other: Any) -> Tensor:
        """Elementwise minimum with ``other`` (broadcast); ties split the gradient evenly."""
        return _ops.Minimum.apply(*_pair(self, other))

    def square(self) -> Tensor:
        """Elementwise x * x."""
        return self * self

    # ------------------------------------------------------------------ reductions
    def sum(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False) -> Tensor:
        """Sum over ``dim`` (an int, a tuple, or None for all); ``keepdim`` keeps size-1 axes."""
        return _ops.Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False) -> Tensor:
        """Mean over ``dim`` (an int, a tuple, or None for all)."""
        return _ops.mean(self, dim, keepdim)

    def var(
        self,
        dim: int | tuple[int, ...] | None = None,
        keepdim: bool = False,
        correction: int = 1,
        unbiased: bool | None = None,
    ) -> Tensor:
        """Variance over ``dim``, dividing by ``n - correction``.

        ``correction=1`` (the default, PyTorch's) is the unbiased sample variance; batch
        normalisation uses ``correction=0``. ``unbiased`` is the older spelling.
        """
        if unbiased is not None:
            correction = int(unbiased)
        return _ops.var(self, dim, keepdim, correction)

    def std(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False,
            correction: int = 1) -> Tensor:
        """Standard deviation: the square root of ``var(dim, keepdim, correction)``, with a
        zero gradient where the spread is zero (as in PyTorch)."""
        return _ops.var(self, dim, keepdim, correction, std=True)

    def max(self, dim: int | None = None, keepdim: bool = False) -> Tensor | MaxResult:
        """Largest element; with an int ``dim``, ``(values, indices)`` as in PyTorch.

        Over everything, tied maxima share the gradient evenly; along ``dim`` the gradient
        goes to the returned index only (PyTorch's two rules)."""
        return _ops.extreme(self, dim, keepdim, largest=True)

    def min(self, dim: int | None = None, keepdim: bool = False) -> Tensor | MaxResult:
        """Smallest element; with an int ``dim``, ``(values, indices)`` as in PyTorch."""
        return _ops.extreme(self, dim, keepdim, largest=False)

    def amax(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False) -> Tensor:
        """Maximum over ``dim`` (int or tuple; None: all); ties share the gradient evenly, as in
        PyTorch (and, as there, a NaN in the slice makes its whole gradient NaN)."""
        return _ops.Amax.apply(self, dim=_all_dims(self, dim), keepdim=keepdim, largest=True)

    def amin(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False) -> Tensor:
        """Minimum over ``dim`` (int or tuple; None: all); ties share the gradient evenly."""
        return _ops.Amax.apply(self, dim=_all_dims(self, dim), keepdim=keepdim, largest=False)

    def all(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False) -> Tensor:
        """Whether every element (over everything, or along ``dim``) is non-zero, as bool."""
        return _logical_reduce(np.all, self, dim, keepdim)

    def any(self, dim: int | tuple[int, ...] | None = None, keepdim: bool = False) -> Tensor:
        """Whether any element (over everything, or along ``dim``) is non-zero, as bool."""
        return _logical_reduce(np.any, self, dim, keepdim)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the largest element (over everything, or along ``dim``) as int64."""
        return _ops.arg_extreme(np.argmax, self, dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the smallest element (over everything, or along ``dim``) as int64."""
        return _ops.arg_extreme(np.argmin, self, dim, keepdim)

    def logsumexp(self, dim: int | tuple[int, ...], keepdim: bool = False) -> Tensor:
        """log(sum(exp(x))) over ``dim``, computed stably by subtracting the maximum first."""
        return _ops.LogSumExp.apply(self, dim=dim, keepdim=keepdim)

    def softmax(self, dim: int) -> Tensor:
        """exp(x) / sum(exp(x)) along ``dim``: probabilities that sum to 1."""
        return _ops.Softmax.apply(self, dim=dim)

    def log_softmax(self, dim: int) -> Tensor:
        """log(softmax(x)) along ``dim``, computed stably (better than ``softmax().log()``)."""
        return _ops.LogSoftmax.apply(self, dim=dim)

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape (one dimension may be -1); a view when possible."""
        return _ops.reshape(self, _shape_args(shape))

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dimensions ``start_dim``..``end_dim`` into one: ``x.flatten(1)`` is (N, C*H*W)."""
        return _ops.flatten(self, start_dim, end_dim)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions."""
        return _ops.transpose(self, dim0, dim1)

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dimensions: ``x.permute(0, 2, 3, 1)`` makes (N, C, H, W) (N, H, W, C)."""
        return _ops.Permute.apply(self, dims=_shape_args(dims))

    def squeeze(self, dim: int | tuple[int, ...] | None = None) -> Tensor:
        """Remove size-1 dimensions (all of them, or those in ``dim``)."""
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a size-1 dimension at ``dim``."""
        return _ops.unsqueeze(self, dim)

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast size-1 dimensions to ``sizes`` without copying (-1 keeps a size)."""
        return _ops.expand(self, _shape_args(sizes))

    def broadcast_to(self, shape: tuple[int, ...]) -> Tensor:
        """Broadcast to ``shape`` with numpy's rules; the gradient is summed back."""
        return _ops.BroadcastTo.apply(self, shape=tuple(shape))

    def sum_to(self, shape: tuple[int, ...]) -> Tensor:
        """Sum a broadcast tensor back down to ``shape`` (the adjoint of ``broadcast_to``)."""
        return _ops.SumTo.apply(self, shape=tuple(shape))

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.GetItem.apply(self, index=_ops.normalize_index(index))

    # ================================================================== PyTorch-compatible
    # conveniences: the everyday Tensor methods of PyTorch scripts, each a thin front for an
    # op above or in minigrad.ops (kept in one block; see docs/porting.md).
    def size(self, dim: int | None = None) -> Size | int:
        """The shape as a ``Size`` (a tuple), or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_ops.normalize_dim(dim, self.ndim, "size")] if self.ndim else 1

    @property
    def device(self) -> _device.device:
        """Always ``device(type='cpu')``: minigrad has no other device."""
        return _device.CPU

    @property
    def is_cuda(self) -> bool:
        """Always False."""
        return False

    @property
    def is_xpu(self) -> bool:
        """Always False."""
        return False

    @property
    def is_mps(self) -> bool:
        """Always False."""
        return False

    def cpu(self) -> Tensor:
        """The tensor itself: it already lives on the CPU."""
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Tensor:
        """Refused with a clear error: there is no GPU support."""
        raise _device._no_accelerator("Tensor.cuda")

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(other)`` or ``to(device, dtype)``, as PyTorch.

        Returns the tensor itself when nothing changes (unless ``copy=True``); a dtype change
        is a differentiable copy whose gradient is cast back.
        """
        copy = bool(kwargs.pop("copy", False))
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        dtype = kwargs.pop("dtype", None)
        _device.check_device(kwargs.pop("device", None), "to")
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument {next(iter(kwargs))!r}")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, _device.device)) or (isinstance(a, int)
                                                          and not isinstance(a, bool)):
                _device.check_device(a, "to")
            else:
                dtype = a
        if dtype is None:
            return _ops.cast(self, self.dtype, copy=True) if copy else self
        return _ops.cast(self, _dtype_of(dtype, "to"), copy=copy)

    def int(self) -> Tensor:
        """``to(int32)``."""
        return self.to(np.int32)

    def bool(self) -> Tensor:
        """``to(bool)``: nonzero is True."""
        return self.to(np.bool_)

    def half(self) -> Tensor:
        """``to(float16)``."""
        return self.to(np.float16)

    def type(self, dtype: Any = None) -> str | Tensor:
        """Without an argument, PyTorch's type name (``'torch.FloatTensor'``, kept for code that
        compares it); with a dtype or such a name, ``to(dtype)``."""
        if dtype is None:
            return _TYPE_NAMES.get(self.dtype, f"torch.{self.dtype.name}")
        if isinstance(dtype, str) and dtype in _NAME_TYPES:
            dtype = _NAME_TYPES[dtype]
        return self.to(dtype)

    def type_as(self, other: Tensor) -> Tensor:
        """``to(other.dtype)``."""
        return self.to(other.dtype)

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point one."""
        return self.dtype.kind == "f"

    def element_size(self) -> int:
        """Bytes per element."""
        return self.dtype.itemsize

    @property
    def itemsize(self) -> int:
        """Bytes per element (PyTorch's property; ``element_size()``)."""
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes the elements take: ``numel() * itemsize``."""
        return self.numel() * self.dtype.itemsize

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:  # as PyTorch: a 0-d tensor formats as its number
            return format(self._data.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} passed to Tensor.__format__ "
                            f"for a tensor of shape {self.shape} (format a 0-d tensor or "
                            "t.item())")
        return str(self)

    def view_as(self, other: Tensor) -> Tensor:
        """``view(other.shape)``."""
        return self.view(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        """``reshape(other.shape)``."""
        return self.reshape(other.shape)

    def expand_as(self, other: Tensor) -> Tensor:
        """``expand(other.shape)``."""
        return self.expand(other.shape)

    def contiguous(self) -> Tensor:
        """The tensor itself if its memory is in row-major order, else a row-major copy."""
        if self._data.flags.c_contiguous:
            return self
        out = self.clone()
        out._data = np.ascontiguousarray(out._data)  # the fresh copy, not yet seen by anyone
        return out

    def is_contiguous(self) -> bool:
        """Whether the memory is in row-major order."""
        return bool(self._data.flags.c_contiguous)

    def new_tensor(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """A new tensor from ``data``, in this tensor's dtype unless ``dtype``."""
        return Tensor(np.array(_to_array(data), dtype=dtype or self.dtype),
                      requires_grad=requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Zeros of ``size`` in this tensor's dtype unless ``dtype``."""
        return self.new_full(_shape_args(size), 0, dtype=dtype, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Ones of ``size`` in this tensor's dtype unless ``dtype``."""
        return self.new_full(_shape_args(size), 1, dtype=dtype, requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, dtype: Any = None,
                 requires_grad: bool = False) -> Tensor:
        """``fill_value`` in a tensor of ``size``, in this tensor's dtype unless ``dtype``."""
        from .creation import full

        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        """Like ``new_zeros`` (minigrad's ``empty`` is zero-filled)."""
        return self.new_zeros(*size, dtype=dtype, requires_grad=requires_grad)

    # comparisons, by name
    def eq(self, other: Any) -> Tensor:
        """``self == other`` as a bool tensor."""
        return self == other

    def ne(self, other: Any) -> Tensor:
        """``self != other`` as a bool tensor."""
        return self != other

    def lt(self, other: Any) -> Tensor:
        """``self < other`` as a bool tensor."""
        return self < other

    def le(self, other: Any) -> Tensor:
        """``self <= other`` as a bool tensor."""
        return self <= other

    def gt(self, other: Any) -> Tensor:
        """``self > other`` as a bool tensor."""
        return self > other

    def ge(self, other: Any) -> Tensor:
        """``self >= other`` as a bool tensor."""
        return self >= other

    def equal(self, other: Tensor) -> bool:
        """True if both have the same shape and elements."""
        return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

    # arithmetic, by name
    def add(self, other: Any, alpha: Any = 1) -> Tensor:
        """``self + alpha * other``."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Any, alpha: Any = 1) -> Tensor:
        """``self - alpha * other``."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> Tensor:
        """``self * other``."""
        return self * other

    def div(self, other: Any, rounding_mode: str | None = None) -> Tensor:
        """``self / other``; ``rounding_mode='trunc'|'floor'`` rounds (zero gradient, as torch)."""
        return _ops.divide(self, other, rounding_mode=rounding_mode)

    def neg(self) -> Tensor:
        """``-self``."""
        return -self

    def pow(self, exponent: Any) -> Tensor:
        """``self ** exponent``."""
        return self**exponent

    def matmul(self, other: Tensor) -> Tensor:
        """``self @ other``."""
        return self @ other

    def mm(self, other: Tensor) -> Tensor:
        """Matrix product of two 2-D tensors (``matmul`` broadcasts; ``mm`` does not)."""
        for name, t in (("self", self), ("mat2", other)):
            if not isinstance(t, Tensor) or t.ndim != 2:
                raise RuntimeError(f"mm: {name} must be a matrix (2-D), got shape "
                                   f"{getattr(t, 'shape', type(t).__name__)}")
        return self @ other

    def bmm(self, other: Tensor) -> Tensor:
        """Batched matrix product of two 3-D tensors (b, n, m) @ (b, m, p)."""
        for name, t in (("batch1", self), ("batch2", other)):
            if not isinstance(t, Tensor) or t.ndim != 3:
                raise RuntimeError(f"bmm: {name} must be a 3D tensor, got shape "
                                   f"{getattr(t, 'shape', type(t).__name__)}")
        if self.shape[0] != other.shape[0]:
            raise RuntimeError(f"bmm: batch1 and batch2 must have the same batch size, got "
                               f"{self.shape} and {other.shape}")
        return self @ other

    def t(self) -> Tensor:
        """Transpose of a matrix (a 0-d or 1-d tensor is returned as is)."""
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{self.ndim}D (use transpose or mT)")
        return self if self.ndim < 2 else self.transpose(0, 1)

    # indexing and ordering (ops in minigrad.ops.index)
    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        """``value`` where the bool ``mask`` is True, else this tensor's element."""
        return _ops.masked_fill(self, mask, value)

    def gather(self, dim: int, index: Tensor) -> Tensor:
        """Values along ``dim`` at the int64 ``index``: ``out[i][j] = self[i][index[i][j]]``."""
        return _ops.gather(self, dim, index)

    def topk(self, k: int, dim: int = -1, largest: bool = True,
             sorted: bool = True) -> MaxResult:  # noqa: A002
        """The ``k`` largest (or smallest) values along ``dim``: ``(values, indices)``."""
        return _ops.topk(self, k, dim, largest, sorted)

    def sort(self, dim: int = -1, descending: bool = False, *,
             stable: bool = False) -> MaxResult:
        """``(values, indices)`` sorted along ``dim`` (stable; NaN counts as largest)."""
        return _ops.sort(self, dim, descending, stable=stable)

    def argsort(self, dim: int = -1, descending: bool = False, *,
                stable: bool = False) -> Tensor:
        """The indices ``sort`` would return."""
        return _ops.argsort(self, dim, descending, stable=stable)

    def cumsum(self, dim: int, dtype: Any = None) -> Tensor:
        """Running sum along ``dim`` (integers and bools sum in int64)."""
        return _ops.cumsum(self, dim, dtype)

    # rearranging, numeric and scatter ops (minigrad.ops.manipulation and .numeric)
    def flip(self, *dims: Any) -> Tensor:
        """A copy reversed along ``dims`` (``x.flip(0)`` or ``x.flip([0, 1])``)."""
        return _ops.flip(self, _shape_args(dims))

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        """Cyclic shift by ``shifts`` along ``dims`` (None: the flattened tensor)."""
        return _ops.roll(self, shifts, dims)

    def repeat(self, *sizes: Any) -> Tensor:
        """Copies of this tensor tiled ``sizes[i]`` times along each dim (at least ndim sizes)."""
        return _ops.repeat(self, _shape_args(sizes))

    def tile(self, *dims: Any) -> Tensor:
        """``torch.tile``: like ``repeat``, but a short ``dims`` is padded with leading 1s."""
        return _ops.tile(self, _shape_args(dims))

    def repeat_interleave(self, repeats: Any = None, dim: int | None = None, *,
                          output_size: int | None = None) -> Tensor:
        """Each element (or slice along ``dim``) repeated ``repeats`` times in a row."""
        return _ops.repeat_interleave(self, repeats, dim, output_size=output_size)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """At most ``chunks`` pieces of equal size (the last smaller) along ``dim``: views."""
        return _ops.chunk(self, chunks, dim)

    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of ``split_size`` (or of the sizes in a list) along ``dim``: views."""
        return _ops.split(self, split_size, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, with that dim removed."""
        return _ops.unbind(self, dim)

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        """Dim ``dim`` split into dims of ``sizes`` (one may be -1): the inverse of flatten."""
        return _ops.unflatten(self, dim, sizes)

    def scatter(self, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
                reduce: str | None = None) -> Tensor:
        """A copy with ``src`` (a Tensor) or ``value`` written at ``index`` along ``dim``."""
        return _ops.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_(self, dim: int, index: Tensor, src: Any = None, *, value: Any = None,
                 reduce: str | None = None) -> Tensor:
        """``scatter`` in place."""
        return _inplace(self, "scatter_", lambda a: _ops.scatter(a, dim, index, src,
                                                                 value=value, reduce=reduce))

    def scatter_add(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """A copy with ``src`` added at ``index`` along ``dim`` (repeated places add up)."""
        return _ops.scatter_add(self, dim, index, src)

    def scatter_add_(self, dim: int, index: Tensor, src: Tensor) -> Tensor:
        """``scatter_add`` in place."""
        return _inplace(self, "scatter_add_", lambda a: _ops.scatter_add(a, dim, index, src))

    def scatter_reduce(self, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                       include_self: bool = True) -> Tensor:
        """``src`` combined into a copy at ``index`` along ``dim`` by ``reduce``."""
        return _ops.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(self, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                        include_self: bool = True) -> Tensor:
        """``scatter_reduce`` in place."""
        return _inplace(self, "scatter_reduce_", lambda a: _ops.scatter_reduce(
            a, dim, index, src, reduce, include_self=include_self))

    def cumprod(self, dim: int, *, dtype: Any = None) -> Tensor:
        """Running product along ``dim`` (exact gradient also where there are zeros)."""
        return _ops.cumprod(self, dim, dtype=dtype)

    def diff(self, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
             append: Tensor | None = None) -> Tensor:
        """The ``n``-th forward difference ``x[i + 1] - x[i]`` along ``dim``."""
        return _ops.diff(self, n, dim, prepend, append)

    def log1p(self) -> Tensor:
        """Elementwise ``log(1 + x)``, accurate for tiny ``x``."""
        return _ops.log1p(self)

    def round(self, *, decimals: int = 0) -> Tensor:
        """Round to ``decimals`` places, half to even (zero gradient, as in PyTorch)."""
        return _ops.round(self, decimals=decimals)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False,
             dtype: Any = None) -> Tensor:
        """The vector ``p``-norm over ``dim`` (``"fro"``: 2), as ``torch.norm``."""
        return _ops.numeric.norm(self, p, dim, keepdim, dtype)

    def divide(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """``div``: ``self / other``, rounded with ``rounding_mode='trunc'|'floor'``."""
        return _ops.divide(self, other, rounding_mode=rounding_mode)

    def isclose(self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        """Elementwise ``|self - other| <= atol + rtol * |other|`` as a bool tensor."""
        return _ops.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        """Whether ``isclose`` holds for every element."""
        return _ops.allclose(self, other, rtol, atol, equal_nan)


_NO_HOOKS: OrderedDict = OrderedDict()


def _all_dims(t: Tensor, dim: Any) -> Any:
    """``amax``/``amin`` reduce every dim when ``dim`` is None or ``()``, as in PyTorch."""
    return tuple(range(t.ndim)) if dim is None or dim == () else dim


def _shape_args(args: tuple) -> tuple[int, ...]:
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike, as PyTorch does."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _operand(value: Any, dtype: np.dtype) -> Tensor:
    """``value`` as a Tensor of ``dtype`` (a cast Tensor stays differentiable)."""
    if isinstance(value, Tensor):
        return value if value.dtype == dtype else _ops.cast(value, dtype)
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


def _logical_reduce(reduce: Callable, t: Tensor, dim: Any, keepdim: bool) -> Tensor:
    dims = _ops.normalize_dims(dim, t.ndim, reduce.__name__)
    return Tensor._make(np.asarray(reduce(t._data, axis=dims, keepdims=keepdim)), False, None, 0)


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
    """Refuse what PyTorch refuses while recording: changing a leaf that requires grad, and
    (minigrad only) changing a view of a tensor in the graph."""
    if t.requires_grad and t.grad_fn is None:
        raise RuntimeError(
            f"{name}: a leaf Variable that requires grad is being used in an in-place "
            "operation. Do it under `with minigrad.no_grad():` (as optimizer steps do), or "
            "use the out-of-place op"
        )
    if t.grad_fn is not None and t.grad_fn.fn._view:
        raise RuntimeError(
            f"{name}: in-place change of a view (made by {t.grad_fn.name}) of a tensor that "
            "requires grad is not supported by minigrad; clone() the view first "
            "(docs/faq.md)"
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
    node.outputs = tuple(
        autograd.weakref.ref(t) if j == i else r for j, r in enumerate(node.outputs)
    )
    node._output_arrays[i] = (t._data, True)
    t.grad_fn, t._output_index, t.requires_grad = node, i, True


def _replace(a: Tensor, value: Any) -> Tensor:
    """``value`` broadcast to ``a``'s shape; differentiable (``a`` gets a zero gradient)."""
    return _ops.where(True, value, a)


def _format(t: Tensor) -> str:
    data = t._data
    opts: dict[str, Any] = {"separator": ", ", "prefix": "tensor("}
    if data.dtype.kind == "f" and data.size and np.all(np.isfinite(data)) and not np.all(
        data == np.round(data)
    ):
        opts.update(precision=4, floatmode="fixed")
    body = np.array2string(data, **opts)
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


_TYPE_NAMES = {
    np.dtype(t): f"torch.{n}Tensor" for t, n in (
        (np.float32, "Float"), (np.float64, "Double"), (np.float16, "Half"),
        (np.int64, "Long"), (np.int32, "Int"), (np.int16, "Short"), (np.int8, "Char"),
        (np.uint8, "Byte"), (np.bool_, "Bool"))
}
_NAME_TYPES = {name: dtype for dtype, name in _TYPE_NAMES.items()}


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
        return data if d is None else _ops.cast(data, d)
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


def _axis_alias(method: Callable) -> Callable:
    """Let ``method`` take numpy's ``axis=`` as PyTorch does, as a spelling of ``dim=``."""

    def wrapper(self: Tensor, *args: Any, axis: Any = None, **kwargs: Any) -> Any:
        if "out" in kwargs and kwargs["out"] is None:  # numpy's np.sum(t) passes out=None
            del kwargs["out"]
        if axis is not None:
            if "dim" in kwargs:
                raise TypeError(f"{method.__name__}: got both 'dim' and its alias 'axis'")
            kwargs["dim"] = axis
        return method(self, *args, **kwargs)

    wrapper.__name__, wrapper.__qualname__ = method.__name__, method.__qualname__
    wrapper.__doc__, wrapper.__wrapped__ = method.__doc__, method
    return wrapper


def _or_elementwise(method: Callable, pairwise: str) -> Callable:
    """``max``/``min`` of another tensor is PyTorch's ``maximum``/``minimum``."""

    def wrapper(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        other = args[0] if args else kwargs.get("other")
        if isinstance(other, Tensor):
            return getattr(self, pairwise)(other)
        return method(self, *args, **kwargs)

    wrapper.__name__, wrapper.__qualname__ = method.__name__, method.__qualname__
    wrapper.__doc__, wrapper.__wrapped__ = method.__doc__, method
    return wrapper


for _name in ("sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin",
              "all", "any", "logsumexp", "softmax", "log_softmax", "cumsum", "sort", "argsort",
              "topk", "squeeze", "unsqueeze"):
    setattr(Tensor, _name, _axis_alias(getattr(Tensor, _name)))
Tensor.max = _or_elementwise(Tensor.max, "maximum")
Tensor.min = _or_elementwise(Tensor.min, "minimum")
del _name

from . import ops as _ops  # noqa: E402  (ops build on Tensor)
