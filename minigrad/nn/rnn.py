"""Recurrent layers with PyTorch's signatures, parameters and state dicts: ``RNN``, ``LSTM``
(with ``proj_size``), ``GRU`` over whole sequences (padded or a ``PackedSequence``), and
their one-step cells ``RNNCell``, ``LSTMCell``, ``GRUCell``.

The modules check the arguments and shapes as PyTorch does and keep its parameter names
(``weight_ih_l0``, ``bias_hh_l1_reverse``, ``weight_hr_l0``...), so a PyTorch state dict
loads as it is; the arithmetic is ``functional/rnn.py``'s, composed of core ops.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from .. import creation
from ..dtypes import check_same_dtype, get_default_dtype
from ..functional.activation import linear
from ..functional.rnn import STEPS, rnn_sequence
from ..tensor import Tensor, require_tensor
from . import init
from ._checks import size_arg
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
Hidden = Tensor | tuple[Tensor, Tensor]


def _check_dropout(dropout: Any, num_layers: Any, name: str) -> None:
    """A probability (not a bool); a warning when there is no layer after which to drop."""
    if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
            or not 0 <= dropout <= 1):
        raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing "
                         f"the probability of an element being zeroed, got {dropout!r}")
    if dropout > 0 and num_layers == 1:
        warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                      "non-zero dropout expects num_layers greater than 1, but got "
                      f"dropout={dropout} and num_layers={num_layers}", stacklevel=4)


def _check_type(value: Any, kind: type, what: str, name: str) -> None:
    if not isinstance(value, kind):
        raise TypeError(f"{name}: {what} should be of type {kind.__name__}, got: "
                        f"{type(value).__name__}")


def _check_sizes(input_size: Any, hidden_size: Any, num_layers: Any, proj_size: Any,
                 name: str) -> None:
    """PyTorch's refusals, in its order: types, then values."""
    for what, value in (("input_size", input_size), ("hidden_size", hidden_size)):
        _check_type(value, int, what, name)
        if value <= 0:
            raise ValueError(f"{name}: {what} must be greater than zero, got {value}")
    _check_type(num_layers, int, "num_layers", name)
    if num_layers <= 0:
        raise ValueError(f"{name}: num_layers must be greater than zero, got {num_layers}")
    _check_type(proj_size, int, "proj_size", name)
    if proj_size < 0:
        raise ValueError(f"{name}: proj_size should be a positive integer or zero to disable "
                         f"projections, got {proj_size}")
    if proj_size >= hidden_size:
        raise ValueError(f"{name}: proj_size has to be smaller than hidden_size, got "
                         f"proj_size={proj_size} and hidden_size={hidden_size}")


def _shapes(gates: int, in_size: int, hidden: int, proj: int) -> dict[str, tuple[int, ...]]:
    """One layer-direction's parameters by PyTorch's name stem, in its order."""
    real = proj or hidden
    shapes = {"weight_ih": (gates * hidden, in_size), "weight_hh": (gates * hidden, real),
              "bias_ih": (gates * hidden,), "bias_hh": (gates * hidden,)}
    if proj:
        shapes["weight_hr"] = (proj, hidden)
    return shapes


