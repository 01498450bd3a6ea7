"""Ways to make a tensor: from data, filled with a constant, or drawn at random.

PyTorch's signatures: a size is given as ints or one tuple (``zeros(2, 3)``, ``zeros((2, 3))``),
and ``dtype=``, ``device=`` (CPU only) and ``requires_grad=`` are keywords. A bad size is
refused with PyTorch's error type before anything is allocated.
"""

from __future__ import annotations

import operator
import os
from typing import Any

import numpy as np

from .device import check_device
from .dtypes import get_default_dtype
from .rng import get_rng
from .tensor import Tensor, _dtype_of, as_tensor, require_tensor

__all__ = [
    "arange", "as_tensor", "empty", "empty_like", "eye", "from_numpy", "full", "full_like",
    "linspace", "logspace", "normal", "ones", "ones_like", "rand", "rand_like", "randint",
    "randint_like", "randn", "randn_like", "randperm", "tensor", "zeros", "zeros_like",
]


def _default_float() -> np.dtype:
    """The dtype of float data made without one (``set_default_dtype`` changes it)."""
    return np.dtype(get_default_dtype())


def _size(args: tuple, fn: str) -> tuple[int, ...]:
    """``f(2, 3)`` or ``f((2, 3))`` as a tuple of non-negative ints, or PyTorch's error."""
    shape = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
    out = []
    for pos, s in enumerate(shape):
        try:
            if isinstance(s, (bool, np.bool_)):
                raise TypeError
            out.append(operator.index(s))
        except TypeError:
            raise TypeError(f"{fn}: argument 'size' must be a tuple of ints, but found "
                            f"element of type {type(s).__name__} at pos {pos}") from None
    if any(s < 0 for s in out):
        raise RuntimeError(f"{fn}: trying to create tensor with negative dimension "
                           f"{min(out)}: {out}")
    return tuple(out)


def _human(nbytes: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.1f} {unit}" if unit != "bytes" else f"{nbytes} bytes"
        nbytes /= 1024
    raise AssertionError  # unreachable


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _check_fits(shape: tuple[int, ...], dtype: np.dtype, fn: str) -> int:
    """The bytes a tensor of ``shape`` needs, or a RuntimeError if they exceed memory."""
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    limit = _memory_bytes()
    if limit is not None and nbytes > limit:
        raise RuntimeError(f"{fn}: cannot allocate {_human(nbytes)} ({nbytes} bytes) for a "
                           f"{dtype} tensor of shape {list(shape)}; this machine has "
                           f"{_human(limit)} of memory")
    return nbytes


def _allocate(fill: Any, shape: tuple[int, ...], dtype: np.dtype, fn: str) -> np.ndarray:
    """``np.full`` that first checks the request fits in memory, and says how much it was."""
    nbytes = _check_fits(shape, dtype, fn)
    try:
        return np.full(shape, fill, dtype=dtype)
    except (MemoryError, ValueError) as e:
        raise RuntimeError(f"{fn}: cannot allocate {_human(nbytes)} for a {dtype} tensor "
                           f"of shape {list(shape)}: {e}") from e


def _make(arr: np.ndarray, requires_grad: bool, device: Any, fn: str) -> Tensor:
    check_device(device, fn)
    return Tensor(arr, requires_grad=requires_grad)


def _float(dtype: Any, fn: str) -> np.dtype:
    """``dtype`` or the default float dtype; random draws need a float one."""
    d = _default_float() if dtype is None else _dtype_of(dtype, fn)
    if d.kind != "f":
        raise RuntimeError(f"{fn}: expected a floating point dtype, got {d} "
                           "(use randint for integers)")
    return d


