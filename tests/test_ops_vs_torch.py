"""Core ops against PyTorch: the same inputs through both, everything compared.

Differential tests: for every core op (elementwise, binary with broadcasting and promotion,
reductions, shape ops, indexing, matmul, in place) and thousands of seeded random cases (0-d,
size-1 and zero-size dims, broadcasting both ways, negative dims and dim tuples, keepdim,
float32/float64, mixed dtypes with Python/numpy scalars, fancy/bool/mixed indexing with
repeats, NaN/Inf and extreme values): the output's shape, dtype, values and NaN/Inf pattern,
and every input's gradient for the same upstream gradient. Where PyTorch raises, minigrad
must raise the same type. Each test collects all failures and reports them in one message.

Composite expressions: values, gradients and second derivatives of small expressions that
chain several ops, spelled the same way in both libraries.
"""

# ruff: noqa: B023  (case lambdas run within the loop iteration that makes them)
from __future__ import annotations

import types
import warnings
from collections.abc import Callable

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

torch = pytest.importorskip("torch")
tF = torch.nn.functional

SIZES = (0, 1, 1, 2, 3, 4)
TOL = {np.dtype(np.float32): (2e-5, 2e-6), np.dtype(np.float64): (1e-10, 1e-12)}


def _shape(rng: np.random.Generator, ndim: int | None = None, empty: bool = True) -> tuple:
    ndim = int(rng.integers(0, 4)) if ndim is None else ndim
    sizes = SIZES if empty else SIZES[1:]
    return tuple(int(rng.choice(sizes)) for _ in range(ndim))


def _values(rng: np.random.Generator, shape: tuple, dtype, special: bool = True,
            positive: bool = False, ties: bool = False) -> np.ndarray:
    if ties:
        a = rng.integers(-2, 3, size=shape).astype(dtype)
    else:
        a = rng.standard_normal(shape).astype(dtype) * dtype(2)
    if positive:
        a = np.abs(a) + dtype(0.1)
    a = np.array(a, dtype=dtype)  # a 0-d draw is a numpy scalar: make it an array
    if special and a.size and rng.random() < 0.25:
        flat = a.reshape(-1)
        picks = [np.nan, np.inf, -np.inf, 0.0, 30.0, -30.0, 1e4, -1e4]
        if positive:
            picks = [np.nan, np.inf, 0.0, 30.0, 1e4]
        for i in rng.choice(flat.size, size=min(flat.size, 2), replace=False):
            flat[i] = dtype(rng.choice(picks))
    return a


def _close(got: np.ndarray, want: np.ndarray, dtype: np.dtype) -> bool:
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        return False
    if want.dtype.kind not in "fc":
        return np.array_equal(got, want)
    if not np.array_equal(np.isnan(got), np.isnan(want)):
        return False
    inf = np.isinf(want)
    if not np.array_equal(np.isinf(got), inf) or not np.array_equal(got[inf], want[inf]):
        return False
    ok = ~(np.isnan(want) | inf)
    rtol, atol = TOL.get(np.dtype(dtype), TOL[np.dtype(np.float32)])
    scale = max(1.0, float(np.max(np.abs(want[ok]), initial=0.0)))
    return np.allclose(got[ok], want[ok], rtol=rtol, atol=atol * scale)


def _dtype_name(x) -> str:
    return str(x.dtype).replace("torch.", "")


