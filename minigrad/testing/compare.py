"""``assert_close`` and ``make_tensor``: ``torch.testing``'s, with its tolerances and messages."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..device import check_device
from ..rng import get_rng
from ..tensor import Tensor

# --------------------------------------------------------------------------- assert_close

# (rtol, atol) by dtype, as torch.testing.assert_close; other dtypes compare exactly
_DTYPE_PRECISIONS = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
    np.dtype(np.complex64): (1.3e-6, 1e-5),
    np.dtype(np.complex128): (1e-7, 1e-7),
}


def _is_torch_tensor(x: Any) -> bool:
    return type(x).__module__.startswith("torch") and hasattr(x, "detach")


def _tensor_like(x: Any) -> np.ndarray | None:
    """The array of a minigrad Tensor, numpy array or (duck-typed) torch tensor, else None."""
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, np.ndarray):
        return x
    if _is_torch_tensor(x):
        return x.detach().cpu().numpy()
    return None


def _is_number(x: Any) -> bool:
    return isinstance(x, (bool, int, float, complex, np.number, np.bool_))


def _tolerances(dtypes: Sequence[np.dtype], rtol: float | None,
                atol: float | None) -> tuple[float, float]:
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'rtol' if rtol is None else 'atol'}.")
    if rtol is not None and atol is not None:
        return rtol, atol
    pairs = [_DTYPE_PRECISIONS.get(np.dtype(d), (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _close(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float,
           equal_nan: bool) -> np.ndarray:
    """``torch.isclose``: |a - e| <= atol + rtol * |e|; equal infinities match."""
    if actual.dtype.kind in "biu" and expected.dtype.kind in "biu":
        a, e = actual.astype(np.int64), expected.astype(np.int64)
        if rtol == 0 and atol == 0:
            return a == e
        return np.abs(a - e) <= atol + rtol * np.abs(e)
    with np.errstate(invalid="ignore", over="ignore"):
        same = actual == expected
        close = np.abs(actual - expected) <= atol + rtol * np.abs(expected)
        close = (close & np.isfinite(actual) & np.isfinite(expected)) | same
        if equal_nan:
            close |= np.isnan(actual) & np.isnan(expected)
    return close


def _diff_msg(kind: str, diff: Any, idx: tuple | None, tol: float, equality: bool) -> str:
    if idx is None:
        msg = f"{kind.title()} difference: {diff}"
    else:
        msg = f"Greatest {kind} difference: {diff} at index {idx}"
    return msg + ("" if equality else f" (up to {tol} allowed)")


def _mismatch_message(actual: np.ndarray, expected: np.ndarray, matches: np.ndarray,
                      rtol: float, atol: float, scalar: bool) -> str:
    equality = rtol == 0 and atol == 0
    if scalar:
        a, e = actual.item(), expected.item()
        abs_diff = abs(a - e)
        rel_diff = float("inf") if e == 0 else abs_diff / abs(e)
        return "\n".join([f"Scalars are not {'equal' if equality else 'close'}!", "",
                          f"Expected {e} but got {a}.",
                          _diff_msg("absolute", abs_diff, None, atol, equality),
                          _diff_msg("relative", rel_diff, None, rtol, equality)])
    total = matches.size
    mismatched = total - int(np.sum(matches))
    a, e = actual.reshape(-1), expected.reshape(-1)
    if a.dtype.kind in "biu":
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        abs_diff = np.abs(a - e)
        abs_diff[matches.reshape(-1)] = 0
        rel_diff = abs_diff / np.abs(e) if a.dtype.kind in "fc" else (  # float32, as torch
            abs_diff.astype(np.float32) / np.abs(e).astype(np.float32))
        rel_diff[matches.reshape(-1)] = 0

    def worst(d: np.ndarray) -> tuple[Any, tuple]:
        i = int(np.argmax(np.where(np.isnan(d), np.inf, d))) if d.size else 0
        return d[i].item(), tuple(int(k) for k in np.unravel_index(i, matches.shape))

    (ad, ai), (rd, ri) = worst(abs_diff), worst(rel_diff)
    return "\n".join([f"Tensor-likes are not {'equal' if equality else 'close'}!", "",
                      f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})",
                      _diff_msg("absolute", ad, ai, atol, equality),
                      _diff_msg("relative", rd, ri, rtol, equality)])


def _as_arrays(actual: Any, expected: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """Both sides as arrays, and whether they are Python numbers (compared as scalars, in
    float64 when either is a float). Tensor-likes pair with tensor-likes, numbers with
    numbers; any other pair is a TypeError, as in torch."""
    a, e = _tensor_like(actual), _tensor_like(expected)
    if a is not None and e is not None:
        return a, e, a.ndim == 0
    if a is None and e is None and _is_number(actual) and _is_number(expected):
        a, e = np.asarray(actual), np.asarray(expected)
        if isinstance(actual, float) or isinstance(expected, float):
            a, e = a.astype(np.float64), e.astype(np.float64)
        return a, e, True
    raise TypeError(f"No comparison pair was able to handle inputs of type "
                    f"{type(actual)} and {type(expected)}.")


def _compare(actual: Any, expected: Any, rtol: float | None, atol: float | None,
             equal_nan: bool, check_dtype: bool, path: str) -> str | None:
    a, e, scalar = _as_arrays(actual, expected)
    if a.shape != e.shape:
        return f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}."
    if check_dtype and a.dtype != e.dtype:
        return f"The values for attribute 'dtype' do not match: {a.dtype} != {e.dtype}."
    r, t = _tolerances([a.dtype, e.dtype], rtol, atol)
    if a.dtype != e.dtype:
        common = np.promote_types(a.dtype, e.dtype)
        a, e = a.astype(common), e.astype(common)
    if a.dtype == np.bool_:
        a, e = a.astype(np.int64), e.astype(np.int64)
    matches = _close(a, e, r, t, equal_nan)
    if bool(np.all(matches)):
        return None
    return _mismatch_message(a, e, matches, r, t, scalar)


def _walk(actual: Any, expected: Any, path: list) -> Iterable[tuple[Any, Any, list]]:
    """Pairs of leaves of two nested sequences or mappings (PyTorch's ``assert_close``)."""
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            raise AssertionError(f"The keys of the mappings do not match: "
                                 f"{sorted(map(str, actual))} != {sorted(map(str, expected))}")
        for k in actual:
            yield from _walk(actual[k], expected[k], [*path, k])
    elif (isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple))):
        if len(actual) != len(expected):
            raise AssertionError(f"The length of the sequences mismatch: {len(actual)} != "
                                 f"{len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            yield from _walk(a, e, [*path, i])
    else:
        yield actual, expected, path


def assert_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    msg: str | Callable[[str], str] | None = None,
) -> None:
    """Assert ``actual`` and ``expected`` are close, as ``torch.testing.assert_close``.

    Tensors (minigrad's, numpy arrays, or torch tensors), Python numbers, and sequences or
    mappings of them are compared elementwise: ``|actual - expected| <= atol + rtol *
    |expected|``. Without ``rtol``/``atol`` the tolerances are the dtype's (float16 1e-3/1e-5,
    float32 1.3e-6/1e-5, float64 1e-7/1e-7, integers and bool exactly); give both or neither.
    NaNs match only with ``equal_nan=True``. With ``check_dtype`` the dtypes must be equal
    (else both are promoted to a common one). Raises ``AssertionError`` with PyTorch's
    message (``msg`` replaces it, or maps it when callable)::

        >>> import minigrad as mg
        >>> from minigrad.testing import assert_close
        >>> assert_close(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0 + 1e-6]))
        >>> a = mg.tensor([1.0, 2.0, 3.0, 4.0], dtype=mg.float64)
        >>> assert_close(a, mg.tensor([1.0, 2.5, 3.0, 5.0], dtype=mg.float64))
        Traceback (most recent call last):
        ...
        AssertionError: Tensor-likes are not close!
        <BLANKLINE>
        Mismatched elements: 2 / 4 (50.0%)
        Greatest absolute difference: 1.0 at index (3,) (up to 1e-07 allowed)
        Greatest relative difference: 0.2 at index (1,) (up to 1e-07 allowed)
    """
    del check_device  # the CPU is the only device
    for a, e, path in _walk(actual, expected, []):
        message = _compare(a, e, rtol, atol, equal_nan, check_dtype, "")
        if message is None:
            continue
        if path:
            message += "\n\nThe failure occurred for item " + "".join(
                f"[{p!r}]" for p in path)
        if msg is not None:
            message = msg(message) if callable(msg) else msg
        raise AssertionError(message)


