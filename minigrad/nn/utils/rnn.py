"""``nn.utils.rnn``: batches of sequences of different lengths, padded to one length or
packed (PyTorch's ``PackedSequence``: the time steps one after another, each holding the
sequences still running, longest first), as ``torch.nn.utils.rnn``.

Packing, padding and unpacking are each one ``index_select`` of rows (the padding value a
row appended for the purpose), so the gradient flows back through them to the sequences.

>>> import minigrad as mg
>>> seqs = [mg.tensor([1., 2., 3.]), mg.tensor([4., 5.])]
>>> packed = pack_sequence(seqs)
>>> packed.data.tolist(), packed.batch_sizes.tolist()
([1.0, 4.0, 2.0, 5.0, 3.0], [2, 2, 1])
>>> padded, lengths = pad_packed_sequence(packed, batch_first=True)
>>> padded.tolist(), lengths.tolist()
([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]], [3, 2])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ...creation import full
from ...functional.shape import cat
from ...tensor import Tensor, require_tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence", "pad_sequence", "unpack_sequence", "unpad_sequence"]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(PackedSequence_):
    """A batch of sequences packed by time step: ``data`` ``(sum of lengths, *)``,
    ``batch_sizes`` (how many sequences run at each step, int64), and the permutation
    that sorted the batch longest first (``sorted_indices``) with its inverse
    (``unsorted_indices``, computed when not given); None when it came sorted.

    Made by ``pack_padded_sequence`` or ``pack_sequence``, taken and returned by the
    recurrent layers; a named tuple, so ``data, batch_sizes, *_ = packed`` unpacks it."""

    def __new__(cls, data: Any, batch_sizes: Tensor | None = None,
                sorted_indices: Tensor | None = None,
                unsorted_indices: Tensor | None = None) -> PackedSequence:
        """The four fields; ``unsorted_indices`` computed from ``sorted_indices`` when
        not given."""
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)), as PyTorch allows
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("PackedSequence: expected data to be a list or tuple "
                                     "of length 2 when batch_sizes is not given")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The data cast (``Tensor.to``'s arguments); itself when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self) -> PackedSequence:
        """Itself: minigrad runs on the CPU only."""
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """Refused as ``Tensor.cuda`` is (minigrad has no GPU)."""
        return self.to(self.data.cuda(*args, **kwargs))

    def pin_memory(self) -> PackedSequence:
        """Itself: pinned memory is a CUDA transfer aid."""
        return self

    def is_pinned(self) -> bool:
        """False: minigrad's memory is never pinned."""
        return False

    @property
    def is_cuda(self) -> bool:
        """False: minigrad runs on the CPU only."""
        return False

    def double(self) -> PackedSequence:
        """The data as float64."""
        return self.to(np.float64)

    def float(self) -> PackedSequence:
        """The data as float32."""
        return self.to(np.float32)

    def half(self) -> PackedSequence:
        """The data as float16."""
        return self.to(np.float16)

    def long(self) -> PackedSequence:
        """The data as int64."""
        return self.to(np.int64)

    def int(self) -> PackedSequence:
        """The data as int32."""
        return self.to(np.int32)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation of ``0..n-1`` (None for None)."""
    if permutation is None:
        return None
    perm = np.asarray(permutation._data if isinstance(permutation, Tensor) else permutation)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size, dtype=perm.dtype)
    return Tensor(inverse)


def _lengths_array(lengths: Any) -> np.ndarray:
    """``lengths`` (a Tensor or a list) as 1-D int64, as PyTorch truncates floats."""
    arr = np.asarray(lengths._data if isinstance(lengths, Tensor) else lengths)
    if arr.ndim != 1:
        raise RuntimeError(f"pack_padded_sequence: 'lengths' argument should be a 1-D int64 "
                           f"tensor, but got shape {arr.shape}")
    return arr.astype(np.int64)


def _check_lengths(lengths: np.ndarray, batch: int, steps: int) -> None:
    """PyTorch's checks of the lengths (sorted only when it asks), and that none is longer
    than the padded input (PyTorch reads past its end)."""
    if lengths.size != batch:
        raise RuntimeError(f"pack_padded_sequence: Expected `len(lengths)` to be equal to "
                           f"batch_size, but got {lengths.size} (batch_size={batch})")
    if np.any(np.diff(lengths) > 0):
        raise RuntimeError(
            "pack_padded_sequence: `lengths` array must be sorted in decreasing order when "
            "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
            "pack_padded_sequence and/or pack_sequence to sidestep this requirement if you "
            f"do not need ONNX exportability (got lengths {lengths.tolist()})")
    if lengths[-1] <= 0:
        raise RuntimeError("pack_padded_sequence: Length of all samples has to be greater "
                           "than 0, but found an element in 'lengths' that is <= 0 (got "
                           f"lengths {lengths.tolist()})")
    if lengths[0] > steps:
        raise RuntimeError(f"pack_padded_sequence: a length ({lengths[0]}) exceeds the "
                           f"padded sequence length {steps}")


def pack_padded_sequence(input: Tensor, lengths: Tensor | Sequence[int],  # noqa: A002
                         batch_first: bool = False, enforce_sorted: bool = True
                         ) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) whose sequence
    ``b`` is ``lengths[b]`` long. With ``enforce_sorted`` the lengths must come longest
    first; without, the batch is sorted here and the permutation kept in the result."""
    input = require_tensor(input, "pack_padded_sequence", "input")
    if input.ndim < 2:
        raise IndexError(f"pack_padded_sequence: input must have a time and a batch "
                         f"dimension, got shape {input.shape}")
    if input.numel() == 0:
        raise RuntimeError("pack_padded_sequence: Cannot pack empty tensors.")
    lengths = _lengths_array(lengths)
    batch_dim = 0 if batch_first else 1
    steps, batch = input.shape[1 - batch_dim], input.shape[batch_dim]
    order = None
    if not enforce_sorted:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
    _check_lengths(lengths, batch, steps)
    batch_sizes = (lengths[None, :] > np.arange(lengths[0])[:, None]).sum(1)
    time, pos = _packed_positions(batch_sizes)
    rows = pos if order is None else order[pos]  # each packed row's original batch entry
    flat = rows * steps + time if batch_first else time * batch + rows
    data = input.reshape(steps * batch, *input.shape[2:]).index_select(0, flat)
    sorted_indices = None if order is None else Tensor(order.astype(np.int64))
    return PackedSequence(data, Tensor(batch_sizes.astype(np.int64)), sorted_indices, None)


