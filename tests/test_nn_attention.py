"""Attention against PyTorch: ``F.scaled_dot_product_attention``, ``nn.MultiheadAttention``
and ``F.multi_head_attention_forward``.

SDPA: gradcheck and gradgradcheck (float64) w.r.t. query, key, value and a float mask; then
the same inputs through both libraries (shape, dtype, values, NaN pattern and every input's
gradient) over fixed and random cases: batch or none, heads, L != S, E != Ev, broadcast
leading dims and masks, bool and float masks, is_causal, scale, enable_gqa, empty dims,
fully masked rows, extreme values. MultiheadAttention: a torch module built under a seed,
its state_dict loaded into minigrad's, then outputs, weights (averaged and per head) and the
gradients of the inputs and of every parameter by name, in float64 with dropout 0, across
the layer's options and masks. Dropout is checked by its statistics (each weight zeroed or
scaled by 1/(1-p)). Bad input raises PyTorch's exception type, with a message that begins
with the function's or the layer's name.

Tests that need PyTorch skip without it; the gradchecks, statistics and bad-input messages
run anyway.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
from helpers import (
    assert_gradchecks,
    assert_raises_as_torch,
    compare_with_torch,
    needs_torch,
    optional_torch,
)

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = optional_torch()  # the torch-free tests run without it

TOL = {np.float16: 3e-3, np.float32: 2e-5, np.float64: 1e-10}
inf = float("inf")


def normal(*shape: int, dtype: type = np.float64, seed: int = 0, scale: float = 1.0):
    return (np.random.default_rng(seed).normal(size=shape) * scale).astype(dtype)


def sdpa_both(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None,
              tol: float | None = None, grads: bool = True, **kw: object) -> None:
    """``compare_with_torch`` of SDPA: values, NaN pattern and the gradient of q, k, v and
    of a float mask."""
    tol = tol or TOL[q.dtype.type]
    arrays = [q, k, v] + ([] if mask is None else [mask])
    flags = [grads and a.dtype.kind == "f" for a in arrays]

    def ours(*t: mg.Tensor) -> mg.Tensor:
        return F.scaled_dot_product_attention(*t[:3], *t[3:], **kw)

    def theirs(*t: object) -> object:
        return torch.nn.functional.scaled_dot_product_attention(*t[:3], *t[3:], **kw)

    compare_with_torch(ours, theirs, arrays, flags, tol=tol)


# ------------------------------------------------------------------ signatures and names


def test_sdpa_signature_is_pytorchs() -> None:
    params = inspect.signature(F.scaled_dot_product_attention).parameters.values()
    assert [(p.name, p.default, p.kind.name) for p in params] == [
        ("query", inspect.Parameter.empty, "POSITIONAL_OR_KEYWORD"),
        ("key", inspect.Parameter.empty, "POSITIONAL_OR_KEYWORD"),
        ("value", inspect.Parameter.empty, "POSITIONAL_OR_KEYWORD"),
        ("attn_mask", None, "POSITIONAL_OR_KEYWORD"),
        ("dropout_p", 0.0, "POSITIONAL_OR_KEYWORD"),
        ("is_causal", False, "POSITIONAL_OR_KEYWORD"),
        ("scale", None, "KEYWORD_ONLY"),  # PyTorch: "can only be specified as a keyword"
        ("enable_gqa", False, "KEYWORD_ONLY"),
    ]
    q = normal(1, 2, 3)
    assert_raises_as_torch(lambda lib: lib.nn.functional.scaled_dot_product_attention(
        *(lib.tensor(q),) * 3, None, 0.0, False, 0.5), TypeError, "positional")


@needs_torch
@pytest.mark.parametrize("ours, theirs", [
    (lambda: nn.MultiheadAttention, lambda: torch.nn.MultiheadAttention),
    (lambda: nn.MultiheadAttention.forward, lambda: torch.nn.MultiheadAttention.forward),
    (lambda: F.multi_head_attention_forward,
     lambda: torch.nn.functional.multi_head_attention_forward),
], ids=["MultiheadAttention", "forward", "multi_head_attention_forward"])
def test_mha_signatures_are_pytorchs(ours, theirs) -> None:
    def params(fn: object) -> list:
        return [(p.name, p.default, p.kind) for p in inspect.signature(fn).parameters.values()]

    assert params(ours()) == params(theirs())


def test_names_are_exported() -> None:
    import minigrad as torch_like

    assert torch_like.nn.MultiheadAttention is nn.attention.MultiheadAttention
    assert "MultiheadAttention" in nn.__all__
    assert torch_like.nn.functional.scaled_dot_product_attention is (
        mg.functional.attention.scaled_dot_product_attention)
    assert callable(torch_like.nn.functional.multi_head_attention_forward)


def test_sdpa_kernel_switch_has_pytorchs_names_and_changes_nothing() -> None:
    """``torch.nn.attention.sdpa_kernel``: minigrad has one kernel, so any choice computes
    the same; a wrong argument is refused as PyTorch refuses it."""
    from minigrad.nn.attention import SDPBackend, sdpa_kernel

    assert {m.name: m.value for m in SDPBackend} == {
        name: int(m) for name, m in torch.nn.attention.SDPBackend.__members__.items()}
    q = mg.tensor(normal(2, 3, 4))
    want = F.scaled_dot_product_attention(q, q, q, is_causal=True).numpy()
    for backends in (SDPBackend.MATH, [SDPBackend.FLASH_ATTENTION, SDPBackend.MATH]):
        with sdpa_kernel(backends, set_priority=True) as ctx:
            assert ctx == {}
            got = F.scaled_dot_product_attention(q, q, q, is_causal=True).numpy()
        np.testing.assert_array_equal(got, want)

    def enter(lib) -> None:  # noqa: ANN001
        with lib.nn.attention.sdpa_kernel("math"):
            pass

    assert_raises_as_torch(enter, AssertionError, "^sdpa_kernel: .*instance of SDPBackend")


# ------------------------------------------------------------------ SDPA: gradients


GRADCHECK_CASES = {
    "plain": (dict(), None),
    "causal, L > S": (dict(is_causal=True), None),
    "float mask broadcast": (dict(), (1, 3, 4)),
    "float mask, a row all -inf": (dict(), "-inf row"),
    "scale": (dict(scale=-0.7), None),
}


@pytest.mark.parametrize("name", list(GRADCHECK_CASES))
def test_sdpa_gradcheck_and_gradgradcheck(name: str) -> None:
    kw, mask = GRADCHECK_CASES[name]
    q, k, v = normal(2, 3, 2, seed=1), normal(2, 4, 2, seed=2), normal(2, 4, 3, seed=3)
    arrays = [q, k, v]
    if mask == "-inf row":
        mask = normal(3, 4, seed=4)
        mask[1] = -inf
        mask[0, 2] = -inf
        arrays.append(mask)
    elif mask is not None:
        arrays.append(normal(*mask, seed=4))
    if kw.get("is_causal"):
        arrays[0] = normal(2, 5, 2, seed=5)
    assert_gradchecks(lambda *t: F.scaled_dot_product_attention(*t, **kw), arrays)


def test_sdpa_gradcheck_grouped_query_heads() -> None:
    q, k, v = normal(1, 4, 2, 2, seed=1), normal(1, 2, 3, 2, seed=2), normal(1, 1, 3, 2, seed=3)
    assert_gradchecks(lambda *t: F.scaled_dot_product_attention(*t, enable_gqa=True),
                      [q, k, v])


def test_sdpa_fully_masked_row_is_zero_with_zero_gradient() -> None:
    q, k, v = (mg.tensor(normal(2, n, 4, seed=s), requires_grad=True)
               for s, n in ((1, 3), (2, 4), (3, 4)))
    mask = np.ones((3, 4), bool)
    mask[1] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mg.tensor(mask))
    assert not np.isnan(out.detach().numpy()).any()
    assert (out.detach().numpy()[:, 1] == 0).all()
    out.sum().backward()
    assert (q.grad.numpy()[:, 1] == 0).all()
    assert np.isfinite(k.grad.numpy()).all() and np.isfinite(v.grad.numpy()).all()


# ------------------------------------------------------------------ SDPA: against PyTorch

SDPA_CASES = {
    # name: (q shape, k shape, v shape, mask (shape, kind) or None, keyword arguments)
    "2-D": ((4, 3), (5, 3), (5, 2), None, {}),
    "3-D": ((2, 4, 3), (2, 5, 3), (2, 5, 6), None, {}),
    "4-D heads": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), None, {}),
    "5-D": ((2, 1, 2, 3, 4), (2, 1, 2, 5, 4), (2, 1, 2, 5, 3), None, {}),
    "L == S": ((2, 2, 4, 3), (2, 2, 4, 3), (2, 2, 4, 3), None, {}),
    "batch broadcast k, v": ((2, 3, 4, 5), (1, 3, 6, 5), (1, 3, 6, 7), None, {}),
    "batch broadcast q": ((1, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), None, {}),
    "ranks differ": ((2, 3, 4, 5), (6, 5), (6, 7), None, {}),
    "k, v leading dims differ": ((3, 4, 5), (1, 6, 5), (3, 6, 7), None, {}),
    "bool mask (L, S)": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), ((4, 6), "bool"), {}),
    "bool mask per head": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), ((2, 3, 4, 6), "bool"),
                           {}),
    "bool mask (1, S)": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), ((1, 6), "bool"), {}),
    "bool mask (H, 1, S)": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), ((3, 1, 6), "bool"), {}),
    "float mask (L, S)": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), ((4, 6), "float"), {}),
    "float mask (N, 1, L, 1)": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7),
                                ((2, 1, 4, 1), "float"), {}),
    "float mask with -inf": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), ((4, 6), "-inf"), {}),
    "float32 mask, float64 query": ((2, 4, 5), (2, 6, 5), (2, 6, 7), ((4, 6), "float32"), {}),
    "1-D mask, 3-D query": ((2, 4, 5), (2, 6, 5), (2, 6, 7), ((6,), "float"), {}),
    "0-D mask, 3-D query": ((2, 4, 5), (2, 6, 5), (2, 6, 7), ((), "float"), {}),
    "causal square": ((2, 3, 5, 4), (2, 3, 5, 4), (2, 3, 5, 6), None, {"is_causal": True}),
    "causal L < S": ((2, 3, 3, 4), (2, 3, 6, 4), (2, 3, 6, 6), None, {"is_causal": True}),
    "causal L > S": ((2, 3, 7, 4), (2, 3, 3, 4), (2, 3, 3, 6), None, {"is_causal": True}),
    "causal 2-D": ((4, 3), (4, 3), (4, 2), None, {"is_causal": True}),
    "scale": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), None, {"scale": 0.3}),
    "scale 0": ((2, 4, 5), (2, 6, 5), (2, 6, 7), None, {"scale": 0.0}),
    "negative scale": ((2, 4, 5), (2, 6, 5), (2, 6, 7), None, {"scale": -2.0}),
    "int scale": ((2, 4, 5), (2, 6, 5), (2, 6, 7), None, {"scale": 2}),
    "gqa": ((2, 6, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), None, {"enable_gqa": True}),
    "gqa k, v heads differ": ((2, 6, 4, 5), (2, 3, 6, 5), (2, 1, 6, 7), None,
                              {"enable_gqa": True}),
    "gqa equal heads": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), None, {"enable_gqa": True}),
    "gqa 3-D": ((4, 4, 5), (2, 6, 5), (2, 6, 7), None, {"enable_gqa": True}),
    "gqa causal, mask broadcast": ((2, 4, 3, 5), (1, 2, 3, 5), (1, 2, 3, 7), None,
                                   {"enable_gqa": True, "is_causal": True}),
    "gqa and mask": ((2, 4, 3, 5), (2, 2, 6, 5), (2, 2, 6, 7), ((4, 3, 6), "float"),
                     {"enable_gqa": True}),
    "negative dropout_p is none": ((2, 4, 5), (2, 6, 5), (2, 6, 7), None, {"dropout_p": -0.5}),
    "empty L": ((2, 3, 0, 5), (2, 3, 6, 5), (2, 3, 6, 7), None, {}),
    "empty S": ((2, 3, 4, 5), (2, 3, 0, 5), (2, 3, 0, 7), None, {}),
    "empty S, causal": ((2, 4, 5), (2, 0, 5), (2, 0, 7), None, {"is_causal": True}),
    "empty E": ((2, 3, 4, 0), (2, 3, 6, 0), (2, 3, 6, 7), None, {}),
    "empty Ev": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 0), None, {}),
    "empty batch": ((0, 3, 4, 5), (0, 3, 6, 5), (0, 3, 6, 7), None, {}),
    "gqa no query heads": ((1, 0, 4, 5), (1, 3, 6, 5), (1, 3, 6, 7), None,
                           {"enable_gqa": True}),
    "size-1 dims": ((1, 1, 1, 1), (1, 1, 1, 1), (1, 1, 1, 1), ((1, 1), "bool"), {}),
}


def make_mask(shape: tuple, kind: str, seed: int = 7) -> np.ndarray:
    r = np.random.default_rng(seed)
    if kind == "bool":
        return r.random(shape) > 0.3
    mask = r.normal(size=shape)
    if kind == "-inf":
        mask[r.random(shape) > 0.6] = -inf
    return mask.astype(np.float32 if kind == "float32" else np.float64)


@pytest.mark.parametrize("name", list(SDPA_CASES))
def test_sdpa_matches_pytorch(name: str) -> None:
    qs, ks, vs, mask, kw = SDPA_CASES[name]
    q, k, v = normal(*qs, seed=1), normal(*ks, seed=2), normal(*vs, seed=3)
    sdpa_both(q, k, v, None if mask is None else make_mask(*mask), **kw)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_sdpa_lower_precision_matches_pytorch(dtype: type) -> None:
    """float32 as is; float16 computed in float32 and rounded, as PyTorch's CPU path."""
    q, k, v = (normal(2, 3, 4, 5, seed=s, dtype=dtype) for s in (1, 2, 3))
    mask = make_mask((2, 1, 4, 4), "float32") if dtype == np.float16 else None
    sdpa_both(q, k, v[..., :4, :], mask, grads=dtype != np.float16)
    sdpa_both(q, k, v, is_causal=True, grads=dtype != np.float16)