# --------------------------------------------------------------------------- make_tensor


def _shape_arg(shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"make_tensor: argument 'shape' must be a tuple of ints, but got "
                            f"an element of type {type(s).__name__} ({s!r})")
        if s < 0:
            raise RuntimeError(f"make_tensor: trying to create tensor with negative "
                               f"dimension {s}: {list(shape)}")
    return tuple(int(s) for s in shape)


def _dtype_arg(dtype: Any, requires_grad: bool) -> np.dtype:
    """A numpy dtype of the kinds make_tensor draws (bool, integer, floating, complex)."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.kind not in "biufc":
        raise TypeError(f"The requested dtype '{dtype}' is not supported by "
                        "minigrad.testing.make_tensor().")
    if requires_grad and dt.kind in "biu":
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral "
                         f"dtypes, but got dtype={dt}")
    return dt


def _dtype_range(dt: np.dtype) -> tuple[Any, Any, int, int]:
    """``[lowest, highest)`` that ``dt`` holds, and the default ``[low, high)``."""
    if dt.kind == "b":
        return 0, 2, 0, 2
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return int(info.min), int(info.max) + (1 if dt != np.int64 else 0), -9, 10
    info = np.finfo(dt)
    return float(info.min), float(info.max), -9, 9


def _value_interval(dt: np.dtype, low: float | None, high: float | None) -> tuple[Any, Any]:
    """``[low, high)`` with the dtype's defaults, checked, and clamped to the dtype."""
    lo_inc, hi_exc, d_low, d_high = _dtype_range(dt)
    low = d_low if low is None else low
    high = d_high if high is None else high
    _check_interval(dt, low, high, (lo_inc, hi_exc))
    return min(max(low, lo_inc), hi_exc), min(max(high, lo_inc), hi_exc)


