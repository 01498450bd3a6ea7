"""``Embedding``: a learnable lookup table from class indices to vectors; ``EmbeddingBag``:
the sum, mean or max of each bag of them."""

from __future__ import annotations

import numpy as np

from ..dtypes import get_default_dtype
from ..functional.embedding import embedding, embedding_bag
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


class EmbeddingBag(Module):
    """The sum, mean or max of each bag of embeddings (``F.embedding_bag``), without the
    per-index vectors: weight ``(num_embeddings, embedding_dim)`` drawn from N(0, 1), the
    ``padding_idx`` row zero, as in PyTorch. ``forward(input, offsets=None,
    per_sample_weights=None)``: a 2-D input is a batch of equal bags, a 1-D one is cut at
    ``offsets``. ``mode`` is checked at the first forward, as in PyTorch."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device: object = None, dtype: object = None) -> None:
        super().__init__()
        name = "EmbeddingBag"
        self.num_embeddings = size_arg(num_embeddings, "num_embeddings", name)
        self.embedding_dim = size_arg(embedding_dim, "embedding_dim", name)
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError(f"{name}: max_norm, scale_grad_by_freq and sparse are "
                                      "not supported (see docs/porting.md)")
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.padding_idx = _padding_row(padding_idx, self.num_embeddings)
        if _weight is None:
            shape = (self.num_embeddings, self.embedding_dim)
            self.weight = Parameter(np.empty(shape, np.dtype(dtype or get_default_dtype())))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (self.num_embeddings, self.embedding_dim):
                raise AssertionError(f"{name}: Shape of weight does not match num_embeddings "
                                     f"and embedding_dim: {tuple(_weight.shape)} is not "
                                     f"({self.num_embeddings}, {self.embedding_dim})")
            self.weight = Parameter(_weight)
        self.mode, self.sparse = mode, sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self) -> None:
        """N(0, 1) weights, the padding row zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input: Tensor, offsets: Tensor | None = None,
                per_sample_weights: Tensor | None = None) -> Tensor:
        """``(B, L)`` indices, or ``(N,)`` indices and ``(B,)`` offsets -> ``(B, dim)``."""
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, self.mode, self.sparse,
                             per_sample_weights, self.include_last_offset, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag holding ``embeddings`` (2-D; frozen unless ``freeze=False``)."""
        if embeddings.ndim != 2:
            raise AssertionError(f"EmbeddingBag.from_pretrained: Embeddings parameter is "
                                 f"expected to be 2-dimensional, got shape {embeddings.shape}")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse, embeddings,
                  include_last_offset, padding_idx)
        bag.weight.requires_grad = not freeze
        return bag

    def extra_repr(self) -> str:
        """What ``repr(layer)`` shows in the parentheses (PyTorch's wording)."""
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s


def _padding_row(padding_idx: int | None, n: int) -> int | None:
    """``padding_idx`` as a row in ``[0, n)`` (a negative one counts from the end), else
    PyTorch's AssertionError."""
    if padding_idx is None:
        return None
    if not -n <= padding_idx < n:
        raise AssertionError(f"EmbeddingBag: padding_idx must be within num_embeddings "
                             f"({n}), got {padding_idx}")
    return padding_idx % n