def _packed_positions(batch_sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each packed row, its time step and its position in the (sorted) batch."""
    time = np.repeat(np.arange(batch_sizes.size), batch_sizes)
    starts = np.repeat(np.cumsum(batch_sizes) - batch_sizes, batch_sizes)
    return time, np.arange(time.size) - starts


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """The inverse of ``pack_padded_sequence``: ``(padded, lengths)``, the batch back in its
    original order, ``padding_value`` after each sequence's end, padded to ``total_length``
    steps if given (at least the longest)."""
    data, batch_sizes = sequence.data, np.asarray(sequence.batch_sizes._data, np.int64)
    steps = batch_sizes.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError("pad_packed_sequence: Expected total_length to be at least the "
                             "length of the longest sequence in input, but got "
                             f"total_length={total_length} and max sequence length being "
                             f"{steps}")
        steps = int(total_length)
    batch = int(batch_sizes[0])
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(1)  # sorted order
    order = np.arange(batch)
    if sequence.unsorted_indices is not None:
        order = np.asarray(sequence.unsorted_indices._data, np.int64)
        lengths = lengths[order]
    # packed row of (t, sorted position j): offset[t] + j, or the padding row past the end
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)])
    t = np.arange(steps)[:, None]
    j = order[None, :]
    inside = t < lengths[None, :]
    index = np.where(inside, offsets[np.minimum(t, batch_sizes.size - 1)] + j, offsets[-1])
    padded = _take_rows(data, index.T if batch_first else index, padding_value)
    return padded, Tensor(lengths.astype(np.int64))


def _take_rows(rows: Tensor, index: np.ndarray, padding_value: float) -> Tensor:
    """``rows[index]`` for a 2-D ``index`` (``len(rows)`` meaning the padding value): one
    ``index_select`` on ``rows`` with a padding row appended."""
    pad = full((1, *rows.shape[1:]), padding_value, dtype=rows.dtype)
    table = cat([rows, pad])
    return table.index_select(0, index.reshape(-1)).reshape(*index.shape, *rows.shape[1:])


def _sequences(sequences: Any) -> tuple[Tensor, ...]:
    """The sequences as a checked tuple: each at least 1-D, all of one trailing shape."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    for s in sequences:
        require_tensor(s, "pad_sequence", "each sequence")
        if s.ndim == 0 or s.shape[1:] != sequences[0].shape[1:]:
            raise RuntimeError(f"pad_sequence: every sequence must have the shape (length, "
                               f"*{tuple(sequences[0].shape[1:])}), got {tuple(s.shape)}")
    return sequences


def pad_sequence(sequences: Iterable[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes ``(L_i, *)`` into ``(max L, B, *)`` (``(B, max L, *)`` with
    ``batch_first``), ``padding_value`` after (``padding_side='right'``) or before
    (``'left'``) each; the dtype is the first sequence's."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"pad_sequence: Expected padding_side to be one of left or right, "
                           f"but got {padding_side}.")
    sequences = _sequences(sequences)
    dtype = sequences[0].dtype
    lengths = np.array([s.shape[0] for s in sequences], np.int64)
    steps = int(lengths.max())
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    t = np.arange(steps)[:, None] - (steps - lengths[None, :] if padding_side == "left" else 0)
    index = np.where((t >= 0) & (t < lengths[None, :]), starts[None, :] + t, lengths.sum())
    rows = cat([s if s.dtype == dtype else s.to(dtype) for s in sequences])
    return _take_rows(rows, index.T if batch_first else index, padding_value)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor | Sequence[int],
                   batch_first: bool = False) -> list[Tensor]:
    """The inverse of ``pad_sequence``: the first ``lengths[b]`` steps of each batch entry,
    as a list. (PyTorch transposes a sequence-first input in place; this leaves it be.)"""
    padded = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    lengths = np.asarray(lengths._data if isinstance(lengths, Tensor) else lengths).tolist()
    if len(lengths) != padded.shape[0]:
        raise ValueError(f"unpad_sequence: got {len(lengths)} lengths for a batch of "
                         f"{padded.shape[0]}")
    return [padded[b, :int(n)] for b, n in enumerate(lengths)]


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)``: ``pad_sequence`` then
    ``pack_padded_sequence``."""
    lengths = [s.shape[0] for s in _sequences(sequences)]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The inverse of ``pack_sequence``: the list of sequences, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