def random_sdpa_case(seed: int) -> tuple:
    """A random combination of the cases above: shapes, broadcasting, mask, flags."""
    r = np.random.default_rng(seed)
    lead = [(), (2,), (3, 2), (2, 1, 3)][r.integers(4)]
    L, S, E, Ev = (int(r.integers(1, 6)) for _ in range(4))
    kv_lead = tuple(1 if r.random() < 0.3 else d for d in lead)
    kw: dict = {}
    if lead and r.random() < 0.25:  # grouped heads: k and v have half the query heads
        lead, kv_lead = (*lead[:-1], 2 * lead[-1]), lead
        kw["enable_gqa"] = True
    mask = None
    roll = r.random()
    if roll < 0.25:
        kw["is_causal"] = True
    elif roll < 0.75:
        full = (*lead, L, S)
        shape = tuple(1 if r.random() < 0.4 else d for d in full)[int(r.integers(0, 2)):]
        mask = make_mask(shape, ["bool", "float", "-inf"][r.integers(3)], seed)
    if r.random() < 0.3:
        kw["scale"] = float(r.uniform(-2, 2))
    q = normal(*lead, L, E, seed=seed + 1)
    return q, normal(*kv_lead, S, E, seed=seed + 2), normal(*kv_lead, S, Ev, seed=seed + 3), \
        mask, kw


