"""minigrad.linalg's systems, determinants, decompositions and matrix functions against
PyTorch: values and gradients on random well-conditioned matrices (batched, 0x0 and 1x1,
float32 and float64), gauge-invariant losses for the decompositions whose factors are
unique only up to signs, gradcheck and gradgradcheck in float64, and the errors."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import pytest

import minigrad as mg
from minigrad.gradcheck import gradcheck, gradgradcheck

TOL = {np.float64: (1e-7, 1e-9), np.float32: (2e-4, 2e-5)}
DTYPES = (np.float64, np.float32)


def _general(shape: tuple, seed: int = 0) -> np.ndarray:
    """Random square matrices, well conditioned (a multiple of the identity added)."""
    rng = np.random.default_rng(seed)
    n = shape[-1]
    return rng.standard_normal(shape) + (n + 1) * np.eye(n) if n else np.zeros(shape)


def _spd(shape: tuple, seed: int = 0) -> np.ndarray:
    """Random symmetric positive-definite matrices."""
    x = np.random.default_rng(seed).standard_normal(shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


def _rect(shape: tuple, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


def _flat(out: object) -> list:
    return list(out) if isinstance(out, tuple) else [out]


def _compare(torch, fn: Callable, arrays: list, dtype: type, grad: bool = True) -> None:
    """``fn(lib, *tensors)`` run on minigrad and on PyTorch: outputs' shape, dtype and values,
    then the gradient of a weighted sum of the float outputs w.r.t. every input."""
    rtol, atol = TOL.get(dtype, (0, 0))
    xs = [mg.tensor(a.astype(dtype), requires_grad=grad) for a in arrays]
    ts = [torch.tensor(a.astype(dtype), requires_grad=grad) for a in arrays]
    outs, touts = _flat(fn(mg, *xs)), _flat(fn(torch, *ts))
    assert len(outs) == len(touts)
    for o, t in zip(outs, touts):
        assert tuple(o.shape) == tuple(t.shape), (o.shape, t.shape)
        assert str(o.dtype) == str(t.dtype).replace("torch.", ""), (o.dtype, t.dtype)
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
    if grad:
        _compare_grads(torch, outs, touts, xs, ts, dtype, rtol * 10, atol * 10)


def _differentiable(t: mg.Tensor) -> bool:
    return t.dtype.kind == "f" and t.requires_grad


def _compare_grads(torch, outs: list, touts: list, xs: list, ts: list, dtype: type,  # noqa: ANN001
                   rtol: float, atol: float) -> None:
    """The gradients of one random weighting of the differentiable outputs, on both sides."""
    rng = np.random.default_rng(1)
    pairs = [(o, t) for o, t in zip(outs, touts) if _differentiable(o)]
    if not pairs:
        return
    weights = [rng.standard_normal(o.shape).astype(dtype) for o, _ in pairs]
    loss_m = sum((o * mg.tensor(w)).sum() for (o, _), w in zip(pairs, weights))
    loss_t = sum((t * torch.tensor(w)).sum() for (_, t), w in zip(pairs, weights))
    gm = mg.autograd.grad(loss_m, xs, allow_unused=True)
    gt = torch.autograd.grad(loss_t, ts, allow_unused=True)
    for a, b in zip(gm, gt):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=rtol, atol=atol)


def _gradchecks(fn: Callable, arrays: list) -> None:
    xs = [mg.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    assert gradcheck(lambda *t: fn(mg, *t), xs)
    assert gradgradcheck(lambda *t: fn(mg, *t), xs)


# ----------------------------------------------------------------------------- cholesky and
# triangular solves first: the distributions build on them

SHAPES = [(3, 3), (2, 4, 4), (1, 1), (0, 0), (2, 0, 0)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_matches_pytorch(torch, dtype: type, shape: tuple, upper: bool) -> None:
    a = _spd(shape)
    _compare(torch, lambda L, A: L.linalg.cholesky(A, upper=upper), [a], dtype)


def test_cholesky_reads_one_triangle_and_its_gradient_is_symmetric_as_pytorchs(torch) -> None:
    a = _spd((3, 3))
    a[0, 2] = 100.0  # outside the lower triangle: ignored
    _compare(torch, lambda L, A: L.linalg.cholesky(A), [a], np.float64)
    _compare(torch, lambda L, A: L.linalg.cholesky(A, upper=True), [a.T.copy()], np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular_matches_pytorch(torch, dtype: type, upper: bool, left: bool,
                                          unit: bool) -> None:
    a = _general((2, 4, 4))
    b = _rect((2, 4, 3) if left else (2, 3, 4), 1)
    _compare(torch, lambda L, A, B: L.linalg.solve_triangular(A, B, upper=upper, left=left,
                                                              unitriangular=unit), [a, b], dtype)


def test_solve_triangular_broadcasts_and_takes_empty_and_singular(torch) -> None:
    _compare(torch, lambda L, A, B: L.linalg.solve_triangular(A, B, upper=False),
             [_general((4, 4)), _rect((3, 4, 2))], np.float64)
    _compare(torch, lambda L, A, B: L.linalg.solve_triangular(A, B, upper=True),
             [_general((0, 0)), _rect((0, 2))], np.float64)
    a = np.triu(np.ones((3, 3)))
    a[1, 1] = 0.0  # singular: inf/NaN, no error, as LAPACK
    out = mg.linalg.solve_triangular(mg.tensor(a), mg.ones(3, 1, dtype=mg.float64), upper=True)
    ref = torch.linalg.solve_triangular(torch.tensor(a), torch.ones(3, 1, dtype=torch.float64),
                                        upper=True)
    np.testing.assert_array_equal(np.isfinite(out.numpy()), np.isfinite(ref.numpy()))


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("transpose", [False, True])
def test_triangular_solve_old_form_matches_pytorch(torch, upper: bool, transpose: bool) -> None:
    def fn(L, B, A):  # noqa: N803
        if L is torch:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # deprecated there
                return tuple(torch.triangular_solve(B, A, upper, transpose))
        return tuple(L.triangular_solve(B, A, upper, transpose))

    _compare(torch, fn, [_rect((2, 3, 2)), _general((2, 3, 3))], np.float64)
    assert isinstance(mg.triangular_solve(mg.ones(2, 1), mg.eye(2)), tuple)
    assert mg.triangular_solve(mg.ones(2, 1), mg.eye(2))._fields == ("solution",
                                                                       "cloned_coefficient")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_matches_pytorch(torch, dtype: type, upper: bool) -> None:
    factor = np.linalg.cholesky(_spd((2, 3, 3)))
    factor = np.swapaxes(factor, -1, -2).copy() if upper else factor
    _compare(torch, lambda L, B, F: L.cholesky_solve(B, F, upper), [_rect((2, 3, 2)), factor],
             dtype)


# ----------------------------------------------------------------------------- inv, solve, det

SQUARE = [(3, 3), (2, 3, 3), (2, 1, 4, 4), (1, 1), (0, 0), (3, 0, 0)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SQUARE)
@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "matrix_exp"])
def test_square_matrix_functions_match_pytorch(torch, dtype: type, shape: tuple,
                                               name: str) -> None:
    _compare(torch, lambda L, A: getattr(L.linalg, name)(A), [_general(shape) / 3], dtype)


@pytest.mark.parametrize("name", ["inverse", "det", "logdet", "slogdet", "matrix_exp"])
def test_top_level_aliases_and_methods_match_pytorch(torch, name: str) -> None:
    a = _spd((2, 3, 3)) / 3
    _compare(torch, lambda L, A: getattr(L, name)(A), [a], np.float64)
    _compare(torch, lambda L, A: getattr(A, name)(), [a], np.float64)


def test_logdet_of_negative_and_singular_determinants_as_pytorch(torch) -> None:
    a = -_spd((3, 3))
    _compare(torch, lambda L, A: L.logdet(A), [a], np.float64)
    _compare(torch, lambda L, A: L.logdet(A), [np.zeros((2, 2))], np.float64, grad=False)


@pytest.mark.parametrize("a", [[[1.0, 2.0], [2.0, 4.0]], [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0],
                               [0.5, 1.0, 1.0]], np.zeros((2, 2)), np.zeros((3, 3))])
def test_det_gradient_at_singular_matrices_is_the_cofactors(torch, a: list) -> None:
    """PyTorch's formula there (the cofactors through the SVD), which PyTorch itself takes
    under create_graph=True (its plain backward gives zeros: docs/faq.md)."""
    x = mg.tensor(np.array(a), requires_grad=True)
    t = torch.tensor(np.array(a), requires_grad=True)
    (gm,) = mg.autograd.grad(mg.linalg.det(x), [x])
    (gt,) = torch.autograd.grad(torch.linalg.det(t), [t], create_graph=True)
    np.testing.assert_allclose(gm.numpy(), gt.detach().numpy(), atol=1e-12)


VECTOR_CASES = [((3, 3), (3,)), ((2, 3, 3), (2, 3)), ((2, 3, 3), (3,)), ((3, 3), (3, 2)),
                ((2, 3, 3), (3, 2)), ((3, 3), (4, 3, 1)), ((1, 1), (1,)), ((0, 0), (0,))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", VECTOR_CASES)
def test_solve_matches_pytorch_with_its_vector_rule(torch, dtype: type, shapes: tuple) -> None:
    a, b = _general(shapes[0]), _rect(shapes[1], 2)
    _compare(torch, lambda L, A, B: L.linalg.solve(A, B), [a, b], dtype)


def test_solve_from_the_right_matches_pytorch(torch) -> None:
    _compare(torch, lambda L, A, B: L.linalg.solve(A, B, left=False),
             [_general((2, 3, 3)), _rect((2, 4, 3))], np.float64)


def test_inv_ex_reports_singular_matrices(torch) -> None:
    a = np.stack([_general((2, 2)), np.zeros((2, 2))])
    out = mg.linalg.inv_ex(mg.tensor(a))
    ref = torch.linalg.inv_ex(torch.tensor(a))
    np.testing.assert_array_equal(out.info.numpy() != 0, ref.info.numpy() != 0)
    np.testing.assert_allclose(out.inverse.numpy()[0], ref.inverse.numpy()[0])
    with pytest.raises(mg.linalg.LinAlgError):
        mg.linalg.inv_ex(mg.tensor(a), check_errors=True)


# ----------------------------------------------------------------------------- decompositions


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 4, 2), (1, 1), (0, 0)])
@pytest.mark.parametrize("mode", ["reduced", "complete"])
def test_qr_matches_pytorch(torch, dtype: type, shape: tuple, mode: str) -> None:
    a = _rect(shape) + np.eye(*shape[-2:])
    grad = not (mode == "complete" and shape[-2] > shape[-1])
    _compare(torch, lambda L, A: tuple(L.linalg.qr(A, mode)), [a], dtype, grad=grad)


def test_qr_mode_r_and_the_gradients_pytorch_refuses(torch) -> None:
    a = _rect((4, 3))
    q, r = mg.linalg.qr(mg.tensor(a), mode="r")
    assert q.shape == (0,)
    np.testing.assert_allclose(r.numpy(), torch.linalg.qr(torch.tensor(a), mode="r").R.numpy())
    x = mg.tensor(a, requires_grad=True)
    with pytest.raises(RuntimeError, match="linalg.qr: The derivative of linalg.qr depends on Q"):
        mg.linalg.qr(x, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="linalg.qr: The QR decomposition is not diff"):
        mg.linalg.qr(x, mode="complete").Q.sum().backward()


def _eigh_invariant(L, A, uplo="L"):  # noqa: ANN001, ANN202, N803
    w, v = L.linalg.eigh(A, uplo)
    c = L.arange(1, A.shape[-1] + 1, dtype=A.dtype)
    return w, (v * c) @ v.mT, v.abs()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1), (0, 0)])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh_matches_pytorch_on_gauge_invariant_quantities(torch, dtype: type, shape: tuple,
                                                            uplo: str) -> None:
    a = _rect(shape)  # not symmetric: only one triangle is read
    _compare(torch, lambda L, A: _eigh_invariant(L, A, uplo), [a], dtype)
    _compare(torch, lambda L, A: L.linalg.eigvalsh(A, uplo), [a], dtype)


def test_eigvalsh_gradient_is_defined_for_repeated_eigenvalues(torch) -> None:
    _compare(torch, lambda L, A: L.linalg.eigvalsh(A), [np.eye(3)], np.float64)


def _svd_invariant(L, A, full):  # noqa: ANN001, ANN202, N803
    u, s, vh = L.linalg.svd(A, full_matrices=full)
    k = s.shape[-1]
    c = L.arange(1, k + 1, dtype=A.dtype)
    return s, (u[..., :k] * c) @ vh[..., :k, :], u[..., :k] @ vh[..., :k, :] if k else s


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 4, 2), (1, 1), (0, 0), (0, 3)])
@pytest.mark.parametrize("full", [False, True])
def test_svd_matches_pytorch_on_gauge_invariant_quantities(torch, dtype: type, shape: tuple,
                                                           full: bool) -> None:
    _compare(torch, lambda L, A: _svd_invariant(L, A, full), [_rect(shape)], dtype)
    out = mg.linalg.svd(mg.tensor(_rect(shape)), full_matrices=full)
    ref = torch.linalg.svd(torch.tensor(_rect(shape)), full_matrices=full)
    assert [tuple(t.shape) for t in out] == [tuple(t.shape) for t in ref]
    _compare(torch, lambda L, A: L.linalg.svdvals(A), [_rect(shape)], dtype)


def test_torch_svd_returns_v_and_its_options(torch) -> None:
    a = _rect((4, 3))
    for some in (True, False):
        u, s, v = mg.svd(mg.tensor(a), some=some)
        tu, ts, tv = torch.svd(torch.tensor(a), some=some)
        assert u.shape == tuple(tu.shape) and v.shape == tuple(tv.shape)
        np.testing.assert_allclose((u[:, :3] * s @ v[:, :3].mT).numpy(), a, atol=1e-12)
    u, s, v = mg.svd(mg.tensor(a), compute_uv=False)
    assert u.shape == (4, 4) and v.shape == (3, 3) and not u.numpy().any()
    np.testing.assert_allclose(s.numpy(), torch.svd(torch.tensor(a)).S.numpy())


def test_svdvals_gradient_is_defined_for_repeated_singular_values(torch) -> None:
    _compare(torch, lambda L, A: L.linalg.svdvals(A), [np.eye(3)], np.float64)
    _compare(torch, lambda L, A: L.linalg.matrix_norm(A, "nuc"), [np.eye(3)[:, :2]], np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 4, 2), (0, 0)])
def test_pinv_matches_pytorch(torch, dtype: type, shape: tuple) -> None:
    _compare(torch, lambda L, A: L.linalg.pinv(A), [_rect(shape) + np.eye(*shape[-2:])], dtype)
    _compare(torch, lambda L, A: L.pinverse(A), [_rect(shape) + np.eye(*shape[-2:])], dtype)


def test_pinv_hermitian_and_rank_deficient_match_pytorch(torch) -> None:
    _compare(torch, lambda L, A: L.linalg.pinv(A, hermitian=True), [_spd((2, 3, 3))],
             np.float64)
    low = _rect((4, 2)) @ _rect((2, 3), 1)  # rank 2
    _compare(torch, lambda L, A: L.linalg.pinv(A), [low], np.float64)
    _compare(torch, lambda L, A: L.linalg.matrix_rank(A), [low], np.float64, grad=False)


@pytest.mark.parametrize("kwargs", [{}, {"atol": 1.0}, {"rtol": 0.5}, {"hermitian": True}])
def test_matrix_rank_matches_pytorch(torch, kwargs: dict) -> None:
    a = np.stack([_spd((3, 3)), np.diag([3.0, 0.9, 0.0]), np.zeros((3, 3))])
    _compare(torch, lambda L, A: L.linalg.matrix_rank(A, **kwargs), [a], np.float64, grad=False)


@pytest.mark.parametrize("driver", [None, "gels", "gelsd", "gelss", "gelsy"])
@pytest.mark.parametrize("shapes", [((5, 3), (5, 2)), ((2, 5, 3), (2, 5, 2)), ((5, 3), (5,)),
                                    ((3, 5), (3, 2))])
def test_lstsq_matches_pytorch(torch, driver: str | None, shapes: tuple) -> None:
    a, b = _rect(shapes[0]), _rect(shapes[1], 3)
    if driver == "gels" and shapes[0][-2] < shapes[0][-1]:
        return  # gels needs full column rank for a least-norm answer; PyTorch's differs
    _compare(torch, lambda L, A, B: tuple(L.linalg.lstsq(A, B, driver=driver)), [a, b],
             np.float64)


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, math.inf, -math.inf])
def test_cond_matches_pytorch(torch, p: object) -> None:
    grad = p in (None, 2, -2)  # PyTorch's backward of the others fails (an in-place error)
    _compare(torch, lambda L, A: L.linalg.cond(A, p), [_general((2, 3, 3))], np.float64, grad)
    _compare(torch, lambda L, A: L.linalg.cond(A, p), [np.zeros((2, 2))], np.float64, False)


# ----------------------------------------------------------------------------- matrix functions


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6, -1, -3])
def test_matrix_power_matches_pytorch(torch, n: int) -> None:
    _compare(torch, lambda L, A: L.linalg.matrix_power(A, n), [_general((2, 3, 3)) / 4],
             np.float64)
    _compare(torch, lambda L, A: L.matrix_power(A, n), [_general((3, 3)) / 4], np.float32)
    _compare(torch, lambda L, A: A.matrix_power(n), [_general((3, 3)) / 4], np.float64)


def test_matrix_power_of_integers_as_pytorch(torch) -> None:
    a = np.array([[1, 2], [3, 4]])
    assert np.array_equal(mg.linalg.matrix_power(mg.tensor(a), 3).numpy(),
                          torch.linalg.matrix_power(torch.tensor(a), 3).numpy())


@pytest.mark.parametrize("scale", [1e-3, 1.0, 30.0])
def test_matrix_exp_over_scales_matches_pytorch(torch, scale: float) -> None:
    a = _rect((2, 4, 4)) * scale / 4
    _compare(torch, lambda L, A: L.linalg.matrix_exp(A), [a], np.float64)
    a = np.array([[0.0, 1.0], [-1.0, 0.0]]) * scale  # a rotation: exact answer cos/sin
    out = mg.linalg.matrix_exp(mg.tensor(a)).numpy()
    np.testing.assert_allclose(out, [[math.cos(scale), math.sin(scale)],
                                     [-math.sin(scale), math.cos(scale)]], atol=1e-12)


@pytest.mark.parametrize("shapes", [[(3,), (3, 4), (4,)], [(2, 3), (3, 4), (4, 5), (5, 2)],
                                    [(3,), (3,)], [(2, 3), (3,)]])
def test_multi_dot_and_chain_matmul_match_pytorch(torch, shapes: list) -> None:
    arrays = [_rect(s, i) for i, s in enumerate(shapes)]
    _compare(torch, lambda L, *ts: L.linalg.multi_dot(ts), arrays, np.float64)
    if all(len(s) == 2 for s in shapes):
        _compare(torch, lambda L, *ts: L.chain_matmul(*ts), arrays, np.float64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_vander_both_conventions_match_pytorch(torch, dtype: type) -> None:
    x = np.array([[1, 2, 3], [-1, 0, 2]]).astype(dtype)
    grad = dtype != np.int64
    _compare(torch, lambda L, X: L.linalg.vander(X), [x], dtype, grad=grad)
    _compare(torch, lambda L, X: L.linalg.vander(X, N=5), [x], dtype, grad=grad)
    # torch.vander's own backward fails (an in-place error): its values only
    _compare(torch, lambda L, X: L.vander(X[0], 4, True), [x], dtype, grad=False)
    _compare(torch, lambda L, X: L.vander(X[0]), [x], dtype, grad=False)


def test_vecdot_vdot_diagonal_matmul_match_pytorch(torch) -> None:
    _compare(torch, lambda L, X, Y: L.linalg.vecdot(X, Y), [_rect((2, 3)), _rect((3,), 1)],
             np.float64)
    _compare(torch, lambda L, X, Y: L.linalg.vecdot(X, Y, dim=0),
             [_rect((3, 2)), _rect((3, 1), 1)], np.float64)
    _compare(torch, lambda L, X, Y: L.vdot(X, Y), [_rect((4,)), _rect((4,), 1)], np.float32)
    _compare(torch, lambda L, X: L.linalg.diagonal(X, offset=1), [_rect((2, 3, 4))], np.float64)
    _compare(torch, lambda L, X, Y: L.linalg.matmul(X, Y), [_rect((2, 3, 4)), _rect((4,), 1)],
             np.float64)


NORM_CASES = [
    ((3, 4), {}), ((2, 3, 4), {}), ((4,), {"ord": 1}), ((4,), {"ord": math.inf}),
    ((3, 4), {"ord": "fro"}), ((3, 4), {"ord": "nuc"}), ((3, 4), {"ord": 1}),
    ((3, 4), {"ord": -math.inf}), ((2, 3, 4), {"dim": (0, 2)}),
    ((2, 3, 4), {"ord": math.inf, "dim": (2, 0), "keepdim": True}),
    ((2, 3, 4), {"ord": 3, "dim": 1}), ((2, 3, 4), {"dim": -1, "keepdim": True}),
    ((2, 3, 4), {"ord": "nuc", "dim": (-1, -2)}), ((0, 3), {"ord": "fro"}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "kwargs"), NORM_CASES)
def test_linalg_norm_matches_pytorch(torch, dtype: type, shape: tuple, kwargs: dict) -> None:
    _compare(torch, lambda L, A: L.linalg.norm(A, **kwargs), [_rect(shape)], dtype)


def test_spectral_matrix_norms_are_the_extreme_singular_values() -> None:
    """ord 2 and -2 of a matrix, once refused, are svdvals' largest and smallest (compared
    with PyTorch, gradients included, in tests/test_nn_linalg_extras.py)."""
    a = mg.tensor(_rect((3, 4)))
    s = mg.linalg.svdvals(a)
    assert mg.linalg.norm(a, ord=2).item() == s.max().item()
    assert mg.linalg.norm(a, ord=-2).item() == s.min().item()


# ----------------------------------------------------------------------------- gradcheck

GRADCHECKS = {
    "cholesky": (lambda L, A: L.linalg.cholesky(A @ A.mT + 3 * L.eye(3, dtype=A.dtype)),
                 [_rect((2, 3, 3))]),
    "cholesky_upper": (lambda L, A: L.linalg.cholesky(A @ A.mT + 3 * L.eye(3, dtype=A.dtype),
                                                      upper=True), [_rect((3, 3))]),
    "solve_triangular": (lambda L, A, B: L.linalg.solve_triangular(A, B, upper=True),
                         [_general((3, 3)), _rect((3, 2))]),
    "solve_triangular_unit_right": (
        lambda L, A, B: L.linalg.solve_triangular(A, B, upper=False, left=False,
                                                  unitriangular=True),
        [_general((3, 3)), _rect((2, 3))]),
    "cholesky_solve": (lambda L, B, F: L.cholesky_solve(B, F.tril() + 3 * L.eye(3,
                       dtype=F.dtype)), [_rect((3, 2)), _rect((3, 3), 1)]),
    "inv": (lambda L, A: L.linalg.inv(A), [_general((2, 3, 3))]),
    "solve": (lambda L, A, B: L.linalg.solve(A, B), [_general((2, 3, 3)), _rect((3,))]),
    "det": (lambda L, A: L.linalg.det(A), [_general((2, 3, 3))]),
    "det_singular": (lambda L, A: L.linalg.det(A), [np.array([[1.0, 2.0], [2.0, 4.0]])]),
    "slogdet": (lambda L, A: L.linalg.slogdet(A).logabsdet, [_general((3, 3))]),
    "qr": (lambda L, A: tuple(L.linalg.qr(A)), [_rect((4, 3)) + np.eye(4, 3)]),
    "qr_wide": (lambda L, A: tuple(L.linalg.qr(A)), [_rect((2, 4)) + np.eye(2, 4)]),
    "eigh": (lambda L, A: _eigh_invariant(L, A + A.mT)[:2], [_rect((3, 3))]),
    "svd": (lambda L, A: _svd_invariant(L, A, True)[:2], [_rect((4, 3))]),
    "svd_wide": (lambda L, A: _svd_invariant(L, A, False)[:2], [_rect((2, 3))]),
    "pinv": (lambda L, A: L.linalg.pinv(A), [_rect((4, 3))]),
    "pinv_wide": (lambda L, A: L.linalg.pinv(A), [_rect((2, 3))]),
    "lstsq": (lambda L, A, B: L.linalg.lstsq(A, B).solution, [_rect((4, 2)), _rect((4, 2), 1)]),
    "cond": (lambda L, A: L.linalg.cond(A), [_general((3, 3))]),
    "matrix_exp": (lambda L, A: L.linalg.matrix_exp(A), [_rect((2, 3, 3))]),
    "matrix_power": (lambda L, A: L.linalg.matrix_power(A, -2), [_general((3, 3))]),
    "eigvalsh": (lambda L, A: L.linalg.eigvalsh(A + A.mT), [_rect((2, 3, 3))]),
    "svdvals": (lambda L, A: L.linalg.svdvals(A), [_rect((2, 4, 3))]),
    "logdet": (lambda L, A: L.logdet(A), [_spd((2, 3, 3))]),
    "pinv_hermitian": (lambda L, A: L.linalg.pinv(A + A.mT, hermitian=True), [_rect((3, 3))]),
    "cholesky_ex": (lambda L, A: L.linalg.cholesky_ex(A @ A.mT + L.eye(3, dtype=A.dtype)).L,
                    [_rect((3, 3))]),
    "multi_dot_vander_vecdot": (lambda L, A, x: L.linalg.vecdot(
        L.linalg.multi_dot([x, A, A]), L.linalg.vander(x)), [_rect((3, 3)), _rect((3,), 1)]),
}


@pytest.mark.parametrize("name", sorted(GRADCHECKS))
def test_gradcheck_and_gradgradcheck(name: str) -> None:
    fn, arrays = GRADCHECKS[name]
    _gradchecks(fn, arrays)


# ----------------------------------------------------------------------------- errors

ERRORS = [
    (lambda L: L.linalg.det(L.ones(3, 4)), RuntimeError,
     "linalg.det: A must be batches of square matrices, but they are 3 by 4 matrices"),
    (lambda L: L.det(L.ones(3)), RuntimeError,
     "linalg.det: The input tensor A must have at least 2 dimensions."),
    (lambda L: L.linalg.inv(L.ones(2, 2, dtype=L.int64)), RuntimeError,
     "linalg.inv: Expected a floating point or complex tensor as input. Got Long"),
    (lambda L: L.linalg.slogdet(L.ones(2, 3)), RuntimeError, "linalg.slogdet: A must be batches"),
    (lambda L: L.linalg.solve(L.eye(3), L.ones(4)), RuntimeError,
     r"linalg.solve: Incompatible shapes of A and B for the equation AX = B \(3x3 and 4x1\)"),
    (lambda L: L.linalg.solve(L.eye(3), L.ones(3, dtype=L.float64)), RuntimeError,
     "linalg.solve: Expected A and B to have the same dtype, but found A of type Float and B "
     "of type Double instead"),
    (lambda L: L.linalg.solve_triangular(L.eye(3), L.ones(3), upper=True), RuntimeError,
     "linalg.solve_triangular: The input tensor B must have at least 2 dimensions."),
    (lambda L: L.linalg.qr(L.eye(2), mode="x"), RuntimeError, "qr received unrecognized mode"),
    (lambda L: L.linalg.eigh(L.eye(2), UPLO="X"), RuntimeError,
     "Expected UPLO argument to be 'L' or 'U', but got X"),
    (lambda L: L.linalg.matrix_power(L.ones(3, 4), 2), RuntimeError,
     "linalg.matrix_power: A must be batches of square matrices"),
    (lambda L: L.linalg.matrix_exp(L.ones(3)), RuntimeError,
     "linalg.matrix_exp: The input tensor A must have at least 2 dimensions."),
    (lambda L: L.linalg.multi_dot([L.ones(3)]), RuntimeError,
     r"multi_dot: expected at least 2 tensors but got 1"),
    (lambda L: L.linalg.multi_dot([L.ones(3, 2), L.ones(3, 2)]), RuntimeError,
     r"multi_dot: tensors 0 and 1 with shapes \[3, 2\] and \[3, 2\] cannot be multiplied"),
    (lambda L: L.linalg.multi_dot([L.ones(2, 3, 2), L.ones(2, 2)]), RuntimeError,
     r"multi_dot: the first tensor must be 1D or 2D but got 3D"),
    (lambda L: L.chain_matmul(), RuntimeError, r"chain_matmul: Expected one or more"),
    (lambda L: L.vdot(L.ones(3, 1), L.ones(3)), RuntimeError,
     "1D tensors expected, but got 2D and 1D tensors"),
    (lambda L: L.linalg.norm(L.ones(2, 2, 2), ord=2), RuntimeError,
     "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got 3D."),
    (lambda L: L.linalg.norm(L.ones(2, 2, 2), dim=(0, 1, 2)), RuntimeError,
     r"linalg.norm: If dim is specified, it must be of length 1 or 2. Got \[0, 1, 2\]"),
    (lambda L: L.linalg.lstsq(L.ones(3, 2), L.ones(4, 1)), RuntimeError,
     r"linalg.lstsq: input.size\(-2\) should match other.size\(-2\)"),
    (lambda L: L.linalg.lstsq(L.ones(3, 2), L.ones(3), driver="x"), RuntimeError,
     "linalg.lstsq: parameter `driver` should be one of"),
    (lambda L: L.linalg.cond(L.ones(2, 2), 3), RuntimeError, "linalg.cond"),
    (lambda L: L.linalg.vander(L.ones(1)), RuntimeError, "N must be greater than 1"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_bad_input_raises_as_pytorch(torch, case: int) -> None:
    call, exc, message = ERRORS[case]
    with pytest.raises(exc, match=message):
        call(mg)
    with pytest.raises(exc):
        call(torch)


SINGULAR = [
    (lambda L: L.linalg.inv(L.zeros(3, 3)), "linalg.inv: "),
    (lambda L: L.inverse(L.zeros(2, 3, 3)), r"linalg.inv: \(Batch element 0\): "),
    (lambda L: L.linalg.solve(L.zeros(3, 3), L.ones(3)), "linalg.solve: "),
    (lambda L: L.linalg.cholesky(-L.eye(3)), "linalg.cholesky: The factorization could not be "
     r"completed because the input is not positive-definite \(the leading minor of order 1"),
    (lambda L: L.linalg.cholesky(L.diag(L.tensor([1.0, -1, 1])).expand(2, 3, 3)),
     r"linalg.cholesky: \(Batch element 0\): .* minor of order 2 is not positive-definite"),
    (lambda L: L.linalg.svd(L.tensor([[float("nan"), 1.0], [1.0, 1.0]])),
     "linalg.svd: The algorithm failed to converge"),
    (lambda L: L.linalg.matrix_power(L.zeros(3, 3), -1), "linalg.inv: "),
]


@pytest.mark.parametrize("case", range(len(SINGULAR)))
def test_singular_and_not_positive_definite_raise_linalg_error(torch, case: int) -> None:
    call, message = SINGULAR[case]
    with pytest.raises(mg.linalg.LinAlgError, match=message):
        call(mg)
    with pytest.raises(torch.linalg.LinAlgError):
        call(torch)
    assert issubclass(mg.linalg.LinAlgError, RuntimeError)


@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "solve"])
def test_a_matrix_holding_nan_gives_nan_not_an_error(torch, name: str) -> None:
    """LAPACK's LU reads a NaN as a zero pivot; PyTorch returns NaN, so minigrad does."""
    a = np.stack([_general((2, 2)), [[np.nan, 1.0], [1.0, 1.0]]])

    def call(L, A):  # noqa: ANN001, ANN202, N803
        if name == "solve":
            return L.linalg.solve(A, L.ones(2, 2, 1, dtype=A.dtype))
        out = getattr(L.linalg, name)(A)
        return tuple(out) if name == "slogdet" else out

    _compare(torch, call, [a], np.float64, grad=False)


