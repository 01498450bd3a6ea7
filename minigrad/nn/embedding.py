"""``Embedding``: a learnable lookup table from class indices to vectors."""

from __future__ import annotations

import numpy as np

from ..dtypes import get_default_dtype
from ..functional.embedding import embedding
from ..tensor import Tensor
from . import init
from ._checks import size_arg
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """Weight ``(num_embeddings, embedding_dim)`` drawn from N(0, 1) as in PyTorch; the row at
    ``padding_idx`` starts at zero and receives no gradient."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False, device: object = None,
                 dtype: object = None) -> None:
        super().__init__()
        self.num_embeddings = size_arg(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = size_arg(embedding_dim, "embedding_dim", "Embedding")
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise AssertionError(f"Embedding: padding_idx must be within num_embeddings "
                                     f"({self.num_embeddings}), got {padding_idx}")
            padding_idx = padding_idx % self.num_embeddings
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: max_norm, scale_grad_by_freq and sparse are "
                                      "not supported (see docs/porting.md)")
        self.padding_idx = padding_idx
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is not None:
            self.weight = Parameter(_weight, requires_grad=not _freeze)
        else:
            self.weight = Parameter(np.empty(shape, np.dtype(dtype or get_default_dtype())))
            self.reset_parameters()

    def reset_parameters(self) -> None:
        """N(0, 1) weights, the padding row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        """``(*)`` int64 indices -> ``(*, embedding_dim)``."""
        return embedding(input, self.weight, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None) -> Embedding:
        """An Embedding holding ``embeddings`` (frozen unless ``freeze=False``)."""
        rows, dim = embeddings.shape
        return cls(rows, dim, padding_idx, _weight=embeddings, _freeze=freeze)

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses."""
        pad = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"
