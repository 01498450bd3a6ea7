"""The recurrent cells as functions (PyTorch's ``torch.rnn_tanh_cell``, ``rnn_relu_cell``,
``lstm_cell``, ``gru_cell``: one time step) and the time loop that ``nn.RNN``, ``nn.LSTM``
and ``nn.GRU`` run over a whole, possibly packed, sequence.

Everything is a composition of core ops (``linear``, ``sigmoid``, ``tanh``, ``relu``,
slicing, ``cat``, ``stack``, ``dropout``), so the gradient of every input, state and weight
comes from the same autograd as the rest, twice differentiable, with no Function of its own.
The gate order and formulas are PyTorch's: LSTM ``i, f, g, o``; GRU ``r, z, n`` with
``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``.

A sequence is handled as PyTorch's packed layout: ``data`` holds the time steps one after
another, step ``t`` being ``batch_sizes[t]`` rows (a padded ``(T, B, *)`` input is the case
of ``B`` rows at every step). The input projections of a layer are one matrix product over
all steps; only the hidden-to-hidden product runs step by step.

>>> import minigrad as mg
>>> w_ih, w_hh = mg.randn(8, 3), mg.randn(8, 2)
>>> h, c = lstm_cell(mg.randn(5, 3), (mg.zeros(5, 2), mg.zeros(5, 2)), w_ih, w_hh)
>>> h.shape, c.shape
((5, 2), (5, 2))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..tensor import Tensor
from .activation import dropout, linear, relu, sigmoid, tanh
from .shape import cat, stack

__all__ = ["gru_cell", "lstm_cell", "rnn_relu_cell", "rnn_sequence", "rnn_tanh_cell"]

State = tuple[Tensor, ...]  # (h,) for RNN and GRU, (h, c) for LSTM
Weights = tuple[Tensor | None, ...]  # w_ih, w_hh, b_ih, b_hh, w_hr (None where absent)


# ----------------------------------------------------------------------------- one step
# each takes ``gi``, the input's projection ``x W_ih^T + b_ih`` (computed for all steps at
# once by the sequence loop), and returns the new state


def _tanh_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None,
               w_hr: Tensor | None = None) -> State:
    return (tanh(gi + linear(state[0], w_hh, b_hh)),)


def _relu_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None,
               w_hr: Tensor | None = None) -> State:
    return (relu(gi + linear(state[0], w_hh, b_hh)),)


def _lstm_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None,
               w_hr: Tensor | None = None) -> State:
    """Input, forget, cell and output gates; ``w_hr`` projects ``h`` (``proj_size``)."""
    h, c = state
    i, f, g, o = (gi + linear(h, w_hh, b_hh)).chunk(4, -1)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    h = sigmoid(o) * tanh(c)
    return (h if w_hr is None else linear(h, w_hr), c)


def _gru_step(gi: Tensor, state: State, w_hh: Tensor, b_hh: Tensor | None,
              w_hr: Tensor | None = None) -> State:
    """Reset and update gates; the reset gate scales ``W_hn h + b_hn`` (PyTorch's GRU)."""
    h = state[0]
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = linear(h, w_hh, b_hh).chunk(3, -1)
    r, z = sigmoid(i_r + h_r), sigmoid(i_z + h_z)
    n = tanh(i_n + r * h_n)
    return ((1 - z) * n + z * h,)


STEPS: dict[str, Callable[..., State]] = {"RNN_TANH": _tanh_step, "RNN_RELU": _relu_step,
                                           "LSTM": _lstm_step, "GRU": _gru_step}


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """``tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` for a batch ``(N, input_size)``."""
    return _tanh_step(linear(input, w_ih, b_ih), (hx,), w_hh, b_hh)[0]


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """``relu(x W_ih^T + b_ih + h W_hh^T + b_hh)`` for a batch ``(N, input_size)``."""
    return _relu_step(linear(input, w_ih, b_ih), (hx,), w_hh, b_hh)[0]


def lstm_cell(input: Tensor, hx: Sequence[Tensor], w_ih: Tensor, w_hh: Tensor,  # noqa: A002
              b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One LSTM step: ``(h, c)`` from ``hx = (h, c)``; weights stack the i, f, g, o gates."""
    h, c = _lstm_step(linear(input, w_ih, b_ih), tuple(hx), w_hh, b_hh)
    return h, c


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,  # noqa: A002
             b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One GRU step; weights stack the r, z, n gates."""
    return _gru_step(linear(input, w_ih, b_ih), (hx,), w_hh, b_hh)[0]


# ----------------------------------------------------------------------------- the loop


def _split_rows(x: Tensor, sizes: Sequence[int]) -> list[Tensor]:
    """``x`` cut into consecutive row blocks of ``sizes``, by halving: each slice's backward
    fills an array of its parent's size, so halving costs ``T log T`` where slicing every
    step out of the whole would cost ``T^2``."""
    if len(sizes) == 1:
        return [x]
    mid = len(sizes) // 2
    cut = sum(sizes[:mid])
    return _split_rows(x[:cut], sizes[:mid]) + _split_rows(x[cut:], sizes[mid:])


def _forward_in_time(step: Callable[..., State], pieces: list[Tensor],
                     state: State) -> tuple[list[Tensor], State]:
    """Steps 0..T-1. The batch shrinks (sorted longest first): the rows whose sequence has
    ended keep their last state, put back below the running ones at the end."""
    outs, ended = [], []
    for gi in pieces:
        rows = gi.shape[0]
        if rows < state[0].shape[0]:
            ended.append(tuple(s[rows:] for s in state))
            state = tuple(s[:rows] for s in state)
        state = step(gi, state)
        outs.append(state[0])
    if ended:
        state = tuple(cat([s, *(e[k] for e in reversed(ended))]) for k, s in enumerate(state))
    return outs, state


def _backward_in_time(step: Callable[..., State], pieces: list[Tensor],
                      state0: State) -> tuple[list[Tensor], State]:
    """Steps T-1..0. The batch grows: a sequence starts at its own last step, from its row
    of the initial state."""
    state = tuple(s[:pieces[-1].shape[0]] for s in state0)
    outs = []
    for gi in reversed(pieces):
        rows, have = gi.shape[0], state[0].shape[0]
        if rows > have:
            state = tuple(cat([s, s0[have:rows]]) for s, s0 in zip(state, state0))
        state = step(gi, state)
        outs.append(state[0])
    outs.reverse()
    return outs, state


def _direction(step: Callable[..., State], x: Tensor, batch_sizes: Sequence[int],
               state: State, weights: Weights, reverse: bool) -> tuple[Tensor, State]:
    """One layer in one direction: the output rows (packed layout) and the final state."""
    w_ih, w_hh, b_ih, b_hh, w_hr = weights

    def cell(gi: Tensor, s: State) -> State:
        return step(gi, s, w_hh, b_hh, w_hr)

    pieces = _split_rows(linear(x, w_ih, b_ih), batch_sizes)
    outs, final = (_backward_in_time if reverse else _forward_in_time)(cell, pieces, state)
    return (outs[0] if len(outs) == 1 else cat(outs)), final


def rnn_sequence(mode: str, data: Tensor, batch_sizes: Sequence[int], hx: State,
                 weights: Sequence[Weights], num_layers: int, dropout_p: float,
                 training: bool, bidirectional: bool) -> tuple[Tensor, State]:
    """A stack of recurrent layers over packed ``data`` (``(sum(batch_sizes), input_size)``,
    batches sorted longest first) from the initial states ``hx`` (each ``(num_layers *
    directions, batch_sizes[0], size)``). Returns the last layer's output rows (both
    directions side by side) and the final states, stacked as ``hx``.

    ``weights[layer * directions + direction]`` is ``(w_ih, w_hh, b_ih, b_hh, w_hr)``.
    Dropout (in training) acts on each layer's output but the last, as PyTorch's."""
    step, directions = STEPS[mode], 2 if bidirectional else 1
    finals: list[State] = []
    x = data
    for layer in range(num_layers):
        if layer:
            x = dropout(x, dropout_p, training)
        outs = []
        for d in range(directions):
            k = layer * directions + d
            out, final = _direction(step, x, batch_sizes, tuple(s[k] for s in hx),
                                    weights[k], reverse=d == 1)
            outs.append(out)
            finals.append(final)
        x = outs[0] if directions == 1 else cat(outs, 1)
    return x, tuple(stack([f[i] for f in finals]) for i in range(len(hx)))
