"""nn.CrossMapLRN2d, nn.AdaptiveLogSoftmaxWithLoss, the global module forward hooks,
Tensor.apply_/map_, torch.nuclear_norm, the spectral matrix norms (ord 2 / -2) and the LU
family of minigrad.linalg (lu_factor, lu_factor_ex, lu, lu_unpack, lu_solve, solve_ex,
tensorinv, tensorsolve): values, dtypes and gradients against PyTorch, gradcheck and
gradgradcheck in float64, and the errors for bad input."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import minigrad as mg
from minigrad.gradcheck import gradcheck, gradgradcheck
from minigrad.testing import check_function

lu_module = importlib.import_module("minigrad.linalg.lu_decomposition")
RNG = np.random.default_rng(20261208)
DTYPES = [np.float64, np.float32]


def tol(dtype: type) -> dict:
    return {"atol": 1e-10, "rtol": 1e-9} if dtype == np.float64 else {"atol": 2e-5, "rtol": 2e-4}


def arr(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return RNG.standard_normal(shape).astype(dtype)


def pair(a: np.ndarray, torch) -> tuple:  # noqa: ANN001
    return mg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def close(m: mg.Tensor, t, dtype: type = np.float64) -> None:  # noqa: ANN001
    assert m.shape == tuple(t.shape)
    assert m.dtype == np.dtype(str(t.dtype).split(".")[1])
    np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), **tol(dtype))


# ----------------------------------------------------------------------------- CrossMapLRN2d


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [2, 3, 4, 5, 9])
@pytest.mark.parametrize("channels", [1, 3, 7])
def test_cross_map_lrn_matches_torch(torch, dtype, size, channels) -> None:  # noqa: ANN001
    x = arr(2, channels, 3, 2, dtype=dtype)
    g = arr(2, channels, 3, 2, dtype=dtype)
    mx, tx = pair(x, torch)
    mo = mg.nn.CrossMapLRN2d(size, alpha=0.3, beta=0.75, k=1.5)(mx)
    to = torch.nn.CrossMapLRN2d(size, alpha=0.3, beta=0.75, k=1.5)(tx)
    close(mo, to, dtype)
    mo.backward(mg.tensor(g))
    to.backward(torch.tensor(g))
    close(mx.grad, tx.grad, dtype)


def test_cross_map_lrn_defaults_repr_and_empty(torch) -> None:  # noqa: ANN001
    m, t = mg.nn.CrossMapLRN2d(5), torch.nn.CrossMapLRN2d(5)
    assert repr(m) == repr(t)
    x = arr(1, 6, 2, 2, dtype=np.float32)
    close(m(mg.tensor(x)), t(torch.tensor(x)), np.float32)
    assert m(mg.zeros(0, 6, 2, 2)).shape == (0, 6, 2, 2)
    assert mg.nn.CrossMapLRN2d is mg.nn.modules.normalization.CrossMapLRN2d
    assert list(m.parameters()) == []


def test_cross_map_lrn_gradchecks() -> None:
    fn = mg.nn.CrossMapLRN2d(9, alpha=0.5, beta=0.75, k=1.0)
    # a window covering every channel: there PyTorch's backward is the true derivative
    x = mg.tensor(arr(2, 3, 2, 2), requires_grad=True)
    assert gradcheck(fn, (x,))
    # its (PyTorch's) backward is written in Tensor ops, so it differentiates again
    y = mg.tensor(arr(1, 6, 2, 1), requires_grad=True)
    assert gradgradcheck(mg.nn.CrossMapLRN2d(3, 0.5, 0.75, 1.0), (y,))
    from minigrad.nn.cross_map_lrn import CrossMapLRN2dFunction

    report = check_function(CrossMapLRN2dFunction, x, 9, 0.5, 0.75, 1.0)
    assert report.ok, report


def test_cross_map_lrn_bad_input() -> None:
    with pytest.raises(ValueError, match=r"^CrossMapLRN2d: Expected input to be 4D, got 3D"):
        mg.nn.CrossMapLRN2d(3)(mg.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match=r"^CrossMapLRN2d: expected a floating point"):
        mg.nn.CrossMapLRN2d(3)(mg.ones(1, 2, 3, 4, dtype=mg.int64))
    x = mg.ones(1, 3, 1, 1, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^CrossMapLRN2d: backward: .*size=1"):
        mg.nn.CrossMapLRN2d(1)(x).sum().backward()


# ----------------------------------------------------------------------------- adaptive softmax


def _asm_pair(torch, dtype: type, head_bias: bool) -> tuple:  # noqa: ANN001
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10, 15], div_value=2.0,
                                             head_bias=head_bias).to(getattr(torch, dtype.__name__))
    mm = mg.nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10, 15], div_value=2.0,
                                          head_bias=head_bias, dtype=getattr(mg, dtype.__name__))
    state = {k: mg.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()}
    assert list(state) == list(mm.state_dict())
    mm.load_state_dict(state)
    return mm, tm


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("head_bias", [False, True])
def test_adaptive_log_softmax_matches_torch(torch, dtype, head_bias) -> None:  # noqa: ANN001
    mm, tm = _asm_pair(torch, dtype, head_bias)
    x = arr(7, 16, dtype=dtype)
    target = np.array([0, 3, 5, 19, 12, 4, 9])
    mx, tx = pair(x, torch)
    mo, to = mm(mx, mg.tensor(target)), tm(tx, torch.tensor(target))
    assert type(mo).__name__ == "_ASMoutput" and mo._fields == ("output", "loss")
    close(mo.output, to.output, dtype)
    close(mo.loss, to.loss, dtype)
    mo.loss.backward()
    to.loss.backward()
    close(mx.grad, tx.grad, dtype)
    for (name, p), (tname, tp) in zip(mm.named_parameters(), tm.named_parameters()):
        assert name == tname
        close(p.grad, tp.grad, dtype)
    close(mm.log_prob(mx), tm.log_prob(tx), dtype)
    np.testing.assert_array_equal(mm.predict(mx).numpy(), tm.predict(tx).numpy())
    one_m, one_t = mm(mx[2], mg.tensor(target[2])), tm(tx[2], torch.tensor(target[2]))
    close(one_m.output, one_t.output, dtype)
    close(one_m.loss, one_t.loss, dtype)


def test_adaptive_log_softmax_predict_paths_and_empty(torch) -> None:  # noqa: ANN001
    mm, tm = _asm_pair(torch, np.float64, True)
    with torch.no_grad():  # steer the head: rows 0-2 to the shortlist, 3-5 to clusters
        bias = np.zeros(7)
        bias[4:] = 50.0
        tm.head.bias.copy_(torch.tensor(bias))
    mm.head.bias = mg.nn.Parameter(mg.tensor(bias))
    x = arr(6, 16)
    for rows in (slice(0, 6), slice(0, 3), slice(3, 6)):
        np.testing.assert_array_equal(mm.predict(mg.tensor(x[rows])).numpy(),
                                      tm.predict(torch.tensor(x[rows])).numpy())
    empty = mm(mg.zeros(0, 16, dtype=mg.float64), mg.zeros(0, dtype=mg.int64))
    assert empty.output.shape == (0,) and np.isnan(empty.loss.item())


def test_adaptive_log_softmax_gradchecks() -> None:
    mg.manual_seed(0)
    mm = mg.nn.AdaptiveLogSoftmaxWithLoss(6, 9, [2, 5], head_bias=True, dtype=mg.float64)
    x = mg.tensor(arr(4, 6), requires_grad=True)
    target = mg.tensor([0, 3, 8, 6])
    assert gradcheck(lambda a: mm(a, target).loss, (x,))
    assert gradgradcheck(lambda a: mm(a, target).output, (x,))
    assert gradcheck(lambda a: mm.log_prob(a), (x,))


def test_adaptive_log_softmax_bad_input() -> None:
    nn = mg.nn
    with pytest.raises(ValueError, match="^cutoffs should be a sequence of length larger"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 10, [])
    for cutoffs in ([5, 2], [0, 3], [3, 10], [3, 3]):
        with pytest.raises(ValueError, match="^cutoffs should be a sequence of unique"):
            nn.AdaptiveLogSoftmaxWithLoss(4, 10, cutoffs)
    asm = nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3])
    with pytest.raises(RuntimeError, match=r"^AdaptiveLogSoftmaxWithLoss: Target values should "
                                           r"be in \[0, 9\], but values in range \[-1, 12\]"):
        asm(mg.ones(3, 4), mg.tensor([-1, 2, 12]))
    with pytest.raises(RuntimeError, match="^AdaptiveLogSoftmaxWithLoss: Input and target "
                                           "should have the same size"):
        asm(mg.ones(3, 4), mg.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="0D target tensor expects 1D input"):
        asm(mg.ones(3, 4), mg.tensor(1))
    with pytest.raises(RuntimeError, match="multi-target not supported"):
        asm(mg.ones(3, 4), mg.ones(3, 2, dtype=mg.int64))


# ----------------------------------------------------------------------------- global hooks


def _hook_log(lib, remove: bool = True) -> tuple[list, object]:  # noqa: ANN001
    mod = importlib.import_module(lib.__name__ + ".nn.modules.module")
    nn = lib.nn
    log: list = []
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    handles = [
        mod.register_module_forward_pre_hook(lambda m, a: log.append(("gpre", type(m).__name__))),
        mod.register_module_forward_hook(lambda m, a, o: log.append(("gpost", type(m).__name__))),
        net[0].register_forward_pre_hook(lambda m, a: log.append(("pre", type(m).__name__))),
        net[0].register_forward_hook(lambda m, a, o: log.append(("post", type(m).__name__))),
        mod.register_module_forward_hook(
            lambda m, a, k, o: o * 2 if isinstance(m, nn.ReLU) else None, with_kwargs=True),
        mod.register_module_forward_pre_hook(
            lambda m, a: (a[0] + 1,) if isinstance(m, nn.Linear) else None),
    ]
    net[0].weight.data.fill_(1.0)
    net[0].bias.data.fill_(0.0)
    out = net(lib.ones(1, 2))
    for h in handles:
        h.remove()
    log.append("removed")
    out2 = net(lib.ones(1, 2))
    return log, (out.detach().numpy().tolist(), out2.detach().numpy().tolist())


def test_global_forward_hooks_match_torch(torch) -> None:  # noqa: ANN001
    assert _hook_log(mg) == _hook_log(torch)
    from minigrad.nn import backward_hooks

    assert not backward_hooks.global_hooks  # every handle took its hook out


def test_global_forward_hook_always_call_and_backward_hooks_apart() -> None:
    mod = mg.nn.modules.module
    seen: list = []

    class Boom(mg.nn.Module):
        def forward(self, x):  # noqa: ANN001, ANN201
            raise ValueError("boom")

    h1 = mod.register_module_forward_hook(lambda m, a, o: seen.append(o), always_call=True)
    h2 = mod.register_module_full_backward_hook(lambda m, gi, go: seen.append("backward"))
    try:
        with pytest.raises(ValueError, match="boom"):
            Boom()(mg.ones(1))
        assert seen == [None]
        lin = mg.nn.Linear(2, 2)
        lin(mg.ones(1, 2, requires_grad=True)).sum().backward()
        assert seen[1:] == [seen[1], "backward"]  # the forward hook's output, then backward
    finally:
        h1.remove()
        h2.remove()
    with pytest.raises(TypeError, match="expected a callable"):
        mod.register_module_forward_hook(3)


# ----------------------------------------------------------------------------- apply_ / map_


def test_apply_and_map_match_torch(torch) -> None:  # noqa: ANN001
    def square_or_neg(v):  # noqa: ANN001, ANN202
        return v * v if v > 1 else -v

    for data, dtype in (([1.5, 2.0, 3.0], "float32"), ([[1, 2], [3, 4]], "int64"),
                        ([True, False], "bool"), (2.5, "float64"), ([], "float32")):
        m = mg.tensor(data, dtype=getattr(mg, dtype))
        t = torch.tensor(data, dtype=getattr(torch, dtype))
        f = (lambda v: not v) if dtype == "bool" else square_or_neg
        assert m.apply_(f) is m
        close(m, t.apply_(f))
    m, t = mg.ones(2, 3, dtype=mg.float64), torch.ones(2, 3, dtype=torch.float64)
    other = np.arange(3.0)
    assert m.map_(mg.tensor(other), lambda a, b: a + 2 * b) is m
    close(m, t.map_(torch.tensor(other), lambda a, b: a + 2 * b))
    ints = mg.tensor([5, 7], dtype=mg.int32).apply_(lambda v: v / 2)  # stored truncated
    assert ints.tolist() == [2, 3] and ints.dtype == np.int32


def test_apply_writes_through_views_without_version_bump() -> None:
    base = mg.zeros(4)
    base[1:3].apply_(lambda v: 5.0)
    assert base.tolist() == [0.0, 5.0, 5.0, 0.0] and base._version == 0


def test_apply_and_map_bad_input() -> None:
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^Can't call apply_\(\) on Variable that requires"):
        x.apply_(lambda v: v)
    with pytest.raises(RuntimeError, match=r"^Can't call map_\(\) on Variable that requires"):
        x.map_(mg.ones(2), lambda a, b: a)
    with pytest.raises(TypeError, match="^apply_: 'int' object is not callable"):
        mg.ones(2).apply_(3)
    with pytest.raises(TypeError, match="^apply_: must be real number, not str"):
        mg.ones(2).apply_(lambda v: "a")
    with pytest.raises(RuntimeError, match="^apply_: value cannot be converted to type int32"):
        mg.ones(2, dtype=mg.int32).apply_(lambda v: 2 ** 40)
    with pytest.raises(TypeError, match=r"^map_: argument 'other' \(position 1\) must be "):
        mg.ones(2).map_([1.0, 2.0], lambda a, b: a)
    with pytest.raises(TypeError, match=r"^map_: expected torch.FloatTensor for 'other' \(got "
                                        r"torch.LongTensor\)"):
        mg.ones(2).map_(mg.arange(2), lambda a, b: a)
    with pytest.raises(RuntimeError, match=r"^map_: the size of 'other' \(3,\) cannot be"):
        mg.ones(2).map_(mg.ones(3), lambda a, b: a)
    with pytest.raises(RuntimeError, match=r"^map_: the number of sizes provided \(1\)"):
        mg.ones(2).map_(mg.ones(2, 2), lambda a, b: a)


# ----------------------------------------------------------------------------- norms


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ord_", [2, -2])
@pytest.mark.parametrize(("shape", "dim", "keepdim"), [
    ((3, 4), (-2, -1), False), ((2, 3, 3), (0, 2), True), ((4, 1), (1, 0), False),
    ((1, 1), (-2, -1), True), ((0, 3, 3), (-2, -1), False)])
def test_spectral_matrix_norm_matches_torch(torch, dtype, ord_, shape, dim, keepdim) -> None:  # noqa: ANN001
    ma, ta = pair(arr(*shape, dtype=dtype), torch)
    m = mg.linalg.matrix_norm(ma, ord_, dim=dim, keepdim=keepdim)
    t = torch.linalg.matrix_norm(ta, ord_, dim=dim, keepdim=keepdim)
    close(m, t, dtype)
    if m.numel():
        m.sum().backward()
        t.sum().backward()
        close(ma.grad, ta.grad, dtype)


def test_spectral_norm_through_linalg_norm_ties_dtype_and_empty(torch) -> None:  # noqa: ANN001
    ma, ta = pair(np.eye(3), torch)  # three tied singular values share the gradient
    mg.linalg.norm(ma, 2).backward()
    torch.linalg.norm(ta, 2).backward()
    close(ma.grad, ta.grad)
    close(mg.linalg.matrix_norm(mg.ones(2, 2), -2, dtype=mg.float64),
          torch.linalg.matrix_norm(torch.ones(2, 2), -2, dtype=torch.float64))
    close(mg.linalg.matrix_norm(mg.zeros(3, 0), 2, keepdim=True),
          torch.linalg.matrix_norm(torch.zeros(3, 0), 2, keepdim=True), np.float32)
    with pytest.raises(IndexError, match=r"^linalg.matrix_norm: amin\(\): Expected reduction"):
        mg.linalg.matrix_norm(mg.zeros(0, 3), -2)
    with pytest.raises(RuntimeError, match="^linalg.matrix_norm: The input tensor A must have "
                                           "at least 2 dimensions"):
        mg.linalg.matrix_norm(mg.ones(3), 2)
    with pytest.raises(RuntimeError, match="^linalg.matrix_norm: Expected a floating point"):
        mg.linalg.matrix_norm(mg.ones(2, 2, dtype=mg.int64), 2)
    with pytest.raises(RuntimeError, match=r"^linalg.matrix_norm: Order 3 not supported"):
        mg.linalg.matrix_norm(mg.ones(2, 2), 3)


def test_spectral_norm_gradchecks() -> None:
    a = mg.tensor(arr(2, 3, 4), requires_grad=True)
    for ord_ in (2, -2):
        assert gradcheck(lambda x, o=ord_: mg.linalg.matrix_norm(x, o), (a,))
        assert gradgradcheck(lambda x, o=ord_: mg.linalg.matrix_norm(x, o), (a,))


def test_nuclear_norm_matches_torch(torch) -> None:  # noqa: ANN001
    import sys

    ma, ta = pair(arr(2, 3, 4), torch)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's deprecation warning
        cases = [((), ()), (((0, 2), True), ((0, 2), True)), ((True,), (True,))]
        for margs, targs in cases:
            close(mg.nuclear_norm(ma, *margs), torch.nuclear_norm(ta, *targs))
        mg.nuclear_norm(ma, (0, 2)).sum().backward()
        torch.nuclear_norm(ta, (0, 2)).sum().backward()
    close(ma.grad, ta.grad)
    assert gradcheck(lambda x: mg.nuclear_norm(x), (mg.tensor(arr(3, 2), requires_grad=True),))
    assert "nuclear_norm" in dir(mg) and "minigrad" in sys.modules


# ----------------------------------------------------------------------------- LU


LU_SHAPES = [(3, 3), (2, 4, 4), (3, 5), (5, 3), (2, 1, 2, 4), (1, 1), (0, 3), (2, 0, 0)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", LU_SHAPES)
def test_lu_factor_and_lu_match_torch(torch, dtype, shape) -> None:  # noqa: ANN001
    a = arr(*shape, dtype=dtype)
    ma, ta = pair(a, torch)
    m, t = mg.linalg.lu_factor_ex(ma), torch.linalg.lu_factor_ex(ta)
    assert type(m).__name__ == "LUFactorExResult" and m._fields == ("LU", "pivots", "info")
    close(m.LU, t.LU, dtype)
    for x, y in ((m.pivots, t.pivots), (m.info, t.info)):
        assert x.dtype == np.int32 and x.shape == tuple(y.shape)
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    if a.size:
        g = arr(*t.LU.shape, dtype=dtype)
        m.LU.backward(mg.tensor(g))
        t.LU.backward(torch.tensor(g))
        close(ma.grad, ta.grad, dtype)
    ma2, ta2 = pair(a, torch)
    mp, tp = mg.linalg.lu(ma2), torch.linalg.lu(ta2)
    for x, y in zip(mp, tp):
        close(x, y, dtype)
    if a.size:
        (mp.L.sum() + (mp.U * 2).sum()).backward()
        (tp.L.sum() + (tp.U * 2).sum()).backward()
        close(ma2.grad, ta2.grad, dtype)
    for x, y in zip(mg.lu_unpack(m.LU, m.pivots), torch.lu_unpack(t.LU, t.pivots)):
        close(x, y, dtype)


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 5), (4, 2)])
def test_lu_gradchecks(shape) -> None:  # noqa: ANN001
    a = mg.tensor(arr(*shape), requires_grad=True)
    assert gradcheck(lambda x: mg.linalg.lu_factor(x).LU, (a,))
    assert gradgradcheck(lambda x: mg.linalg.lu_factor(x).LU, (a,))
    assert gradcheck(lambda x: tuple(mg.linalg.lu(x))[1:], (a,))
    report = check_function(lu_module.LuFactor, a)
    assert report.ok, report


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize(("a_shape", "b_shape"), [((3, 3), (3, 2)), ((2, 4, 4), (4, 3)),
                                                  ((4, 4), (2, 4, 1)), ((1, 1), (1, 1))])
def test_lu_solve_matches_torch(torch, left, adjoint, a_shape, b_shape) -> None:  # noqa: ANN001
    b_shape = b_shape if left else b_shape[:-2] + (b_shape[-1], b_shape[-2])
    ma, ta = pair(arr(*a_shape), torch)
    mb, tb = pair(arr(*b_shape), torch)
    mx = mg.linalg.lu_solve(*mg.linalg.lu_factor(ma), mb, left=left, adjoint=adjoint)
    tx = torch.linalg.lu_solve(*torch.linalg.lu_factor(ta), tb, left=left, adjoint=adjoint)
    close(mx, tx)
    g = arr(*tx.shape)
    mx.backward(mg.tensor(g))
    tx.backward(torch.tensor(g))
    close(ma.grad, ta.grad)
    close(mb.grad, tb.grad)


def test_lu_solve_gradchecks() -> None:
    a = mg.tensor(arr(3, 3), requires_grad=True)
    b = mg.tensor(arr(3, 2), requires_grad=True)
    for left, adjoint in ((True, False), (False, True)):
        def f(x, y, left=left, adjoint=adjoint):  # noqa: ANN001, ANN202
            y = y if left else y.mT
            return mg.linalg.lu_solve(*mg.linalg.lu_factor(x), y, left=left, adjoint=adjoint)

        assert gradcheck(f, (a, b))
        assert gradgradcheck(f, (a, b))


def test_lu_singular_and_bad_input(torch) -> None:  # noqa: ANN001
    linalg = mg.linalg
    singular = np.array([[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 4.0]]])
    ex, tex = linalg.lu_factor_ex(mg.tensor(singular)), torch.linalg.lu_factor_ex(
        torch.tensor(singular))
    np.testing.assert_array_equal(ex.info.numpy(), tex.info.numpy())
    with pytest.raises(RuntimeError, match=r"^torch.linalg.lu_factor: \(Batch element 1\): "
                                           r"U\[2,2\] is zero"):
        linalg.lu_factor(mg.tensor(singular))
    with pytest.raises(RuntimeError, match=r"^linalg.lu_factor: Expected tensor with 2 or more"):
        linalg.lu_factor(mg.ones(2))
    with pytest.raises(NotImplementedError, match="^linalg.lu: \"lu_cpu\" not implemented for "
                                                  "'Long'"):
        linalg.lu(mg.ones(2, 2, dtype=mg.int64))
    with pytest.raises(RuntimeError, match="^linalg.lu_factor: LU without pivoting is not "):
        linalg.lu_factor(mg.ones(2, 2), pivot=False)
    LU, piv = linalg.lu_factor(mg.eye(2))  # noqa: N806
    with pytest.raises(RuntimeError, match="^linalg.lu_solve: The input tensor B must have"):
        linalg.lu_solve(LU, piv, mg.ones(2))
    with pytest.raises(RuntimeError, match=r"^linalg.lu_solve: Incompatible shapes of A and B "
                                           r"for the equation AX = B \(2x2 and 3x1\)"):
        linalg.lu_solve(LU, piv, mg.ones(3, 1))
    with pytest.raises(RuntimeError, match="^linalg.lu_solve: pivots should be a Tensor of "
                                           "scalar type torch.int32"):
        linalg.lu_solve(LU, mg.tensor([1, 2]), mg.ones(2, 1))
    with pytest.raises(RuntimeError, match=r"^linalg.lu_solve: Expected LU.shape\[:-1\] and "):
        linalg.lu_solve(LU, piv[None], mg.ones(2, 1))
    with pytest.raises(RuntimeError, match="^linalg.lu_solve: Pivots given to lu_solve must "):
        linalg.lu_solve(LU, mg.tensor([1, 3], dtype=mg.int32), mg.ones(2, 1))
    with pytest.raises(RuntimeError, match="^linalg.lu_solve: Expected LU and B to have the "
                                           "same dtype"):
        linalg.lu_solve(LU, piv, mg.ones(2, 1, dtype=mg.float64))
    with pytest.raises(RuntimeError, match="^torch.linalg.lu_solve: A must be batches of square"):
        linalg.lu_solve(mg.ones(2, 3), mg.tensor([1, 2], dtype=mg.int32), mg.ones(2, 1))


def test_solve_ex_matches_torch(torch) -> None:  # noqa: ANN001
    a = np.array([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 2.0]]])
    for b in (np.ones(2), np.ones((2, 2, 3))):
        m = mg.linalg.solve_ex(mg.tensor(a), mg.tensor(b))
        t = torch.linalg.solve_ex(torch.tensor(a), torch.tensor(b))
        np.testing.assert_array_equal(m.info.numpy(), t.info.numpy())
        assert m.info.dtype == np.int32
        np.testing.assert_allclose(m.result.numpy()[1], t.result.numpy()[1])
        assert np.isnan(m.result.numpy()[0]).all()  # PyTorch: LAPACK's inf/NaN (faq)
    ma, ta = pair(arr(3, 3), torch)
    mb, tb = pair(arr(3, 3), torch)
    m = mg.linalg.solve_ex(ma, mb, left=False)
    t = torch.linalg.solve_ex(ta, tb, left=False)
    close(m.result, t.result)
    m.result.sum().backward()
    t.result.sum().backward()
    close(ma.grad, ta.grad)
    close(mb.grad, tb.grad)
    with pytest.raises(RuntimeError, match="^linalg.solve: .*singular"):
        mg.linalg.solve_ex(mg.tensor(a), mg.tensor(np.ones(2)), check_errors=True)


def test_tensorinv_and_tensorsolve_match_torch(torch) -> None:  # noqa: ANN001
    ma, ta = pair(arr(4, 6, 8, 3), torch)
    close(mg.linalg.tensorinv(ma, ind=2), torch.linalg.tensorinv(ta, ind=2))
    mg.linalg.tensorinv(ma, ind=2).sum().backward()
    torch.linalg.tensorinv(ta, ind=2).sum().backward()
    close(ma.grad, ta.grad)
    b = arr(2, 3)
    for shape, dims in (((2, 3, 6), None), ((6, 2, 3), (0,)), ((2, 6, 3), (-2,))):
        ma, ta = pair(arr(*shape), torch)
        mx = mg.linalg.tensorsolve(ma, mg.tensor(b), dims=dims)
        tx = torch.linalg.tensorsolve(ta, torch.tensor(b), dims=dims)
        close(mx, tx)
        mx.sum().backward()
        tx.sum().backward()
        close(ma.grad, ta.grad)
    a = mg.tensor(arr(2, 3, 6), requires_grad=True)
    assert gradcheck(lambda x: mg.linalg.tensorsolve(x, mg.tensor(b)), (a,))
    assert gradcheck(lambda x: mg.linalg.tensorinv(x, ind=1), (mg.tensor(arr(6, 2, 3),
                                                                          requires_grad=True),))
    with pytest.raises(RuntimeError, match=r"^linalg.tensorinv: Expected self to satisfy the "
                                           r"requirement .* but got 12 != 2"):
        mg.linalg.tensorinv(mg.ones(2, 3, 4), ind=1)
    with pytest.raises(RuntimeError, match="^linalg.tensorinv: Expected a strictly positive "):
        mg.linalg.tensorinv(mg.ones(2, 2), ind=0)
    with pytest.raises(RuntimeError, match=r"^linalg.tensorsolve: .* but got 4 != 6"):
        mg.linalg.tensorsolve(mg.ones(2, 3, 4), mg.ones(2, 3))


def test_lu_integer_outputs_have_no_history() -> None:
    r = mg.linalg.lu_factor_ex(mg.ones(2, 2, requires_grad=True) + mg.eye(2))
    assert r.LU.grad_fn is not None
    assert r.pivots.grad_fn is None and not r.info.requires_grad


@pytest.mark.parametrize(("shape", "k"), [((4, 3), 3), ((2, 5, 3), 2), ((3, 3), 0), ((0, 0), 0)])
def test_householder_product_matches_torch(torch, shape, k) -> None:  # noqa: ANN001
    ma, ta = pair(arr(*shape), torch)
    mt, tt = pair(arr(*shape[:-2], k), torch)
    m = mg.linalg.householder_product(ma, mt)
    t = torch.linalg.householder_product(ta, tt)
    close(m, t)
    if m.numel() and k:
        g = arr(*t.shape)
        m.backward(mg.tensor(g))
        t.backward(torch.tensor(g))
        close(ma.grad, ta.grad)
        close(mt.grad, tt.grad)


def test_householder_product_gradchecks_and_bad_input() -> None:
    a = mg.tensor(arr(4, 3), requires_grad=True)
    tau = mg.tensor(arr(2), requires_grad=True)
    assert gradcheck(mg.linalg.householder_product, (a, tau))
    assert gradgradcheck(mg.linalg.householder_product, (a, tau))
    h = mg.linalg.householder_product
    cases = [
        ((mg.ones(3), mg.ones(1)), "input must have at least 2 dimensions"),
        ((mg.ones(2, 3), mg.ones(2)), r"input.shape\[-2\] must be greater than or equal"),
        ((mg.ones(3, 2), mg.ones(3)), r"input.shape\[-1\] must be greater than or equal"),
        ((mg.ones(2, 3, 2), mg.ones(2)), "Expected tau to have one dimension less"),
        ((mg.ones(2, 3, 2), mg.ones(3, 2)), "Expected batch dimensions of tau"),
        ((mg.ones(3, 2), mg.ones(2, dtype=mg.float64)), "tau dtype Double does not match"),
    ]
    for args, message in cases:
        with pytest.raises(RuntimeError, match="^torch.linalg.householder_product: " + message):
            h(*args)


def test_eig_is_refused_clearly() -> None:
    for fn in (mg.linalg.eig, mg.linalg.eigvals):
        with pytest.raises(NotImplementedError, match=r"^linalg.eig(vals)?: the eigenvalues of "
                                                      r"a general .* no complex dtypes"):
            fn(mg.ones(2, 2))
