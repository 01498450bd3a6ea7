"""``nn.AdaptiveLogSoftmaxWithLoss``: Grave et al.'s adaptive softmax for large vocabularies.

The frequent classes (below ``cutoffs[0]``) and one entry per rarer cluster form the head,
a ``Linear`` scored for every row; each cluster's classes get a two-layer tail
(``in_features -> in_features // div_value**(i+1) -> cluster size``), run only on the rows
whose target falls in that cluster. ``log p(class) = log p_head(cluster) + log
p_tail(class | cluster)``. The layer names (``head``, ``tail.<i>.0``, ``tail.<i>.1``) and
the computation follow PyTorch's, so a state dict from PyTorch loads and gives the same
losses and gradients.

    >>> import minigrad as mg
    >>> _ = mg.manual_seed(0)
    >>> asm = mg.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[4, 8])
    >>> result = asm(mg.randn(3, 8), mg.tensor([0, 5, 9]))
    >>> result.output.shape, result.loss.shape
    ((3,), ())
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..functional.shape import cat
from ..tensor import Tensor, require_tensor
from . import functional as F  # noqa: N812  (PyTorch's spelling)
from .containers import ModuleList, Sequential
from .linear import Linear
from .module import Module

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


def _check_cutoffs(cutoffs: list, n_classes: int) -> None:
    if len(cutoffs) == 0:
        raise ValueError("cutoffs should be a sequence of length larger than 0")
    if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
        raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in "
                         "an increasing order, where each value is between 1 and "
                         f"n_classes-1 (got cutoffs={cutoffs}, n_classes={n_classes})")


def _check_shapes(input: Tensor, target: Tensor) -> None:  # noqa: A002
    """PyTorch's checks: a batch (2-D input, 1-D target of its length) or one example."""
    name = "AdaptiveLogSoftmaxWithLoss"
    if target.ndim == 1:
        if input.shape[0] != target.shape[0]:
            raise RuntimeError(f"{name}: Input and target should have the same size in the "
                               f"batch dimension (input {input.shape}, target "
                               f"{target.shape}).")
        if input.ndim != 2:
            raise RuntimeError(f"{name}: 1D target tensor expects 2D input tensors, but found "
                               f"inputs with size {input.shape}")
    elif target.ndim == 0:
        if input.ndim != 1:
            raise RuntimeError(f"{name}: 0D target tensor expects 1D input tensors, but found "
                               f"inputs with size {input.shape}")
    else:
        raise RuntimeError(f"{name}: 0D or 1D target tensor expected, multi-target not "
                           f"supported (target shape {target.shape})")


class AdaptiveLogSoftmaxWithLoss(Module):
    """``nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value=4.0,
    head_bias=False)``: ``forward(input, target)`` gives ``(output, loss)``, the target's
    log-probability per row and their negated mean; ``log_prob`` all classes', ``predict``
    the most likely class."""

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int],
                 div_value: float = 4.0, head_bias: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        _check_cutoffs(cutoffs, n_classes)
        kw = {"device": device, "dtype": dtype}
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, **kw),
                                        Linear(hsz, osz, bias=False, **kw)))

    def reset_parameters(self) -> None:
        """Fresh weights, drawn as ``__init__`` draws them."""
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        """``(output, loss)``: each row's log-probability of its target, and the mean of
        their negatives (a 0-d target and 1-d input: one example, a 0-d output)."""
        input_ = require_tensor(input_, "AdaptiveLogSoftmaxWithLoss", "input")
        target_ = require_tensor(target_, "AdaptiveLogSoftmaxWithLoss", "target")
        _check_shapes(input_, target_)
        batched = target_.ndim > 0
        input = input_ if batched else input_.unsqueeze(0)  # noqa: A001
        target = target_ if batched else target_.unsqueeze(0)
        t = target._data
        if t.size and (t.min() < 0 or t.max() >= self.n_classes):
            raise RuntimeError(f"AdaptiveLogSoftmaxWithLoss: Target values should be in "
                               f"[0, {self.n_classes - 1}], but values in range "
                               f"[{t.min()}, {t.max()}] were found. ")
        output = Tensor(np.zeros(t.shape[0], input.dtype))
        gather = t.copy()  # the head entry each row reads: its class, or its cluster's
        for i in range(self.n_clusters):
            low, high = self.cutoffs[i], self.cutoffs[i + 1]
            rows = np.flatnonzero((t >= low) & (t < high))
            if rows.size:
                output = output.index_copy(0, Tensor(rows), self._tail_logprob(
                    i, input, rows, t[rows] - low))
                gather[rows] = self.shortlist_size + i
        head_logprob = F.log_softmax(self.head(input), dim=1)
        output = output + head_logprob.gather(1, Tensor(gather[:, None])).squeeze(1)
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _tail_logprob(self, i: int, input: Tensor, rows: np.ndarray,  # noqa: A002
                      relative: np.ndarray) -> Tensor:
        """``log p_tail(target | cluster i)`` of the rows in cluster ``i``."""
        cluster = F.log_softmax(self.tail[i](input.index_select(0, Tensor(rows))), dim=1)
        return cluster.gather(1, Tensor(relative[:, None])).squeeze(1)

    def _get_full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:  # noqa: A002
        """Every class's log-probability from the head's output and each tail."""
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = F.log_softmax(self.tail[i](input), dim=1)
            parts.append(cluster + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return cat(parts, 1)

    def log_prob(self, input: Tensor) -> Tensor:  # noqa: A002
        """The log-probabilities of all ``n_classes`` classes, shape (N, n_classes)."""
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input: Tensor) -> Tensor:  # noqa: A002
        """The most likely class of each row (``log_prob(input).argmax(1)``, the tails run
        only for rows whose best head entry is a cluster)."""
        head_output = self.head(input)
        output = head_output.argmax(dim=1)
        outside = (output >= self.shortlist_size)._data
        if not outside.any():
            return output
        if outside.all():
            return self._get_full_log_prob(input, head_output).argmax(dim=1)
        rows = Tensor(np.flatnonzero(outside))
        best = self._get_full_log_prob(input.index_select(0, rows),
                                       head_output.index_select(0, rows)).argmax(dim=1)
        return output.index_copy(0, rows, best)
