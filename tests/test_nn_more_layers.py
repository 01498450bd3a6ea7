"""nn.EmbeddingBag / F.embedding_bag and nn.ConvTranspose3d / F.conv_transpose3d against
PyTorch: signatures, reprs, state-dict keys and initialisation; values, dtypes and every
input's and parameter's gradient in float32 and float64 over many random settings; layers
loaded from a torch layer's state_dict; gradcheck and gradgradcheck in float64; bad calls
raise PyTorch's exception type with a message that starts with the op's name. Tests that
need torch take the ``torch`` fixture (skipped without it); the others run anyway."""

from __future__ import annotations

import inspect
import io
import math
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from helpers import assert_gradchecks, compare_with_torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

TOL = {np.float32: 2e-5, np.float64: 1e-10}
DTYPES = [np.float32, np.float64]
MODES = ["sum", "mean", "max"]
rng = np.random.default_rng(17)


def normal(*shape: int, dtype: type = np.float64) -> np.ndarray:
    return rng.normal(size=shape).astype(dtype)


def _params(fn: Callable) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


def _torch_error(call: Callable) -> BaseException:
    """The exception PyTorch raises for ``call`` (fails if it raises none)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call()
    except Exception as e:  # noqa: BLE001 (the type is what is compared)
        return e
    raise AssertionError("PyTorch accepted the call")


# ------------------------------------------------------------------ signatures

def test_signatures_are_pytorchs(torch) -> None:  # noqa: ANN001
    for name in ["EmbeddingBag", "ConvTranspose3d"]:
        assert _params(getattr(nn, name)) == _params(getattr(torch.nn, name)), name
    assert _params(nn.EmbeddingBag.from_pretrained) == _params(
        torch.nn.EmbeddingBag.from_pretrained)
    assert _params(F.embedding_bag) == _params(torch.nn.functional.embedding_bag)
    assert "conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, " \
           "groups=1, dilation=1)" in torch.nn.functional.conv_transpose3d.__doc__
    assert [p[0] for p in _params(F.conv_transpose3d)] == [
        "input", "weight", "bias", "stride", "padding", "output_padding", "groups", "dilation"]
    for name in ["EmbeddingBag", "ConvTranspose3d"]:
        assert name in nn.__all__
    assert F.embedding_bag is mg.nn.functional.embedding_bag


# ------------------------------------------------------------------ F.embedding_bag

def _bag_case(seed: int) -> dict:
    """A random embedding_bag call: 1-D input cut by sorted offsets (empty bags, a padding
    row, CSR offsets with include_last_offset) or a 2-D input of equal bags."""
    r = np.random.default_rng(seed)
    rows, dim = int(r.integers(1, 9)), int(r.integers(1, 5))
    mode = MODES[seed % 3]
    case = {"rows": rows, "dim": dim, "mode": mode,
            "padding_idx": int(r.integers(-rows, rows)) if r.random() < 0.5 else None,
            "psw": mode == "sum" and r.random() < 0.6}
    if r.random() < 0.3:
        shape = (int(r.integers(0, 4)), int(r.integers(1, 5)))
        case.update(idx=r.integers(0, rows, size=shape), offsets=None, last=False)
        return case
    n = int(r.integers(0, 12))
    cuts = np.sort(r.integers(0, n + 1, size=int(r.integers(1, 5))))
    cuts[0] = 0
    last = bool(r.random() < 0.4)
    offsets = np.append(cuts, n) if last else cuts
    int32 = r.random() < 0.3
    case.update(idx=r.integers(0, rows, size=n).astype(np.int32 if int32 else np.int64),
                offsets=offsets.astype(np.int32 if int32 else np.int64), last=last)
    return case


def _compare_bag(torch, case: dict, dtype: type) -> None:  # noqa: ANN001
    arrays = [case["idx"], normal(case["rows"], case["dim"], dtype=dtype)]
    if case["psw"]:
        arrays.append(normal(*case["idx"].shape, dtype=dtype))
    off = case["offsets"]
    kw = {"mode": case["mode"], "padding_idx": case["padding_idx"],
          "include_last_offset": case["last"]}

    def call(lib: object, tensor: Callable) -> Callable:
        return lambda i, w, *p: lib.embedding_bag(
            i, w, None if off is None else tensor(off), per_sample_weights=p[0] if p else None,
            **kw)

    compare_with_torch(call(F, mg.tensor), call(torch.nn.functional, torch.tensor), arrays,
                       [False, True, True][:len(arrays)], tol=TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(24))
def test_embedding_bag_matches_pytorch_on_random_bags(torch, seed: int,  # noqa: ANN001
                                                      dtype: type) -> None:
    _compare_bag(torch, _bag_case(seed), dtype)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(24, 224))
def test_embedding_bag_matches_pytorch_on_many_more_bags(torch, seed: int) -> None:  # noqa: ANN001
    _compare_bag(torch, _bag_case(seed), np.float64)


# (input, offsets, keyword arguments): the edges by name
BAGS = [
    ([1, 2, 4, 5, 4, 3, 2, 9, 1, 1], [0, 3, 3, 7], {}),                    # an empty bag
    ([1, 2, 4, 5, 4, 3, 2, 9, 1, 1], [0, 3, 3, 7], {"padding_idx": 4}),
    ([1, 2, 4, 5, 4, 3, 2, 9, 1, 1], [0, 3, 3, 7, 10], {"include_last_offset": True,
                                                       "padding_idx": -1}),
    ([4, 4, 4], [0], {"padding_idx": 4}),                                   # all padding
    ([], [0, 0], {}),                                                       # no indices
    ([[1, 2, 1], [0, 0, 5]], None, {"padding_idx": 1}),                     # 2-D
    ([[7, 7]], None, {}),                                                   # a repeated row
    (np.zeros((0, 3), np.int64), None, {}),                                 # no 2-D bags
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("idx,offsets,kw", BAGS)
def test_embedding_bag_edges_match_pytorch(torch, idx: list, offsets: list | None,  # noqa: ANN001
                                           kw: dict, mode: str, dtype: type) -> None:
    idx = np.asarray(idx, np.int64)
    case = {"idx": idx, "offsets": None if offsets is None else np.asarray(offsets, np.int64),
            "rows": 10, "dim": 3, "mode": mode, "psw": False,
            "padding_idx": kw.get("padding_idx"), "last": kw.get("include_last_offset", False)}
    _compare_bag(torch, case, dtype)
    if mode == "sum" and idx.size:
        _compare_bag(torch, {**case, "psw": True}, dtype)


def test_embedding_bag_max_picks_the_first_largest_as_pytorch(torch) -> None:  # noqa: ANN001
    """PyTorch's loop takes a later value only if strictly greater: of equal maxima the
    first gets the gradient, a leading NaN stays, a later NaN never wins."""
    nan, inf = float("nan"), float("inf")
    w = np.array([[1, 5, nan], [3, 2, -inf], [3, 7, 0], [nan, 7, -inf], [-0.0, 0.0, inf]])
    for idx, off in [([0, 1, 2, 3], [0]), ([2, 1, 0], [0, 1]), ([3, 0, 1, 4], [0, 2]),
                     ([4, 1, 2, 2], [0])]:
        arrays = [np.array(idx), w]
        compare_with_torch(
            lambda i, w, o=off: F.embedding_bag(i, w, mg.tensor(o), mode="max"),
            lambda i, w, o=off: torch.nn.functional.embedding_bag(i, w, torch.tensor(o),
                                                                  mode="max"),
            arrays, [False, True], tol=0)


def test_embedding_bag_without_torch() -> None:
    w = mg.arange(8.0).reshape(4, 2)
    assert F.embedding_bag(mg.tensor([0, 1, 3]), w, mg.tensor([0, 2]), mode="sum").tolist() == [
        [2.0, 4.0], [6.0, 7.0]]
    assert F.embedding_bag(mg.tensor([[0, 2], [3, 3]]), w).tolist() == [[2.0, 3.0], [6.0, 7.0]]
    out = F.embedding_bag(mg.tensor([0, 1, 3, 3]), w, mg.tensor([0, 0, 3]), mode="max",
                          padding_idx=1)
    assert out.tolist() == [[0.0, 0.0], [6.0, 7.0], [6.0, 7.0]]
    # include_last_offset: the last bag ends at offsets[-1] (PyTorch's CSR layout)
    out = F.embedding_bag(mg.tensor([0, 1, 3, 3]), w, mg.tensor([0, 2, 3]), mode="mean",
                          include_last_offset=True)
    assert out.tolist() == [[1.0, 2.0], [6.0, 7.0]]
    psw = mg.tensor([1.0, 2.0, 0.5], requires_grad=True)
    out = F.embedding_bag(mg.tensor([0, 1, 1]), w, mg.tensor([0]), mode="sum",
                          per_sample_weights=psw)
    out.sum().backward()
    assert out.tolist() == [[5.0, 8.5]] and psw.grad.tolist() == [1.0, 5.0, 5.0]
    for mode in MODES:  # no bags (PyTorch 2.13 crashes on this in 'mean' and 'max')
        assert F.embedding_bag(mg.tensor([3]), w, mg.tensor([], dtype=mg.int64),
                               mode=mode).shape == (0, 2)
    with pytest.warns(UserWarning, match="Argument order of nn.functional.embedding_bag"):
        legacy = F.embedding_bag(w, mg.tensor([0, 1]), mg.tensor([0]))
    assert legacy.tolist() == [[1.0, 2.0]]


@pytest.mark.parametrize("mode,psw", [("sum", True), ("sum", False), ("mean", False),
                                      ("max", False)])
def test_embedding_bag_gradcheck_and_gradgradcheck(mode: str, psw: bool) -> None:
    idx, off = mg.tensor([0, 2, 2, 1, 3, 0, 4]), mg.tensor([0, 3, 3, 5])

    def call(w: mg.Tensor, *p: mg.Tensor) -> mg.Tensor:
        return F.embedding_bag(idx, w, off, mode=mode, padding_idx=4,
                               per_sample_weights=p[0] if p else None)

    # distinct values, so a max is not a tie that a nudge could flip
    w = np.arange(15.0).reshape(5, 3) * 0.37 % 1.3 + normal(5, 3) * 1e-3
    assert_gradchecks(call, [w, normal(7)] if psw else [w])


BAD_BAGS = [  # (call, what the message names after "embedding_bag: ")
    (lambda f, t: f.embedding_bag(t([[[1]]]), t(np.ones((4, 2))), None), ["1D or 2D", "3"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones((4, 2)))), ["offsets", "None"]),
    (lambda f, t: f.embedding_bag(t([[1, 2]]), t(np.ones((4, 2))), t([0])), ["offsets", "2D"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones((4, 2))), t([[0]])), ["offsets", "1D"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones(4)), t([0])), ["weight", "2D", "1"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones((4, 2))), t([0]), mode="min"),
     ["mode", "sum, mean or max"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones((4, 2))), t([0]),
                                  per_sample_weights=t(np.ones(2))), ["per_sample_weights",
                                                                      "mode='sum'"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones((4, 2))), t([0]), mode="sum",
                                  per_sample_weights=t(np.ones(3))), ["per_sample_weights",
                                                                      "same shape"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones((4, 2), np.float32)), t([0]),
                                  mode="sum", per_sample_weights=t(np.ones(2))),
     ["per_sample_weights", "float64", "float32"]),
    (lambda f, t: f.embedding_bag(t([1.0, 2.0]), t(np.ones((4, 2))), t([0])), ["float"]),
    (lambda f, t: f.embedding_bag(t([1, 4]), t(np.ones((4, 2))), t([0])),
     ["Index 1", "value 4", "[0, 4)"]),
    (lambda f, t: f.embedding_bag(t([1, -1]), t(np.ones((4, 2))), t([0])), ["value -1"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones((4, 2))), t([1])), ["offsets[0]", "1"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones((4, 2))), t([0, 3])),
     ["offsets[-1]", "length 2", "3"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones((4, 2))), t([0, -1])), ["negative"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones((4, 2))), t([0]), padding_idx=4),
     ["padding_idx", "-4 through 3", "4"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones((4, 2))), t(np.zeros(0, np.int64)),
                                  include_last_offset=True), ["include_last_offset"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones((4, 2))), t([0]), mode="max",
                                  scale_grad_by_freq=True), ["max mode", "frequency"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones((4, 2))), t([0]), mode="max",
                                  sparse=True), ["max mode", "sparse"]),
    (lambda f, t: f.embedding_bag(t([1, 2]), t(np.ones((4, 2), np.int64)), t([0])),
     ["floating point weight", "int64"]),
    (lambda f, t: f.embedding_bag(t(np.zeros((2, 0), np.int64)), t(np.ones((4, 2)))),
     ["(2, 0)"]),
]


@pytest.mark.parametrize("call,names", BAD_BAGS, ids=[str(i) for i in range(len(BAD_BAGS))])
def test_embedding_bag_bad_calls_raise_pytorchs_type(torch, call: Callable,  # noqa: ANN001
                                                     names: list) -> None:
    theirs = _torch_error(lambda: call(torch.nn.functional, torch.tensor))
    with pytest.raises(type(theirs)) as ours:
        call(F, mg.tensor)
    message = str(ours.value)
    assert type(ours.value) is type(theirs) and message.startswith("embedding_bag: "), message
    for part in names:
        assert part in message, (part, message)


def test_embedding_bag_refuses_what_minigrad_does_not_do() -> None:
    args = mg.tensor([1, 2]), mg.ones(4, 2), mg.tensor([0])
    for kw in [{"max_norm": 1.0}, {"scale_grad_by_freq": True}, {"sparse": True}]:
        with pytest.raises(NotImplementedError, match=r"^embedding_bag: max_norm, "
                                                      r"scale_grad_by_freq and sparse"):
            F.embedding_bag(*args, **kw)
        with pytest.raises(NotImplementedError, match=r"^EmbeddingBag: max_norm"):
            nn.EmbeddingBag(4, 2, **kw)
    # decreasing offsets: PyTorch reads past a bag's end or fails, depending on the sizes
    with pytest.raises(RuntimeError, match=r"^embedding_bag: offsets must not decrease, got "
                                           r"\[0, 2, 1\]"):
        F.embedding_bag(mg.tensor([1, 2, 3]), mg.ones(4, 2), mg.tensor([0, 2, 1]))
    with pytest.raises(TypeError, match=r"embedding_bag: argument 'input' must be Tensor"):
        F.embedding_bag([1, 2], mg.ones(4, 2), mg.tensor([0]))


# ------------------------------------------------------------------ nn.EmbeddingBag

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", [{}, {"mode": "sum", "padding_idx": 2},
                                    {"mode": "max", "padding_idx": -1},
                                    {"include_last_offset": True, "norm_type": 1.0}])
def test_embedding_bag_layer_matches_pytorch(torch, kwargs: dict,  # noqa: ANN001
                                             dtype: type) -> None:
    tdtype = getattr(torch, np.dtype(dtype).name)
    ref = torch.nn.EmbeddingBag(9, 4, dtype=tdtype, **kwargs)
    layer = nn.EmbeddingBag(9, 4, dtype=dtype, **kwargs)
    assert repr(layer) == repr(ref) and list(layer.state_dict()) == list(ref.state_dict())
    assert layer.padding_idx == ref.padding_idx and layer.weight.dtype == dtype
    layer.load_state_dict({k: v.numpy() for k, v in ref.state_dict().items()})
    idx, off = np.array([1, 2, 8, 2, 0, 5, 5]), np.array([0, 2, 2, 5, 7])
    if not kwargs.get("include_last_offset"):
        off = off[:-1]
    out, theirs = layer(mg.tensor(idx), mg.tensor(off)), ref(torch.tensor(idx),
                                                             torch.tensor(off))
    g = normal(*out.shape, dtype=dtype)
    (out * mg.tensor(g)).sum().backward()
    (theirs * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), theirs.detach().numpy(), rtol=TOL[dtype],
                               atol=TOL[dtype])
    np.testing.assert_allclose(layer.weight.grad.numpy(), ref.weight.grad.numpy(),
                               rtol=TOL[dtype], atol=TOL[dtype])
    two_d = np.array([[1, 2, 3], [4, 4, 0]])
    np.testing.assert_allclose(layer(mg.tensor(two_d)).detach().numpy(),
                               ref(torch.tensor(two_d)).detach().numpy(), rtol=TOL[dtype],
                               atol=TOL[dtype])


def test_embedding_bag_layer_init_and_from_pretrained(torch) -> None:  # noqa: ANN001
    mg.manual_seed(0)
    layer = nn.EmbeddingBag(400, 50, padding_idx=3)
    w = layer.weight.detach().numpy()
    assert w.dtype == np.float32 and (w[3] == 0).all()
    assert abs(w.mean()) < 0.02 and w.std() == pytest.approx(1.0, rel=0.02)  # N(0, 1)
    table = np.arange(6.0).reshape(3, 2)
    for freeze in (True, False):
        ours = nn.EmbeddingBag.from_pretrained(mg.tensor(table), freeze=freeze, mode="sum",
                                               padding_idx=0)
        theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(table), freeze=freeze,
                                                       mode="sum", padding_idx=0)
        assert repr(ours) == repr(theirs)
        assert ours.weight.requires_grad is theirs.weight.requires_grad is (not freeze)
        x = np.array([[0, 1, 2]])
        np.testing.assert_array_equal(ours(mg.tensor(x)).detach().numpy(),
                                      theirs(torch.tensor(x)).detach().numpy())
    assert nn.EmbeddingBag(3, 2, mode="min").mode == "min"  # refused at the call, as PyTorch
    with pytest.raises(ValueError, match="embedding_bag: mode has to be one of"):
        nn.EmbeddingBag(3, 2, mode="min")(mg.tensor([[0]]))


@pytest.mark.parametrize("call,match", [
    (lambda lib: lib.nn.EmbeddingBag(4, 2, padding_idx=4), r"EmbeddingBag: padding_idx"),
    (lambda lib: lib.nn.EmbeddingBag(4, 2, padding_idx=-5), r"EmbeddingBag: padding_idx"),
    (lambda lib: lib.nn.EmbeddingBag(4, 2, _weight=lib.ones(3, 2)),
     r"EmbeddingBag: Shape of weight .* \(3, 2\) is not \(4, 2\)"),
    (lambda lib: lib.nn.EmbeddingBag.from_pretrained(lib.ones(3)),
     r"EmbeddingBag.from_pretrained: Embeddings parameter is expected to be 2-dimensional"),
])
def test_embedding_bag_layer_bad_arguments(torch, call: Callable,  # noqa: ANN001
                                           match: str) -> None:
    assert isinstance(_torch_error(lambda: call(torch)), AssertionError)
    with pytest.raises(AssertionError, match=match):
        call(mg)


# ------------------------------------------------------------------ F.conv_transpose3d

def _transpose_case(seed: int) -> tuple:
    """A random conv_transpose3d: (input shape, weight shape, bias, keyword arguments)."""
    r = np.random.default_rng(1000 + seed)
    groups = int(r.choice([1, 1, 2, 3]))
    cin, cout = groups * int(r.integers(1, 3)), groups * int(r.integers(1, 3))
    kernel = tuple(int(k) for k in r.integers(1, 4, size=3))
    stride = tuple(int(s) for s in r.integers(1, 4, size=3))
    dilation = tuple(int(d) for d in r.integers(1, 3, size=3))
    padding = tuple(int(r.integers(0, 2)) for _ in range(3))
    output_padding = tuple(int(r.integers(0, max(s, d))) for s, d in zip(stride, dilation))
    sizes = [int(r.integers(1, 4)) for _ in range(3)]
    for i in range(3):  # grow the input until every output size is at least 1
        while (sizes[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) \
                + output_padding[i] + 1 < 1:
            sizes[i] += 1
    batch = [] if r.random() < 0.2 else [int(r.integers(0, 3)) if r.random() < 0.1 else 2]
    kw = {"stride": stride, "padding": padding, "output_padding": output_padding,
          "groups": groups, "dilation": dilation}
    return (*batch, cin, *sizes), (cin, cout // groups, *kernel), bool(r.random() < 0.7), kw


def _compare_transpose(torch, case: tuple, dtype: type) -> None:  # noqa: ANN001
    xs, ws, bias, kw = case
    arrays = [normal(*xs, dtype=dtype), normal(*ws, dtype=dtype)]
    if bias:
        arrays.append(normal(ws[1] * kw.get("groups", 1), dtype=dtype))
    compare_with_torch(lambda *a: F.conv_transpose3d(*a, **kw),
                       lambda *a: torch.nn.functional.conv_transpose3d(*a, **kw), arrays,
                       tol=TOL[dtype])


CONV_TRANSPOSE3D = [
    ((2, 4, 3, 4, 5), (4, 3, 2, 2, 2), True, {}),
    ((2, 4, 3, 4, 5), (4, 3, 3, 2, 3), True, {"stride": (2, 1, 3), "padding": (1, 0, 1),
                                              "output_padding": (1, 0, 2), "groups": 2,
                                              "dilation": (2, 1, 1)}),
    ((4, 3, 4, 5), (4, 3, 3, 2, 3), False, {"stride": 2, "padding": 1,
                                            "dilation": (1, 2, 3),
                                            "output_padding": (0, 1, 1)}),   # unbatched
    ((1, 2, 2, 2, 2), (2, 1, 1, 1, 1), True, {"dilation": 3, "output_padding": 2}),
    ((0, 2, 2, 3, 3), (2, 2, 2, 2, 2), True, {"stride": 2}),               # empty batch
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_TRANSPOSE3D)
def test_conv_transpose3d_matches_pytorch(torch, case: tuple, dtype: type) -> None:  # noqa: ANN001
    _compare_transpose(torch, case, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(12))
def test_conv_transpose3d_matches_pytorch_on_random_settings(torch, seed: int,  # noqa: ANN001
                                                             dtype: type) -> None:
    _compare_transpose(torch, _transpose_case(seed), dtype)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(12, 112))
def test_conv_transpose3d_matches_pytorch_on_many_more_settings(torch, seed: int) -> None:  # noqa: ANN001
    _compare_transpose(torch, _transpose_case(seed), np.float64)


def test_conv_transpose3d_gradcheck_and_gradgradcheck() -> None:
    def call(x: mg.Tensor, w: mg.Tensor, b: mg.Tensor) -> mg.Tensor:
        return F.conv_transpose3d(x, w, b, stride=(2, 1, 2), padding=(1, 0, 0),
                                  output_padding=(1, 0, 1), groups=2, dilation=(1, 2, 1))

    assert_gradchecks(call, [normal(1, 2, 2, 1, 2), normal(2, 1, 2, 2, 1), normal(2)])


def test_conv_transpose3d_is_conv3d_adjoint() -> None:
    """<conv3d(x, w), y> == <x, conv_transpose3d(y, w)>, which is what makes it the
    transpose; without torch."""
    x, w = mg.tensor(normal(2, 4, 5, 6, 8)), mg.tensor(normal(6, 2, 3, 2, 3))
    kw = {"stride": (2, 1, 2), "padding": (1, 1, 0), "dilation": (1, 2, 1), "groups": 2}
    y = mg.tensor(normal(*F.conv3d(x, w, **kw).shape))
    back = F.conv_transpose3d(y, w, **kw, output_padding=(0, 0, 1))
    assert back.shape == x.shape
    lhs = (F.conv3d(x, w, **kw) * y).sum().item()
    assert lhs == pytest.approx((x * back).sum().item(), rel=1e-10)


BAD_TRANSPOSES = [  # (input shape, weight shape, keyword arguments, what the message names)
    ((3, 4, 5), (4, 3, 2, 2, 2), {}, ["5-D input", "(3, 4, 5)"]),
    ((2, 4, 3, 4, 5), (4, 3, 2, 2), {}, ["5-D weight", "(4, 3, 2, 2)"]),
    ((2, 5, 3, 4, 5), (4, 3, 2, 2, 2), {}, ["(2, 5, 3, 4, 5)", "(4, 3, 2, 2, 2)"]),
    ((2, 4, 3, 4, 5), (4, 3, 2, 2, 2), {"stride": 2, "output_padding": 2},
     ["output_padding (2, 2, 2)", "stride (2, 2, 2)"]),
    ((2, 4, 3, 4, 5), (4, 3, 2, 2, 2), {"output_padding": -1}, ["output_padding"]),
    ((2, 4, 3, 4, 5), (4, 3, 2, 2, 2), {"padding": -1}, ["padding", "-1"]),
    ((2, 4, 3, 4, 5), (4, 3, 2, 2, 2), {"stride": 0}, ["stride", "0"]),
    ((2, 4, 3, 4, 5), (4, 3, 2, 2, 2), {"groups": 3}, ["groups=3"]),
    ((2, 4, 3, 4, 5), (4, 3, 2, 2, 2), {"groups": 0}, ["groups", "0"]),
    ((2, 4, 1, 4, 5), (4, 3, 1, 2, 2), {"padding": (1, 0, 0)}, ["empty output", "(-1, 5, 6)"]),
]


@pytest.mark.parametrize("xs,ws,kwargs,names", BAD_TRANSPOSES)
def test_conv_transpose3d_bad_calls_raise_pytorchs_type(torch, xs: tuple, ws: tuple,  # noqa: ANN001
                                                        kwargs: dict, names: list) -> None:
    theirs = _torch_error(lambda: torch.nn.functional.conv_transpose3d(
        torch.ones(xs), torch.ones(ws), **kwargs))
    with pytest.raises(type(theirs)) as ours:
        F.conv_transpose3d(mg.ones(*xs), mg.ones(*ws), **kwargs)
    message = str(ours.value)
    assert message.startswith("conv_transpose3d: "), message
    for part in names:
        assert part in message, (part, message)


def test_conv_transpose3d_bad_dtypes_and_bias() -> None:
    x, w = mg.ones(1, 2, 2, 2, 2), mg.ones(2, 3, 1, 1, 1)
    with pytest.raises(RuntimeError, match=r"^conv_transpose3d: input and weight must have "
                                           r"the same dtype"):
        F.conv_transpose3d(x.double(), w)
    with pytest.raises(RuntimeError, match=r"^conv_transpose3d: bias has shape \(2,\) .* "
                                           r"must have shape \(3,\)"):
        F.conv_transpose3d(x, w, mg.ones(2))
    with pytest.raises(TypeError, match=r"^conv_transpose3d: stride must be an int or a "
                                        r"triple of ints"):
        F.conv_transpose3d(x, w, stride=(1, 2))


# ------------------------------------------------------------------ nn.ConvTranspose3d

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kwargs", [{}, {"stride": (2, 1, 2), "padding": 1,
                                         "output_padding": (1, 0, 1), "groups": 2,
                                         "dilation": (1, 2, 1), "bias": False}])
def test_conv_transpose3d_layer_matches_pytorch(torch, kwargs: dict,  # noqa: ANN001
                                                dtype: type) -> None:
    tdtype = getattr(torch, np.dtype(dtype).name)
    ref = torch.nn.ConvTranspose3d(4, 6, 3, **kwargs, dtype=tdtype)
    layer = nn.ConvTranspose3d(4, 6, 3, **kwargs, dtype=dtype)
    assert repr(layer) == repr(ref) and list(layer.state_dict()) == list(ref.state_dict())
    layer.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    params = dict(layer.named_parameters())
    compare_with_torch(layer, ref, [normal(2, 4, 3, 4, 3, dtype=dtype)], tol=TOL[dtype])
    for name, p in ref.named_parameters():  # every parameter's gradient (compare_with_torch
        np.testing.assert_allclose(params[name].grad.numpy(), p.grad.numpy(),  # backed both)
                                   rtol=TOL[dtype], atol=TOL[dtype], err_msg=name)


def test_conv_transpose3d_layer_output_size_and_init(torch) -> None:  # noqa: ANN001
    ref = torch.nn.ConvTranspose3d(2, 3, 3, stride=(2, 3, 2), padding=1, dtype=torch.float64)
    layer = nn.ConvTranspose3d(2, 3, 3, stride=(2, 3, 2), padding=1, dtype=np.float64)
    layer.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    x = normal(1, 2, 3, 2, 4)
    for size in ([5, 4, 7], [6, 6, 8], [1, 3, 6, 5, 8]):
        ours, theirs = layer(mg.tensor(x), output_size=size), ref(torch.tensor(x),
                                                                  output_size=size)
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10)
    for size in ([9, 4, 7], [5, 7]):
        assert isinstance(_torch_error(lambda s=size: ref(torch.tensor(x), output_size=s)),
                          ValueError)
        with pytest.raises(ValueError, match=r"^ConvTranspose3d: "):
            layer(mg.tensor(x), output_size=size)
    mg.manual_seed(0)
    fresh = nn.ConvTranspose3d(4, 6, 3, groups=2)
    assert fresh.weight.shape == (4, 3, 3, 3, 3) and fresh.weight.dtype == np.float32
    bound = 1 / math.sqrt(3 * 27)  # fan_in of the transposed layout: weight.size(1) * k^3
    for p in (fresh.weight, fresh.bias):
        assert bound * 0.5 < np.abs(p.detach().numpy()).max() <= bound
    with pytest.raises(ValueError, match=r"^ConvTranspose3d: only padding_mode='zeros'"):
        nn.ConvTranspose3d(2, 3, 3, padding_mode="reflect")


# ------------------------------------------------------------------ ONNX export

def test_onnx_export_refuses_the_scatter_adds_by_name() -> None:
    """minigrad.onnx has no mapping for the scatter-add conv_transpose3d and the
    embedding_bag sum and mean are made of: it refuses them with its error, naming the
    op and the layer."""
    pytest.importorskip("onnx")
    from minigrad.onnx import UnsupportedOperatorError, export

    for model, x in [(nn.ConvTranspose3d(2, 3, 2, stride=2), mg.randn(1, 2, 2, 3, 3)),
                     (nn.EmbeddingBag(10, 3, mode="sum"), mg.tensor([[1, 2], [3, 4]]))]:
        with pytest.raises(UnsupportedOperatorError,
                           match=rf"ScatterAdd.*\({type(model).__name__}\)"):
            export(model, x, io.BytesIO())