@pytest.mark.parametrize("seed", range(40))
def test_sdpa_random_cases_match_pytorch(seed: int) -> None:
    q, k, v, mask, kw = random_sdpa_case(seed)
    sdpa_both(q, k, v, mask, **kw)


@pytest.mark.parametrize("name", ["bool row", "-inf row", "every row", "causal + L > S row"])
def test_sdpa_fully_masked_rows_match_pytorch(name: str) -> None:
    """PyTorch 2.13's CPU kernels give zeros (and zero gradients) where a query may attend
    to no key, not softmax's NaN."""
    q, k, v = normal(2, 2, 4, 3, seed=1), normal(2, 2, 5, 3, seed=2), normal(2, 2, 5, 6, seed=3)
    if name == "bool row":
        mask = np.ones((2, 1, 4, 5), bool)
        mask[1, 0, 2] = False
    elif name == "-inf row":
        mask = make_mask((4, 5), "float")
        mask[0] = -inf
    elif name == "every row":
        mask = np.zeros((4, 5), bool)
    else:
        mask = np.tril(np.ones((4, 5), bool))
        mask[3] = False
    sdpa_both(q, k, v, mask)
    sdpa_both(q[0], k[0], v[0], mask[0] if mask.ndim == 4 else mask)  # PyTorch's other path


@pytest.mark.parametrize("name", ["large scores", "huge negative mask", "+inf mask",
                                  "inf in query", "nan in key", "tiny values"])
def test_sdpa_extreme_values_match_pytorch(name: str) -> None:
    q, k, v = normal(2, 2, 4, 3, seed=1), normal(2, 2, 5, 3, seed=2), normal(2, 2, 5, 6, seed=3)
    mask = None
    if name == "large scores":
        q, k = q * 30, k * 30
    elif name == "huge negative mask":
        mask = np.full((4, 5), -1e300)
        mask[1, 2] = 0.0
    elif name == "+inf mask":
        mask = np.zeros((4, 5))
        mask[0, 0] = inf
    elif name == "inf in query":
        q[0, 1, 2, 0] = inf
    elif name == "nan in key":
        k[1, 0, 3, 1] = np.nan
    else:
        q, k, v = q * 1e-200, k * 1e-200, v * 1e-200
    sdpa_both(q, k, v, mask, grads=name not in ("inf in query", "nan in key", "+inf mask"))


def test_sdpa_nan_pattern_of_non_finite_inputs_matches_pytorch() -> None:
    """Forward only: the rows an inf or NaN touches are NaN in both (their gradients are
    NaN in both too, but where exactly depends on each library's backward formula)."""
    q, k, v = normal(2, 4, 3, seed=1), normal(2, 5, 3, seed=2), normal(2, 5, 6, seed=3)
    q[0, 1, 2] = inf
    k[1, 3, 0] = np.nan
    sdpa_both(q, k, v, grads=False)


def test_sdpa_bool_mask_is_the_opposite_of_mha() -> None:
    """True takes part in SDPA; in MultiheadAttention True is masked out."""
    q, k, v = (mg.tensor(normal(1, 3, 4, seed=s)) for s in (1, 2, 3))
    allowed = mg.tensor(np.array([[True, False, True]] * 3))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
    bias = mg.tensor(np.where(allowed.numpy(), 0.0, -inf))
    np.testing.assert_allclose(out.numpy(),
                               F.scaled_dot_product_attention(q, k, v, attn_mask=bias).numpy())
    mha = nn.MultiheadAttention(4, 1, dtype=mg.float64)
    x = mg.tensor(normal(3, 4, seed=4))
    _, w = mha(x, x, x, attn_mask=allowed)
    assert (w.detach().numpy()[:, [0, 2]] == 0).all() and (w.detach().numpy()[:, 1] == 1).all()


