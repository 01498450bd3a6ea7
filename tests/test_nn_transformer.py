"""nn.TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder,
TransformerDecoder and Transformer against PyTorch's.

Each case builds PyTorch's module from a seed, loads its state dict into minigrad's (the
keys must be the same, in the same order) and compares, in float64 with dropout 0: the
output, the gradient of every input and of every parameter by name, for batch-first and
sequence-first inputs, unbatched inputs, ``norm_first``, both activations by name and a
callable, ``bias=False``, float, bool and causal masks and key-padding masks. PyTorch's
inference fast path (evaluation mode without autograd) is its own and is not compared
(docs/faq.md). Tests that need PyTorch skip without it; the others run anyway."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable

import numpy as np
import pytest
from helpers import optional_torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

rng = np.random.default_rng(5)
TOL = 1e-10


def twins(torch, build: Callable, seed: int = 0):  # noqa: ANN001, ANN201
    """The same module from both libraries (``build(library)``), PyTorch's weights in both."""
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # enable_nested_tensor's notice
        theirs = build(torch).double()
    ours = build(mg).double()
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict({k: v.detach().numpy() for k, v in state.items()})
    return ours, theirs


def run_both(torch, ours, theirs, arrays: dict, masks: dict | None = None) -> None:  # noqa: ANN001
    """Forward both with the same float64 inputs (``arrays``, differentiated) and masks,
    then compare the output and every gradient of a random weighted sum of it."""
    masks = masks or {}
    xs = {k: mg.tensor(v, requires_grad=True) for k, v in arrays.items()}
    ts = {k: torch.tensor(v, requires_grad=True) for k, v in arrays.items()}
    out = ours(**xs, **{k: _as(mg, v) for k, v in masks.items()})
    ref = theirs(**ts, **{k: _as(torch, v) for k, v in masks.items()})
    assert out.shape == tuple(ref.shape) and out.dtype == np.float64
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=TOL, atol=TOL,
                               equal_nan=True)
    g = rng.normal(size=out.shape)
    (out * mg.tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    for k in arrays:
        np.testing.assert_allclose(xs[k].grad.numpy(), ts[k].grad.numpy(), rtol=1e-9,
                                   atol=1e-9, err_msg=f"gradient of {k}")
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        want = theirs_params[name].grad
        got = p.grad.numpy() if p.grad is not None else np.zeros(p.shape)
        np.testing.assert_allclose(got, want.numpy() if want is not None else 0, rtol=1e-9,
                                   atol=1e-9, err_msg=f"gradient of {name}")


def _as(lib, value):  # noqa: ANN001, ANN202
    """A mask array as ``lib``'s tensor; None and flags as they are."""
    return lib.tensor(value) if isinstance(value, np.ndarray) else value


def seq(length: int, batch: int | None, e: int, batch_first: bool) -> np.ndarray:
    if batch is None:
        return rng.normal(size=(length, e))
    return rng.normal(size=(batch, length, e) if batch_first else (length, batch, e))


def padding(batch: int | None, length: int, kind: str) -> np.ndarray | None:
    """A key-padding mask that leaves every row at least one key: bool (True = padding)
    or float (added)."""
    if kind == "none":
        return None
    shape = (length,) if batch is None else (batch, length)
    pad = rng.random(shape) < 0.3
    pad[..., 0] = False
    return pad if kind == "bool" else np.where(pad, -1e9, rng.normal(size=shape) * 0.1)


def attn_mask(length: int, kind: str, source: int | None = None) -> np.ndarray | None:
    src = length if source is None else source
    if kind == "none":
        return None
    if kind == "causal":
        return np.triu(np.full((length, src), -np.inf), 1)
    m = rng.random((length, src)) < 0.3
    m[:, 0] = False
    return m if kind == "bool" else rng.normal(size=(length, src))


ACTIVATIONS = {"relu": ("relu", "relu"), "gelu": ("gelu", "gelu"),
               "callable": (F.gelu, None)}  # None: PyTorch's own F.gelu


def activation(lib, name: str):  # noqa: ANN001, ANN201
    ours, theirs = ACTIVATIONS[name]
    if lib is mg:
        return ours
    return theirs if theirs is not None else lib.nn.functional.gelu


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("act", list(ACTIVATIONS))
@pytest.mark.parametrize("batch", [3, None])
def test_encoder_layer_matches_pytorch(torch, batch_first, norm_first, act, batch) -> None:  # noqa: ANN001
    ours, theirs = twins(torch, lambda lib: lib.nn.TransformerEncoderLayer(
        8, 2, dim_feedforward=16, dropout=0.0, activation=activation(lib, act),
        batch_first=batch_first, norm_first=norm_first))
    run_both(torch, ours, theirs, {"src": seq(5, batch, 8, batch_first)})


@pytest.mark.parametrize("mask", ["float", "bool", "causal"])
@pytest.mark.parametrize("pad", ["none", "bool"])
@pytest.mark.parametrize("causal_hint", [False, True])
def test_encoder_layer_masks(torch, mask, pad, causal_hint) -> None:  # noqa: ANN001
    if causal_hint and mask != "causal":
        return  # the hint promises a causal mask; a wrong hint is undefined in PyTorch
    ours, theirs = twins(torch, lambda lib: lib.nn.TransformerEncoderLayer(
        8, 4, dim_feedforward=12, dropout=0.0, batch_first=True))
    masks = {"src_mask": attn_mask(6, mask), "src_key_padding_mask": padding(2, 6, pad),
             "is_causal": causal_hint}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns on bool and float masks mixed
        run_both(torch, ours, theirs, {"src": seq(6, 2, 8, True)}, masks)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch", [2, None])
def test_decoder_layer_matches_pytorch(torch, batch_first, norm_first, batch) -> None:  # noqa: ANN001
    ours, theirs = twins(torch, lambda lib: lib.nn.TransformerDecoderLayer(
        8, 2, dim_feedforward=16, dropout=0.0, batch_first=batch_first,
        norm_first=norm_first, activation="gelu"))
    run_both(torch, ours, theirs, {"tgt": seq(4, batch, 8, batch_first),
                                   "memory": seq(6, batch, 8, batch_first)},
             {"tgt_mask": attn_mask(4, "causal"), "memory_mask": attn_mask(4, "float", 6),
              "tgt_key_padding_mask": padding(batch, 4, "bool"),
              "memory_key_padding_mask": padding(batch, 6, "bool")})


def test_layers_without_bias_match_pytorch(torch) -> None:  # noqa: ANN001
    ours, theirs = twins(torch, lambda lib: lib.nn.TransformerDecoderLayer(
        6, 3, dim_feedforward=10, dropout=0.0, bias=False))
    assert not any(name.endswith("bias") for name in ours.state_dict())
    run_both(torch, ours, theirs, {"tgt": seq(3, 2, 6, False), "memory": seq(4, 2, 6, False)})


@pytest.mark.parametrize("with_norm", [False, True])
def test_encoder_stack_matches_pytorch(torch, with_norm) -> None:  # noqa: ANN001
    def build(lib):  # noqa: ANN001, ANN202
        layer = lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
        return lib.nn.TransformerEncoder(layer, 3, lib.nn.LayerNorm(8) if with_norm else None)

    ours, theirs = twins(torch, build)
    # the copies are independent layers with their own parameters, as deepcopy makes them
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    run_both(torch, ours, theirs, {"src": seq(5, 2, 8, False)},
             {"mask": attn_mask(5, "causal"), "src_key_padding_mask": padding(2, 5, "bool")})


def test_decoder_stack_matches_pytorch(torch) -> None:  # noqa: ANN001
    def build(lib):  # noqa: ANN001, ANN202
        layer = lib.nn.TransformerDecoderLayer(8, 4, 16, dropout=0.0, batch_first=True)
        return lib.nn.TransformerDecoder(layer, 2, lib.nn.LayerNorm(8))

    ours, theirs = twins(torch, build)
    run_both(torch, ours, theirs, {"tgt": seq(4, 3, 8, True), "memory": seq(5, 3, 8, True)},
             {"tgt_mask": attn_mask(4, "causal")})


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_pytorch(torch, batch_first) -> None:  # noqa: ANN001
    ours, theirs = twins(torch, lambda lib: lib.nn.Transformer(
        d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16,
        dropout=0.0, batch_first=batch_first))
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=mg.float64).numpy()
    run_both(torch, ours, theirs, {"src": seq(6, 2, 8, batch_first),
                                   "tgt": seq(4, 2, 8, batch_first)},
             {"tgt_mask": tgt_mask, "src_key_padding_mask": padding(2, 6, "bool"),
              "memory_key_padding_mask": padding(2, 6, "bool")})