def tensor(data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``.

    Python floats become float32 (a float64 numpy array stays float64), ints int64::

        >>> tensor([[1.0, 2.0]], requires_grad=True)
        tensor([[1., 2.]], requires_grad=True)
    """
    check_device(device, "tensor")
    if isinstance(data, Tensor):
        data = data._data
    d = None if dtype is None else _dtype_of(dtype, "tensor")
    if isinstance(data, np.ndarray) and d is None:
        data = data.copy()
    return Tensor(data, dtype=d, requires_grad=requires_grad)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing ``ndarray``'s memory (writes to either show in both), its dtype kept."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype.kind not in "biufc":
        raise TypeError(f"from_numpy: can't convert np.ndarray of type {ndarray.dtype}. The "
                        "only supported types are: float64, float32, float16, complex, int64, "
                        "int32, int16, int8, uint8, and bool.")
    return as_tensor(ndarray)


def _filled(fill: Any, shape: tuple, dtype: Any, device: Any, requires_grad: bool,
            fn: str) -> Tensor:
    d = _default_float() if dtype is None else _dtype_of(dtype, fn)
    return _make(_allocate(fill, _size(shape, fn), d, fn), requires_grad, device, fn)


def zeros(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``; float32 unless ``dtype``."""
    return _filled(0, size, dtype, device, requires_grad, "zeros")


def ones(*size: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``; float32 unless ``dtype``."""
    return _filled(1, size, dtype, device, requires_grad, "ones")


def empty(*size: Any, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Like ``zeros``: minigrad fills "uninitialised" memory with zeros, so results repeat."""
    return _filled(0, size, dtype, device, requires_grad, "empty")


def _fill_dtype(fill_value: Any) -> np.dtype:
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    if isinstance(fill_value, (bool, np.bool_)):
        return np.dtype(np.bool_)
    if isinstance(fill_value, (int, np.integer)):
        return np.dtype(np.int64)
    if isinstance(fill_value, complex):
        return np.dtype(np.complex64)
    return _default_float()


def full(size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``; ints give int64, bools bool."""
    fill = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return _filled(fill, (size,), dtype if dtype is not None else _fill_dtype(fill_value),
                   device, requires_grad, "full")


def _like(t: Any, fn: str) -> Tensor:
    return require_tensor(t, fn, "input")


def zeros_like(input: Tensor, *, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False) -> Tensor:
    """Zeros with ``input``'s shape and (unless given) dtype."""
    t = _like(input, "zeros_like")
    return _filled(0, t.shape, dtype or t.dtype, device, requires_grad, "zeros_like")


def ones_like(input: Tensor, *, dtype: Any = None, device: Any = None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    """Ones with ``input``'s shape and (unless given) dtype."""
    t = _like(input, "ones_like")
    return _filled(1, t.shape, dtype or t.dtype, device, requires_grad, "ones_like")


def empty_like(input: Tensor, *, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False) -> Tensor:
    """Like ``zeros_like`` (see ``empty``)."""
    t = _like(input, "empty_like")
    return _filled(0, t.shape, dtype or t.dtype, device, requires_grad, "empty_like")


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None,  # noqa: A002
              device: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` with ``input``'s shape and (unless given) dtype."""
    t = _like(input, "full_like")
    return _filled(fill_value, t.shape, dtype or t.dtype, device, requires_grad, "full_like")


def arange(start: Any = 0, end: Any = None, step: Any = 1, *, dtype: Any = None,
           device: Any = None, requires_grad: bool = False) -> Tensor:
    """Like ``range`` but a tensor; int64 for whole-number arguments, else float32."""
    if end is None:
        start, end = 0, start
    values = start, end, step = _range_numbers(start, end, step)
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and larger bound inconsistent with step "
                           f"sign (start={start}, end={end}, step={step})")
    is_int = all(isinstance(v, (int, np.integer)) for v in values)
    d = _dtype_of(dtype, "arange") if dtype is not None else (
        np.dtype(np.int64) if is_int else _default_float())
    n = int(np.ceil((end - start) / step))
    _check_fits((n,), d, "arange")
    arr = start + np.arange(n, dtype=np.float64 if not is_int else np.int64) * step
    return _make(arr.astype(d), requires_grad, device, "arange")


def _range_numbers(start: Any, end: Any, step: Any) -> list[Any]:
    """``arange``'s bounds as finite numbers (a one-element Tensor gives its value)."""
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    for name, v in zip(("start", "end", "step"), values):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise TypeError(f"arange: argument '{name}' must be a number, not "
                            f"{type(v).__name__}")
        if not np.isfinite(v):
            raise RuntimeError(f"arange: unsupported range: {name} = {v} is not finite")
    return values


def linspace(start: float, end: float, steps: int, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"linspace: argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    d = _default_float() if dtype is None else _dtype_of(dtype, "linspace")
    arr = np.linspace(float(start), float(end), int(steps))
    return _make(arr.astype(d), requires_grad, device, "linspace")


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``steps`` values from ``base ** start`` to ``base ** end``, evenly spaced on a log
    scale: the grids of learning rates and weight decays a sweep tries.

    The default float dtype unless ``dtype``. As in PyTorch, ``start`` and ``end`` (numbers
    or 0-d tensors) are first converted to ``dtype`` (an integer one truncates them) and the
    powers of ``base`` to them are then converted back::

        >>> logspace(-2, 1, 4)
        tensor([ 0.0100,  0.1000,  1.0000, 10.0000])
    """
    lo, hi = (_space_bound(v, name) for v, name in ((start, "start"), (end, "end")))
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"logspace: argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative, got {steps}")
    b = _space_bound(base, "base")
    d = _default_float() if dtype is None else _dtype_of(dtype, "logspace")
    if d.kind == "b":
        raise NotImplementedError("logspace: not implemented for bool (use a number dtype)")
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        lo, hi = (float(np.asarray(v).astype(d)) for v in (lo, hi))
        i = np.arange(steps)
        step = (hi - lo) / (steps - 1) if steps > 1 else 0.0
        # from both ends, as PyTorch, so the last exponent is ``end`` exactly
        exponents = np.where(i < max(steps // 2, 1), lo + step * i,
                             hi - step * (steps - 1 - i))
        arr = np.power(b, exponents).astype(d)
    return _make(arr, requires_grad, device, "logspace")


def _space_bound(value: Any, name: str) -> float:
    """``logspace``'s ``start``, ``end`` or ``base``: a real number or a 0-d Tensor's."""
    if isinstance(value, Tensor) and (value.ndim == 0 or name != "base"):
        if value.ndim:
            raise RuntimeError(f"logspace only supports 0-dimensional start and end tensors, "
                               f"but got {name} with {value.ndim} dimension(s).")
        value = value.item()
    if not isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        raise TypeError(f"logspace: argument '{name}' must be a real number, not "
                        f"{type(value).__name__}")
    return float(value)


def eye(n: int, m: int | None = None, *, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The identity matrix, ``n`` x ``m`` (square when ``m`` is omitted)."""
    m = n if m is None else m
    for name, v in (("n", n), ("m", m)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"eye: argument '{name}' must be int, not {type(v).__name__}")
        if v < 0:
            raise RuntimeError(f"eye: {name} must be greater or equal to 0, got {v}")
    t = _filled(0, (n, m), dtype, device, requires_grad, "eye")
    np.fill_diagonal(t._data, 1)
    return t


def rand(*size: Any, generator: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1), drawn from the generator ``manual_seed`` controls."""
    d, shape = _float(dtype, "rand"), _size(size, "rand")
    _check_fits(shape, d, "rand")
    return _make(get_rng(generator).random(shape, dtype=d) if d.itemsize >= 4 else
                 get_rng(generator).random(shape).astype(d), requires_grad, device, "rand")


def randn(*size: Any, generator: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal, drawn from the generator ``manual_seed`` controls."""
    d, shape = _float(dtype, "randn"), _size(size, "randn")
    _check_fits(shape, d, "randn")
    rng = get_rng(generator)
    arr = rng.standard_normal(shape, dtype=d) if d.itemsize >= 4 else rng.standard_normal(
        shape).astype(d)
    return _make(arr, requires_grad, device, "randn")


def randint(*args: Any, size: Any = None, generator: Any = None, dtype: Any = None,
            device: Any = None, requires_grad: bool = False, low: Any = None,
            high: Any = None) -> Tensor:
    """Integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    low, high, size = _randint_args(list(args), low, high, size)
    low = 0 if low is None else low
    if high is None or size is None:
        raise TypeError("randint: missing the required arguments 'high' and 'size' "
                        "(randint(high, size) or randint(low, high, size))")
    if low >= high:
        raise RuntimeError(f"randint: random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    shape = _size_arg(size, "randint")
    d = np.dtype(np.int64) if dtype is None else _dtype_of(dtype, "randint")
    arr = get_rng(generator).integers(low, high, size=shape).astype(d)
    return _make(arr, requires_grad, device, "randint")


def _randint_args(args: list, low: Any, high: Any, size: Any) -> tuple[Any, Any, Any]:
    """``(low, high, size)`` from ``randint``'s positional arguments (a trailing tuple or
    list is the size; one number is ``high``, or ``low`` when ``high=`` is given) and its
    keywords."""
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    elif args:
        raise TypeError("randint: expected (high, size) or (low, high, size)")
    return low, high, size


def _size_arg(size: Any, fn: str) -> tuple[int, ...]:
    """A ``size=`` argument, one int or a sequence of ints, as a shape (see ``_size``)."""
    return _size((size,) if isinstance(size, int) else size, fn)


def randperm(n: int, *, generator: Any = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype``)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"randperm: argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    d = np.dtype(np.int64) if dtype is None else _dtype_of(dtype, "randperm")
    return _make(get_rng(generator).permutation(n).astype(d), requires_grad, device, "randperm")


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Normal draws with ``mean`` and ``std`` (numbers, or tensors broadcast together)."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if np.any(np.asarray(s) < 0):
        raise RuntimeError(f"normal: expects std >= 0.0, but found std {np.min(s)}")
    shape, d = _normal_layout(mean, std, size, dtype)
    z = get_rng(generator).standard_normal(shape)
    return _make((m + s * z).astype(d), requires_grad, device, "normal")


def _normal_layout(mean: Any, std: Any, size: Any, dtype: Any) -> tuple[tuple[int, ...],
                                                                         np.dtype]:
    """The shape and dtype of ``normal``'s draws: the tensor arguments' broadcast shape and
    the first one's dtype, or, for a number mean and std, ``size`` and a float dtype."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal: with a number mean and std, 'size' is required")
        return _size_arg(size, "normal"), _float(dtype, "normal")
    shape = np.broadcast_shapes(*(np.shape(v) for v in (mean, std)))
    d = tensors[0].dtype if dtype is None else _dtype_of(dtype, "normal")
    return shape, d


def rand_like(input: Tensor, *, dtype: Any = None, device: Any = None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    """``rand`` with ``input``'s shape and (unless given) dtype."""
    t = _like(input, "rand_like")
    return rand(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False) -> Tensor:
    """``randn`` with ``input``'s shape and (unless given) dtype."""
    t = _like(input, "randn_like")
    return randn(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *,  # noqa: A002
                 dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``randint`` with ``input``'s shape and dtype: ``randint_like(x, 10)`` or ``(x, 2, 10)``."""
    t = _like(input, "randint_like")
    if high is None:
        low, high = 0, low
    return randint(low, high, t.shape, dtype=dtype or t.dtype, device=device,
                   requires_grad=requires_grad)
