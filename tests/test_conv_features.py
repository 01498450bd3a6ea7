"""conv2d with groups, dilation, 'same'/'valid' padding, and conv_transpose2d: values and
every gradient against PyTorch over seeded configurations, gradcheck and gradgradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def _conv_configs(seed: int, count: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        groups = int(rng.choice([1, 2, 3]))
        c, fn = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
        sh, sw = (int(v) for v in rng.integers(1, 3, size=2))
        dh, dw = (int(v) for v in rng.integers(1, 3, size=2))
        ph, pw = (int(v) for v in rng.integers(0, 3, size=2))
        h, w = (int(v) for v in rng.integers(4, 9, size=2))
        if h + 2 * ph < dh * (kh - 1) + 1 or w + 2 * pw < dw * (kw - 1) + 1:
            continue
        out.append(dict(n=int(rng.integers(1, 3)), c=c, fn=fn, h=h, w=w, k=(kh, kw),
                        stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw), groups=groups,
                        bias=bool(rng.integers(0, 2)), seed=int(rng.integers(1 << 30))))
    return out


def _grads(outs, ins, upstream):
    return outs, ins, upstream


def _compare(mg_out, t_out, mg_inputs, t_inputs, upstream, rtol=1e-10):
    assert mg_out.shape == tuple(t_out.shape)
    np.testing.assert_allclose(mg_out.data, t_out.detach().numpy(), rtol=rtol, atol=1e-10)
    (mg_out * mg.tensor(upstream)).sum().backward()
    (t_out * torch.tensor(upstream)).sum().backward()
    for a, b in zip(mg_inputs, t_inputs):
        if a is None:
            continue
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=rtol, atol=1e-10)


@pytest.mark.parametrize("cfg", _conv_configs(0, 40), ids=lambda c: str(c["seed"]))
def test_conv2d_groups_dilation_stride_padding_match_torch(cfg):
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal((cfg["n"], cfg["c"], cfg["h"], cfg["w"]))
    x = np.asfortranarray(x) if cfg["seed"] % 2 else x  # non-contiguous half the time
    w = rng.standard_normal((cfg["fn"], cfg["c"] // cfg["groups"], *cfg["k"]))
    b = rng.standard_normal(cfg["fn"]) if cfg["bias"] else None
    kw = dict(stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"],
              groups=cfg["groups"])
    mx, mw = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    mb = mg.tensor(b, requires_grad=True) if b is not None else None
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True) if b is not None else None
    y = F.conv2d(mx, mw, mb, **kw)
    ty = torch.nn.functional.conv2d(tx, tw, tb, **kw)
    up = rng.standard_normal(tuple(ty.shape))
    _compare(y, ty, [mx, mw, mb], [tx, tw, tb], up)


@pytest.mark.parametrize("cfg", _conv_configs(1, 30), ids=lambda c: str(c["seed"]))
def test_conv_transpose2d_matches_torch(cfg):
    rng = np.random.default_rng(cfg["seed"])
    g = cfg["groups"]
    cin, cout = cfg["c"], cfg["fn"]
    x = rng.standard_normal((cfg["n"], cin, cfg["h"] - 2, cfg["w"] - 2))
    w = rng.standard_normal((cin, cout // g, *cfg["k"]))
    b = rng.standard_normal(cout) if cfg["bias"] else None
    s, d = cfg["stride"], cfg["dilation"]
    op = tuple(int(rng.integers(0, max(si, di))) for si, di in zip(s, d))
    p = tuple(min(pi, (k - 1) * di // 2) for pi, k, di in zip(cfg["padding"], cfg["k"], d))
    kw = dict(stride=s, padding=p, output_padding=op, groups=g, dilation=d)
    mx, mw = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
    mb = mg.tensor(b, requires_grad=True) if b is not None else None
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True) if b is not None else None
    ty = torch.nn.functional.conv_transpose2d(tx, tw, tb, **kw)
    y = F.conv_transpose2d(mx, mw, mb, **kw)
    up = rng.standard_normal(tuple(ty.shape))
    _compare(y, ty, [mx, mw, mb], [tx, tw, tb], up)


@pytest.mark.parametrize("k,dilation", [((3, 3), 1), ((4, 2), 1), ((3, 2), (2, 3)), ((1, 1), 1)])
def test_padding_same_and_valid_match_torch(k, dilation):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 7, 6))
    w = rng.standard_normal((4, 2, *k))
    for padding in ("same", "valid"):
        mx, mw = mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True)
        tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        y = F.conv2d(mx, mw, padding=padding, dilation=dilation, groups=2)
        ty = torch.nn.functional.conv2d(tx, tw, padding=padding, dilation=dilation, groups=2)
        _compare(y, ty, [mx, mw], [tx, tw], rng.standard_normal(tuple(ty.shape)))


def test_padding_same_refuses_strides_like_torch():
    with pytest.raises(ValueError, match="conv2d: padding='same' is not supported for strided"):
        F.conv2d(mg.zeros(1, 1, 5, 5), mg.zeros(1, 1, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match="conv2d: padding must be an int, a pair, 'same'"):
        F.conv2d(mg.zeros(1, 1, 5, 5), mg.zeros(1, 1, 3, 3), padding="full")


CASES = {
    "groups_dilation": (lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2),
                                                 dilation=(2, 1), groups=2),
                        ((1, 4, 5, 6), (2, 2, 2, 3), (2,))),
    "depthwise": (lambda x, w, b: F.conv2d(x, w, b, padding=1, groups=3),
                  ((2, 3, 4, 4), (3, 1, 3, 3), (3,))),
    "transpose_groups": (lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1,
                                                            output_padding=1, groups=2,
                                                            dilation=1),
                         ((1, 4, 3, 3), (4, 1, 3, 3), (2,))),
    "transpose_dilated": (lambda x, w, b: F.conv_transpose2d(x, w, b, stride=1, dilation=2),
                          ((1, 2, 3, 4), (2, 3, 2, 2), (3,))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_new_conv_forms_pass_gradcheck_and_gradgradcheck(name):
    fn, shapes = CASES[name]
    rng = np.random.default_rng(5)
    inputs = [mg.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_conv_transpose2d_is_the_input_gradient_of_conv2d():
    rng = np.random.default_rng(8)
    x = mg.tensor(rng.standard_normal((2, 4, 7, 7)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((6, 2, 3, 3)))
    y = F.conv2d(x, w, stride=2, padding=1, groups=2)
    g = mg.tensor(rng.standard_normal(y.shape))
    (y * g).sum().backward()
    back = F.conv_transpose2d(g, w, stride=2, padding=1, groups=2)
    np.testing.assert_allclose(back.data, x.grad.data, rtol=1e-12)


def test_bad_groups_and_output_padding_are_refused_clearly():
    x = mg.zeros(1, 4, 5, 5)
    with pytest.raises(ValueError, match=r"conv2d: expected input of shape \(N, 3, H, W\), "
                                         r"got \(1, 4, 5, 5\).*groups=3"):
        F.conv2d(x, mg.zeros(3, 1, 3, 3), groups=3)
    with pytest.raises(ValueError, match="conv2d: weight .* not divisible by groups=2"):
        F.conv2d(x, mg.zeros(3, 2, 3, 3), groups=2)
    with pytest.raises(ValueError, match="conv2d: groups must be >= 1, got 0"):
        F.conv2d(x, mg.zeros(3, 4, 3, 3), groups=0)
    with pytest.raises(TypeError, match="conv2d: groups must be an int, got 1.5"):
        F.conv2d(x, mg.zeros(3, 4, 3, 3), groups=1.5)
    with pytest.raises(ValueError, match="conv2d: dilation must be positive"):
        F.conv2d(x, mg.zeros(3, 4, 3, 3), dilation=0)
    with pytest.raises(ValueError, match="conv_transpose2d: output_padding .* smaller than"):
        F.conv_transpose2d(x, mg.zeros(4, 1, 3, 3), stride=2, output_padding=2)


# --------------------------------------------------------------------------- fast paths


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
def test_1x1_fast_path_equals_the_im2col_path_and_torch(layout, monkeypatch):
    from minigrad.kernels import conv as conv_kernels

    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 5, 7, 6))
    if layout == "transposed":
        x = rng.standard_normal((3, 5, 6, 7)).transpose(0, 1, 3, 2)
    w, b = rng.standard_normal((4, 5, 1, 1)), rng.standard_normal(4)
    up = rng.standard_normal((3, 4, 7, 6))

    def run():
        mx, mw, mb = (mg.tensor(a, requires_grad=True) for a in (x, w, b))
        y = F.conv2d(mx, mw, mb)
        (y * mg.tensor(up)).sum().backward()
        return y.data, mx.grad.data, mw.grad.data, mb.grad.data

    fast = run()
    monkeypatch.setattr(conv_kernels, "_pointwise", lambda g: False)
    plain = run()
    for a, p in zip(fast, plain):
        np.testing.assert_allclose(a, p, rtol=1e-12, atol=1e-12)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = torch.nn.functional.conv2d(tx, tw, tb)
    (ty * torch.tensor(up)).sum().backward()
    for a, t in zip(fast, (ty, tx.grad, tw.grad, tb.grad)):
        np.testing.assert_allclose(a, t.detach().numpy(), rtol=1e-10, atol=1e-10)


def test_1x1_fast_path_passes_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(12)
    inputs = [mg.tensor(rng.standard_normal(s), requires_grad=True)
              for s in ((2, 3, 3, 4), (2, 3, 1, 1), (2,))]
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b), inputs)
    assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b), inputs)
    f32 = F.conv2d(mg.ones(1, 2, 3, 3, dtype=np.float32), mg.ones(4, 2, 1, 1, dtype=np.float32))
    assert f32.dtype == np.float32