def test_transformer_unbatched_matches_pytorch(torch) -> None:  # noqa: ANN001
    ours, theirs = twins(torch, lambda lib: lib.nn.Transformer(
        d_model=4, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=8,
        dropout=0.0))
    run_both(torch, ours, theirs, {"src": seq(3, None, 4, False), "tgt": seq(5, None, 4, False)})


def test_transformer_initialises_matrices_xavier_uniform() -> None:
    mg.manual_seed(0)
    model = nn.Transformer(d_model=16, nhead=4, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=32)
    for name, p in model.named_parameters():
        if p.dim() > 1:
            bound = np.sqrt(6 / sum(p.shape[:2]))
            assert np.abs(p.detach().numpy()).max() <= bound, name
            assert np.abs(p.detach().numpy()).max() > 0.8 * bound, name  # spread over the range
    assert model.d_model == 16 and model.nhead == 4 and model.batch_first is False


def test_square_subsequent_mask_matches_pytorch(torch) -> None:  # noqa: ANN001
    for size in (0, 1, 4):
        ours = nn.Transformer.generate_square_subsequent_mask(size)
        ref = torch.nn.Transformer.generate_square_subsequent_mask(size)
        assert ours.dtype == mg.float32 and ours.shape == tuple(ref.shape)
        np.testing.assert_array_equal(ours.numpy(), ref.numpy())
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=mg.float64).dtype \
        == mg.float64