def test_sdpa_accepts_1d_and_0d_masks_on_4d_inputs() -> None:
    """PyTorch's CPU flash-kernel dispatch raises IndexError for a 1-D or 0-D mask with 4-D
    inputs (its 3-D path broadcasts them); minigrad broadcasts them everywhere."""
    q, k, v = (mg.tensor(normal(2, 3, 4, 5, seed=s)) for s in (1, 2, 3))
    m1 = mg.tensor(make_mask((4,), "float"))
    want = F.scaled_dot_product_attention(q, k, v, attn_mask=m1.reshape(1, 4))
    got = F.scaled_dot_product_attention(q, k, v, attn_mask=m1)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    zero = mg.tensor(np.float64(0.5))
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v, attn_mask=zero).numpy(),
                               F.scaled_dot_product_attention(q, k, v).numpy(), rtol=1e-12)


# ------------------------------------------------------------------ SDPA: dropout


def test_sdpa_dropout_zeroes_or_scales_each_weight() -> None:
    """With ``value`` the identity the output is the weights: after dropout each is 0 or
    its undropped value / (1 - p), about a fraction p of them 0 (whatever training mode)."""
    p, n = 0.3, 24
    q, k = mg.tensor(normal(4, 2, n, 5, seed=1)), mg.tensor(normal(4, 2, n, 5, seed=2))
    eye = mg.tensor(np.eye(n))
    plain = F.scaled_dot_product_attention(q, k, eye).numpy()
    mg.manual_seed(3)
    dropped = F.scaled_dot_product_attention(q, k, eye, dropout_p=p).numpy()
    zero = dropped == 0
    np.testing.assert_allclose(dropped[~zero], plain[~zero] / (1 - p), rtol=1e-12)
    assert abs(zero.mean() - p) < 0.03
    mg.manual_seed(3)
    np.testing.assert_array_equal(
        F.scaled_dot_product_attention(q, k, eye, dropout_p=p).numpy(), dropped)


def test_sdpa_dropout_statistics_are_pytorchs() -> None:
    p, n = 0.5, 16
    q, k = normal(4, 2, n, 5, seed=1), normal(4, 2, n, 5, seed=2)
    for lib in (mg, torch):
        eye = lib.tensor(np.eye(n))
        call = lib.nn.functional.scaled_dot_product_attention
        plain = call(lib.tensor(q), lib.tensor(k), eye).numpy()
        dropped = call(lib.tensor(q), lib.tensor(k), eye, dropout_p=p).numpy()
        kept = dropped != 0
        np.testing.assert_allclose(dropped[kept], plain[kept] * 2, rtol=1e-12)
        assert abs(kept.mean() - 0.5) < 0.05, lib.__name__


def test_sdpa_dropout_one_gives_zeros_as_pytorch() -> None:
    q, k, v = normal(2, 4, 3, seed=1), normal(2, 5, 3, seed=2), normal(2, 5, 6, seed=3)
    sdpa_both(q, k, v, dropout_p=1.0)


def test_sdpa_dropout_gradient_uses_the_same_mask() -> None:
    q, k = (mg.tensor(normal(2, 6, 3, seed=s), requires_grad=True) for s in (1, 2))
    v = mg.tensor(normal(2, 6, 4, seed=3), requires_grad=True)
    mg.manual_seed(0)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.4)
    out.sum().backward()
    grad = v.grad.numpy().copy()
    mg.manual_seed(0)
    weights = F.scaled_dot_product_attention(q, k, mg.tensor(np.eye(6)), dropout_p=0.4)
    np.testing.assert_allclose(grad, np.broadcast_to(
        weights.detach().numpy().sum(axis=1)[..., None], grad.shape), rtol=1e-12)


# ------------------------------------------------------------------ SDPA: bad input

Q, K, V = normal(2, 3, 4, 5, seed=1), normal(2, 3, 6, 5, seed=2), normal(2, 3, 6, 7, seed=3)


def sdpa_call(lib, q=Q, k=K, v=V, **kw):  # noqa: ANN001, ANN201
    t = [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in (q, k, v)]
    kw = {n: lib.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kw.items()}
    return lib.nn.functional.scaled_dot_product_attention(*t, **kw)


SDPA_BAD = {
    "query not a Tensor": (dict(q=[[1.0]]), TypeError, "argument 'query' must be Tensor"),
    "mask not a Tensor": (dict(attn_mask=[[True]]), TypeError, "'attn_mask' must be Tensor"),
    "is_causal not bool": (dict(is_causal=1), TypeError, "'is_causal' must be bool"),
    "enable_gqa not bool": (dict(enable_gqa=1), TypeError, "'enable_gqa' must be bool"),
    "dropout_p a string": (dict(dropout_p="0.1"), TypeError, "'dropout_p' must be float"),
    "scale a string": (dict(scale="1"), TypeError, "'scale' must be float"),
    "dtypes differ": (dict(k=K.astype(np.float32)), RuntimeError, "same dtype.*float32"),
    "integer inputs": (dict(q=Q.astype(np.int64), k=K.astype(np.int64), v=V.astype(np.int64)),
                       RuntimeError, "floating point.*int64"),
    "1-D inputs": (dict(q=Q[0, 0, 0], k=K[0, 0, 0], v=V[0, 0, 0]), RuntimeError,
                   r"at least 2-D.*\(5,\)"),
    "integer mask": (dict(attn_mask=np.zeros((4, 6), np.int64)), RuntimeError,
                     "attn_mask to be bool, float32 or .*float64.*int64"),
    "float64 mask, float32 query": (dict(q=Q.astype(np.float32), k=K.astype(np.float32),
                                         v=V.astype(np.float32), attn_mask=np.zeros((4, 6))),
                                    RuntimeError, "attn_mask.*float64"),
    "E differs": (dict(k=K[..., :4]), RuntimeError, r"same last dim E.*\(2, 3, 6, 4\)"),
    "S differs": (dict(v=V[..., :5, :]), RuntimeError, r"sequence length S.*\(2, 3, 5, 7\)"),
    "batch does not broadcast": (dict(k=normal(3, 3, 6, 5), v=normal(3, 3, 6, 7)),
                                 RuntimeError, "must broadcast"),
    "heads differ without gqa": (dict(q=normal(2, 6, 4, 5)), RuntimeError, "must broadcast"),
    "mask does not broadcast": (dict(attn_mask=np.zeros((4, 5))), RuntimeError,
                                r"attn_mask of shape \(4, 5\).*\(2, 3, 4, 6\)"),
    "mask makes the scores bigger": (dict(attn_mask=np.zeros((2, 2, 3, 4, 6))), RuntimeError,
                                     "must broadcast to"),
    "mask and is_causal": (dict(attn_mask=np.ones((4, 6), bool), is_causal=True),
                           RuntimeError, "attn_mask should not be set when is_causal"),
    "dropout_p > 1": (dict(dropout_p=1.5), RuntimeError, "between 0 and 1.*1.5"),
    "gqa heads do not divide": (dict(q=normal(2, 4, 4, 5), enable_gqa=True), RuntimeError,
                                r"key \(3\) and value \(3\) must divide .* query \(4\)"),
    "gqa fewer query heads": (dict(q=normal(2, 1, 4, 5), enable_gqa=True), RuntimeError,
                              "must divide"),
    "gqa without a heads dim": (dict(q=Q[0, 0], k=K[0, 0], v=V[0, 0], enable_gqa=True),
                                IndexError, r"heads dimension \(-3\)"),
}


