"""Winograd F(2x2, 3x3) convolution: forced Winograd against forced im2col and PyTorch.

Every comparison also checks that the Winograd code really ran (a spy counts the calls
of ``winograd.forward`` / ``input_grad`` / ``weight_grad``), so a dispatch that silently
falls back to im2col fails here.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import winograd
from minigrad.im2col import geometry

TOL = {np.float32: 1e-4, np.float64: 1e-10}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often each Winograd pass ran."""
    count = {"forward": 0, "input_grad": 0, "weight_grad": 0}
    for name in count:
        real = getattr(winograd, name)

        def spy(*args, _real=real, _name=name, **kwargs):  # noqa: ANN002, ANN003, ANN202
            count[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(winograd, name, spy)
    return count


def rel(a: np.ndarray, ref: np.ndarray) -> float:
    """max |a - ref| / max |ref|: the brief's accuracy measure."""
    return float(np.abs(a - ref).max() / max(np.abs(ref).max(), 1e-300))


def run(algo: str, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, g: np.ndarray,
        padding: int, needs: str = "xwb") -> tuple:
    """Output and the gradients of the operands named in ``needs``, all under ``algo``."""
    X = mg.tensor(x, requires_grad="x" in needs)
    W = mg.tensor(w, requires_grad="w" in needs)
    B = None if b is None else mg.tensor(b, requires_grad="b" in needs)
    with winograd.algorithm(algo):
        y = F.conv2d(X, W, B, padding=padding)
        y.backward(mg.tensor(g))
    grads = tuple(None if t is None or t.grad is None else t.grad.numpy() for t in (X, W, B))
    return (y.detach().numpy(),) + grads


def operands(n: int, c: int, h: int, w: int, fn: int, padding: int, dtype: type,
             seed: int = 0) -> tuple:
    r = np.random.default_rng(seed)
    x = r.standard_normal((n, c, h, w)).astype(dtype)
    wt = r.standard_normal((fn, c, 3, 3)).astype(dtype)
    b = r.standard_normal(fn).astype(dtype)
    oh, ow = h + 2 * padding - 2, w + 2 * padding - 2
    return x, wt, b, r.standard_normal((n, fn, oh, ow)).astype(dtype)


SHAPES = [  # (N, C, H, W, FN, padding)
    (2, 3, 6, 8, 4, 1),  # even output: whole tiles
    (2, 3, 5, 7, 4, 1),  # odd H and W: the last tile is partial
    (1, 2, 1, 1, 3, 1),  # 1x1 image, batch 1
    (3, 2, 2, 3, 2, 2),  # padding 2 on a 2x3 image
    (1, 4, 3, 3, 5, 0),  # no padding: a 1x1 output
    (2, 5, 4, 9, 3, 0),
    (1, 3, 3, 2, 2, 2),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
def test_winograd_matches_im2col_in_every_pass(shape: tuple, dtype: type,
                                               calls: dict[str, int]) -> None:
    *dims, padding = shape
    x, w, b, g = operands(*dims, padding, dtype)
    wino = run("winograd", x, w, b, g, padding)
    assert calls == {"forward": 1, "input_grad": 1, "weight_grad": 1}
    ref = run("im2col", x, w, b, g, padding)
    assert calls == {"forward": 1, "input_grad": 1, "weight_grad": 1}  # im2col: untouched
    for got, want, what in zip(wino, ref, ("output", "dx", "dw", "db")):
        assert got.shape == want.shape and got.dtype == want.dtype == dtype, what
        assert rel(got, want) <= TOL[dtype], what


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES[:4])
def test_winograd_matches_torch(shape: tuple, dtype: type) -> None:
    torch = pytest.importorskip("torch")
    *dims, padding = shape
    x, w, b, g = operands(*dims, padding, dtype, seed=1)
    got = run("winograd", x, w, b, g, padding)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = torch.nn.functional.conv2d(tx, tw, tb, padding=padding)
    ty.backward(torch.tensor(g))
    for mine, theirs in zip(got, (ty, tx.grad, tw.grad, tb.grad)):
        assert mine.shape == tuple(theirs.shape)
        assert rel(mine, theirs.detach().numpy()) <= TOL[dtype]


def test_float32_error_within_1e4_on_a_realistic_layer(calls: dict[str, int]) -> None:
    """64 channels, 16x16, unit-variance data: the accumulated transform error stays small."""
    x, w, b, g = operands(4, 64, 16, 16, 32, 1, np.float32, seed=2)
    wino = run("winograd", x, w, b, g, 1)
    exact = run("im2col", *(a.astype(np.float64) for a in (x, w, b, g)), 1)
    assert calls["forward"] == calls["input_grad"] == calls["weight_grad"] == 1
    for got, want in zip(wino, exact):
        assert rel(got, want) <= 1e-4


@pytest.mark.parametrize("needs", ["x", "w", "b", "wb", "xb"])
def test_only_some_operands_need_a_gradient(needs: str) -> None:
    x, w, b, g = operands(2, 3, 5, 6, 4, 1, np.float64, seed=3)
    wino = run("winograd", x, w, b, g, 1, needs)
    ref = run("im2col", x, w, b, g, 1, needs)
    for got, want, name in zip(wino[1:], ref[1:], "xwb"):
        assert (got is None) == (name not in needs) == (want is None)
        if got is not None:
            assert rel(got, want) <= 1e-10


def test_non_contiguous_input_and_gradient(calls: dict[str, int]) -> None:
    r = np.random.default_rng(4)
    x = r.standard_normal((3, 7, 2, 5)).transpose(2, 0, 3, 1)[..., ::1, :]  # (2, 3, 5, 7)
    x = x[:, :, :, ::-1]
    w = r.standard_normal((3, 4, 3, 3)).transpose(1, 0, 2, 3)  # (4, 3, 3, 3), strided
    g = r.standard_normal((2, 4, 7, 5)).transpose(0, 1, 3, 2)  # (2, 4, 5, 7), strided
    assert not (x.flags.c_contiguous or w.flags.c_contiguous or g.flags.c_contiguous)
    wino = run("winograd", x, w, None, g, 1, "xw")
    ref = run("im2col", np.ascontiguousarray(x), np.ascontiguousarray(w), None,
              np.ascontiguousarray(g), 1, "xw")
    assert calls == {"forward": 1, "input_grad": 1, "weight_grad": 1}
    for got, want in zip(wino[:3], ref[:3]):
        assert rel(got, want) <= 1e-10


def test_gradcheck_and_gradgradcheck_with_winograd_forced(calls: dict[str, int]) -> None:
    r = np.random.default_rng(5)
    x, w, b = (mg.tensor(r.uniform(-2, 2, s), requires_grad=True)
               for s in ((2, 2, 5, 4), (3, 2, 3, 3), (3,)))
    with winograd.algorithm("winograd"):
        assert mg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=1), (x, w, b))
        assert mg.gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=2), (x, w, b))
    assert min(calls.values()) > 0