def test_cholesky_of_nan_and_cholesky_ex_info_as_pytorch(torch) -> None:
    with pytest.raises(mg.linalg.LinAlgError, match="minor of order 1 is not"):
        mg.linalg.cholesky(mg.tensor([[float("nan"), 1.0], [1.0, 1.0]]))
    a = np.stack([_spd((3, 3)), np.diag([1.0, 1.0, -1.0]), np.diag([-1.0, 1.0, 1.0])])
    for upper in (False, True):
        out = mg.linalg.cholesky_ex(mg.tensor(a), upper=upper)
        ref = torch.linalg.cholesky_ex(torch.tensor(a), upper=upper)
        np.testing.assert_array_equal(out.info.numpy(), ref.info.numpy())
        np.testing.assert_allclose(out.L.numpy()[0], ref.L.numpy()[0])
    assert out.info.dtype == np.int32


def test_det_gradient_of_a_batch_with_one_singular_matrix(torch) -> None:
    a = np.stack([[[1.0, 2.0], [2.0, 4.0]], _general((2, 2))])
    x, t = mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (gm,) = mg.autograd.grad(mg.linalg.det(x).sum(), [x])
    (gt,) = torch.autograd.grad(torch.linalg.det(t).sum(), [t], create_graph=True)
    np.testing.assert_allclose(gm.numpy(), gt.detach().numpy(), atol=1e-12)


def test_svd_and_pinverse_methods_match_pytorch(torch) -> None:
    a = _rect((4, 3))
    _compare(torch, lambda L, A: A.pinverse(), [a], np.float64)
    _compare(torch, lambda L, A: A.svd()[1], [a], np.float64)
    _compare(torch, lambda L, A: (lambda u, s, v: u @ v.mT)(*A.svd()), [a], np.float64)


def test_named_results_have_pytorchs_fields(torch) -> None:
    a = mg.tensor(_spd((3, 3)))
    t = torch.tensor(_spd((3, 3)))
    for name in ("slogdet", "eigh", "qr", "svd", "lstsq", "inv_ex", "cholesky_ex"):
        args = (a, a) if name == "lstsq" else (a,)
        targs = (t, t) if name == "lstsq" else (t,)
        mine, ref = getattr(mg.linalg, name)(*args), getattr(torch.linalg, name)(*targs)
        assert len(mine) == len(ref)
        for field in mine._fields:
            getattr(ref, field)
