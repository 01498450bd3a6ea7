"""Numeric functions: log1p, round, divide with rounding, diff, cumprod, norms, einsum, and
the comparisons equal/isclose/allclose. They check arguments (einsum parses its equation
here) and call the Functions in ``minigrad.ops.numeric``.
"""

from __future__ import annotations

import math
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..dtypes import get_default_dtype, result_type
from ..ops.elementwise import where
from ..ops.numeric import Cumprod, Einsum, Log1p, NuclearNorm, Round, RoundedDiv, VectorNorm
from ..ops.reduce import normalize_dims
from ..ops.shape import normalize_dim
from ..tensor import Tensor, _broadcast_error, _pair, require_tensor
from .elementwise import _is_number  # the one "a number, not a bool" test
from .shape import cat


def log1p(a: Tensor) -> Tensor:
    """Elementwise ``log(1 + a)``, exact for tiny ``a``; integers give the default float."""
    a = require_tensor(a, "log1p", "input")
    if a.dtype.kind not in "fc":
        a = a.to(get_default_dtype())
    return Log1p.apply(a)


def round(a: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001  (PyTorch's name)
    """``a`` rounded to ``decimals`` places (negative: to tens, hundreds...), ties to even.

    Integer tensors come back unchanged (``decimals`` other than 0 is refused for them, as
    in PyTorch). The gradient is zero everywhere.
    """
    a = require_tensor(a, "round", "input")
    if not isinstance(decimals, (int, np.integer)) or isinstance(decimals, bool):
        raise TypeError(f"round: argument 'decimals' must be int, not "
                        f"{type(decimals).__name__}")
    if a.dtype.kind == "b" or (a.dtype.kind in "iu" and decimals):
        raise NotImplementedError(f"round: not implemented for dtype {a.dtype} with "
                                  f"decimals={decimals}")
    if a.dtype.kind in "iu":
        return Tensor._make(a._data.copy(), False, None, 0)
    return Round.apply(a, int(decimals))


def divide(a: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """``a / other`` (true division), or with ``rounding_mode="trunc"``/``"floor"`` rounded
    toward zero or down, keeping integer dtypes (``torch.div``; ``divide`` is its alias)."""
    if rounding_mode is not None and rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(f"div: expected rounding_mode to be one of None, 'trunc', "
                                 f"or 'floor' but found {rounding_mode!r}")
    if not isinstance(other, Tensor):
        require_tensor(a, "div", "input")
    if rounding_mode is None:
        return a / other
    x, y = _pair(a, other)
    return RoundedDiv.apply(x, y, rounding_mode)


def diff(a: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim``: ``out[i] = a[i + 1] - a[i]``, after
    joining ``prepend`` and ``append`` to ``a`` along ``dim`` (bools: ``!=``)."""
    a = require_tensor(a, "diff", "input")
    _check_diff_order(a, n)
    d = normalize_dim(dim, a.ndim, "diff")
    parts = [a]
    for name, extra in (("prepend", prepend), ("append", append)):
        if extra is not None:
            extra = _diff_extra(a, extra, name, d)
            parts.insert(0 if name == "prepend" else len(parts), extra)
    if len(parts) > 1:
        dtype = result_type(*parts)
        a = cat([p if p.dtype == dtype else p.to(dtype) for p in parts], d)
    lead = (slice(None),) * d
    for _ in range(min(n, a.shape[d])):
        hi, lo = a[lead + (slice(1, None),)], a[lead + (slice(None, -1),)]
        a = (hi != lo) if a.dtype == np.bool_ else hi - lo
    return a


def _check_diff_order(a: Tensor, n: Any) -> None:
    """``n`` a non-negative int, ``a`` at least 1-D (PyTorch's messages)."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"diff: argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"diff: order must be non-negative but got {n}")
    if a.ndim == 0:
        raise RuntimeError("diff: diff expects input to be at least one-dimensional (got a "
                           "0-d tensor)")


def _diff_extra(a: Tensor, extra: Any, name: str, d: int) -> Tensor:
    """``prepend``/``append`` as a Tensor shaped like ``a`` except along ``d``."""
    extra = require_tensor(extra, "diff", name)
    if extra.ndim != a.ndim:
        raise RuntimeError(f"diff: diff expects prepend or append to be the same dimension "
                           f"as input (input {a.shape}, {name} {extra.shape})")
    for i, (s, e) in enumerate(zip(a.shape, extra.shape)):
        if i != d and s != e:
            raise RuntimeError(
                f"diff: diff expects the shape of tensor to prepend or append to match "
                f"that of input except along the differencing dimension; input.size({i}) = "
                f"{s}, but got tensor.size({i}) = {e} ({name} of shape {extra.shape})")
    return extra


def cumprod(a: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Running product along ``dim``; integer and bool inputs multiply in int64."""
    a = require_tensor(a, "cumprod", "input")
    d = normalize_dim(dim, a.ndim, "cumprod")
    if dtype is not None:
        a = a.to(dtype)
    elif a.dtype.kind in "biu":
        a = a.to(np.int64)
    return Cumprod.apply(a, d)

_LETTERS = frozenset(string.ascii_letters)


def _split_equation(equation: str, operands: Sequence[Tensor]) -> tuple[list[str], str | None]:
    """The input terms of ``equation`` (one per operand, checked) and its output term as
    written (None without ``->``)."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum: argument 'equation' must be str, not "
                        f"{type(equation).__name__}")
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError(f"einsum: fewer operands were provided than specified in the "
                           f"equation {equation!r} ({len(operands)} operands)")
    if len(terms) < len(operands):
        raise RuntimeError(f"einsum: more operands were provided than specified in the "
                           f"equation {equation!r} ({len(operands)} operands)")
    for i, c in enumerate(eq):
        if c not in _LETTERS and c not in ".,->":
            raise RuntimeError(f"einsum: invalid subscript given at index {i} in the equation "
                               f"string {equation!r}, subscripts must be in [a-zA-Z]")
    return terms, (rhs if arrow else None)


def _ellipsis_ndim(equation: str, terms: list[str], operands: Sequence[Tensor]) -> int:
    """How many dims ``...`` stands for (the most of any operand), checking that each
    operand has as many dims as its term has letters (at least, with ``...``)."""
    ell_ndim = 0
    for k, (term, t) in enumerate(zip(terms, operands)):
        letters = term.replace("...", "")
        if "..." in term:
            ell_ndim = max(ell_ndim, t.ndim - len(letters))
            if t.ndim < len(letters):
                raise RuntimeError(f"einsum: the number of subscripts in the equation "
                                   f"({len(letters)}) is more than the number of dimensions "
                                   f"({t.ndim}) for operand {k} in {equation!r}")
        elif len(term) != t.ndim:
            raise RuntimeError(f"einsum: the number of subscripts in the equation "
                               f"({len(term)}) does not match the number of dimensions "
                               f"({t.ndim}) for operand {k} in {equation!r} (shape {t.shape}) "
                               "and no ellipsis was given")
    return ell_ndim


def _expand_ellipsis(terms: list[str], operands: Sequence[Tensor], ell: str) -> list[str]:
    """The terms with ``...`` written out as the last letters of ``ell`` (broadcast dims
    align at the right)."""
    out_terms = []
    for term, t in zip(terms, operands):
        if "..." in term:
            k = t.ndim - len(term.replace("...", ""))
            term = term.replace("...", ell[len(ell) - k:])
        out_terms.append(term)
    return out_terms


def _output_term(equation: str, rhs: str | None, ell: str, terms: list[str]) -> str:
    """The output term: ``rhs`` with ``...`` written out, checked; implicit (``rhs`` None),
    the ellipsis dims, then the letters used once, sorted."""
    if rhs is None:
        joined = "".join(terms)
        once = sorted(c for c in set(joined) if joined.count(c) == 1 and c not in ell)
        return ell + "".join(once)
    out = rhs.replace("...", ell)
    for c in out:
        if out.count(c) > 1:
            raise RuntimeError(f"einsum: output subscript {c} appears more than once in "
                               f"the output of {equation!r}")
        if not any(c in term for term in terms):
            raise RuntimeError(f"einsum: output subscript {c} does not appear in the "
                               f"equation for any input operand in {equation!r}")
    return out


def _parse_einsum(equation: str, operands: Sequence[Tensor]) -> tuple[list[str], str]:
    """The terms of ``equation`` with ``...`` written out as letters and the output made
    explicit (implicit mode: the ellipsis dims, then the letters used once, sorted)."""
    terms, rhs = _split_equation(equation, operands)
    ell_ndim = _ellipsis_ndim(equation, terms, operands)
    spare = [c for c in string.ascii_letters if c not in equation]  # letters for the ...
    ell = "".join(spare[:ell_ndim])
    terms = _expand_ellipsis(terms, operands, ell)
    return terms, _output_term(equation, rhs, ell, terms)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products of the operands' elements, as an Einstein-summation ``equation``:
    ``einsum("ij,jk->ik", a, b)`` is ``a @ b``, ``einsum("ii", a)`` the trace,
    ``einsum("bij->bji", a)`` a transpose; ``...`` stands for broadcast dims, and without
    ``->`` the output is the letters used once, in alphabetical order. The operands may
    also come as one list, as in PyTorch.

    >>> import minigrad as mg
    >>> mg.einsum("i,i->", mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0]))
    tensor(11.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, t in enumerate(operands):
        require_tensor(t, "einsum", f"operands[{i}]")
    if not operands:
        raise RuntimeError("einsum: must provide at least one operand")
    dtypes = {t.dtype for t in operands}
    if len(dtypes) > 1:
        raise RuntimeError(f"einsum: expected all operands to have the same dtype, got "
                           f"{[str(t.dtype) for t in operands]} for {equation!r}")
    terms, out = _parse_einsum(equation, operands)
    return Einsum.apply((tuple(terms), out), *operands)


def equal(input: Tensor, other: Tensor) -> bool:  # noqa: A002  (PyTorch's names)
    """True if both tensors have the same shape and the same values (NaN is never equal)."""
    require_tensor(input, "equal", "input")
    require_tensor(other, "equal", "other")
    return input.equal(other)


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05,  # noqa: A002
            atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """Elementwise ``|input - other| <= atol + rtol * |other|`` as a bool tensor (inf equals
    inf of the same sign; NaN equals NaN only with ``equal_nan``), broadcast."""
    a, b = _isclose_operands(input, other, rtol, atol)
    close = a == b
    if equal_nan and a.dtype.kind in "fc":
        close = close | (np.isnan(a) & np.isnan(b))
    if rtol or atol:
        close = close | _within_tolerance(a, b, rtol, atol)
    return Tensor._make(np.asarray(close), False, None, 0)


def _isclose_operands(input: Any, other: Any, rtol: float,
                      atol: float) -> tuple[np.ndarray, np.ndarray]:
    """The arrays of two tensors of one dtype that broadcast, with tolerances >= 0."""
    require_tensor(input, "isclose", "input")
    require_tensor(other, "isclose", "other")
    if input.dtype != other.dtype:
        raise RuntimeError(f"isclose: {input.dtype} did not match {other.dtype} (input and "
                           "other must have the same dtype)")
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if not tol >= 0:
            raise RuntimeError(f"isclose: {name} must be greater than or equal to zero, but "
                               f"got {tol}")
    a, b = input._data, other._data
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise _broadcast_error("isclose", a.shape, b.shape) from None
    return a, b


def _within_tolerance(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """``|a - b| <= atol + rtol * |b|`` where the difference is finite (bools and ints
    compared as floats)."""
    fa, fb = (v.astype(get_default_dtype()) if v.dtype == np.bool_ else v for v in (a, b))
    with np.errstate(all="ignore"):
        if fb.dtype.kind in "iu":
            allowed = atol + np.abs(rtol * fb.astype(get_default_dtype()))
        else:
            allowed = atol + np.abs(rtol * fb)
        actual = np.abs(fa - fb)
        return np.isfinite(actual) & (actual <= allowed)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05,  # noqa: A002
             atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True if ``isclose`` holds for every element."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def vector_norm(x: Tensor, ord: float = 2, dim: int | Sequence[int] | None = None,
                keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The ``ord``-norm of ``x`` as a vector, over ``dim`` (None or ``()``: all elements),
    as ``torch.linalg.vector_norm``: ``ord`` is any number, ``inf``/``-inf`` (largest /
    smallest ``|x|``) or 0 (how many elements are non-zero).

    >>> import minigrad as mg
    >>> mg.linalg.vector_norm(mg.tensor([3.0, -4.0]))
    tensor(5.)
    >>> mg.linalg.vector_norm(mg.tensor([[3.0, -4.0], [1.0, 0.0]]), ord=1, dim=1)
    tensor([7., 1.])
    """
    x = require_tensor(x, "linalg.vector_norm", "input")
    if not _is_number(ord):
        raise TypeError(f"linalg.vector_norm: argument 'ord' must be Number, not "
                        f"{type(ord).__name__} ({ord!r})")
    if dtype is not None:
        x = x.to(dtype)
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {x.dtype}")
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None
    dims = normalize_dims(dim, x.ndim, "linalg.vector_norm")
    if ord < 0 or ord == math.inf:
        _check_not_empty(x, ord, dims)
    return VectorNorm.apply(x, float(ord), dims, bool(keepdim))


def _check_not_empty(x: Tensor, ord: float, dims: tuple[int, ...] | None) -> None:
    """A norm with no identity (max, or a negative order) over nothing is an error."""
    empty = [d for d in (dims if dims is not None else range(x.ndim)) if x.shape[d] == 0]
    if (dims is None and x._data.size == 0) or empty:
        what = "an empty tensor" if dims is None else f"the empty dimension {empty[0]}"
        raise RuntimeError(f"linalg.vector_norm: cannot compute the {ord} norm on {what} "
                           f"(input of shape {x.shape}), because the operation does not "
                           "have an identity")


def norm(input: Tensor, p: float | str | None = "fro",  # noqa: A002  (PyTorch's names)
         dim: int | Sequence[int] | None = None, keepdim: bool = False,
         dtype: Any = None) -> Tensor:
    """``torch.norm``: the vector ``p``-norm over ``dim`` (a number ``p``; ``"fro"``, the
    default, is the 2-norm over at most two dims); see ``linalg.vector_norm``. ``p="nuc"``
    is the nuclear norm of the matrices over ``dim`` (two dims; the input's when None).

    >>> import minigrad as mg
    >>> mg.tensor([[3.0, 4.0], [0.0, 0.0]]).norm(dim=1)
    tensor([5., 0.])
    """
    input = require_tensor(input, "norm", "input")
    if isinstance(dim, (int, np.integer)) and not isinstance(dim, bool):
        dim = (int(dim),)
    if isinstance(p, str):
        return _named_norm(input, p, dim, keepdim, dtype)
    return vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1,  # noqa: A002  (PyTorch's names)
              eps: float = 1e-12, out: None = None) -> Tensor:
    """``input`` divided by its ``p``-norm along ``dim``, the norm clamped at ``eps``
    (``F.normalize``): unit rows of a batch of vectors, e.g. before a cosine or a
    contrastive loss.

    >>> import minigrad as mg
    >>> mg.nn.functional.normalize(mg.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """
    if out is not None:
        raise TypeError("normalize: out= is not supported by minigrad; use the result")
    input = require_tensor(input, "normalize", "input")
    if input.dtype.kind != "f":
        raise RuntimeError(f"normalize: expected a floating point input, got dtype "
                           f"{input.dtype} (shape {input.shape})")
    dim = normalize_dim(dim, max(input.ndim, 1), "normalize")
    return input / vector_norm(input, p, dim, keepdim=True).clamp(min=eps).expand_as(input)


def _named_norm(input: Tensor, p: str, dim: tuple[int, ...] | None, keepdim: bool,  # noqa: A002
                dtype: Any) -> Tensor:
    """``norm`` with ``p`` "fro" (the 2-norm over at most two dims) or "nuc"."""
    if p == "fro" and (dim is None or len(dim) <= 2):
        return vector_norm(input, 2, dim, keepdim, dtype=dtype)
    if p == "fro":
        raise RuntimeError(f"norm: p='fro' takes at most 2 dims (a matrix norm), got "
                           f"dim={tuple(dim)}")
    if p != "nuc":
        raise RuntimeError(f"norm: Order {p!r} not supported (p must be a number, 'fro' or "
                           "'nuc')")
    if dim is None and input.ndim != 2:
        raise RuntimeError(f"linalg.matrix_norm: p='nuc' without dim needs a 2-D "
                           f"input (a matrix), got shape {input.shape}")
    return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)


_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf)


def matrix_norm(A: Tensor, ord: float | str = "fro",  # noqa: N803  (PyTorch's name)
                dim: Sequence[int] = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Tensor:
    """The ``ord``-norm of the matrices over the two dims ``dim``, as
    ``torch.linalg.matrix_norm``: ``"fro"`` (root of the sum of squares), ``"nuc"`` (sum of
    singular values), 1/-1 (largest/smallest column sum of ``|A|``), inf/-inf (largest/
    smallest row sum), 2/-2 (largest/smallest singular value: ``svdvals`` then
    ``amax``/``amin``, as PyTorch, so tied singular values share the gradient).

    >>> import minigrad as mg
    >>> mg.linalg.matrix_norm(mg.tensor([[3.0, 0.0], [0.0, -4.0]]), "nuc")
    tensor(7.)
    """
    name = "linalg.matrix_norm"
    A = require_tensor(A, name, "A")  # noqa: N806
    d0, d1 = _matrix_dims(A, dim, name)
    _check_matrix_ord(ord, name)
    if dtype is not None:
        A = A.to(dtype)  # noqa: N806
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord == "nuc":
        return _nuclear_norm(A, d0, d1, keepdim)
    if ord in (2, -2):
        from ..linalg.matrix_functions import spectral_norm  # builds on linalg's svdvals

        return spectral_norm(A, ord, d0, d1, keepdim)
    across, along = (d0, d1) if abs(ord) == 1 else (d1, d0)  # sum over one, pick over other
    sums = A.abs().sum(across, keepdim=True)
    out = sums.amax(along, keepdim=True) if ord > 0 else sums.amin(along, keepdim=True)
    return out if keepdim else out.squeeze((d0, d1))


def _nuclear_norm(A: Tensor, d0: int, d1: int, keepdim: bool) -> Tensor:  # noqa: N803
    """The sum of singular values of the matrices over ``(d0, d1)``."""
    rest = [i for i in range(A.ndim) if i not in (d0, d1)]
    out = NuclearNorm.apply(A.permute(*rest, d0, d1))
    for d in sorted((d0, d1)) if keepdim else ():
        out = out.unsqueeze(d)
    return out


def _matrix_dims(A: Tensor, dim: Any, name: str) -> tuple[int, int]:  # noqa: N803
    """The two distinct dims holding the matrices of a float tensor of rank >= 2."""
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions, got "
                           f"shape {A.shape}")
    if A.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. "
                           f"Got {A.dtype}")
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if len(dims) != 2:
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {dims}")
    d0, d1 = (normalize_dim(d, A.ndim, name) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"{name}: dims must be different. Got {tuple(dims)}")
    return d0, d1


def _check_matrix_ord(ord: Any, name: str) -> None:
    """One of ``_MATRIX_ORDS``."""
    if ord not in (_MATRIX_ORDS[:2] if isinstance(ord, str) else _MATRIX_ORDS[2:]):
        raise RuntimeError(f"{name}: Order {ord} not supported.")


def count_nonzero(a: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """How many elements are not zero, over ``dim`` (None: all), as int64."""
    a = require_tensor(a, "count_nonzero", "input")
    dims = normalize_dims(dim, a.ndim, "count_nonzero")
    return Tensor(np.asarray(np.count_nonzero(a._data, axis=dims), dtype=np.int64))


def remainder(a: Any, other: Any) -> Tensor:
    """``a - other * floor(a / other)``: Python's modulo, the sign of ``other``
    (``torch.remainder``); the gradient is 1 for ``a`` and ``-floor(a / other)`` for
    ``other``."""
    x, y = _pair(a, other)
    return x - y * divide(x, y, rounding_mode="floor")


def fmod(a: Any, other: Any) -> Tensor:
    """``a - other * trunc(a / other)``: C's modulo, the sign of ``a`` (``torch.fmod``)."""
    x, y = _pair(a, other)
    return x - y * divide(x, y, rounding_mode="trunc")


def floor_divide(a: Any, other: Any) -> Tensor:
    """``div(a, other, rounding_mode="floor")``."""
    return divide(a, other, rounding_mode="floor")


def lerp(start: Tensor, end: Tensor, weight: Any) -> Tensor:
    """``start + weight * (end - start)``; ``start`` and ``end`` must share a dtype, as in
    PyTorch."""
    start = require_tensor(start, "lerp", "input")
    end = require_tensor(end, "lerp", "end")
    if start.dtype != end.dtype:
        raise RuntimeError(f"lerp: expected dtype {start.dtype} for `end` but got dtype "
                           f"{end.dtype}")
    return start + weight * (end - start)


def logaddexp(a: Tensor, other: Tensor) -> Tensor:
    """``log(exp(a) + exp(other))`` without overflow: the larger plus ``log1p(exp(-|a -
    other|))``; two equal infinities give that infinity, as in PyTorch."""
    a, other = _pair(require_tensor(a, "logaddexp", "input"), other)
    top = a.maximum(other)
    with np.errstate(invalid="ignore"):
        same_inf = np.isinf(top._data) & (a._data == other._data)
        gap = where(same_inf, 0.0, a - other)
    return top + log1p((-gap.abs()).exp())


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *,  # noqa: A002  (PyTorch's names)
            value: float = 1) -> Tensor:
    """``input + value * tensor1 * tensor2`` (broadcast; multiplied in that order, as
    PyTorch's kernel), the step of optimizers written by hand."""
    input = require_tensor(input, "addcmul", "input")
    t1, t2 = require_tensor(tensor1, "addcmul", "tensor1"), require_tensor(tensor2, "addcmul",
                                                                          "tensor2")
    if all(t.dtype.kind in "biu" for t in (input, t1, t2)):
        value = int(value)  # PyTorch casts the scalar to the integer dtype
    return input + value * t1 * t2


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *,  # noqa: A002  (PyTorch's names)
            value: float = 1) -> Tensor:
    """``input + value * tensor1 / tensor2`` (broadcast; true division, so integer
    operands are refused, as in PyTorch)."""
    input = require_tensor(input, "addcdiv", "input")
    t1, t2 = require_tensor(tensor1, "addcdiv", "tensor1"), require_tensor(tensor2, "addcdiv",
                                                                          "tensor2")
    if t1.dtype.kind in "biu" and t2.dtype.kind in "biu":
        raise RuntimeError(f"addcdiv: integer division is not supported (tensor1 {t1.dtype}, "
                           f"tensor2 {t2.dtype}): divide float tensors, or use addcmul with "
                           f"the reciprocal")
    return input + value * t1 / t2


def _trapezoid_dim(y: Tensor, dim: int) -> int:
    if y.ndim == 0:
        raise IndexError(f"trapezoid: Dimension specified as {dim} but tensor has no "
                         f"dimensions")
    if y.dtype == np.bool_:
        raise RuntimeError("trapezoid: received a bool input for `x` or `y`, but bool is not "
                           "supported")
    return normalize_dim(dim, y.ndim, "trapezoid")


def _spacing(y: Tensor, x: Tensor, d: int) -> Tensor:
    """The steps of the sample points ``x``, laid along dim ``d`` of ``y`` (a 1-D ``x``)
    or with leading 1s (a shorter one), as PyTorch's."""
    if x.dtype == np.bool_:
        raise RuntimeError("trapezoid: received a bool input for `x` or `y`, but bool is not "
                           "supported")
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise RuntimeError(f"trapezoid: There must be one `x` value for each sample point "
                               f"(x of shape {tuple(x.shape)}, y of shape {tuple(y.shape)}, "
                               f"dim {d})")
        x = x.reshape(*[y.shape[d] if i == d else 1 for i in range(y.ndim)])
    elif x.ndim < y.ndim:
        x = x.reshape((1,) * (y.ndim - x.ndim) + x.shape)
    lead = (slice(None),) * d
    return x[lead + (slice(1, None),)] - x[lead + (slice(None, -1),)]


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
              dim: int = -1) -> Tensor:
    """The integral of ``y`` along ``dim`` by the trapezoidal rule, at sample points ``x``
    (a Tensor) or ``dx`` apart (default 1), with PyTorch's formulas; no samples give 0."""
    y = require_tensor(y, "trapezoid", "y")
    if x is not None and dx is not None:
        raise TypeError("trapezoid: received both 'x' and 'dx'; give at most one")
    d = _trapezoid_dim(y, dim)
    if x is not None and not isinstance(x, Tensor):
        raise TypeError(f"trapezoid: argument 'x' must be Tensor, not {type(x).__name__}")
    if y.shape[d] == 0:
        return Tensor(np.zeros(y.shape[:d] + y.shape[d + 1:], y.dtype))
    lead = (slice(None),) * d
    if x is not None:
        step = _spacing(y, x, d)
        return (step * (y[lead + (slice(1, None),)] + y[lead + (slice(None, -1),)])).sum(d) / 2.0
    first, last = y[lead + (0,)], y[lead + (-1,)]
    return (y.sum(d) - (first + last) * 0.5) * (1 if dx is None else dx)


def trapz(y: Tensor, x: Tensor | None = None, *, dx: float | None = None,
          dim: int = -1) -> Tensor:
    """``trapezoid``'s older name."""
    return trapezoid(y, x, dx=dx, dim=dim)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """The Vandermonde matrix of a 1-D ``x``: column ``j`` is ``x ** (N - 1 - j)`` (or
    ``x ** j`` when ``increasing``), as running products, so integers stay exact (int64)."""
    x = require_tensor(x, "vander", "x")
    if x.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor, got shape "
                           f"{tuple(x.shape)}")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {n}")
    if x.dtype.kind in "biu":
        x = x.to(np.int64)
    ones = Tensor(np.ones((x.shape[0], min(n, 1)), x.dtype))
    powers = cumprod(x.unsqueeze(1).expand(x.shape[0], max(n - 1, 0)), 1)
    out = cat([ones, powers], 1)
    return out if increasing else out.flip(1)