def _hx_dims_error(name: str, hx: tuple[Tensor, ...], batched: bool) -> RuntimeError:
    want = "batched 3-D input, hx" if batched else "unbatched 2-D input, hx"
    dims = ", ".join(f"{h.dim()}-D" for h in hx)
    if len(hx) == 1:
        return RuntimeError(f"{name}: For {want} should also be {3 if batched else 2}-D but "
                            f"got {dims} tensor")
    return RuntimeError(f"{name}: For {want} and cx should also be {3 if batched else 2}-D "
                        f"but got ({dims}) tensors")


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: the parameters of every layer and
    direction (``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``,
    ``weight_hr_l{k}``, ``_reverse`` for the backward direction), all drawn from
    U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)); the checks of the input and hidden
    state; the loop over time. ``mode`` is ``'RNN_TANH'``, ``'RNN_RELU'``, ``'LSTM'`` or
    ``'GRU'``."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        _check_dropout(dropout, num_layers, name)
        _check_type(bias, bool, "bias", name)
        _check_type(batch_first, bool, "batch_first", name)
        _check_sizes(input_size, hidden_size, num_layers, proj_size, name)
        if mode not in _GATES:
            raise ValueError(f"{name}: Unrecognized RNN mode: {mode}")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        dtype = np.dtype(dtype or get_default_dtype())
        for layer in range(num_layers):
            for direction in range(2 if bidirectional else 1):
                self._add_parameters(layer, direction, dtype)
        self.reset_parameters()

    def _add_parameters(self, layer: int, direction: int, dtype: np.dtype) -> None:
        """Register one layer-direction's parameters under PyTorch's names and order."""
        directions = 2 if self.bidirectional else 1
        in_size = (self.proj_size or self.hidden_size) * directions if layer else self.input_size
        names = []
        for stem, shape in _shapes(_GATES[self.mode], in_size, self.hidden_size,
                                   self.proj_size).items():
            if stem.startswith("bias") and not self.bias:
                continue
            names.append(f"{stem}_l{layer}{'_reverse' if direction else ''}")
            setattr(self, names[-1], Parameter(np.empty(shape, dtype)))
        self._flat_weights_names.extend(names)
        self._all_weights.append(names)

    @property
    def _flat_weights(self) -> list[Parameter | None]:
        """The parameters in PyTorch's flat order (read afresh: a replaced one shows)."""
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters grouped by layer and direction, as PyTorch's ``all_weights``."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op, as PyTorch's is off cuDNN (programs call it before each forward)."""

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        """PyTorch's: the sizes, then each option that differs from its default."""
        s = f"{self.input_size}, {self.hidden_size}"
        for key, default in (("proj_size", 0), ("num_layers", 1), ("bias", True),
                             ("batch_first", False), ("dropout", 0), ("bidirectional", False)):
            value = getattr(self, key)
            if value != default or (isinstance(default, bool) and value is not default):
                s += f", {key}={value}"
        return s

    # ------------------------------------------------------------------ checks
    def check_input(self, input: Tensor, batch_sizes: Tensor | None) -> None:  # noqa: A002
        """The input's dtype (the weights'), rank and last size (``input_size``)."""
        name = type(self).__name__
        weight = self._flat_weights[0]
        if input.dtype != weight.dtype:
            raise ValueError(f"{name}: RNN input dtype ({input.dtype}) does not match weight "
                             f"dtype ({weight.dtype}). Convert input: input.to({weight.dtype})"
                             f", or convert model: model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"{name}: input must have {expected} dimensions, got "
                               f"{input.dim()}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")

    def get_expected_hidden_size(self, input: Tensor,  # noqa: A002
                                 batch_sizes: Tensor | None) -> tuple[int, int, int]:
        """``(num_layers * directions, batch, proj_size or hidden_size)``."""
        return (self.num_layers * (2 if self.bidirectional else 1),
                self._batch(input, batch_sizes), self.proj_size or self.hidden_size)

    def _batch(self, input: Tensor, batch_sizes: Tensor | None) -> int:  # noqa: A002
        if batch_sizes is not None:
            return int(batch_sizes[0])
        return input.shape[0] if self.batch_first else input.shape[1]

    def check_hidden_size(self, hx: Tensor, expected_hidden_size: tuple[int, int, int],
                          msg: str = "Expected hidden size {}, got {}") -> None:
        """A hidden state of the wrong shape is a RuntimeError giving both shapes."""
        if tuple(hx.shape) != tuple(expected_hidden_size):
            raise RuntimeError(f"{type(self).__name__}: "
                               + msg.format(tuple(expected_hidden_size), list(hx.shape)))

    def check_forward_args(self, input: Tensor, hidden: Tensor,  # noqa: A002
                           batch_sizes: Tensor | None) -> None:
        """The input, then the hidden state's shape."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx: Tensor, permutation: Tensor | None) -> Tensor:
        """``hx`` with its batch (dim 1) reordered by ``permutation`` (None: as it is)."""
        return hx if permutation is None else hx.index_select(1, permutation)

    # ------------------------------------------------------------------ forward
    def _states(self, hx: Any) -> tuple[Tensor, ...]:
        """The hidden state as the tuple the loop carries: ``(h,)``; LSTM: ``(h, c)``."""
        require_tensor(hx, type(self).__name__, "hx")
        return (hx,)

    def _hidden(self, states: tuple[Tensor, ...]) -> Hidden:
        """The loop's final states as PyTorch returns them: ``h_n``; LSTM: ``(h_n, c_n)``."""
        return states[0]

    def _zero_states(self, input: Tensor, batch: int) -> tuple[Tensor, ...]:  # noqa: A002
        shape = (self.num_layers * (2 if self.bidirectional else 1), batch)
        sizes = [self.proj_size or self.hidden_size] + ([self.hidden_size] if self.mode ==
                                                         "LSTM" else [])
        return tuple(creation.zeros(*shape, size, dtype=input.dtype) for size in sizes)

    def _permute(self, states: tuple[Tensor, ...], permutation: Tensor | None
                 ) -> tuple[Tensor, ...]:
        hidden = self.permute_hidden(self._hidden(states), permutation)
        return hidden if isinstance(hidden, tuple) else (hidden,)

    def _run(self, data: Tensor, batch_sizes: list[int], states: tuple[Tensor, ...]
             ) -> tuple[Tensor, tuple[Tensor, ...]]:
        for s in states:
            check_same_dtype(type(self).__name__, "hx", s, "input", data)
        return rnn_sequence(self.mode, data, batch_sizes, states,
                            self._layer_weights(), self.num_layers, self.dropout,
                            self.training, self.bidirectional)

    def _layer_weights(self) -> list[tuple[Tensor | None, ...]]:
        """``(w_ih, w_hh, b_ih, b_hh, w_hr)`` for each layer and direction."""
        stems = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
        out = []
        for names in self._all_weights:
            suffix = names[0][len("weight_ih"):]
            out.append(tuple(getattr(self, stem + suffix, None) for stem in stems))
        return out

    def forward(self, input: Tensor | PackedSequence,  # noqa: A002
                hx: Hidden | None = None) -> tuple[Tensor | PackedSequence, Hidden]:
        """``input`` ``(L, N, input_size)`` (``(N, L, input_size)`` with ``batch_first``),
        unbatched ``(L, input_size)`` or a ``PackedSequence``; ``hx`` ``(num_layers *
        directions, N, hidden)`` or zeros. Returns the last layer's output at every step
        and the final hidden state of every layer (never batch-first)."""
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        return self._forward_padded(input, hx)

    def _forward_packed(self, packed: PackedSequence, hx: Hidden | None
                        ) -> tuple[PackedSequence, Hidden]:
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        self.check_input(data, batch_sizes)
        if hx is None:
            states = self._zero_states(data, int(batch_sizes[0]))
        else:
            states = self._states(hx)
            self.check_forward_args(data, self._hidden(states), batch_sizes)
            states = self._permute(states, sorted_indices)
        sizes = [int(b) for b in np.asarray(batch_sizes._data).tolist()]
        out, finals = self._run(data, sizes, states)
        output = PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices)
        return output, self._hidden(self._permute(finals, unsorted_indices))

    def _forward_padded(self, input: Tensor, hx: Hidden | None  # noqa: A002
                        ) -> tuple[Tensor, Hidden]:
        name = type(self).__name__
        require_tensor(input, name, "input")
        if input.dim() not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D "
                             f"tensor instead")
        batched, batch_dim = input.dim() == 3, 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
        states = self._padded_states(input, hx, batched)
        x = input.transpose(0, 1) if self.batch_first else input
        steps, batch = x.shape[0], x.shape[1]
        if steps == 0:
            raise RuntimeError(f"{name}: Expected sequence length to be larger than 0 in RNN")
        out, finals = self._run(x.reshape(steps * batch, x.shape[2]), [batch] * steps, states)
        out = out.reshape(steps, batch, out.shape[-1])
        out = out.transpose(0, 1) if self.batch_first else out
        if not batched:
            return out.squeeze(batch_dim), self._hidden(tuple(f.squeeze(1) for f in finals))
        return out, self._hidden(finals)

    def _padded_states(self, input: Tensor, hx: Hidden | None,  # noqa: A002
                       batched: bool) -> tuple[Tensor, ...]:
        """The initial states, checked (zeros when ``hx`` is None); unbatched ones get
        their batch dim."""
        if hx is None:
            self.check_input(input, None)
            return self._zero_states(input, self._batch(input, None))
        states = self._states(hx)
        if any(s.dim() != (3 if batched else 2) for s in states):
            raise _hx_dims_error(type(self).__name__, states, batched)
        if not batched:
            states = tuple(s.unsqueeze(1) for s in states)
        self.check_forward_args(input, self._hidden(states), None)
        return states