def test_a_causal_mask_is_detected_and_used() -> None:
    """``is_causal=None`` asks whether the mask is the causal one: the layers then get the
    hint, which must give what the mask itself gives."""
    mg.manual_seed(1)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    seen = []
    original = nn.TransformerEncoderLayer.forward

    def spy(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):  # noqa: ANN001, ANN202
        seen.append(is_causal)
        return original(self, src, src_mask, src_key_padding_mask, is_causal)

    x = mg.tensor(rng.normal(size=(5, 2, 8)).astype(np.float32))
    causal = nn.Transformer.generate_square_subsequent_mask(5)
    try:
        nn.TransformerEncoderLayer.forward = spy
        a = encoder(x, mask=causal)
        b = encoder(x, mask=causal + 0.5)
    finally:
        nn.TransformerEncoderLayer.forward = original
    assert seen == [True, True, False, False]
    plain = encoder(x, mask=causal, is_causal=False)
    np.testing.assert_allclose(a.detach().numpy(), plain.detach().numpy(), rtol=1e-6, atol=1e-6)
    assert b.shape == a.shape


def test_dropout_is_active_in_training_only() -> None:
    mg.manual_seed(2)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = mg.tensor(rng.normal(size=(5, 2, 8)).astype(np.float32))
    assert not np.allclose(layer(x).detach().numpy(), layer(x).detach().numpy())  # two masks
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_a_layer_trains() -> None:
    """A few Adam steps on a tiny sequence task lower the loss: the gradients reach every
    parameter through attention, the feed-forward block and the norms."""
    mg.manual_seed(3)
    model = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0,
                                                             batch_first=True), 2)
    x = mg.tensor(rng.normal(size=(4, 6, 8)).astype(np.float32))
    target = mg.tensor(np.flip(x.numpy(), axis=1).copy())
    opt = mg.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = F.mse_loss(model(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(p.grad is not None for p in model.parameters())
    assert losses[-1] < 0.7 * losses[0]


def test_deepcopy_and_state_dict_round_trip() -> None:
    model = nn.TransformerDecoder(nn.TransformerDecoderLayer(4, 2, 8), 2)
    clone = copy.deepcopy(model)
    clone.load_state_dict(model.state_dict())
    for (name, a), (_, b) in zip(model.state_dict().items(), clone.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_state_dict_keys_match_pytorch(torch) -> None:  # noqa: ANN001
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
                                      num_decoder_layers=1, dim_feedforward=4)
    ours = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                          dim_feedforward=4)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert ours.state_dict()[key].shape == tuple(value.shape), key


def test_bad_arguments_raise_as_pytorch() -> None:
    torch = optional_torch()
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=4)
    src, tgt = mg.zeros(5, 2, 8), mg.zeros(4, 3, 8)
    with pytest.raises(RuntimeError, match=r"Transformer: the batch number .*\(5, 2, 8\)"):
        model(src, tgt)
    with pytest.raises(RuntimeError, match="Transformer: the feature number .*d_model=8"):
        model(src, mg.zeros(4, 2, 6))
    if torch.__name__ == "torch":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = torch.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
                                          num_decoder_layers=1, dim_feedforward=4)
        with pytest.raises(RuntimeError):
            theirs(torch.zeros(5, 2, 8), torch.zeros(4, 3, 8))
        with pytest.raises(RuntimeError):
            theirs(torch.zeros(5, 2, 8), torch.zeros(4, 2, 6))
        with pytest.raises(RuntimeError):
            torch.nn.TransformerEncoderLayer(8, 2, activation="tanh")


def test_pytorch_fast_path_is_the_documented_difference(torch) -> None:  # noqa: ANN001
    """docs/faq.md: in evaluation mode without autograd PyTorch's encoder runs on nested
    tensors given a key-padding mask, and its padded positions come out as zeros; with the
    fast path switched off it computes them as minigrad does."""
    def build(lib):  # noqa: ANN001, ANN202
        layer = lib.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
        return lib.nn.TransformerEncoder(layer, 2)

    ours, theirs = twins(torch, build)
    ours.eval()
    theirs.eval()
    x = seq(5, 2, 8, True)
    pad = np.zeros((2, 5), dtype=bool)
    pad[0, 3:] = True
    with mg.no_grad():
        out = ours(mg.tensor(x), src_key_padding_mask=mg.tensor(pad)).numpy()
    with torch.no_grad():
        fast = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(pad)).numpy()
        torch.backends.mha.set_fastpath_enabled(False)
        try:
            plain = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(pad)).numpy()
        finally:
            torch.backends.mha.set_fastpath_enabled(True)
    np.testing.assert_allclose(out, plain, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(fast[0, 3:], 0)
    assert np.abs(out[0, 3:]).min() > 0
    np.testing.assert_allclose(out[~pad], fast[~pad], rtol=1e-8, atol=1e-8)