def _check_interval(dt: np.dtype, low: Any, high: Any, supported: tuple[Any, Any]) -> None:
    """``low < high``, overlapping the ``supported`` interval of ``dt``, as PyTorch checks."""
    lo_inc, hi_exc = supported
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dt.kind in "fc":
        warnings.warn("Passing `low==high` to `make_tensor` for floating or complex types is "
                      "deprecated (as in PyTorch). Use `minigrad.full(...)` instead.",
                      FutureWarning, stacklevel=4)  # make_tensor's caller
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lo_inc or low >= hi_exc:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, "
                         f"{high}), but {dt} only supports [{lo_inc}, {hi_exc})")


def _uniform(dt: np.dtype, low: Any, high: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Values of ``dt`` drawn uniformly from ``[low, high)``."""
    rng = get_rng()
    if dt.kind in "biu":
        low, high = math.ceil(low), math.ceil(high)
        draw_dtype = np.uint64 if dt.kind == "u" else np.int64
        return rng.integers(low, high, size=shape, dtype=draw_dtype).astype(dt)
    if high - low >= np.finfo(dt).max:  # the width overflows: draw half of it, doubled
        data = rng.uniform(low / 2, high / 2, size=shape) * 2
    else:
        data = rng.uniform(low, high, size=shape)
    if dt.kind == "c":
        data = data + 1j * rng.uniform(low, high, size=shape)
    data = data.astype(dt)
    if dt.kind == "f":  # rounding to the dtype may reach high itself
        data = np.where(data >= high, np.nextafter(dt.type(high), dt.type(low)), data)
    return data


def make_tensor(
    *shape: int | Sequence[int],
    dtype: Any,
    device: Any,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
) -> Tensor:
    """A tensor of ``shape`` filled with values uniformly drawn from ``[low, high)``, as
    ``torch.testing.make_tensor``.

    Defaults by dtype: bool [0, 2), unsigned [0, 10), signed integers [-9, 10), floating
    [-9, 9); ``low``/``high`` are clamped to the dtype's range. ``noncontiguous=True`` gives
    a strided view (for two or more elements); ``exclude_zero=True`` replaces zeros with 1
    (integers, bool) or the dtype's smallest normal number (floating). ``device`` must be
    ``"cpu"`` (``dtype`` and ``device`` are required keywords, as in PyTorch). Draws from
    minigrad's generator, so ``manual_seed`` makes it reproducible::

        >>> import minigrad as mg
        >>> from minigrad.testing import make_tensor
        >>> x = make_tensor(2, 3, dtype=mg.float64, device="cpu", low=-1, high=1)
        >>> x.shape, x.dtype, bool(((x >= -1) & (x < 1)).all())
        ((2, 3), dtype('float64'), True)
    """
    check_device(device, "make_tensor")
    shape = _shape_arg(shape)
    dt = _dtype_arg(dtype, requires_grad)
    low, high = _value_interval(dt, low, high)
    # a view of every other element of a twice-as-wide last dim
    noncontiguous = noncontiguous and math.prod(shape) > 1
    full = (*shape[:-1], 2 * shape[-1]) if noncontiguous else shape
    data = _uniform(dt, low, high, full)
    if noncontiguous:
        data = data[..., 1::2]
    if exclude_zero:
        tiny = 1 if dt.kind in "biu" else np.finfo(dt).tiny
        data[data == 0] = tiny
    return Tensor(data, requires_grad=bool(requires_grad) and dt.kind in "fc")
