"""nn.RNN, nn.LSTM, nn.GRU, their cells and nn.utils.rnn (PackedSequence, packing and
padding) against PyTorch's.

Each layer case builds PyTorch's module from a seed, loads its state dict into minigrad's
(the keys must be the same, in the same order) and compares, in float64: the output, every
final state, and the gradient of the input, of the initial states and of every parameter by
name, under one random weighting of all outputs. Over: the three layers (RNN with tanh and
ReLU), 1-3 layers, bidirectional, batch_first, no bias, LSTM projections, unbatched input,
a batch of zero, one time step, and PackedSequence inputs with sorted and unsorted lengths.
The pack and pad functions are compared for values, batch sizes, permutations, gradients and
errors. Tests that need PyTorch skip without it; the others (gradcheck, dropout, training,
errors' minigrad side) run anyway."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
from helpers import assert_gradchecks, assert_raises_as_torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.functional import rnn as FR
from minigrad.nn.utils import rnn as R

rng = np.random.default_rng(7)
TOL = 1e-10
IN, HID, PROJ = 3, 4, 2
MODES = ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"]


def layer(mode: str, **kw) -> Callable:  # noqa: ANN003
    """``build(lib)``: the layer of ``mode`` from ``lib`` (minigrad or torch)."""
    def build(lib):  # noqa: ANN001, ANN202
        if mode.startswith("RNN"):
            return lib.nn.RNN(IN, HID, nonlinearity=mode[4:].lower(), **kw)
        return getattr(lib.nn, mode)(IN, HID, **kw)
    return build


def twins(torch, build: Callable, seed: int = 0):  # noqa: ANN001, ANN201
    """The same module from both libraries, PyTorch's weights in both (float64)."""
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = build(torch).double()
        ours = build(mg).double()
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state)
    ours.load_state_dict({k: v.detach().numpy() for k, v in state.items()})
    return ours, theirs


def _leaves(out) -> list:  # noqa: ANN001
    """The tensors of an output: (output, h_n), (output, (h_n, c_n)), a PackedSequence's
    data, a cell's h or (h, c)."""
    if hasattr(out, "batch_sizes"):
        return [out.data]
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _leaves(o)]
    return [out]