@pytest.mark.parametrize("name", list(SDPA_BAD))
def test_sdpa_bad_input_raises_as_pytorch(name: str) -> None:
    kw, kind, match = SDPA_BAD[name]
    assert_raises_as_torch(lambda lib: sdpa_call(lib, **kw), kind,
                           "^scaled_dot_product_attention: .*" + match)


def test_sdpa_refuses_key_heads_of_zero() -> None:
    """PyTorch divides by zero heads here and returns something; minigrad refuses."""
    with pytest.raises(RuntimeError, match="must divide"):
        sdpa_call(mg, k=K[:, :0], v=V[:, :0], enable_gqa=True)


# ------------------------------------------------------------------ MultiheadAttention


def mha_pair(seed: int = 0, **ctor: object) -> tuple[nn.MultiheadAttention, object]:
    """PyTorch's layer built under ``seed`` and minigrad's with its state_dict loaded."""
    torch.manual_seed(seed)
    theirs = torch.nn.MultiheadAttention(dtype=torch.float64, **ctor)
    ours = nn.MultiheadAttention(dtype=mg.float64, **ctor)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def run_mha(lib, module, arrays: dict, self_attention: bool, **kw: object) -> tuple:  # noqa: ANN001
    """One forward and backward: (output, weights, {name: gradient} of inputs, float masks
    and parameters). Float inputs and masks require grad."""
    ts = {n: lib.tensor(a, requires_grad=a.dtype.kind == "f") for n, a in arrays.items()}
    key = value = query = ts["query"]
    if not self_attention:
        key, value = ts["key"], ts["value"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, w = module(query, key, value, key_padding_mask=ts.get("key_padding_mask"),
                        attn_mask=ts.get("attn_mask"), **kw)
    loss = (out * lib.tensor(normal(*out.shape, seed=11))).sum()
    if w is not None:
        loss = loss + (w * lib.tensor(normal(*w.shape, seed=12))).sum()
    loss.backward()
    grads = {n: t.grad for n, t in ts.items() if t.requires_grad}
    grads.update({n: p.grad for n, p in module.named_parameters()})
    as_array = {n: None if g is None else np.asarray(g.detach().numpy()) for n, g in grads.items()}
    return out.detach().numpy(), None if w is None else w.detach().numpy(), as_array


def compare_mha(ctor: dict, arrays: dict, self_attention: bool = False, train: bool = True,
                **kw: object) -> None:
    ours, theirs = mha_pair(**ctor)
    ours.train(train)
    theirs.train(train)
    got, want = run_mha(mg, ours, arrays, self_attention, **kw), run_mha(
        torch, theirs, arrays, self_attention, **kw)
    for part, a, b in (("output", got[0], want[0]), ("weights", got[1], want[1])):
        assert (a is None) == (b is None), part
        if a is not None:
            assert a.shape == b.shape and a.dtype == b.dtype, part
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10, equal_nan=True,
                                       err_msg=part)
    assert set(got[2]) == set(want[2])
    for name, g in want[2].items():
        mine = got[2][name]
        if g is None or mine is None:  # an unused parameter: no gradient, or zeros
            assert not np.any(g if g is not None else mine), name
            continue
        np.testing.assert_allclose(mine, g, rtol=1e-9, atol=1e-10, equal_nan=True,
                                   err_msg=f"gradient of {name}")


def mha_inputs(L: int = 3, S: int = 5, N: int = 2, E: int = 6, kdim: int | None = None,
               vdim: int | None = None, batch_first: bool = False,
               unbatched: bool = False) -> dict:
    def lay(length: int, feat: int, seed: int) -> np.ndarray:
        if unbatched:
            return normal(length, feat, seed=seed)
        a = normal(length, N, feat, seed=seed)
        return a.transpose(1, 0, 2).copy() if batch_first else a

    return {"query": lay(L, E, 1), "key": lay(S, kdim or E, 2), "value": lay(S, vdim or E, 3)}


def kp_mask(kind: str, N: int = 2, S: int = 5, unbatched: bool = False) -> np.ndarray:
    shape = (S,) if unbatched else (N, S)
    m = np.random.default_rng(5).random(shape) > 0.7
    if kind == "bool":
        return m
    return np.where(m, -inf, np.random.default_rng(6).normal(size=shape))


def at_mask(kind: str, shape: tuple) -> np.ndarray:
    m = np.random.default_rng(8).random(shape) > 0.75
    if kind == "bool":
        return m
    return np.where(m, -inf, np.random.default_rng(9).normal(size=shape))


