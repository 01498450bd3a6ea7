"""equal, allclose/isclose, round, divide, diff, log1p, cumprod, norm/linalg.vector_norm/
linalg.matrix_norm and
einsum: gradcheck + gradgradcheck in float64, and the same calls against PyTorch
(output shapes, dtypes, values, NaN/Inf pattern and every input's gradient), on 0-d, size-1
and zero-size shapes, negative dims, ties and NaN/Inf; bad calls raise PyTorch's exception
type with a message that names the function."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import optional_torch
from test_ops_manipulation import compare

import minigrad as mg

torch = optional_torch()  # torch-free tests run without it

rng = np.random.default_rng(26)
inf, nan = math.inf, math.nan

X = rng.standard_normal((3, 4)).astype(np.float32)
X3 = rng.standard_normal((2, 3, 4)).astype(np.float32)
S = np.asarray(np.float32(-1.25))  # 0-d
E = np.zeros((0, 3), np.float32)
ONE = rng.standard_normal((1, 4)).astype(np.float32)
ZEROS = np.array([[1.5, 0.0, 2.0, 0.0, -3.0], [0.0, 0.0, 1.0, 2.0, 3.0],
                  [2.0, -1.0, 0.5, 3.0, 0.0]], np.float32)
SPECIAL = np.array([[nan, 1.0, -inf, 0.0], [inf, 0.0, -2.0, 3.0], [0.0, 0.0, 0.0, 0.0]],
                   np.float32)
TIES = np.array([[3.0, -3.0, 1.0], [2.0, 2.0, -2.0]], np.float32)
HALVES = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 0.125, 1234.5678, -0.0, nan, inf], np.float32)
I = np.array([[7, -7, 3], [0, 5, -2]])

CASES = {
    # log1p
    "log1p": (lambda lib, x: lib.log1p(x.abs()), X),
    "log1p_method_special": (lambda lib, x: x.log1p(), SPECIAL),
    "log1p_edges": (lambda lib, x: lib.log1p(x), np.array([-1.0, -2.0, 1e-10, 0.0], np.float32)),
    "log1p_int": (lambda lib, x: lib.log1p(x.abs()), I),
    "log1p_0d_empty": (lambda lib, x, e: (lib.log1p(x.abs()), lib.log1p(e)), S, E),
    # round
    "round": (lambda lib, x: lib.round(x * 3), X),
    "round_half_to_even": (lambda lib, x: x.round(), HALVES),
    "round_decimals": (lambda lib, x: lib.round(x, decimals=2), HALVES),
    "round_negative_decimals": (lambda lib, x: x.round(decimals=-2) + lib.round(x * 1000,
                                                                               decimals=-1),
                                np.array([1250.0, 1350.0, -49.9, 0.3], np.float32)),
    "round_int": (lambda lib, x: lib.round(x), I),
    "round_0d": (lambda lib, x: lib.round(x), S),
    # divide
    "divide": (lambda lib, x, y: lib.divide(x, y), X, X[0] + 3),
    "divide_method_scalar": (lambda lib, x: x.divide(2.5) + lib.divide(2.0, x), X),
    "divide_floor": (lambda lib, x, y: lib.divide(x * 4, y, rounding_mode="floor"), X, X[0]),
    "divide_trunc": (lambda lib, x: x.divide(-0.3, rounding_mode="trunc"), X),
    "div_floor_is_the_same": (lambda lib, x: x.div(0.7, rounding_mode="floor"), X),
    "divide_int_true": (lambda lib, x: lib.divide(x, 2), I),
    "divide_int_floor": (lambda lib, x: lib.divide(x, 2, rounding_mode="floor"), I),
    # pow with a number base (torch.pow(Scalar, Tensor): RegNet's widths)
    "pow_number_base": (lambda lib, x: lib.pow(2.09, x) + lib.pow(x, 2), X),
    "pow_number_base_int": (lambda lib, x: lib.pow(2, x.abs()) + lib.pow(1.5, x), I),
    "divide_int_trunc": (lambda lib, x, y: x.divide(y, rounding_mode="trunc"), I, I[:1] * 2 - 3),
    "divide_float_by_zero": (lambda lib, x: (lib.divide(x, 0.0, rounding_mode="floor"),
                                             lib.divide(x, 0.0, rounding_mode="trunc")),
                             np.array([1.0, -1.0, 0.0], np.float32)),
    # diff
    "diff": (lambda lib, x: lib.diff(x), X),
    "diff_n2_dim0": (lambda lib, x: x.diff(n=2, dim=0), X),
    "diff_n0": (lambda lib, x: lib.diff(x, n=0), X),
    "diff_n_too_big": (lambda lib, x: lib.diff(x, n=9), X),
    "diff_prepend_append": (lambda lib, x, p, a: lib.diff(x, prepend=p, append=a), X, X[:, :1],
                            X[:, :2]),
    "diff_prepend_dim0_n3": (lambda lib, x, p: x.diff(3, -2, prepend=p), X, X3[0, :2]),
    "diff_promotes": (lambda lib, x, p: lib.diff(x, prepend=p.double()), X, X[:, :1]),
    "diff_special": (lambda lib, x: lib.diff(x), SPECIAL),
    "diff_int": (lambda lib, x: lib.diff(x, dim=0), I),
    "diff_bool": (lambda lib, x: lib.diff(x > 0), X),
    "diff_empty_size_one": (lambda lib, x, o: (lib.diff(x), lib.diff(o, dim=0)), E, ONE),
    # cumprod
    "cumprod": (lambda lib, x: lib.cumprod(x, 1), X),
    "cumprod_negative_dim": (lambda lib, x: x.cumprod(-2), X3),
    "cumprod_zeros": (lambda lib, x: lib.cumprod(x, 1), ZEROS),
    "cumprod_zeros_dim0": (lambda lib, x: x.cumprod(0), ZEROS),
    "cumprod_special": (lambda lib, x: lib.cumprod(x, 1), SPECIAL[:2]),
    "cumprod_0d": (lambda lib, x: lib.cumprod(x, 0), S),
    "cumprod_empty": (lambda lib, x: (lib.cumprod(x, 0), lib.cumprod(x, 1)), E),
    "cumprod_int_bool": (lambda lib, x: (lib.cumprod(x, 1), lib.cumprod(x > 0, 0)), I),
    "cumprod_dtype": (lambda lib, x: lib.cumprod(x, 0, dtype=lib.float64), X),
    # norm / linalg.vector_norm
    "norm_default": (lambda lib, x: lib.norm(x), X),
    "norm_method_dim": (lambda lib, x: x.norm(dim=1) + x.norm(2, 0).sum(), X),
    "norm_p1_keepdim": (lambda lib, x: x.norm(1, -1, True), X3),
    "norm_inf_ties": (lambda lib, x: (lib.norm(x, inf, 1), lib.norm(x, -inf, 1)), TIES),
    "norm_inf_all": (lambda lib, x: lib.norm(x, p=inf), TIES),
    "norm_p0": (lambda lib, x: lib.norm(x, 0, 1), ZEROS),
    "norm_float_p": (lambda lib, x: (x.norm(3.0), x.norm(0.5, 1), x.norm(1.5, 0), x.norm(-1)), X),
    "norm_fro_dims": (lambda lib, x: lib.norm(x, "fro", (0, 2)), X3),
    "norm_at_origin": (lambda lib, x: (lib.norm(x[2], 2), lib.norm(x[2], 1), x[2].norm(inf),
                                       x[2].norm(3), x[2].norm(1.5), x[2].norm(0.5)), SPECIAL),
    "norm_zero_row": (lambda lib, x: lib.norm(x, dim=1) + lib.norm(x, 3, dim=1), SPECIAL[1:]),
    "norm_nan_inf": (lambda lib, x: tuple(lib.norm(x[:2], p, 1) for p in (1, 2, 3, inf, -inf,
                                                                            0.5, 1.5)), SPECIAL),
    "norm_0d": (lambda lib, x: (lib.norm(x), x.norm(1, dim=0)), S),
    "norm_empty": (lambda lib, x: (lib.norm(x), lib.norm(x, 1, 0), lib.norm(x, inf, 1)), E),
    "norm_dtype": (lambda lib, x: lib.norm(x, 2, dtype=lib.float64), X),
    "norm_dim_empty_tuple": (lambda lib, x: lib.norm(x, dim=()), X),
    "vector_norm": (lambda lib, x: lib.linalg.vector_norm(x), X3),
    "vector_norm_ord_dims": (lambda lib, x: lib.linalg.vector_norm(x, ord=3, dim=(-1, 0),
                                                                   keepdim=True), X3),
    "vector_norm_inf": (lambda lib, x: lib.linalg.vector_norm(x, float("inf"), dim=0), TIES),
    # matrix norms: norm(p="nuc"/"fro") and linalg.matrix_norm
    "norm_nuc": (lambda lib, x: (lib.norm(x, "nuc"), x.norm(p="nuc", keepdim=True)), X),
    "norm_nuc_dims": (lambda lib, x: lib.norm(x, "nuc", dim=(2, 0)), X3),
    "norm_nuc_tall_and_batched": (lambda lib, x: lib.linalg.matrix_norm(x.transpose(1, 2),
                                                                        "nuc"), X3),
    "norm_fro_matrix": (lambda lib, x: (lib.norm(x, "fro"), lib.norm(x, p="fro", dim=(-1, 0))),
                        X3),
    "matrix_norm_orders": (lambda lib, x: tuple(lib.linalg.matrix_norm(x, o) for o in
                                                ("fro", 1, -1, inf, -inf)), X3),
    "matrix_norm_dims_keepdim": (lambda lib, x: tuple(
        lib.linalg.matrix_norm(x, o, dim=(-1, 0), keepdim=True) for o in ("nuc", 1, -inf)), X3),
    "matrix_norm_empty": (lambda lib, x: (lib.linalg.matrix_norm(x, "nuc"),
                                          lib.linalg.matrix_norm(x), lib.norm(x, "nuc")), E),
    "matrix_norm_dtype": (lambda lib, x: lib.linalg.matrix_norm(x, "nuc", dtype=lib.float64),
                          X),
    # einsum
    "einsum_matmul": (lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), X, X.T.copy()),
    "einsum_implicit": (lambda lib, a, b: lib.einsum("ij,jk", a, b), X, X.T.copy()),
    "einsum_list": (lambda lib, a, b: lib.einsum("ij,kj", [a, b]), X, X),
    "einsum_batch": (lambda lib, a, b: lib.einsum("bij,bjk->bik", a, b), X3,
                     X3.transpose(0, 2, 1).copy()),
    "einsum_trace_diag": (lambda lib, a: (lib.einsum("ii", a[:, :3]),
                                          lib.einsum("ii->i", a[:, :3])), X),
    "einsum_repeated_with_other": (lambda lib, a, b: lib.einsum("iij,j->i", a, b), X3[:, :2],
                                   X[0]),
    "einsum_sum_only_in_one": (lambda lib, a, b: lib.einsum("ij,k->ik", a, b), X, X[1]),
    "einsum_outer": (lambda lib, a, b: lib.einsum("i,j", a, b), X[0], X[1, :3]),
    "einsum_transpose": (lambda lib, a: lib.einsum("ba", a), X),
    "einsum_ellipsis": (lambda lib, a, b: lib.einsum("...j,j->...", a, b), X3, X[0]),
    "einsum_ellipsis_broadcast": (lambda lib, a, b: lib.einsum("...j,...j->...", a, b),
                                  X3[:, :1], X[:2]),
    "einsum_ellipsis_implicit": (lambda lib, a: lib.einsum("b...", a), X3),
    "einsum_size_one_broadcast": (lambda lib, a, b: lib.einsum("ab,ab->ab", a, b), ONE, X),
    "einsum_upper_case": (lambda lib, a, b: lib.einsum("iI,Ij", a, b), X, X.T.copy()),
    "einsum_0d": (lambda lib, a, b: (lib.einsum("", a), lib.einsum(",i->i", a, b)), S, X[0]),
    "einsum_empty": (lambda lib, a: (lib.einsum("ij->i", a), lib.einsum("ij->", a),
                                     lib.einsum("ij->j", a)), E),
    "einsum_int": (lambda lib, a, b: lib.einsum("i,i", a, b), I[0], I[1]),
    "einsum_spaces": (lambda lib, a, b: lib.einsum(" ij , jk -> ik ", a, b), X, X.T.copy()),
    # count_nonzero
    "count_nonzero": (lambda lib, x: (lib.count_nonzero(x), x.count_nonzero(0),
                                      lib.count_nonzero(x, (0, 1))), ZEROS),
    # remainder, fmod, floor_divide, lerp, logaddexp
    "remainder": (lambda lib, x, y: (lib.remainder(x * 4, y), x.remainder(-0.7)), X, X[0] + 3),
    "remainder_int": (lambda lib, i: (i.remainder(3), lib.remainder(i, -4), lib.remainder(7, i)),
                      I[:, :1] * 0 + 3),
    "fmod": (lambda lib, x, y: (lib.fmod(x * 4, y), x.fmod(-0.7)), X, X[0] + 3),
    "fmod_int": (lambda lib, i: i.fmod(3), I),
    "floor_divide_int": (lambda lib, i: (lib.floor_divide(i, 2), i.floor_divide(-3)), I),
    "lerp": (lambda lib, a, b, w: (lib.lerp(a, b, 0.3), a.lerp(b, w)), X, X * 2 + 1, X[0]),
    "logaddexp": (lambda lib, a, b: lib.logaddexp(a * 10, b * 10), X, X[::-1].copy()),
    "logaddexp_special": (lambda lib, a, b: a.logaddexp(b), SPECIAL, SPECIAL[:, ::-1].copy()),
    # dot, mv, outer, diag, trace
    "dot_mv_outer": (lambda lib, m, v, w: (lib.dot(v, w), m.mv(v), lib.outer(v, w), v.outer(w),
                                           lib.ger(v, w)), X, X[0], X[1]),
    "diag": (lambda lib, m, v: (lib.diag(m), m.diag(1), lib.diag(m, -1), lib.diag(m, 7),
                                v.diag(), lib.diag(v, 2), v.diag(-1)), X, X[0]),
    "trace": (lambda lib, m, i: (lib.trace(m), m.trace(), i.trace()), X, I),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name: str) -> None:
    fn, *arrays = CASES[name]
    compare(fn, *[np.asarray(a) for a in arrays])


def test_equal_isclose_allclose_match_pytorch() -> None:
    a = np.array([[1.0, nan, inf], [-inf, 0.0, 1e-9]], np.float32)
    b = np.array([[1.0 + 1e-7, nan, inf], [inf, 1e-12, 0.0]], np.float32)
    ints = np.array([15, 25, -15])
    for kwargs in ({}, {"equal_nan": True}, {"rtol": 0, "atol": 0}, {"rtol": 0.1, "atol": 0.5},
                   {"rtol": 0, "atol": 1e-6, "equal_nan": True}):
        for x, y in ((a, b), (a, a), (a, b[:1]), (ints, ints + 1), (ints > 0, ints > 20)):
            ours = mg.isclose(mg.tensor(x), mg.tensor(y), **kwargs)
            theirs = torch.isclose(torch.tensor(x), torch.tensor(y), **kwargs)
            assert ours.dtype == np.bool_ and ours.shape == tuple(theirs.shape)
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
            assert mg.tensor(x).isclose(mg.tensor(y), **kwargs).tolist() == theirs.tolist()
            got = mg.allclose(mg.tensor(x), mg.tensor(y), **kwargs)
            assert got is torch.allclose(torch.tensor(x), torch.tensor(y), **kwargs)
            assert mg.tensor(x).allclose(mg.tensor(y), **kwargs) is got
    for x, y in ((a, a), (a, b), (a, a[:1]), (ints, ints.astype(np.float32)), (ints, ints),
                 (np.zeros((0, 2)), np.zeros((0, 2))), (np.float32(2), np.float32(2))):
        assert mg.equal(mg.tensor(x), mg.tensor(y)) is torch.equal(torch.tensor(x),
                                                                    torch.tensor(y))


def test_rounding_modes_and_round_give_zero_gradients_as_pytorch() -> None:
    for lib in (mg, torch):
        x = lib.tensor([7.5, -7.5, 2.5], requires_grad=True)
        y = lib.divide(x, 2, rounding_mode="floor") + x.div(3, rounding_mode="trunc") \
            + lib.round(x, decimals=1) + x.round()
        assert y.requires_grad
        y.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_norm_gradient_at_the_origin_is_zero_as_pytorch() -> None:
    x = mg.zeros(3, dtype=mg.float64, requires_grad=True)
    (g,) = mg.grad(mg.linalg.vector_norm(x), x)
    assert g.tolist() == [0.0, 0.0, 0.0]
    assert mg.linalg.vector_norm is mg.functional.vector_norm


def _d(*shape: int, low: float = -2.0, high: float = 2.0) -> mg.Tensor:
    return mg.tensor(rng.uniform(low, high, size=shape), dtype=np.float64, requires_grad=True)


def _with_zeros() -> tuple[mg.Tensor]:
    data = rng.uniform(0.5, 2.0, size=(3, 5)) * rng.choice([-1, 1], size=(3, 5))
    data[0, 1] = data[0, 3] = data[1, 0] = data[2, 4] = 0.0
    return (mg.tensor(data, dtype=np.float64, requires_grad=True),)


def _away_from_zero(*shape: int) -> mg.Tensor:
    data = rng.uniform(0.3, 2.0, size=shape) * rng.choice([-1, 1], size=shape)
    return mg.tensor(data, dtype=np.float64, requires_grad=True)


# name -> (fn, input factory); every one is checked by gradcheck and gradgradcheck
GRADCHECK = {
    "log1p": (lambda a: a.log1p(), lambda: (_d(3, 2, low=-0.5),)),
    "round": (lambda a: mg.round(a * 10 + 0.25) + a, lambda: (_d(2, 3),)),
    "divide": (lambda a, b: mg.divide(a, b), lambda: (_d(2, 3), _d(3, low=0.5))),
    "divide_floor": (lambda a, b: a.divide(b, rounding_mode="floor") + a * b,
                     lambda: (_d(2, 3), _d(3, low=0.5))),
    "diff": (lambda a, p: mg.diff(a, 2, 0, prepend=p) ** 2, lambda: (_d(3, 2), _d(1, 2))),
    "cumprod": (lambda a: a.cumprod(1), lambda: (_away_from_zero(3, 4),)),
    "cumprod_with_zeros": (lambda a: mg.cumprod(a, 1), _with_zeros),
    "cumprod_with_zeros_dim0": (lambda a: mg.cumprod(a, 0), _with_zeros),
    "cumprod_0d": (lambda a: mg.cumprod(a, 0) * a, lambda: (_d(),)),
    "norm_2": (lambda a: a.norm(), lambda: (_d(3, 4),)),
    "norm_2_dim": (lambda a: mg.norm(a, 2, dim=1, keepdim=True), lambda: (_d(3, 4),)),
    "norm_1": (lambda a: a.norm(1, 0), lambda: (_away_from_zero(3, 4),)),
    "norm_inf": (lambda a: mg.norm(a, inf, 1), lambda: (_d(3, 4),)),
    "norm_minus_inf": (lambda a: mg.norm(a, -inf), lambda: (_d(3, 4),)),
    "norm_3": (lambda a: mg.linalg.vector_norm(a, 3, (0, 1)), lambda: (_d(2, 3, 2),)),
    "norm_1_5": (lambda a: a.norm(1.5, -1), lambda: (_away_from_zero(3, 4),)),
    "norm_0_5": (lambda a: a.norm(0.5), lambda: (_away_from_zero(3, 4),)),
    "norm_minus_2": (lambda a: a.norm(-2, 1), lambda: (_away_from_zero(2, 3),)),
    "norm_nuc": (lambda a: a.norm(p="nuc"), lambda: (_d(3, 4),)),
    "norm_nuc_tall": (lambda a: mg.norm(a, "nuc") ** 2, lambda: (_d(4, 2),)),
    "matrix_norm_nuc_batched_dims": (lambda a: mg.linalg.matrix_norm(a, "nuc", dim=(0, 2)),
                                     lambda: (_d(3, 2, 3),)),
    "matrix_norm_fro": (lambda a: mg.linalg.matrix_norm(a, keepdim=True), lambda: (_d(2, 3),)),
    "matrix_norm_1_inf": (lambda a: mg.linalg.matrix_norm(a, 1) * mg.linalg.matrix_norm(a, -inf),
                          lambda: (_away_from_zero(3, 4),)),
    "pow_number_base": (lambda a: mg.pow(2.09, a), lambda: (_d(2, 3),)),
    "einsum_matmul": (lambda a, b: mg.einsum("ij,jk->ik", a, b), lambda: (_d(2, 3), _d(3, 4))),
    "einsum_three": (lambda a, b, c: mg.einsum("bi,bij,j->b", a, b, c),
                     lambda: (_d(2, 3), _d(2, 3, 2), _d(2))),
    "einsum_trace": (lambda a: mg.einsum("ii", a), lambda: (_d(3, 3),)),
    "einsum_diag_with_other": (lambda a, b: mg.einsum("iij,jk->ik", a, b),
                               lambda: (_d(2, 2, 3), _d(3, 2))),
    "einsum_sum_only_in_one": (lambda a, b: mg.einsum("ij,k->ik", a, b),
                               lambda: (_d(2, 3), _d(4))),
    "einsum_ellipsis": (lambda a, b: mg.einsum("...ij,...j->...i", a, b),
                        lambda: (_d(2, 3, 2), _d(1, 2))),
    "einsum_broadcast_size_one": (lambda a, b: mg.einsum("ab,ab->a", a, b),
                                  lambda: (_d(1, 3), _d(2, 3))),
    "remainder_fmod": (lambda a, b: mg.remainder(a * 3, b) + a.fmod(b + 5),
                       lambda: (_d(2, 3), _away_from_zero(3))),
    "lerp": (lambda a, b, w: mg.lerp(a, b, w), lambda: (_d(2, 3), _d(2, 3), _d(3))),
    "logaddexp": (lambda a, b: a.logaddexp(b), lambda: (_d(2, 3), _d(3))),
    "dot_mv_outer": (lambda m, v, w: m.mv(v).sum() * mg.dot(v, w) + mg.outer(v, w).sum(),
                     lambda: (_d(2, 3), _d(3), _d(3))),
    "diag_trace": (lambda m, v: mg.diag(m, 1).sum() + mg.trace(m) + mg.diag(v, -1),
                   lambda: (_d(3, 4), _d(2))),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck_and_gradgradcheck(name: str) -> None:
    fn, make = GRADCHECK[name]
    assert mg.gradcheck(fn, make())
    assert mg.gradgradcheck(fn, make())


def test_cumprod_second_derivative_with_zeros_matches_pytorch() -> None:
    (x,) = _with_zeros()
    t = torch.tensor(x.detach().numpy(), requires_grad=True)
    w = rng.standard_normal((3, 5))
    v = rng.standard_normal((3, 5))
    ours = mg.grad((mg.grad((x.cumprod(1) * mg.tensor(w)).sum(), x, create_graph=True)[0]
                    * mg.tensor(v)).sum(), x)[0]
    theirs = torch.autograd.grad((torch.autograd.grad((t.cumprod(1) * torch.tensor(w)).sum(),
                                                      t, create_graph=True)[0]
                                  * torch.tensor(v)).sum(), t)[0]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)


BAD = [
    (lambda lib: lib.equal(lib.ones(2), 1), TypeError, ["equal", "other"]),
    (lambda lib: lib.isclose(lib.ones(2), lib.ones(2, dtype=lib.float64)), RuntimeError,
     ["isclose", "float32", "float64"]),
    (lambda lib: lib.isclose(lib.ones(2), 1.0), TypeError, ["isclose", "other"]),
    (lambda lib: lib.isclose(lib.ones(2), lib.ones(2), rtol=-1), RuntimeError,
     ["isclose", "rtol", "-1"]),
    (lambda lib: lib.allclose(lib.ones(2), lib.ones(2), atol=-1), RuntimeError,
     ["isclose", "atol"]),
    (lambda lib: lib.allclose(lib.ones(2, 3), lib.ones(3, 3)), RuntimeError,
     ["isclose", "(2, 3)", "(3, 3)"]),
    (lambda lib: lib.round(lib.tensor([15]), decimals=-1), NotImplementedError,
     ["round", "int64", "-1"]),
    (lambda lib: lib.round(lib.ones(2), decimals=1.5), TypeError, ["round", "decimals"]),
    (lambda lib: lib.divide(lib.ones(2), 2, rounding_mode="round"), RuntimeError,
     ["div", "rounding_mode", "round"]),
    (lambda lib: lib.divide(lib.tensor([1, 2]), 0, rounding_mode="floor"), RuntimeError,
     ["div", "ZeroDivisionError"]),
    (lambda lib: lib.diff(lib.ones(2, 3), n=-1), RuntimeError, ["diff", "-1"]),
    (lambda lib: lib.diff(lib.tensor(1.0)), RuntimeError, ["diff", "one-dimensional"]),
    (lambda lib: lib.diff(lib.ones(2, 3), prepend=lib.tensor(1.0)), RuntimeError,
     ["diff", "prepend"]),
    (lambda lib: lib.diff(lib.ones(2, 3), prepend=lib.ones(3, 1)), RuntimeError,
     ["diff", "size(0) = 2", "size(0) = 3"]),
    (lambda lib: lib.diff(lib.ones(2, 3), prepend=1.0), TypeError, ["diff", "prepend"]),
    (lambda lib: lib.cumprod(lib.ones(2, 3), 2), IndexError, ["cumprod", "2"]),
    (lambda lib: lib.norm(lib.tensor([1, 2])), RuntimeError, ["vector_norm", "int64"]),
    (lambda lib: lib.norm(lib.ones(2, 3), p="foo"), RuntimeError, ["norm", "foo"]),
    (lambda lib: lib.norm(lib.ones(2, 2, 2), p="fro", dim=(0, 1, 2)), RuntimeError,
     ["norm", "fro", "(0, 1, 2)"]),
    (lambda lib: lib.norm(lib.ones(2, 3), 2, (0, 0)), RuntimeError, ["norm", "0"]),
    (lambda lib: lib.norm(lib.zeros(0), inf), RuntimeError, ["vector_norm", "inf", "empty"]),
    (lambda lib: lib.norm(lib.zeros(0, 3), -1, 0), RuntimeError, ["vector_norm", "-1",
                                                                  "empty"]),
    (lambda lib: lib.linalg.vector_norm(lib.ones(2), ord="fro"), TypeError,
     ["vector_norm", "ord"]),
    (lambda lib: lib.norm(lib.ones(3), p="nuc"), RuntimeError, ["matrix_norm", "2-D", "(3,)"]),
    (lambda lib: lib.norm(lib.ones(2, 3, 4), p="nuc"), RuntimeError, ["matrix_norm", "2-D"]),
    (lambda lib: lib.norm(lib.ones(2, 3, 4), p="nuc", dim=(0, 5)), IndexError,
     ["matrix_norm", "5"]),
    (lambda lib: lib.linalg.matrix_norm(lib.ones(3), "nuc"), RuntimeError,
     ["matrix_norm", "at least 2 dimensions"]),
    (lambda lib: lib.linalg.matrix_norm(lib.ones(3, 3), "foo"), RuntimeError,
     ["matrix_norm", "Order foo not supported"]),
    (lambda lib: lib.linalg.matrix_norm(lib.ones(3, 3), 3), RuntimeError,
     ["matrix_norm", "Order 3 not supported"]),
    (lambda lib: lib.linalg.matrix_norm(lib.ones(3, 3), dim=(0, -2)), RuntimeError,
     ["matrix_norm", "dims must be different"]),
    (lambda lib: lib.linalg.matrix_norm(lib.ones(2, 3, 3), dim=(0, 1, 2)), RuntimeError,
     ["matrix_norm", "2-tuple"]),
    (lambda lib: lib.linalg.matrix_norm(lib.ones(3, 3, dtype=lib.int64)), RuntimeError,
     ["matrix_norm", "floating point", "int64"]),
    (lambda lib: lib.linalg.matrix_norm(lib.tensor([[nan, 1.0], [1.0, 1.0]]), "nuc"),
     RuntimeError, ["svd", "non-finite"]),
    (lambda lib: lib.einsum("ij->jj", lib.ones(2, 2)), RuntimeError, ["einsum", "j", "more"]),
    (lambda lib: lib.einsum("ij,jk", lib.ones(2, 3), lib.ones(4, 4)), RuntimeError,
     ["einsum", "j", "4", "3"]),
    (lambda lib: lib.einsum("ij,jk", lib.ones(2, 3)), RuntimeError, ["einsum", "fewer"]),
    (lambda lib: lib.einsum("ij", lib.ones(2, 3), lib.ones(3)), RuntimeError,
     ["einsum", "more"]),
    (lambda lib: lib.einsum("ij,jk", lib.ones(2, 3), lib.ones(3, 4, dtype=lib.float64)),
     RuntimeError, ["einsum", "float32", "float64"]),
    (lambda lib: lib.einsum("ij->k", lib.ones(2, 3)), RuntimeError, ["einsum", "k"]),
    (lambda lib: lib.einsum("ijk", lib.ones(2, 3)), RuntimeError, ["einsum", "3", "2"]),
    (lambda lib: lib.einsum("i1->i", lib.ones(2, 2)), RuntimeError, ["einsum", "index 1"]),
    (lambda lib: lib.dot(lib.ones(3), lib.ones(4)), RuntimeError, ["dot", "[3]", "[4]"]),
    (lambda lib: lib.dot(lib.ones(2, 3), lib.ones(3)), RuntimeError, ["dot", "1D", "(2, 3)"]),
    (lambda lib: lib.dot(lib.ones(3), lib.ones(3, dtype=lib.float64)), RuntimeError,
     ["matmul", "float32", "float64"]),
    (lambda lib: lib.mv(lib.ones(2, 3), lib.ones(4)), RuntimeError, ["mv", "(2, 3)", "(4,)"]),
    (lambda lib: lib.outer(lib.ones(2, 1), lib.ones(3)), RuntimeError, ["outer", "(2, 1)"]),
    (lambda lib: lib.diag(lib.ones(2, 2, 2)), RuntimeError, ["diag", "1D or 2D", "(2, 2, 2)"]),
    (lambda lib: lib.trace(lib.ones(3)), RuntimeError, ["trace", "matrix", "(3,)"]),
    (lambda lib: lib.lerp(lib.ones(2), lib.ones(2, dtype=lib.float64), 0.5), RuntimeError,
     ["lerp", "float32", "float64"]),
]


@pytest.mark.parametrize("case", range(len(BAD)))
def test_bad_calls_raise_pytorchs_exception_type_with_a_clear_message(case: int) -> None:
    call, kind, words = BAD[case]
    with pytest.raises(kind):
        call(torch)
    with pytest.raises(kind) as info:
        call(mg)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


FLOAT_OF_INTEGERS = ["exp", "log", "sqrt", "tanh", "sin", "cos", "tan", "sinh", "cosh",
                     "reciprocal", "rsqrt", "log2", "log10", "asin", "acos", "atan", "expm1"]


@pytest.mark.parametrize("values", [[1, 2, 4], [True, False, True]])
@pytest.mark.parametrize("name", FLOAT_OF_INTEGERS)
def test_an_integer_input_is_computed_in_the_default_float_dtype(name: str, values) -> None:
    """PyTorch's rule (numpy's would give float64, or float16 for bool); the flat functions
    keep an integer dtype."""
    out = getattr(mg.tensor(values), name)()
    assert out.dtype == mg.get_default_dtype()
    with np.errstate(all="ignore"):
        expected = getattr(mg.tensor(values, dtype=mg.float32), name)().numpy()
    np.testing.assert_array_equal(out.numpy(), expected)
    for flat in ("floor", "ceil", "trunc", "sign"):
        assert getattr(mg.tensor([3, -2]), flat)().dtype == np.int64
    np.testing.assert_array_equal(mg.sign(mg.tensor([3, 0, -2])).numpy(), [1, 0, -1])