class RNN(RNNBase):
    """An Elman RNN of ``num_layers`` layers: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1}
    W_hh^T + b_hh)`` (or ReLU, ``nonlinearity='relu'``); the arguments, parameters and
    shapes are PyTorch's ``nn.RNN``'s."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("RNN: proj_size argument is only supported for LSTM, not RNN or "
                             "GRU")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' "
                             "or 'relu'.")
        super().__init__(f"RNN_{nonlinearity.upper()}", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, device=device,
                         dtype=dtype, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """A long short-term memory network of ``num_layers`` layers (input, forget, cell and
    output gates, in PyTorch's order); ``proj_size > 0`` projects each ``h_t`` to that size
    with ``weight_hr_l{k}``. ``hx`` and the final state are ``(h, c)`` pairs."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)

    def get_expected_cell_size(self, input: Tensor,  # noqa: A002
                               batch_sizes: Tensor | None) -> tuple[int, int, int]:
        """``(num_layers * directions, batch, hidden_size)``."""
        return (self.num_layers * (2 if self.bidirectional else 1),
                self._batch(input, batch_sizes), self.hidden_size)

    def check_forward_args(self, input: Tensor, hidden: tuple[Tensor, Tensor],  # noqa: A002
                           batch_sizes: Tensor | None) -> None:
        """The input, then the shapes of ``h`` and ``c``."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx: tuple[Tensor, Tensor],  # type: ignore[override]
                       permutation: Tensor | None) -> tuple[Tensor, Tensor]:
        """``h`` and ``c`` with their batch reordered."""
        if permutation is None:
            return hx
        return hx[0].index_select(1, permutation), hx[1].index_select(1, permutation)

    def _states(self, hx: Any) -> tuple[Tensor, ...]:
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise RuntimeError(f"LSTM: hx must be a tuple (h_0, c_0), got "
                               f"{type(hx).__name__}")
        for t in hx:
            require_tensor(t, "LSTM", "hx")
        return tuple(hx)

    def _hidden(self, states: tuple[Tensor, ...]) -> Hidden:
        return states[0], states[1]


class GRU(RNNBase):
    """A gated recurrent unit network of ``num_layers`` layers (reset, update and new
    gates, PyTorch's formulas and order)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("GRU: proj_size argument is only supported for LSTM, not RNN or "
                             "GRU")
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype, **kwargs)