def _lift(lib, value):  # noqa: ANN001, ANN202
    """An array, a tuple of arrays or None as ``lib``'s tensors that require grad."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(_lift(lib, v) for v in value)
    return lib.tensor(value, requires_grad=True)


def _grads(tensors) -> list:  # noqa: ANN001
    flat = tensors if isinstance(tensors, tuple) else (tensors,)
    return [None if t.grad is None else np.asarray(t.grad.numpy()) for t in flat]


def _check_packed(ours, theirs) -> None:  # noqa: ANN001
    assert type(ours).__name__ == "PackedSequence"
    for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        a, b = getattr(ours, field), getattr(theirs, field)
        assert (a is None) == (b is None), field
        if a is not None:
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=field)
            assert a.dtype == np.int64


def run_both(torch, ours, theirs, x: np.ndarray, hx=None,  # noqa: ANN001
             pack: Callable | None = None) -> None:
    """Forward both (``pack(lib, x)`` packs the input first), compare every output, then
    every gradient of one random weighting of all outputs."""
    xs, ts = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    hs, th = _lift(mg, hx), _lift(torch, hx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch: projections are not supported with oneDNN
        out = ours(xs if pack is None else pack(mg, xs), hs)
        ref = theirs(ts if pack is None else pack(torch, ts), th)
    if pack is not None:
        _check_packed(out[0], ref[0])
    ours_leaves, ref_leaves = _leaves(out), _leaves(ref)
    assert len(ours_leaves) == len(ref_leaves)
    loss_m, loss_t = 0, 0
    for a, b in zip(ours_leaves, ref_leaves):
        assert a.shape == tuple(b.shape) and a.dtype == np.float64
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=TOL, atol=TOL)
        g = rng.normal(size=a.shape)
        loss_m = loss_m + (a * mg.tensor(g)).sum()
        loss_t = loss_t + (b * torch.tensor(g)).sum()
    loss_m.backward()
    loss_t.backward()
    pairs = [("input", xs.grad, ts.grad)]
    if hx is not None:
        pairs += [(f"hx[{k}]", a, b) for k, (a, b) in
                  enumerate(zip(_grads(hs), _grads(th)))]
    theirs_params = dict(theirs.named_parameters())
    pairs += [(name, p.grad, theirs_params[name].grad) for name, p in ours.named_parameters()]
    for name, a, b in pairs:
        a = np.zeros(1) if a is None else np.asarray(a.numpy() if hasattr(a, "numpy") else a)
        b = np.zeros(1) if b is None else np.asarray(b.numpy() if hasattr(b, "numpy") else b)
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, err_msg=f"gradient of {name}")


def states(mode: str, layers: int, batch: int | None, proj: int = 0):  # noqa: ANN201
    """A random initial state: ``h0``, or ``(h0, c0)`` for LSTM."""
    lead = (layers,) if batch is None else (layers, batch)
    h = rng.normal(size=(*lead, proj or HID))
    return (h, rng.normal(size=(*lead, HID))) if mode == "LSTM" else h


def sequence(steps: int, batch: int | None, batch_first: bool = False) -> np.ndarray:
    if batch is None:
        return rng.normal(size=(steps, IN))
    return rng.normal(size=(batch, steps, IN) if batch_first else (steps, batch, IN))


CONFIGS = {
    "one layer": {},
    "two layers, bidirectional": {"num_layers": 2, "bidirectional": True},
    "three layers, batch_first": {"num_layers": 3, "batch_first": True},
    "no bias, bidirectional, batch_first": {"num_layers": 2, "bias": False,
                                            "bidirectional": True, "batch_first": True},
}


# ----------------------------------------------------------------------------- layers


@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("mode", MODES)
def test_layer_matches_pytorch(torch, mode, config, with_hx) -> None:  # noqa: ANN001
    kw = CONFIGS[config]
    ours, theirs = twins(torch, layer(mode, **kw))
    n = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    hx = states(mode, n, 2) if with_hx else None
    run_both(torch, ours, theirs, sequence(5, 2, kw.get("batch_first", False)), hx)


@pytest.mark.parametrize("kw", [{"proj_size": PROJ}, {"proj_size": 1, "num_layers": 2,
                                                      "bidirectional": True},
                                {"proj_size": PROJ, "num_layers": 3, "bias": False,
                                 "batch_first": True}], ids=["one", "two-bi", "three-nobias"])
@pytest.mark.parametrize("with_hx", [False, True])
def test_lstm_projections_match_pytorch(torch, kw, with_hx) -> None:  # noqa: ANN001
    ours, theirs = twins(torch, layer("LSTM", **kw))
    assert ours.weight_hr_l0.shape == (kw["proj_size"], HID)
    n = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    hx = states("LSTM", n, 3, kw["proj_size"]) if with_hx else None
    run_both(torch, ours, theirs, sequence(4, 3, kw.get("batch_first", False)), hx)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("mode", MODES)
def test_unbatched_input_matches_pytorch(torch, mode, batch_first, with_hx) -> None:  # noqa: ANN001
    ours, theirs = twins(torch, layer(mode, num_layers=2, bidirectional=True,
                                      batch_first=batch_first))
    run_both(torch, ours, theirs, sequence(4, None), states(mode, 4, None) if with_hx else None)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", [(1, 3), (6, 0)], ids=["one step", "empty batch"])
def test_one_step_and_empty_batch_match_pytorch(torch, mode, shape) -> None:  # noqa: ANN001
    ours, theirs = twins(torch, layer(mode, num_layers=2, bidirectional=True))
    steps, batch = shape
    run_both(torch, ours, theirs, sequence(steps, batch), states(mode, 4, batch))


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("batch_first", [False, True])
def test_deep_bidirectional_long_sequence_matches_pytorch(torch, mode, batch_first) -> None:  # noqa: ANN001
    kw = {"num_layers": 3, "bidirectional": True, "batch_first": batch_first}
    if mode == "LSTM":
        kw["proj_size"] = PROJ
    ours, theirs = twins(torch, layer(mode, **kw))
    run_both(torch, ours, theirs, sequence(40, 5, batch_first),
             states(mode, 6, 5, kw.get("proj_size", 0)))


# ----------------------------------------------------------------------------- packed input


def packer(lengths: list[int], batch_first: bool, enforce_sorted: bool) -> Callable:
    def pack(lib, x):  # noqa: ANN001, ANN202
        return lib.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=batch_first,
                                                     enforce_sorted=enforce_sorted)
    return pack


PACKINGS = {"unsorted": ([3, 5, 1, 4], False), "sorted": ([5, 4, 3, 1], True),
            "sorted, not enforced": ([5, 4, 3, 1], False), "equal": ([5, 5, 5, 5], True)}


@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("packing", list(PACKINGS))
@pytest.mark.parametrize("mode", MODES)
def test_packed_input_matches_pytorch(torch, mode, packing, with_hx) -> None:  # noqa: ANN001
    """The output is a PackedSequence with the input's batch sizes and permutations; h_n is
    each sequence's state at its own last step, in the original batch order."""
    lengths, enforce = PACKINGS[packing]
    ours, theirs = twins(torch, layer(mode, num_layers=2, bidirectional=True))
    hx = states(mode, 4, 4) if with_hx else None
    run_both(torch, ours, theirs, sequence(5, 4), hx, packer(lengths, False, enforce))


@pytest.mark.parametrize("batch_first", [False, True])
def test_packed_lstm_with_projections_matches_pytorch(torch, batch_first) -> None:  # noqa: ANN001
    ours, theirs = twins(torch, layer("LSTM", num_layers=2, proj_size=PROJ, bias=False,
                                      bidirectional=True, batch_first=batch_first))
    run_both(torch, ours, theirs, sequence(6, 3, batch_first), states("LSTM", 4, 3, PROJ),
             packer([2, 6, 4], batch_first, False))