MHA_CASES = {
    # name: (constructor arguments, input layout, masks, forward keyword arguments)
    "default": ({}, {}, {}, {}),
    "per-head weights": ({}, {}, {}, {"average_attn_weights": False}),
    "need_weights=False": ({}, {}, {}, {"need_weights": False}),
    "batch_first": ({"batch_first": True}, {"batch_first": True}, {}, {}),
    "batch_first, no weights": ({"batch_first": True}, {"batch_first": True}, {},
                                {"need_weights": False}),
    "unbatched": ({}, {"unbatched": True}, {}, {}),
    "unbatched, batch_first ignored": ({"batch_first": True}, {"unbatched": True}, {},
                                       {"average_attn_weights": False}),
    "unbatched, no weights": ({}, {"unbatched": True}, {}, {"need_weights": False}),
    "kdim, vdim": ({"kdim": 3, "vdim": 5}, {"kdim": 3, "vdim": 5}, {}, {}),
    "kdim only, no weights": ({"kdim": 4}, {"kdim": 4}, {}, {"need_weights": False}),
    "no bias": ({"bias": False}, {}, {}, {}),
    "add_bias_kv": ({"add_bias_kv": True}, {}, {}, {}),
    "add_zero_attn": ({"add_zero_attn": True}, {}, {}, {"need_weights": False}),
    "bias_kv + zero_attn + masks": ({"add_bias_kv": True, "add_zero_attn": True}, {},
                                    {"kpm": "bool", "attn2": "bool"},
                                    {"average_attn_weights": False}),
    "bias_kv + zero_attn + masks, no weights": (
        {"add_bias_kv": True, "add_zero_attn": True, "bias": False}, {},
        {"kpm": "float", "attn3": "float"}, {"need_weights": False}),
    "key_padding_mask bool": ({}, {}, {"kpm": "bool"}, {}),
    "key_padding_mask float": ({}, {}, {"kpm": "float"}, {}),
    "key_padding_mask, no weights": ({}, {}, {"kpm": "bool"}, {"need_weights": False}),
    "unbatched key_padding_mask": ({}, {"unbatched": True}, {"kpm": "bool"}, {}),
    "attn_mask 2-D bool": ({}, {}, {"attn2": "bool"}, {}),
    "attn_mask 2-D float": ({}, {}, {"attn2": "float"}, {}),
    "attn_mask 3-D bool": ({}, {}, {"attn3": "bool"}, {"average_attn_weights": False}),
    "attn_mask 3-D float, no weights": ({}, {}, {"attn3": "float"}, {"need_weights": False}),
    "unbatched attn_mask 3-D": ({}, {"unbatched": True}, {"attn3": "float"}, {}),
    "both masks bool": ({"batch_first": True}, {"batch_first": True},
                        {"kpm": "bool", "attn3": "bool"}, {}),
    "both masks mixed (warns)": ({}, {}, {"kpm": "bool", "attn2": "float"},
                                 {"need_weights": False}),
    "is_causal with its mask": ({}, {"S": 3}, {"causal": "bool"}, {"is_causal": True}),
    "is_causal, no weights": ({}, {"S": 3}, {"causal": "float"},
                              {"is_causal": True, "need_weights": False}),
    "is_causal hint beats the mask": ({}, {"S": 4}, {"attn2": "float"},
                                      {"is_causal": True, "need_weights": False}),
    "is_causal + padding, no weights": ({}, {"S": 3}, {"causal": "bool", "kpm": "bool"},
                                        {"is_causal": True, "need_weights": False}),
    "one head": ({"num_heads": 1}, {}, {}, {}),
    "six heads": ({"num_heads": 6}, {}, {"kpm": "bool"}, {"average_attn_weights": False}),
    "empty L": ({}, {"L": 0}, {}, {}),
    "empty S": ({}, {"S": 0}, {}, {"need_weights": False}),
    "empty S, weights": ({}, {"S": 0}, {"kpm": "bool"}, {"average_attn_weights": False}),
    "empty S, zero attention": ({"add_zero_attn": True}, {"S": 0}, {}, {}),
    "empty batch": ({}, {"N": 0}, {}, {}),
    "fully masked query, weights NaN": ({}, {}, {"kpm": "all"}, {}),
    "fully masked query, no weights 0": ({}, {}, {"kpm": "all"}, {"need_weights": False}),
}


def build_masks(spec: dict, layout: dict) -> dict:
    L, S, N = layout.get("L", 3), layout.get("S", 5), layout.get("N", 2)
    unbatched, heads = layout.get("unbatched", False), layout.get("heads", 2)
    out = {}
    for what, kind in spec.items():
        if what == "kpm" and kind == "all":
            m = np.zeros((N, S), bool)
            m[1] = True  # the second sequence: every key is padding
            out["key_padding_mask"] = m
        elif what == "kpm":
            out["key_padding_mask"] = kp_mask(kind, N, S, unbatched)
        elif what == "attn2":
            out["attn_mask"] = at_mask(kind, (L, S))
        elif what == "attn3":
            out["attn_mask"] = at_mask(kind, ((1 if unbatched else N) * heads, L, S))
        else:  # the causal mask, as Transformer.generate_square_subsequent_mask makes it
            upper = np.triu(np.ones((L, S), bool), 1)
            out["attn_mask"] = upper if kind == "bool" else np.where(upper, -inf, 0.0)
    return out


@pytest.mark.parametrize("name", list(MHA_CASES))
def test_mha_matches_pytorch(name: str) -> None:
    ctor, layout, masks, kw = MHA_CASES[name]
    ctor = {"embed_dim": 6, "num_heads": 2, **ctor}
    arrays = mha_inputs(**layout)
    arrays.update(build_masks(masks, {**layout, "heads": ctor["num_heads"]}))
    compare_mha(ctor, arrays, **kw)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("train", [True, False])
def test_mha_self_attention_matches_pytorch(batch_first: bool, train: bool) -> None:
    """query, key and value one Tensor (PyTorch's packed projection); in eval mode with
    grad enabled PyTorch keeps its reference path, so the gradients compare too."""
    arrays = mha_inputs(L=4, S=4, batch_first=batch_first)
    arrays["key_padding_mask"] = kp_mask("bool", S=4)
    compare_mha({"embed_dim": 6, "num_heads": 2, "batch_first": batch_first}, arrays,
                self_attention=True, train=train)


def test_mha_matches_pytorchs_fast_path_in_inference() -> None:
    """Eval mode, no grad, batch_first self-attention: PyTorch's fused kernel; same values."""
    ours, theirs = mha_pair(embed_dim=8, num_heads=2, batch_first=True)
    ours.eval()
    theirs.eval()
    x = normal(3, 5, 8, seed=1)
    kpm = np.zeros((3, 5), bool)
    kpm[:, 3:] = True
    for need in (True, False):
        with torch.no_grad():
            want = theirs(*(torch.tensor(x),) * 3, key_padding_mask=torch.tensor(kpm),
                          need_weights=need)
        with mg.no_grad():
            got = ours(*(mg.tensor(x),) * 3, key_padding_mask=mg.tensor(kpm), need_weights=need)
        np.testing.assert_allclose(got[0].numpy(), want[0].numpy(), rtol=1e-10, atol=1e-12)
        if need:
            np.testing.assert_allclose(got[1].numpy(), want[1].numpy(), rtol=1e-10)