# ----------------------------------------------------------------------------- cells


class RNNCellBase(Module):
    """What the cells share: ``weight_ih`` ``(chunks * hidden, input)``, ``weight_hh``
    ``(chunks * hidden, hidden)``, ``bias_ih`` and ``bias_hh`` (None with ``bias=False``),
    all from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)); the checks of one step's input
    and state."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.input_size = size_arg(input_size, "input_size", name)
        self.hidden_size = size_arg(hidden_size, "hidden_size", name)
        self.bias = bias
        dtype = np.dtype(dtype or get_default_dtype())
        rows = num_chunks * self.hidden_size
        self.weight_ih = Parameter(np.empty((rows, self.input_size), dtype))
        self.weight_hh = Parameter(np.empty((rows, self.hidden_size), dtype))
        for stem in ("bias_ih", "bias_hh"):
            self.register_parameter(stem, Parameter(np.empty(rows, dtype)) if bias else None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        """PyTorch's: the sizes, then ``bias`` and ``nonlinearity`` when not the defaults."""
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _step_inputs(self, input: Tensor, hx: Any,  # noqa: A002
                     count: int) -> tuple[Tensor, tuple[Tensor, ...], bool]:
        """``(input, states, batched)``: both given a batch dim if unbatched, the states
        zeros if ``hx`` is None, all checked as PyTorch's cell functions do."""
        name = type(self).__name__
        require_tensor(input, name, "input")
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D "
                             f"instead")
        states = None if hx is None else self._given_states(hx, count)
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
            states = None if states is None else tuple(s.unsqueeze(0) for s in states)
        if states is None:
            zeros = creation.zeros(input.shape[0], self.hidden_size, dtype=input.dtype)
            states = (zeros,) * count
        self._check_step(input, states)
        return input, states, batched

    def _given_states(self, hx: Any, count: int) -> tuple[Tensor, ...]:
        name = type(self).__name__
        if count == 1:
            states = (require_tensor(hx, name, "hx"),)
            what = ["hidden"]
        else:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise RuntimeError(f"{name}: lstm_cell expects two hidden states")
            states = tuple(require_tensor(h, name, "hx") for h in hx)
            what = ["hx[0]", "hx[1]"]
        for w, s in zip(what, states):
            if s.dim() not in (1, 2):
                raise ValueError(f"{name}: Expected {w} to be 1D or 2D, got {s.dim()}D instead")
        return states

    def _check_step(self, input: Tensor, states: tuple[Tensor, ...]) -> None:  # noqa: A002
        """Sizes and dtypes, with the words of PyTorch's cell functions."""
        name = type(self).__name__
        check_same_dtype(name, "input", input, "weight", self.weight_ih)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got "
                               f"{input.shape[1]} expected {self.input_size}")
        for k, s in enumerate(states):
            check_same_dtype(name, f"hx[{k}]", s, "input", input)
            if s.dim() != 2 or s.shape[1] != self.hidden_size:
                raise RuntimeError(f"{name}: hidden{k} has inconsistent hidden_size: got "
                                   f"shape {tuple(s.shape)}, expected (batch, "
                                   f"{self.hidden_size})")
            if s.shape[0] != input.shape[0]:
                raise RuntimeError(f"{name}: Input batch size {input.shape[0]} doesn't match "
                                   f"hidden{k} batch size {s.shape[0]}")

    def _step(self, mode: str, input: Tensor, states: tuple[Tensor, ...]  # noqa: A002
              ) -> tuple[Tensor, ...]:
        gi = linear(input, self.weight_ih, self.bias_ih)
        return STEPS[mode](gi, states, self.weight_hh, self.bias_hh)


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or ReLU,
    ``nonlinearity='relu'``). ``forward(input (N, input_size) or (input_size,), hx=None)``
    returns ``h'``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        """The next hidden state, ``(N, hidden_size)`` or ``(hidden_size,)``."""
        x, states, batched = self._step_inputs(input, hx, 1)
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"RNNCell: Unknown nonlinearity: {self.nonlinearity}")
        h = self._step(f"RNN_{self.nonlinearity.upper()}", x, states)[0]
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o). ``forward(input, hx=(h, c) or None)`` returns the
    next ``(h, c)``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor,  # noqa: A002
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        """The next ``(h, c)``, each ``(N, hidden_size)`` or ``(hidden_size,)``."""
        x, states, batched = self._step_inputs(input, hx, 2)
        h, c = self._step("LSTM", x, states)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n; ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``).
    ``forward(input, hx=None)`` returns the next hidden state."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        """The next hidden state, ``(N, hidden_size)`` or ``(hidden_size,)``."""
        x, states, batched = self._step_inputs(input, hx, 1)
        h = self._step("GRU", x, states)[0]
        return h if batched else h.squeeze(0)