def test_pack_sequence_into_a_layer_and_back(torch) -> None:  # noqa: ANN001
    lengths = [2, 5, 3]
    seqs = [rng.normal(size=(n, IN)) for n in lengths]
    ours, theirs = twins(torch, layer("GRU", bidirectional=True))
    packed_m = R.pack_sequence([mg.tensor(s) for s in seqs], enforce_sorted=False)
    packed_t = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs],
                                                enforce_sorted=False)
    out_m, h_m = ours(packed_m)
    out_t, h_t = theirs(packed_t)
    for a, b in zip(R.unpack_sequence(out_m), torch.nn.utils.rnn.unpack_sequence(out_t)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(h_m.detach().numpy(), h_t.detach().numpy(), rtol=TOL, atol=TOL)


def test_packed_final_state_is_each_sequences_last_step() -> None:
    """Without PyTorch: h_n of a packed batch equals running each sequence alone."""
    mg.manual_seed(0)
    model = nn.LSTM(IN, HID, num_layers=2, bidirectional=True).double()
    seqs = [mg.tensor(rng.normal(size=(n, IN))) for n in (2, 5, 3)]
    out, (h, c) = model(R.pack_sequence(seqs, enforce_sorted=False))
    for b, (s, o) in enumerate(zip(seqs, R.unpack_sequence(out))):
        alone, (h1, c1) = model(s)
        np.testing.assert_allclose(o.detach().numpy(), alone.detach().numpy(), atol=1e-12)
        np.testing.assert_allclose(h[:, b].detach().numpy(), h1.detach().numpy(), atol=1e-12)
        np.testing.assert_allclose(c[:, b].detach().numpy(), c1.detach().numpy(), atol=1e-12)


# ----------------------------------------------------------------------------- cells


CELLS = {"RNNCell": {}, "RNNCell relu": {"nonlinearity": "relu"}, "LSTMCell": {},
         "GRUCell": {}, "RNNCell no bias": {"bias": False}, "LSTMCell no bias": {"bias": False},
         "GRUCell no bias": {"bias": False}}


def cell(name: str) -> Callable:
    kind, kw = name.split()[0], CELLS[name]
    return lambda lib: getattr(lib.nn, kind)(IN, HID, **kw)


@pytest.mark.parametrize("batch", [3, None, 0])
@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("name", list(CELLS))
def test_cell_matches_pytorch(torch, name, with_hx, batch) -> None:  # noqa: ANN001
    ours, theirs = twins(torch, cell(name))
    lead = () if batch is None else (batch,)
    hx = None
    if with_hx:
        hx = rng.normal(size=(*lead, HID))
        hx = (hx, rng.normal(size=(*lead, HID))) if name.startswith("LSTM") else hx
    run_both(torch, ours, theirs, rng.normal(size=(*lead, IN)), hx)


CELL_FUNCTIONS = {"rnn_tanh_cell": (FR.rnn_tanh_cell, 1), "rnn_relu_cell": (FR.rnn_relu_cell, 1),
                  "lstm_cell": (FR.lstm_cell, 4), "gru_cell": (FR.gru_cell, 3)}


@pytest.mark.parametrize("name", list(CELL_FUNCTIONS))
def test_cells_pass_gradcheck_and_gradgradcheck(name) -> None:
    fn, gates = CELL_FUNCTIONS[name]
    x, h = rng.normal(size=(2, IN)), rng.normal(size=(2, HID)) * 0.5
    w_ih, w_hh = rng.normal(size=(gates * HID, IN)), rng.normal(size=(gates * HID, HID))
    b_ih, b_hh = rng.normal(size=gates * HID), rng.normal(size=gates * HID)
    if name == "rnn_relu_cell":
        x, w_ih, b_ih = np.abs(x), np.abs(w_ih), np.abs(b_ih) + 0.5  # away from relu's kink
        h, w_hh, b_hh = np.abs(h), np.abs(w_hh), np.abs(b_hh)
    if name == "lstm_cell":
        c = rng.normal(size=(2, HID))

        def call(x, h, c, *w):  # noqa: ANN001, ANN202
            new_h, new_c = fn(x, (h, c), *w)
            return mg.cat([new_h, new_c], 1)

        assert_gradchecks(call, [x, h, c, w_ih, w_hh, b_ih, b_hh])
    else:
        assert_gradchecks(fn, [x, h, w_ih, w_hh, b_ih, b_hh])


def test_packed_sequence_loop_passes_gradcheck() -> None:
    """The time loop of a bidirectional two-layer LSTM over a shrinking packed batch:
    gradcheck of the input, the initial states and the weights together."""
    sizes = [3, 2, 2, 1]
    data = rng.normal(size=(sum(sizes), 2))
    h0, c0 = rng.normal(size=(4, 3, 2)) * 0.5, rng.normal(size=(4, 3, 2)) * 0.5
    w = [rng.normal(size=s) * 0.5 for s in [(8, 2), (8, 2), (8,), (8,), (8, 2), (8, 2), (8,),
                                            (8,), (8, 4), (8, 2), (8, 4), (8, 2)]]

    def call(x, h, c, *w):  # noqa: ANN001, ANN202
        weights = [(*w[0:4], None), (*w[4:8], None), (w[8], w[9], None, None, None),
                   (w[10], w[11], None, None, None)]
        out, (hn, cn) = FR.rnn_sequence("LSTM", x, sizes, (h, c), weights, 2, 0.0, False, True)
        return mg.cat([out.reshape(-1), hn.reshape(-1), cn.reshape(-1)])

    inputs = [mg.tensor(a, requires_grad=True) for a in [data, h0, c0, *w]]
    assert mg.gradcheck(call, inputs, fast_mode=True)


# ----------------------------------------------------------------------------- the modules


def test_parameters_reprs_and_attributes_match_pytorch(torch) -> None:  # noqa: ANN001
    builds = [lambda lib: lib.nn.RNN(3, 4, 2, "relu", False, True, 0.5, True),
              lambda lib: lib.nn.LSTM(3, 4, 2, False, True, 0.5, True, 2),
              lambda lib: lib.nn.GRU(3, 4, num_layers=3, dropout=0.25),
              lambda lib: lib.nn.LSTM(5, 6, bidirectional=True, proj_size=3),
              lambda lib: lib.nn.RNNCell(3, 4, False, "relu"), lambda lib: lib.nn.LSTMCell(3, 4),
              lambda lib: lib.nn.GRUCell(3, 4, bias=False)]
    for build in builds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours, theirs = build(mg), build(torch)
        assert repr(ours) == repr(theirs)
        assert [(n, p.shape) for n, p in ours.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
        if hasattr(theirs, "all_weights") and not hasattr(theirs, "weight_ih"):
            assert ours._flat_weights_names == theirs._flat_weights_names
            assert [[tuple(p.shape) for p in g] for g in ours.all_weights] == \
                [[tuple(p.shape) for p in g] for g in theirs.all_weights]
            for key in ("mode", "input_size", "hidden_size", "num_layers", "bias",
                        "batch_first", "dropout", "bidirectional", "proj_size"):
                assert getattr(ours, key) == getattr(theirs, key), key


def test_initialisation_is_uniform_in_one_over_sqrt_hidden() -> None:
    mg.manual_seed(0)
    for model in (nn.LSTM(8, 16, num_layers=2, proj_size=4), nn.GRUCell(8, 16)):
        for name, p in model.named_parameters():
            a = p.detach().numpy()
            assert np.abs(a).max() <= 0.25, name
            assert np.abs(a).max() > 0.2, name  # spread over the range
    assert nn.LSTM(2, 3).weight_ih_l0.dtype == mg.float32
    assert nn.GRU(2, 3, dtype=mg.float64).weight_hh_l0.dtype == mg.float64


def test_flat_weights_follow_a_replaced_parameter_and_flatten_is_a_no_op() -> None:
    model = nn.GRU(2, 3)
    model.flatten_parameters()
    new = nn.Parameter(mg.zeros(9, 2))
    model.weight_ih_l0 = new
    assert model._flat_weights[0] is new and model.all_weights[0][0] is new
    out, h = model(mg.randn(4, 1, 2))
    assert out.shape == (4, 1, 3) and h.shape == (1, 1, 3)


def test_float32_layers_and_the_output_types() -> None:
    x = mg.randn(5, 2, IN)
    out, (h, c) = nn.LSTM(IN, HID)(x)
    assert out.dtype == h.dtype == c.dtype == mg.float32
    out, h = nn.GRU(IN, HID)(x)
    assert isinstance(out, mg.Tensor) and isinstance(h, mg.Tensor)


def test_dropout_acts_between_layers_in_training_only() -> None:
    """Identity layers (ReLU, identity input weights, no recurrence, positive input): the
    output is what dropout left of the input, so its zeros count the masks. Two layers: one
    dropout (half the values zero, the rest doubled); three: two; one: none; eval: none."""
    def identity_rnn(layers: int) -> nn.RNN:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = nn.RNN(16, 16, num_layers=layers, nonlinearity="relu", dropout=0.5)
        for name, p in model.named_parameters():
            p.data[...] = np.eye(16) if name.startswith("weight_ih") else 0
        return model

    x = mg.ones(20, 30, 16)
    mg.manual_seed(0)
    for layers, zero_share in ((1, 0.0), (2, 0.5), (3, 0.75)):
        model = identity_rnn(layers)
        out = model(x)[0].detach().numpy()
        assert abs((out == 0).mean() - zero_share) < 0.03, layers
        assert set(np.unique(out)) <= {0.0, 2.0 ** (layers - 1)}
        model.eval()
        np.testing.assert_array_equal(model(x)[0].detach().numpy(), 1.0)


def test_dropout_with_one_layer_warns_as_pytorch() -> None:
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(2, 3, dropout=0.2)


def test_an_lstm_learns_to_add() -> None:
    """The sum of a sequence of 8 numbers, read off the last step: the loss falls tenfold."""
    mg.manual_seed(0)
    gen = np.random.default_rng(0)
    lstm, head = nn.LSTM(1, 16, batch_first=True), nn.Linear(16, 1)
    params = [*lstm.parameters(), *head.parameters()]
    opt = mg.optim.Adam(params, lr=0.02)
    losses = []
    for _ in range(120):
        x = gen.uniform(-1, 1, size=(32, 8, 1)).astype(np.float32)
        out, _ = lstm(mg.tensor(x))
        loss = F.mse_loss(head(out[:, -1]), mg.tensor(x.sum(1)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(p.grad is not None for p in params)
    assert np.mean(losses[-10:]) < 0.1 * np.mean(losses[:10])


def test_long_sequences_backward_in_n_log_n(monkeypatch) -> None:  # noqa: ANN001
    """The per-step slices are cut from the projections by halving, so the arrays their
    backward fills grow as ``T log T``: 4x the steps fills about 5x the elements (slicing
    every step out of the whole would fill 16x)."""
    from minigrad.ops import shape

    filled = []
    forward = shape.IndexAdd.forward

    def spy(ctx, g, index, size):  # noqa: ANN001, ANN202
        filled.append(int(np.prod(size)))
        return forward(ctx, g, index, size)

    monkeypatch.setattr(shape.IndexAdd, "forward", staticmethod(spy))
    model = nn.GRU(2, 2)

    def elements(steps: int) -> int:
        filled.clear()
        model(mg.randn(steps, 3, 2))[0].sum().backward()
        return sum(filled)

    assert elements(256) < 7 * elements(64)


# ----------------------------------------------------------------------------- errors


BAD_BUILDS = [
    (lambda lib: lib.nn.RNN(3, 4, nonlinearity="sigmoid"), ValueError, "RNN: Unknown nonlin"),
    (lambda lib: lib.nn.GRU(3, 4, proj_size=2), ValueError, "GRU: proj_size argument"),
    (lambda lib: lib.nn.RNN(3, 4, proj_size=2), ValueError, "RNN: proj_size argument"),
    (lambda lib: lib.nn.LSTM(3, 4, proj_size=4), ValueError, "LSTM: proj_size has to be"),
    (lambda lib: lib.nn.LSTM(3, 4, proj_size=-1), ValueError, "LSTM: proj_size should be"),
    (lambda lib: lib.nn.LSTM(3, 4, num_layers=0), ValueError, "LSTM: num_layers must be"),
    (lambda lib: lib.nn.LSTM(3, 0), ValueError, "LSTM: hidden_size must be greater"),
    (lambda lib: lib.nn.GRU(0, 4), ValueError, "GRU: input_size must be greater"),
    (lambda lib: lib.nn.GRU(3.0, 4), TypeError, "GRU: input_size should be of type int"),
    (lambda lib: lib.nn.GRU(3, 4.0), TypeError, "GRU: hidden_size should be of type int"),
    (lambda lib: lib.nn.GRU(3, 4, num_layers=1.5), TypeError, "GRU: num_layers should be"),
    (lambda lib: lib.nn.RNN(3, 4, bias=1), TypeError, "RNN: bias should be of type bool"),
    (lambda lib: lib.nn.RNN(3, 4, batch_first=1), TypeError, "RNN: batch_first should be"),
    (lambda lib: lib.nn.RNN(3, 4, dropout=1.5), ValueError, "RNN: dropout should be a number"),
    (lambda lib: lib.nn.RNN(3, 4, dropout=True), ValueError, "RNN: dropout should be"),
    (lambda lib: lib.nn.RNNCell(3, -1), RuntimeError, "RNNCell: .*negative dimension"),
    (lambda lib: lib.nn.LSTMCell(3.0, 4), TypeError, "LSTMCell: argument 'input_size'"),
]


@pytest.mark.parametrize("build,kind,match", BAD_BUILDS)
def test_bad_arguments_raise_as_pytorch(build, kind, match) -> None:  # noqa: ANN001
    assert_raises_as_torch(build, kind, match)


def _call(build: Callable, x: tuple, hx=None) -> Callable:  # noqa: ANN001
    """``call(lib)``: the layer called on zeros of shape ``x`` (and of the hx shapes)."""
    def call(lib):  # noqa: ANN001, ANN202
        h = None if hx is None else (tuple(lib.zeros(*s) for s in hx) if isinstance(hx[0], tuple)
                                     else lib.zeros(*hx))
        return build(lib)(lib.zeros(*x), h)
    return call


RNN_, LSTM_ = (lambda lib: lib.nn.RNN(3, 4)), (lambda lib: lib.nn.LSTM(3, 4))
BAD_CALLS = [
    (_call(RNN_, (5, 2, 3, 1)), ValueError, r"RNN: Expected input to be 2D or 3D, got 4D"),
    (_call(RNN_, (5, 2, 4)), RuntimeError, r"RNN: input.size\(-1\) must be equal to input_size"
                                          r". Expected 3, got 4"),
    (_call(RNN_, (5, 2, 3), (1, 3, 4)), RuntimeError,
     r"RNN: Expected hidden size \(1, 2, 4\), got \[1, 3, 4\]"),
    (_call(RNN_, (5, 2, 3), (1, 2, 4, 1)), RuntimeError, "RNN: For batched 3-D input, hx "
                                                         "should also be 3-D but got 4-D"),
    (_call(RNN_, (5, 3), (1, 1, 4)), RuntimeError, "RNN: For unbatched 2-D input, hx should"),
    (_call(RNN_, (0, 2, 3)), RuntimeError, "RNN: Expected sequence length to be larger than 0"),
    (_call(LSTM_, (5, 2, 3), ((1, 2, 4), (1, 3, 4))), RuntimeError,
     r"LSTM: Expected hidden\[1\] size \(1, 2, 4\), got \[1, 3, 4\]"),
    (_call(LSTM_, (5, 2, 3), ((1, 2, 4), (1, 2))), RuntimeError,
     r"LSTM: For batched 3-D input, hx and cx should also be 3-D but got \(3-D, 2-D\)"),
    (_call(lambda lib: lib.nn.LSTM(3, 4, proj_size=2), (5, 2, 3), ((1, 2, 4), (1, 2, 4))),
     RuntimeError, r"LSTM: Expected hidden\[0\] size \(1, 2, 2\), got \[1, 2, 4\]"),
    (_call(lambda lib: lib.nn.RNNCell(3, 4), (2, 5)), RuntimeError,
     "RNNCell: input has inconsistent input_size: got 5 expected 3"),
    (_call(lambda lib: lib.nn.GRUCell(3, 4), (2, 3), (3, 4)), RuntimeError,
     "GRUCell: Input batch size 2 doesn't match hidden0 batch size 3"),
    (_call(lambda lib: lib.nn.GRUCell(3, 4), (2, 3), (2, 5)), RuntimeError,
     "GRUCell: hidden0 has inconsistent hidden_size"),
    (_call(lambda lib: lib.nn.LSTMCell(3, 4), (2, 3), ((2, 4), (2, 5))), RuntimeError,
     "LSTMCell: hidden1 has inconsistent hidden_size"),
    (_call(lambda lib: lib.nn.LSTMCell(3, 4), (2, 3), ((2, 4),)), RuntimeError,
     "LSTMCell: lstm_cell expects two hidden states"),
    (_call(lambda lib: lib.nn.RNNCell(3, 4), (2, 2, 3)), ValueError,
     "RNNCell: Expected input to be 1D or 2D, got 3D instead"),
    (_call(lambda lib: lib.nn.GRUCell(3, 4), (2, 3), (1, 2, 4)), ValueError,
     "GRUCell: Expected hidden to be 1D or 2D, got 3D instead"),
]


@pytest.mark.parametrize("call,kind,match", BAD_CALLS)
def test_bad_inputs_raise_as_pytorch(call, kind, match) -> None:  # noqa: ANN001
    assert_raises_as_torch(call, kind, match)


def test_dtype_mismatches_raise_as_pytorch() -> None:
    assert_raises_as_torch(lambda lib: lib.nn.GRU(3, 4)(lib.zeros(5, 2, 3).double()),
                           ValueError, r"GRU: RNN input dtype \(float64\) does not match "
                                       r"weight dtype \(float32\)")
    assert_raises_as_torch(lambda lib: lib.nn.GRU(3, 4).double()(
        lib.zeros(5, 2, 3).double(), lib.zeros(1, 2, 4)), RuntimeError, "GRU: hx and input")
    assert_raises_as_torch(lambda lib: lib.nn.RNNCell(3, 4)(lib.zeros(5, 3).double()),
                           RuntimeError, "RNNCell: input and weight must have the same dtype")


def test_unknown_cell_nonlinearity_raises_at_the_call_as_pytorch() -> None:
    assert repr(nn.RNNCell(3, 4, nonlinearity="foo")) == "RNNCell(3, 4, nonlinearity=foo)"
    assert_raises_as_torch(lambda lib: lib.nn.RNNCell(3, 4, nonlinearity="foo")(
        lib.zeros(2, 3)), RuntimeError, "RNNCell: Unknown nonlinearity: foo")


def test_packed_input_errors_raise_as_pytorch() -> None:
    def bad_data(lib):  # noqa: ANN001, ANN202
        return lib.nn.RNN(3, 4)(lib.nn.utils.rnn.PackedSequence(
            lib.zeros(5, 3, 1), lib.tensor([2, 2, 1])))

    def bad_hx(lib):  # noqa: ANN001, ANN202
        packed = lib.nn.utils.rnn.pack_sequence([lib.zeros(3, 3), lib.zeros(2, 3)])
        return lib.nn.RNN(3, 4)(packed, lib.zeros(1, 3, 4))

    assert_raises_as_torch(bad_data, RuntimeError, "RNN: input must have 2 dimensions, got 3")
    assert_raises_as_torch(bad_hx, RuntimeError, r"RNN: Expected hidden size \(1, 2, 4\)")


# ----------------------------------------------------------------------------- nn.utils.rnn


def test_rnn_utils_import_as_in_pytorch() -> None:
    import minigrad.nn.utils.rnn
    from minigrad.nn.utils.rnn import pad_sequence

    assert minigrad.nn.utils.rnn is mg.nn.utils.rnn is R and pad_sequence is R.pad_sequence
    assert "rnn" in nn.utils.__all__ and nn.utils.clip_grad_norm_ is not None
    assert set(R.__all__) == {"PackedSequence", "invert_permutation", "pack_padded_sequence",
                              "pad_packed_sequence", "pad_sequence", "unpad_sequence",
                              "pack_sequence", "unpack_sequence"}


def test_packed_sequence_is_a_named_tuple() -> None:
    packed = R.pack_sequence([mg.ones(3, 2), mg.ones(1, 2)])
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert isinstance(packed, tuple) and packed._fields == ("data", "batch_sizes",
                                                            "sorted_indices",
                                                            "unsorted_indices")
    assert data.shape == (4, 2) and batch_sizes.tolist() == [2, 1, 1]
    assert sorted_indices is None and unsorted_indices is None
    again = R.PackedSequence((data, batch_sizes), sorted_indices=mg.tensor([1, 0]))
    assert again.unsorted_indices.tolist() == [1, 0]
    assert R.invert_permutation(mg.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert R.invert_permutation(None) is None
    assert packed.double().data.dtype == mg.float64 and packed.float() is packed
    assert packed.is_cuda is False and packed.cpu() is packed
    assert repr(packed).startswith("PackedSequence(data=tensor(")


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce", [([4, 2, 3], False), ([4, 3, 2], True),
                                             ([1, 1, 1], True), ([2, 4, 4, 1, 4], False),
                                             (mg.tensor([3, 4, 1]), False)])
def test_pack_padded_sequence_matches_pytorch(torch, batch_first, lengths, enforce) -> None:  # noqa: ANN001
    n = len(lengths)
    x = rng.normal(size=(n, 4, 2) if batch_first else (4, n, 2))
    theirs_lengths = torch.tensor(lengths.tolist()) if isinstance(lengths, mg.Tensor) else lengths

    def check(lib, packed) -> None:  # noqa: ANN001
        ref = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), theirs_lengths,
                                                      batch_first, enforce)
        _check_packed(packed, ref)

    xs, ts = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    packed = R.pack_padded_sequence(xs, lengths, batch_first, enforce)
    ref = torch.nn.utils.rnn.pack_padded_sequence(ts, theirs_lengths, batch_first, enforce)
    _check_packed(packed, ref)
    np.testing.assert_array_equal(packed.data.detach().numpy(), ref.data.detach().numpy())
    g = rng.normal(size=packed.data.shape)
    (packed.data * mg.tensor(g)).sum().backward()
    (ref.data * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(xs.grad.numpy(), ts.grad.numpy())
    # and back
    for total, pad in ((None, 0.0), (6, -1.5)):
        out, lens = R.pad_packed_sequence(packed, batch_first, pad, total)
        want, want_lens = torch.nn.utils.rnn.pad_packed_sequence(ref, batch_first, pad, total)
        np.testing.assert_array_equal(out.detach().numpy(), want.detach().numpy())
        np.testing.assert_array_equal(lens.numpy(), want_lens.numpy())
        assert lens.dtype == np.int64


def test_pad_packed_sequence_passes_gradients(torch) -> None:  # noqa: ANN001
    from helpers import compare_with_torch

    def both(lib):  # noqa: ANN001, ANN202
        def fn(x):  # noqa: ANN001, ANN202
            packed = lib.nn.utils.rnn.pack_padded_sequence(x, [2, 4, 1], enforce_sorted=False)
            packed = type(packed)(packed.data * 2, packed.batch_sizes, packed.sorted_indices,
                                  packed.unsorted_indices)
            return lib.nn.utils.rnn.pad_packed_sequence(packed, True, 7.0, 5)[0]
        return fn

    compare_with_torch(both(mg), both(torch), [rng.normal(size=(4, 3, 2))])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("trailing", [(), (2, 3)])
def test_pad_sequence_matches_pytorch(torch, batch_first, side, trailing) -> None:  # noqa: ANN001
    from helpers import compare_with_torch

    arrays = [rng.normal(size=(n, *trailing)) for n in (2, 5, 1, 3)]

    def fn(lib):  # noqa: ANN001, ANN202
        return lambda *seqs: lib.nn.utils.rnn.pad_sequence(list(seqs), batch_first, -2.0, side)

    compare_with_torch(fn(mg), fn(torch), arrays)


def test_pad_sequence_edge_cases_match_pytorch(torch) -> None:  # noqa: ANN001
    cases = [
        lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2), lib.ones(3, dtype=lib.int64)]),
        lambda lib: lib.nn.utils.rnn.pad_sequence(lib.ones(2, 3) * 4),
        lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(0, 2), lib.ones(1, 2)]),
        lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(0, 2)], batch_first=True),
    ]
    for case in cases:
        ours, theirs = case(mg), case(torch)
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) in str(theirs.dtype)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_unpad_and_unpack_match_pytorch(torch) -> None:  # noqa: ANN001
    arrays = [rng.normal(size=(n, 2)) for n in (3, 1, 4)]
    for batch_first in (False, True):
        padded = R.pad_sequence([mg.tensor(a) for a in arrays], batch_first)
        back = R.unpad_sequence(padded, mg.tensor([3, 1, 4]), batch_first)
        ref = torch.nn.utils.rnn.unpad_sequence(
            torch.nn.utils.rnn.pad_sequence([torch.tensor(a) for a in arrays], batch_first),
            torch.tensor([3, 1, 4]), batch_first)
        for a, b, c in zip(back, ref, arrays):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
            np.testing.assert_array_equal(a.numpy(), c)
        assert padded.shape == ((3, 4, 2) if batch_first else (4, 3, 2))  # not transposed
    unpacked = R.unpack_sequence(R.pack_sequence([mg.tensor(a) for a in arrays],
                                                 enforce_sorted=False))
    for a, c in zip(unpacked, arrays):
        np.testing.assert_array_equal(a.numpy(), c)