def test_mha_functional_matches_pytorch_with_static_kv() -> None:
    ours, theirs = mha_pair(embed_dim=4, num_heads=2)
    q, k = normal(3, 2, 4, seed=1), normal(5, 2, 4, seed=2)
    sk, sv = normal(4, 7, 2, seed=3), normal(4, 7, 2, seed=4)
    outs = []
    for lib, m in ((mg, ours), (torch, theirs)):
        out = lib.nn.functional.multi_head_attention_forward(
            lib.tensor(q), lib.tensor(k), lib.tensor(k), 4, 2, m.in_proj_weight,
            m.in_proj_bias, None, None, False, 0.0, m.out_proj.weight, m.out_proj.bias,
            static_k=lib.tensor(sk), static_v=lib.tensor(sv), average_attn_weights=False)
        outs.append([t.detach().numpy() for t in out])
    for a, b in zip(*outs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("need_weights", [
    False, pytest.param(True, marks=pytest.mark.slow)])  # both compared with PyTorch anyway
def test_mha_gradcheck_through_the_functional_form(need_weights: bool) -> None:
    """Every input and weight, with bias_kv, zero attention and a padding mask."""
    E, heads = 4, 2
    kpm = mg.tensor(np.array([[False, False, True]]))
    arrays = [normal(2, 1, E, seed=1), normal(3, 1, E, seed=2), normal(3, 1, E, seed=3),
              normal(3 * E, E, seed=4, scale=0.5), normal(3 * E, seed=5),
              normal(1, 1, E, seed=6), normal(1, 1, E, seed=7),
              normal(E, E, seed=8, scale=0.5), normal(E, seed=9)]

    def call(q, k, v, w, b, bk, bv, ow, ob):  # noqa: ANN001, ANN202
        out, _ = F.multi_head_attention_forward(
            q, k, v, E, heads, w, b, bk, bv, True, 0.0, ow, ob, key_padding_mask=kpm,
            need_weights=need_weights)
        return out

    assert_gradchecks(call, arrays)


def test_mha_weights_gradcheck() -> None:
    q, k = normal(3, E := 4, seed=1), normal(4, E, seed=2)
    layer = nn.MultiheadAttention(E, 2, kdim=E, dtype=mg.float64)
    assert_gradchecks(lambda a, b: layer(a, b, b, average_attn_weights=False)[1], [q, k])


# ------------------------------------------------------------------ the layer itself


@pytest.mark.parametrize("ctor", [
    {}, {"bias": False}, {"kdim": 3, "vdim": 5}, {"add_bias_kv": True},
    {"kdim": 3, "add_bias_kv": True, "bias": False, "add_zero_attn": True},
], ids=["default", "no bias", "kdim vdim", "bias_kv", "all"])
def test_mha_parameters_state_dict_and_repr_are_pytorchs(ctor: dict) -> None:
    ours = nn.MultiheadAttention(8, 2, **ctor)
    theirs = torch.nn.MultiheadAttention(8, 2, **ctor)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for attr in ("embed_dim", "kdim", "vdim", "num_heads", "dropout", "batch_first",
                 "head_dim", "_qkv_same_embed_dim", "add_zero_attn"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    for attr in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight",
                 "in_proj_bias", "bias_k", "bias_v"):
        assert (getattr(ours, attr) is None) == (getattr(theirs, attr) is None), attr
    assert type(ours.out_proj).__name__ == type(theirs.out_proj).__name__
    assert ours.in_proj_weight is None or ours.in_proj_weight.dtype == np.float32
    ours.load_state_dict(theirs.state_dict())  # torch tensors directly, as PyTorch's own
    for name, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[name].numpy(), value.numpy())


def test_mha_initialisation_is_pytorchs() -> None:
    """xavier_uniform_ projections, zero biases, xavier_normal_ bias_k/bias_v (by their
    bounds and spread: the draws themselves come from another generator)."""
    E = 64
    mg.manual_seed(0)
    m = nn.MultiheadAttention(E, 4, add_bias_kv=True, dtype=mg.float64)
    w = m.in_proj_weight.detach().numpy()
    bound = np.sqrt(6.0 / (E + 3 * E))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.02 * bound
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()
    b = np.concatenate([m.bias_k.detach().numpy().ravel(), m.bias_v.detach().numpy().ravel()])
    assert abs(b.std() - np.sqrt(2.0 / (2 * E))) < 0.04
    sep = nn.MultiheadAttention(E, 4, kdim=32, vdim=16, dtype=mg.float64)
    kb = np.sqrt(6.0 / (E + 32))
    assert np.abs(sep.k_proj_weight.detach().numpy()).max() <= kb
    out_bound = 1 / np.sqrt(E)  # out_proj keeps Linear's own initialisation
    assert np.abs(m.out_proj.weight.detach().numpy()).max() <= out_bound


def test_mha_dropout_zeroes_or_scales_each_weight_in_training_only() -> None:
    p = 0.4
    mg.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, dropout=p, dtype=mg.float64)
    x = mg.tensor(normal(20, 4, 8, seed=1))
    m.eval()
    out0, w0 = m(x, x, x, average_attn_weights=False)
    np.testing.assert_array_equal(m(x, x, x, average_attn_weights=False)[0].detach().numpy(),
                                  out0.detach().numpy())
    m.train()
    out, w = m(x, x, x, average_attn_weights=False)
    w, w0 = w.detach().numpy(), w0.detach().numpy()
    zero = w == 0
    np.testing.assert_allclose(w[~zero], w0[~zero] / (1 - p), rtol=1e-12)
    assert abs(zero.mean() - p) < 0.03
    # without weights, dropout happens inside scaled_dot_product_attention
    mg.manual_seed(1)
    a = m(x, x, x, need_weights=False)[0].detach().numpy()
    mg.manual_seed(1)
    np.testing.assert_array_equal(m(x, x, x, need_weights=False)[0].detach().numpy(), a)
    assert not np.allclose(a, out0.detach().numpy())


def test_mha_mismatched_mask_types_warn_as_pytorch() -> None:
    m = nn.MultiheadAttention(4, 2)
    x = mg.randn(3, 2, 4)
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        m(x, x, x, key_padding_mask=mg.zeros(2, 3, dtype=mg.bool), attn_mask=mg.zeros(3, 3))