def test_conv_transpose2d_3x3_stride_1_uses_winograd(calls: dict[str, int]) -> None:
    r = np.random.default_rng(6)
    x, w, b = r.standard_normal((2, 4, 5, 6)), r.standard_normal((4, 3, 3, 3)), r.standard_normal(3)
    with winograd.algorithm("winograd"):
        got = F.conv_transpose2d(mg.tensor(x), mg.tensor(w), mg.tensor(b), padding=1).numpy()
    assert calls["input_grad"] == 1
    with winograd.algorithm("im2col"):
        want = F.conv_transpose2d(mg.tensor(x), mg.tensor(w), mg.tensor(b), padding=1).numpy()
    assert rel(got, want) <= 1e-10


def test_backward_outside_the_block_reuses_the_saved_tiles(calls: dict[str, int]) -> None:
    """The forward's choice of saved buffer decides the weight gradient: tiles saved under
    "winograd" are used even when the backward runs under "im2col", and vice versa."""
    x, w, b, g = operands(2, 3, 5, 5, 2, 1, np.float64, seed=7)
    X, W = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    with winograd.algorithm("winograd"):
        y = F.conv2d(X, W, padding=1)
    with winograd.algorithm("im2col"):
        y.backward(mg.tensor(g))
    assert calls == {"forward": 1, "input_grad": 0, "weight_grad": 1}
    ref = run("im2col", x, w, None, g, 1, "xw")
    assert rel(W.grad.numpy(), ref[2]) <= 1e-10 and rel(X.grad.numpy(), ref[1]) <= 1e-10
    X.grad = W.grad = None
    with winograd.algorithm("im2col"):
        y = F.conv2d(X, W, padding=1)
    with winograd.algorithm("winograd"):
        y.backward(mg.tensor(g))
    assert calls["weight_grad"] == 1 and calls["input_grad"] == 1  # columns saved: im2col dw
    assert rel(W.grad.numpy(), ref[2]) <= 1e-10 and rel(X.grad.numpy(), ref[1]) <= 1e-10


@pytest.mark.parametrize("kwargs", [dict(stride=2, padding=1), dict(dilation=2, padding=2),
                                    dict(groups=2, padding=1)])
def test_geometries_winograd_cannot_do_stay_on_im2col(kwargs: dict,
                                                      calls: dict[str, int]) -> None:
    r = np.random.default_rng(8)
    x = mg.tensor(r.standard_normal((1, 4, 6, 6)), requires_grad=True)
    w = mg.tensor(r.standard_normal((4, 4 // kwargs.get("groups", 1), 3, 3)),
                  requires_grad=True)
    with winograd.algorithm("winograd"):
        F.conv2d(x, w, **kwargs).sum().backward()
        F.conv2d(x, mg.tensor(r.standard_normal((2, 4, 5, 5))), padding=2).sum().backward()
    assert calls == {"forward": 0, "input_grad": 0, "weight_grad": 0}


def test_possible_and_auto_rule() -> None:
    g = geometry((32, 64, 32, 32), 3, 1, 1, op="conv2d")
    assert winograd.possible(g)
    assert not winograd.possible(geometry((32, 64, 32, 32), 3, 2, 1, op="conv2d"))
    assert not winograd.possible(geometry((0, 64, 32, 32), 3, 1, 1, op="conv2d"))
    with winograd.algorithm("winograd"):
        assert winograd.applies(g, 16)
    with winograd.algorithm("im2col"):
        assert not winograd.applies(g, 128)
    small = geometry((32, 8, 32, 32), 3, 1, 1, op="conv2d")
    assert not winograd.applies(small, 8)  # auto: small channel counts stay on im2col


def test_algorithm_is_thread_local_nested_and_checked() -> None:
    assert winograd.get_algorithm() == "auto"
    seen = []
    with winograd.algorithm("winograd"):
        with winograd.algorithm("im2col"):
            assert winograd.get_algorithm() == "im2col"
        assert winograd.get_algorithm() == "winograd"
        th = threading.Thread(target=lambda: seen.append(winograd.get_algorithm()))
        th.start()
        th.join()
    assert seen == ["auto"] and winograd.get_algorithm() == "auto"
    with pytest.raises(ValueError, match="winograd.algorithm: expected one of"):
        with winograd.algorithm("fft"):
            pass
    assert winograd.get_algorithm() == "auto"