class Differ:
    """Runs cases, remembers every failure, reports them all at the end."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.failures: list[str] = []
        self.cases = 0

    def check(self, desc: str, fn_mg: Callable, fn_t: Callable, inputs: list,
              grad: tuple | None = None, tol_dtype=None) -> None:
        """``inputs``: numpy arrays (become tensors) or other values passed through."""
        self.cases += 1
        grad = grad if grad is not None else tuple(
            isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in inputs
        )
        t_in = [torch.tensor(a, requires_grad=g) if isinstance(a, np.ndarray) else a
                for a, g in zip(inputs, grad)]
        m_in = [mg.tensor(a.copy(), dtype=a.dtype, requires_grad=g)
                if isinstance(a, np.ndarray) else a for a, g in zip(inputs, grad)]
        t_err = m_err = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                t_out = fn_t(*t_in)
            except Exception as e:  # noqa: BLE001
                t_err = e
            try:
                m_out = fn_mg(*m_in)
            except Exception as e:  # noqa: BLE001
                m_err = e
        if t_err is not None or m_err is not None:
            if t_err is None or m_err is None or not isinstance(m_err, type(t_err)):
                self.failures.append(f"{desc}: torch raised {t_err!r}, minigrad {m_err!r}")
            return
        if isinstance(t_out, tuple):  # (values, indices)
            t_out, t_idx = t_out[0], t_out[1]
            m_out, m_idx = m_out[0], m_out[1]
            if not _close(m_idx.data, t_idx.numpy(), np.float64):
                self.failures.append(f"{desc}: indices {m_idx.data} vs torch {t_idx.numpy()}")
        tol = np.dtype(tol_dtype) if tol_dtype is not None else np.dtype(_dtype_name(t_out))
        if tuple(m_out.shape) != tuple(t_out.shape):
            self.failures.append(f"{desc}: shape {m_out.shape} vs torch {tuple(t_out.shape)}")
            return
        if _dtype_name(m_out) != _dtype_name(t_out):
            self.failures.append(f"{desc}: dtype {m_out.dtype} vs torch {t_out.dtype}")
            return
        if not _close(m_out.data, t_out.detach().numpy(), tol):
            self.failures.append(f"{desc}: values {m_out.data} vs torch {t_out.detach().numpy()}")
            return
        if not t_out.requires_grad:
            return
        up = self.rng.standard_normal(tuple(t_out.shape)).astype(m_out.dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_out.backward(torch.tensor(up))
            m_out.backward(mg.tensor(up))
        for i, (tt, mm) in enumerate(zip(t_in, m_in)):
            if not isinstance(tt, torch.Tensor) or not tt.requires_grad:
                continue
            tg = np.zeros(tt.shape, dtype=mm.dtype) if tt.grad is None else tt.grad.numpy()
            mgrad = np.zeros(mm.shape, mm.dtype) if mm.grad is None else mm.grad.data
            coarse = tol if tol.itemsize < mm.dtype.itemsize else mm.dtype
            if mm.grad is not None and mm.grad.dtype != mm.dtype:
                self.failures.append(f"{desc}: grad {i} dtype {mm.grad.dtype} vs {mm.dtype}")
            elif not _close(mgrad, tg, coarse):
                self.failures.append(f"{desc}: grad {i} {mgrad} vs torch {tg}")

    def report(self, minimum: int) -> None:
        assert self.cases >= minimum, f"only {self.cases} cases ran"
        shown = "\n".join(self.failures[:60])
        assert not self.failures, f"{len(self.failures)} of {self.cases} cases differ:\n{shown}"


DTYPES = (np.float32, np.float64)

UNARY = {
    "exp": (lambda x: x.exp(), lambda x: x.exp(), {}),
    "log": (lambda x: x.log(), lambda x: x.log(), {"positive": True}),
    "log_any": (lambda x: x.log(), lambda x: x.log(), {}),
    "sqrt": (lambda x: x.sqrt(), lambda x: x.sqrt(), {"positive": True}),
    "abs": (lambda x: x.abs(), lambda x: x.abs(), {"ties": True}),
    "neg": (lambda x: -x, lambda x: -x, {}),
    "tanh": (lambda x: x.tanh(), lambda x: x.tanh(), {}),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: x.sigmoid(), {}),
    "logsigmoid": (F.logsigmoid, tF.logsigmoid, {}),
    "relu": (lambda x: x.relu(), lambda x: x.relu(), {"ties": True}),
    "clamp": (lambda x: x.clamp(-0.5, 0.7), lambda x: x.clamp(-0.5, 0.7), {}),
    "clamp_min": (lambda x: x.clamp(min=0.0), lambda x: x.clamp(min=0.0), {"ties": True}),
    "square": (lambda x: x.square(), lambda x: x.square(), {}),
    "pow_int": (lambda x: x**3, lambda x: x**3, {}),
    "pow_zero": (lambda x: x**0, lambda x: x**0, {"ties": True}),
    "pow_half": (lambda x: x**0.5, lambda x: x**0.5, {"positive": True}),
    "rpow": (lambda x: 2.0**x, lambda x: 2.0**x, {}),
    "scalar_sub": (lambda x: 1.5 - x, lambda x: 1.5 - x, {}),
    "scalar_div": (lambda x: 2.0 / x, lambda x: 2.0 / x, {"positive": True}),
    # numpy float64 scalars act as Python floats in torch: no upcast of a float32 tensor
    "np_scalar_mul": (lambda x: x * np.float64(np.sqrt(2.0)), lambda x: x * float(np.sqrt(2.0)),
                      {}),
    "clone": (lambda x: x.clone(), lambda x: x.clone(), {}),
    "sin": (lambda x: x.sin(), lambda x: x.sin(), {}),
    "cos": (lambda x: mg.cos(x), torch.cos, {}),
    "tan": (lambda x: x.tan(), lambda x: x.tan(), {}),
    "sinh": (lambda x: x.sinh(), lambda x: x.sinh(), {}),
    "cosh": (lambda x: mg.cosh(x), torch.cosh, {}),
    "reciprocal": (lambda x: x.reciprocal(), lambda x: x.reciprocal(), {"ties": True}),
    "rsqrt": (lambda x: x.rsqrt(), lambda x: x.rsqrt(), {}),
    "log2": (lambda x: x.log2(), lambda x: x.log2(), {}),
    "log10": (lambda x: mg.log10(x), torch.log10, {"positive": True}),
    "asin": (lambda x: (x * 0.4).asin(), lambda x: (x * 0.4).asin(), {}),
    "acos": (lambda x: mg.acos(x * 0.4), lambda x: torch.acos(x * 0.4), {}),
    "atan": (lambda x: mg.arctan(x), torch.arctan, {}),
    "expm1": (lambda x: mg.expm1(x), torch.expm1, {}),
    "floor": (lambda x: x.floor(), lambda x: x.floor(), {}),
    "ceil": (lambda x: mg.ceil(x), torch.ceil, {}),
    "trunc": (lambda x: x.trunc(), lambda x: x.trunc(), {}),
    "sign": (lambda x: mg.sign(x), torch.sign, {"ties": True}),
    "isnan_isinf_isfinite": (lambda x: x.isnan() | x.isinf() & ~x.isfinite(),
                             lambda x: x.isnan() | x.isinf() & ~x.isfinite(), {}),
    "clamp_min_max": (lambda x: x.clamp_min(-0.3).clamp_max(0.8),
                      lambda x: x.clamp_min(-0.3).clamp_max(0.8), {}),
    "where_method": (lambda x: x.where(x > 0, -x * 2), lambda x: x.where(x > 0, -x * 2), {}),
}


def test_elementwise_unary_ops_match_pytorch() -> None:
    d = Differ(0)
    for name, (fm, ft, kw) in UNARY.items():
        for dtype in DTYPES:
            for _ in range(40):
                x = _values(d.rng, _shape(d.rng), dtype, **kw)
                d.check(f"{name} {dtype.__name__} {x.shape}", fm, ft, [x])
    d.report(1500)


BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, {}),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, {}),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, {}),
    "div": (lambda a, b: a / b, lambda a, b: a / b, {}),
    "pow": (lambda a, b: a**b, lambda a, b: a**b, {"positive": True}),
    "maximum": (lambda a, b: a.maximum(b), torch.maximum, {"ties": True}),
    "minimum": (lambda a, b: a.minimum(b), torch.minimum, {"ties": True}),
    "where": (lambda a, b: mg.where(a > b, a, b), lambda a, b: torch.where(a > b, a, b), {}),
    "lt": (lambda a, b: a < b, lambda a, b: a < b, {}),
}


def _broadcast_pair(rng: np.random.Generator) -> tuple[tuple, tuple]:
    shape = _shape(rng)
    other = list(shape)
    for i in range(len(other)):
        if rng.random() < 0.4:
            other[i] = 1  # broadcast this dim (either way round below)
    drop = int(rng.integers(0, len(other) + 1))
    other = tuple(other[drop:])
    return (shape, other) if rng.random() < 0.5 else (other, shape)


def test_binary_ops_with_broadcasting_and_promotion_match_pytorch() -> None:
    d = Differ(1)
    for name, (fm, ft, kw) in BINARY.items():
        for _ in range(120):
            sa, sb = _broadcast_pair(d.rng)
            da, db = (d.rng.choice(DTYPES) for _ in range(2))
            a = _values(d.rng, sa, da, **kw)
            b = _values(d.rng, sb, db, **kw)
            wide = np.float64 if np.float64 in (da, db) else np.float32
            # a mixed pair is compared at float32 tolerance (torch's float32 path)
            tol = np.float32 if da != db else wide
            d.check(f"{name} {a.dtype}{sa} {b.dtype}{sb}", fm, ft, [a, b], tol_dtype=tol)
        for dtype in DTYPES:  # 0-d tensors and scalars do not upcast a dimensioned tensor
            a = _values(d.rng, _shape(d.rng, 2), dtype, **kw)
            z = np.array(1.5, dtype=np.float64 if dtype == np.float32 else np.float32)
            d.check(f"{name} {a.shape} with 0-d {z.dtype}", fm, ft, [a, z],
                    tol_dtype=np.float32)
    for _ in range(60):  # integer tensors with Python floats and true division
        ia = d.rng.integers(-3, 4, size=_shape(d.rng, 2)).astype(np.int64)
        ib = d.rng.integers(1, 4, size=ia.shape).astype(np.int64)
        d.check("int / int", lambda a, b: a / b, lambda a, b: a / b, [ia, ib])
        d.check("int * 2.5", lambda a: a * 2.5, lambda a: a * 2.5, [ia])
        d.check("int + int", lambda a, b: a + b, lambda a, b: a + b, [ia, ib])
        fa = _values(d.rng, ia.shape, np.float32)
        d.check("float32 + int64", lambda a, b: a + b, lambda a, b: a + b, [fa, ia])
    d.report(1200)


def _dims(rng: np.random.Generator, ndim: int):
    """None, an int (maybe negative) or a tuple of distinct dims."""
    r = rng.random()
    if r < 0.2 or ndim == 0:
        return None if ndim and r < 0.1 else (0 if rng.random() < 0.5 else -1)
    if r < 0.6:
        return int(rng.integers(-ndim, ndim))
    k = int(rng.integers(1, ndim + 1))
    dims = rng.choice(ndim, size=k, replace=False)
    return tuple(int(x) - (ndim if rng.random() < 0.3 else 0) for x in dims)


REDUCE = {
    "sum": (lambda x, d, k: x.sum(d, keepdim=k), lambda x, d, k: x.sum(d, keepdim=k)),
    "mean": (lambda x, d, k: x.mean(d, keepdim=k), lambda x, d, k: x.mean(d, keepdim=k)),
    "var": (lambda x, d, k: x.var(d, keepdim=k), lambda x, d, k: x.var(d, keepdim=k)),
    "var0": (lambda x, d, k: x.var(d, keepdim=k, correction=0),
             lambda x, d, k: x.var(d, keepdim=k, correction=0)),
    "std": (lambda x, d, k: x.std(d, keepdim=k), lambda x, d, k: x.std(d, keepdim=k)),
    "amax": (lambda x, d, k: x.amax(d, keepdim=k), lambda x, d, k: x.amax(
        () if d is None else d, keepdim=k)),
    "amin": (lambda x, d, k: x.amin(d, keepdim=k), lambda x, d, k: x.amin(
        () if d is None else d, keepdim=k)),
    "logsumexp": (lambda x, d, k: x.logsumexp(d, keepdim=k), lambda x, d, k: x.logsumexp(
        tuple(range(x.ndim)) if d is None else d, keepdim=k)),
}


def test_reductions_match_pytorch() -> None:
    d = Differ(2)
    for name, (fm, ft) in REDUCE.items():
        for _ in range(100):
            dtype = d.rng.choice(DTYPES)
            x = _values(d.rng, _shape(d.rng), dtype, ties=d.rng.random() < 0.3)
            dims = _dims(d.rng, x.ndim)
            if name in ("amax", "amin") and dims is None:
                dims = tuple(range(x.ndim)) or None
            if name == "logsumexp" and dims is None:
                dims = tuple(range(x.ndim)) or 0
            keep = bool(d.rng.random() < 0.5)
            d.check(f"{name}({dims}, keepdim={keep}) {x.dtype}{x.shape}",
                    lambda t, fm=fm, dims=dims, keep=keep: fm(t, dims, keep),
                    lambda t, ft=ft, dims=dims, keep=keep: ft(t, dims, keep), [x])
    for _ in range(150):  # max/min: over everything, and (values, indices) along a dim
        dtype = d.rng.choice(DTYPES)
        x = _values(d.rng, _shape(d.rng), dtype, ties=d.rng.random() < 0.5)
        for op in ("max", "min", "argmax", "argmin"):
            d.check(f"{op}() {x.shape}", lambda t, op=op: getattr(t, op)(),
                    lambda t, op=op: getattr(t, op)(), [x])
            dim = int(d.rng.integers(-max(x.ndim, 1), max(x.ndim, 1)))
            keep = bool(d.rng.random() < 0.5)
            d.check(f"{op}({dim}, keepdim={keep}) {x.shape}",
                    lambda t, op=op, dim=dim, keep=keep: getattr(t, op)(dim, keepdim=keep),
                    lambda t, op=op, dim=dim, keep=keep: getattr(t, op)(dim, keepdim=keep), [x])
    for _ in range(150):  # softmax family along one dim
        dtype = d.rng.choice(DTYPES)
        x = _values(d.rng, _shape(d.rng), dtype)
        if d.rng.random() < 0.2:
            x = x * dtype(1e4)  # huge logits
        dim = int(d.rng.integers(-max(x.ndim, 1), max(x.ndim, 1)))
        for op in ("softmax", "log_softmax"):
            d.check(f"{op}({dim}) {x.dtype}{x.shape}", lambda t, op=op, dim=dim: getattr(
                t, op)(dim), lambda t, op=op, dim=dim: getattr(t, op)(dim), [x])
    d.report(2000)


def test_shape_ops_match_pytorch() -> None:
    d = Differ(3)
    for _ in range(150):
        dtype = d.rng.choice(DTYPES)
        x = _values(d.rng, _shape(d.rng), dtype)
        n = x.ndim
        perm = tuple(int(i) for i in d.rng.permutation(n))
        dim = int(d.rng.integers(-max(n, 1), max(n, 1)))
        dim1 = int(d.rng.integers(-n - 1, n + 1))
        cases = {
            "reshape(-1)": (lambda t: t.reshape(-1), lambda t: t.reshape(-1)),
            "flatten": (lambda t: t.flatten(), lambda t: t.flatten()),
            "permute": (lambda t: t.permute(perm), lambda t: t.permute(perm)),
            "transpose": (lambda t: t.transpose(dim, -1), lambda t: t.transpose(dim, -1)),
            "T": (lambda t: t.T, lambda t: t.permute(tuple(reversed(range(t.ndim))))),
            "squeeze": (lambda t: t.squeeze(), lambda t: t.squeeze()),
            "squeeze(dim)": (lambda t: t.squeeze(dim), lambda t: t.squeeze(dim)),
            "unsqueeze": (lambda t: t.unsqueeze(dim1), lambda t: t.unsqueeze(dim1)),
            "expand": (lambda t: t.expand(2, *t.shape), lambda t: t.expand(2, *t.shape)),
            "cat": (lambda t: mg.cat([t, t * 2], dim), lambda t: torch.cat([t, t * 2], dim)),
            "stack": (lambda t: mg.stack([t, t], dim1), lambda t: torch.stack([t, t], dim1)),
            "pad": (lambda t: mg.pad(t, (1, 2)), lambda t: tF.pad(t, (1, 2))),
        }
        for name, (fm, ft) in cases.items():
            d.check(f"{name} {x.shape} dim={dim} dim1={dim1}", fm, ft, [x])
    d.report(1500)


def _index(rng: np.random.Generator, shape: tuple):
    """A random index: ints, slices, None, Ellipsis, int arrays (repeats), bool masks."""
    parts: list = []
    i = 0
    while i < len(shape):
        r = rng.random()
        size = shape[i]
        if r < 0.2 and size:
            parts.append(int(rng.integers(-size, size)))
        elif r < 0.45:
            parts.append(slice(int(rng.integers(0, size + 1)), None, int(rng.integers(1, 3))))
        elif r < 0.7 and size:
            parts.append(rng.integers(-size, size, size=int(rng.integers(1, 4))).tolist())
        elif r < 0.8:
            parts.append(rng.random(size) < 0.5)
        elif r < 0.85:
            parts.append(None)
            continue
        else:
            parts.append(slice(None))
        i += 1
    arrays = [p for p in parts if isinstance(p, list)]
    if len(arrays) > 1:  # several index arrays must broadcast: make them the same length
        n = len(arrays[0])
        parts = [p[:1] * n if isinstance(p, list) else p for p in parts]
    if sum(isinstance(p, np.ndarray) for p in parts) > 1:
        parts = [slice(None) if isinstance(p, np.ndarray) else p for p in parts]
    if sum(isinstance(p, (list, np.ndarray)) for p in parts) > 1:
        parts = [slice(None) if isinstance(p, np.ndarray) else p for p in parts]
    if rng.random() < 0.1:
        parts = [Ellipsis, *parts[1:]]
    return tuple(parts)


def _torch_index(index: tuple) -> tuple:
    return tuple(torch.tensor(p) if isinstance(p, np.ndarray) else p for p in index)


def test_indexing_matches_pytorch() -> None:
    d = Differ(4)
    for _ in range(1500):
        dtype = d.rng.choice(DTYPES)
        x = _values(d.rng, _shape(d.rng, int(d.rng.integers(1, 4))), dtype, special=False)
        idx = _index(d.rng, x.shape)
        d.check(f"{x.shape}[{idx}]", lambda t, idx=idx: t[idx],
                lambda t, idx=idx: t[_torch_index(idx)], [x])
    x = np.arange(18.0).reshape(2, 3, 3)
    for idx in [(0, slice(None), [0, 1, 2]), (0, slice(None), [0, 1]), (slice(None), 0, [1, 1]),
                ([0, 1], slice(None), [0, 1]), (1, [0, 0, 2]), (Ellipsis, [2, 0])]:
        d.check(f"mixed {idx}", lambda t, idx=idx: t[idx],
                lambda t, idx=idx: t[_torch_index(idx)], [x])
    d.report(1500)


def test_matmul_matches_pytorch() -> None:
    d = Differ(5)
    for _ in range(300):
        dtype = d.rng.choice(DTYPES)
        k = int(d.rng.choice(SIZES))
        kind = d.rng.integers(0, 5)
        m, n = (int(d.rng.choice(SIZES[1:])) for _ in range(2))
        batch = _shape(d.rng, int(d.rng.integers(0, 2)), empty=False)
        sa, sb = [((k,), (k,)), ((m, k), (k,)), ((k,), (k, n)), ((m, k), (k, n)),
                  (batch + (m, k), (k, n))][kind]
        a, b = _values(d.rng, sa, dtype, special=False), _values(d.rng, sb, dtype, special=False)
        d.check(f"matmul {sa} {sb}", lambda p, q: p @ q, lambda p, q: p @ q, [a, b])
    d.report(300)


def test_linear_matches_pytorch() -> None:
    """``F.linear`` (one node, ``ops.linalg.Linear``): inputs of 1 to 4 dims, zero sizes,
    with and without a bias, NaN and Inf, and the refusal of a bias of another dtype."""
    d = Differ(6)
    for _ in range(300):
        dtype = d.rng.choice(DTYPES)
        fin, fout = (int(d.rng.choice(SIZES)) for _ in range(2))
        sx = _shape(d.rng, int(d.rng.integers(0, 3))) + (fin,)
        x, w = _values(d.rng, sx, dtype), _values(d.rng, (fout, fin), dtype)
        if d.rng.random() < 0.3:
            d.check(f"linear {sx} {w.shape}", F.linear, tF.linear, [x, w])
            continue
        other = np.float64 if dtype == np.float32 and d.rng.random() < 0.1 else dtype
        b = _values(d.rng, (fout,), other)
        d.check(f"linear {sx} {w.shape} bias {b.dtype}", F.linear, tF.linear, [x, w, b])
    d.report(300)


def test_in_place_ops_match_pytorch() -> None:
    d = Differ(6)
    ops = {
        "add_": (lambda t, o: t.add_(o, alpha=2)),
        "sub_": (lambda t, o: t.sub_(o)),
        "mul_": (lambda t, o: t.mul_(o)),
        "div_": (lambda t, o: t.div_(o)),
        "copy_": (lambda t, o: t.copy_(o)),
        "iadd": (lambda t, o: t.__iadd__(o)),
    }
    for name, f in ops.items():
        for _ in range(60):
            dtype = d.rng.choice(DTYPES)
            sa, sb = _broadcast_pair(d.rng)
            a = _values(d.rng, sa, dtype, special=False)
            b = _values(d.rng, sb, dtype, special=False, positive=True)
            # a non-leaf, changed in place: the gradient flows through the change
            d.check(f"{name} {sa} {sb}", lambda p, q, f=f: f(p * 1, q),
                    lambda p, q, f=f: f(p * 1, q), [a, b])
    d.report(300)


# ---------------------------------------------------------------- composite expressions

MG = types.SimpleNamespace(where=mg.where, cat=mg.cat, stack=mg.stack, pad=mg.pad,
                           idx=lambda a: a)
TORCH = types.SimpleNamespace(where=torch.where, cat=torch.cat, stack=torch.stack,
                              pad=torch.nn.functional.pad, idx=torch.as_tensor)

# name -> (fn(lib, *inputs), input shapes); both libraries spell these ops the same way
PARITY = {
    "arith": (lambda L, a, b: (a * b + a / (b * b + 1) - 2.0) ** 2, [(2, 3), (3,)]),
    "unary": (lambda L, a: a.exp() + a.tanh() + a.sigmoid() + a.abs().sqrt() + a.relu(),
              [(3, 4)]),
    "log": (lambda L, a: (a * a + 1).log(), [(3, 4)]),
    "clamp_max_min": (lambda L, a, b: a.clamp(-0.5, 0.5) + a.maximum(b) + a.minimum(b),
                      [(3, 4), (4,)]),
    "where": (lambda L, a, b: L.where(a > 0, a, b * 2), [(3, 4), (3, 4)]),
    "matmul_batched": (lambda L, a, b: a @ b, [(2, 3, 4), (4, 5)]),
    "matmul_vec": (lambda L, a, b: a @ b, [(4,), (2, 4, 3)]),
    "reductions": (lambda L, a: a.sum(1) + a.mean(1) + a.var(1) + a.amax(1) + a.logsumexp(1),
                   [(3, 5)]),
    "reductions_keepdim_neg": (lambda L, a: a.sum((-1, 0), keepdim=True) * a.mean(-2, keepdim=True),
                               [(2, 3, 4)]),
    "softmaxes": (lambda L, a: a.softmax(1) * 3 + a.log_softmax(0), [(3, 4)]),
    "shape_ops": (lambda L, a: a.reshape(3, 8).transpose(0, 1).permute(1, 0).flatten()
                  .unsqueeze(0).squeeze(0), [(2, 3, 4)]),
    "expand": (lambda L, a: a.expand(3, 2, 4) * 2, [(2, 1)]),
    "pad": (lambda L, a: L.pad(a, (1, 2, 2, 0)), [(2, 3, 3)]),
    "cat_stack": (lambda L, a, b: L.cat([a, b], 0).sum(0) + L.stack([a, a], 0).sum((0, 1)),
                  [(2, 3), (2, 3)]),
    "indexing": (lambda L, a: a[L.idx(np.array([0, 2, 0]))][:, 1:] * a[..., None, 0].sum(),
                 [(3, 4)]),
    "bool_mask": (lambda L, a: a[a > 0], [(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(PARITY))
def test_values_and_grads_match_pytorch(name: str) -> None:
    fn, shapes = PARITY[name]
    rng = np.random.default_rng(7)
    arrays = [rng.normal(size=s) for s in shapes]
    ours = [mg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn(MG, *ours), fn(TORCH, *theirs)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-5, atol=1e-8)
    seed = rng.normal(size=ref.shape)
    out.backward(mg.tensor(seed))
    ref.backward(torch.tensor(seed))
    for mine, other in zip(ours, theirs):
        np.testing.assert_allclose(mine.grad.data, other.grad.numpy(), rtol=1e-5, atol=1e-8)


def test_second_derivatives_match_pytorch() -> None:
    data = np.random.default_rng(1).normal(size=(3, 4))
    x = mg.tensor(data, requires_grad=True)
    xt = torch.tensor(data, requires_grad=True)
    (g,) = mg.grad((x.tanh() * x.softmax(1)).sum(), x, create_graph=True)
    (gt,) = torch.autograd.grad((xt.tanh() * xt.softmax(1)).sum(), xt, create_graph=True)
    (g * g).sum().backward()
    (gt * gt).sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-5, atol=1e-8)