def test_mha_trains() -> None:
    """A few Adam steps lower a loss through every parameter."""
    mg.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, batch_first=True, add_bias_kv=True)
    opt = mg.optim.Adam(m.parameters(), lr=0.05)
    x, target = mg.randn(4, 5, 8), mg.randn(4, 5, 8)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = ((m(x, x, x, need_weights=False)[0] - target) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert all(p.grad is not None for p in m.parameters())


# ------------------------------------------------------------------ MultiheadAttention: bad input

X = normal(3, 2, 4)


def mha_call(lib, ctor=None, q=X, k=X, v=X, **kw):  # noqa: ANN001, ANN201
    layer = lib.nn.MultiheadAttention(**{"embed_dim": 4, "num_heads": 2, **(ctor or {})},
                                      dtype=lib.float64)
    t = [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in (q, k, v)]
    kw = {n: lib.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kw.items()}
    return layer(*t, **kw)


MHA_BAD = {
    "query 4-D": (dict(q=X[None], k=X[None], v=X[None]), AssertionError,
                  "query should be unbatched 2D or batched 3D.*4-D"),
    "query 1-D": (dict(q=X[0, 0], k=X[0, 0], v=X[0, 0]), AssertionError, "1-D query"),
    "key 2-D for 3-D query": (dict(k=X[:, 0], v=X[:, 0]), AssertionError,
                              r"batched \(3-D\) query, expected key and value to be 3-D"),
    "padding mask 1-D, batched": (dict(key_padding_mask=np.zeros(3, bool)), AssertionError,
                                  "key_padding_mask to be None or 2-D"),
    "padding mask 2-D, unbatched": (dict(q=X[:, 0], k=X[:, 0], v=X[:, 0],
                                         key_padding_mask=np.zeros((1, 3), bool)),
                                    AssertionError, "key_padding_mask to be None or 1-D"),
    "attn_mask 4-D": (dict(attn_mask=np.zeros((1, 4, 3, 3))), AssertionError,
                      "attn_mask to be None, 2-D or 3-D"),
    "unbatched 3-D attn_mask": (dict(q=X[:, 0], k=X[:, 0], v=X[:, 0],
                                     attn_mask=np.zeros((1, 3, 3))), AssertionError,
                                r"attn_mask's shape to be \(2, 3, 3\)"),
    "embedding size": (dict(q=X[..., :3], k=X[..., :3], v=X[..., :3]), AssertionError,
                       "expecting embedding dimension of 4"),
    "key and value shapes": (dict(v=X[:2]), AssertionError, "does not match value shape"),
    "kdim weights": (dict(ctor={"kdim": 3}, k=normal(5, 2, 4), v=normal(5, 2, 4)),
                     AssertionError,
                     r"expecting key weights shape of \(4, 4\).*got \(4, 3\)"),
    "separate S differ": (dict(ctor={"kdim": 3}, k=normal(5, 2, 3), v=normal(4, 2, 4)),
                          AssertionError, "sequence and batch dims"),
    "packed key features": (dict(k=normal(5, 2, 3), v=normal(5, 2, 3)), RuntimeError,
                            "build the layer with kdim and vdim"),
    "key batch size": (dict(k=X[:, :1], v=X[:, :1]), RuntimeError, "batch size 1"),
    "input dtype": (dict(q=X.astype(np.float32), k=X.astype(np.float32),
                         v=X.astype(np.float32)), RuntimeError, "same dtype"),
    "2-D attn_mask shape": (dict(attn_mask=np.zeros((3, 2))), RuntimeError,
                            r"2D attn_mask is \(3, 2\), but should be \(3, 3\)"),
    "3-D attn_mask shape": (dict(attn_mask=np.zeros((2, 3, 3))), RuntimeError,
                            r"3D attn_mask is \(2, 3, 3\), but should be \(4, 3, 3\)"),
    "padding mask size": (dict(key_padding_mask=np.zeros((2, 4), bool)), AssertionError,
                          r"key_padding_mask of shape \(2, 3\)"),
    "padding mask batch": (dict(key_padding_mask=np.zeros((3, 3), bool)), AssertionError,
                           r"key_padding_mask of shape \(2, 3\)"),
    "is_causal without a mask": (dict(is_causal=True), RuntimeError, "Need attn_mask"),
    "integer attn_mask": (dict(attn_mask=np.zeros((3, 3), np.int64)), AssertionError,
                          "only bool and floating types of attn_mask"),
    "integer padding mask": (dict(key_padding_mask=np.zeros((2, 3), np.int64)),
                             AssertionError, "only bool and floating types of key_padding"),
    "float32 mask with weights": (dict(attn_mask=np.zeros((3, 3), np.float32)), RuntimeError,
                                  "float32 must be the query's dtype float64"),
    "dropout > 1 with weights": (dict(ctor={"dropout": 2.0}), ValueError, "between 0 and 1"),
    "dropout > 1 without": (dict(ctor={"dropout": 2.0}, need_weights=False), RuntimeError,
                            "between 0 and 1"),
}


@pytest.mark.parametrize("name", list(MHA_BAD))
def test_mha_bad_input_raises_as_pytorch(name: str) -> None:
    kw, kind, match = MHA_BAD[name]
    assert_raises_as_torch(lambda lib: mha_call(lib, **kw), kind,
                           "^MultiheadAttention: .*" + match)


@pytest.mark.parametrize("args, kind, match", [
    ((0, 2), ValueError, "greater than 0.*embed_dim=0"),
    ((4, -1), ValueError, "greater than 0.*num_heads=-1"),
    ((5, 2), AssertionError, "divisible by num_heads"),
    ((4.0, 2), TypeError, "'embed_dim' must be an int"),
])
def test_mha_bad_constructor_raises_as_pytorch(args: tuple, kind: type, match: str) -> None:
    assert_raises_as_torch(lambda lib: lib.nn.MultiheadAttention(*args), kind,
                           "^MultiheadAttention: .*" + match)


FUNCTIONAL_BAD = {
    "bias_k without bias_v": (dict(bias_k=np.zeros((1, 1, 4))), "bias_k is set but bias_v"),
    "heads do not divide": (dict(num_heads=3), "not divisible by num_heads 3"),
    "embed_dim_to_check": (dict(embed_dim_to_check=5), "expecting embedding dimension of 5"),
    "no in_proj_weight": (dict(in_proj_weight=None), "in_proj_weight is None"),
    "separate weight missing": (dict(use_separate_proj_weight=True), "q_proj_weight is None"),
    "static_k size": (dict(static_k=np.zeros((3, 5, 2)), static_v=np.zeros((4, 5, 2))),
                      r"static_k of shape \(4, S, 2\)"),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL_BAD))
def test_functional_mha_bad_input_raises_as_pytorch(name: str) -> None:
    change, match = FUNCTIONAL_BAD[name]

    def call(lib):  # noqa: ANN001, ANN202
        args = dict(query=X, key=X, value=X, embed_dim_to_check=4, num_heads=2,
                    in_proj_weight=normal(12, 4), in_proj_bias=normal(12), bias_k=None,
                    bias_v=None, add_zero_attn=False, dropout_p=0.0,
                    out_proj_weight=normal(4, 4), out_proj_bias=normal(4))
        args.update(change)
        args = {n: lib.tensor(a) if isinstance(a, np.ndarray) else a for n, a in args.items()}
        return lib.nn.functional.multi_head_attention_forward(**args)

    assert_raises_as_torch(call, AssertionError, "^multi_head_attention_forward: .*" + match)


def test_mha_refuses_a_non_tensor_with_a_type_error() -> None:
    """PyTorch fails with AttributeError ('numpy.ndarray' object has no attribute 'dim');
    minigrad says which argument is wrong."""
    with pytest.raises(TypeError, match="^MultiheadAttention: argument 'query' must be Tensor"):
        mha_call(mg, q=X.tolist())