def test_gradients_flow_through_pack_sequence_and_unpack() -> None:
    seqs = [mg.tensor(rng.normal(size=(n, 2)), requires_grad=True) for n in (3, 1, 4)]
    out = R.unpack_sequence(R.pack_sequence(seqs, enforce_sorted=False))
    sum((o * (k + 1)).sum() for k, o in enumerate(out)).backward()
    for k, s in enumerate(seqs):
        np.testing.assert_array_equal(s.grad.numpy(), np.full(s.shape, k + 1.0))


BAD_PACKING = [
    (lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(4, 3, 1), [4, 2, 3]),
     RuntimeError, "pack_padded_sequence: `lengths` array must be sorted in decreasing order"),
    (lambda lib: lib.nn.utils.rnn.pack_sequence([lib.ones(2), lib.ones(3)]),
     RuntimeError, "must be sorted in decreasing order when `enforce_sorted` is True"),
    (lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(4, 3, 1), [4, 3, 0]),
     RuntimeError, "pack_padded_sequence: Length of all samples has to be greater than 0"),
    (lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(4, 3, 1), [4, 0, 3],
                                                       enforce_sorted=False),
     RuntimeError, "Length of all samples has to be greater than 0"),
    (lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(4, 3, 1), [4, 3]),
     RuntimeError, r"Expected `len\(lengths\)` to be equal to batch_size, but got 2 "
                   r"\(batch_size=3\)"),
    (lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(4, 0, 1), []),
     RuntimeError, "pack_padded_sequence: Cannot pack empty tensors"),
    (lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(4, 3), lib.tensor([[4, 3, 2]])),
     RuntimeError, "'lengths' argument should be a 1-D"),
    (lambda lib: lib.nn.utils.rnn.pad_packed_sequence(
        lib.nn.utils.rnn.pack_sequence([lib.ones(4), lib.ones(2)]), total_length=3),
     ValueError, "pad_packed_sequence: Expected total_length to be at least the length"),
    (lambda lib: lib.nn.utils.rnn.pad_sequence([]), RuntimeError,
     "pad_sequence: received an empty list of sequences"),
    (lambda lib: lib.nn.utils.rnn.pad_sequence(3), RuntimeError,
     "pad_sequence: Expected iterable for input sequences"),
    (lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2)], padding_side="middle"),
     RuntimeError, "pad_sequence: Expected padding_side to be one of left or right"),
    (lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2, 3), lib.ones(4, 2)]),
     RuntimeError, r"pad_sequence: every sequence must have the shape \(length, \*\(3,\)\)"),
]


@pytest.mark.parametrize("call,kind,match", BAD_PACKING)
def test_bad_packing_raises_as_pytorch(call, kind, match) -> None:  # noqa: ANN001
    assert_raises_as_torch(call, kind, match)


def test_lengths_past_the_padding_are_refused() -> None:
    """PyTorch reads past the input's end here (undefined values); minigrad refuses."""
    with pytest.raises(RuntimeError, match=r"a length \(5\) exceeds the padded sequence "
                                           "length 4"):
        R.pack_padded_sequence(mg.zeros(4, 3, 1), [5, 3, 2])
