"""``minigrad.utils.data.distributed``: ``DistributedSampler``, as in ``torch.utils.data``.

This file is importable as ``minigrad.utils.data.distributed`` (``utils/data.py`` registers
it under that name, as ``os`` does ``os.path``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized
from typing import Any

from ..rng import Generator
from .data import Sampler

__all__ = ["DistributedSampler"]


def _check_replica_args(num_replicas: int | None, rank: int | None, seed: int) -> None:
    """``num_replicas`` and ``rank`` given (no process group to ask), ints, and in range."""
    from ..distributed import no_distributed

    if num_replicas is None or rank is None:
        missing = " and ".join(name for name, v in (("num_replicas", num_replicas),
                                                    ("rank", rank)) if v is None)
        raise no_distributed(f"DistributedSampler: {missing} not given, and there is "
                             "no process group to ask")
    _check_ints(num_replicas=num_replicas, rank=rank, seed=seed)
    if num_replicas < 1:
        raise ValueError(f"DistributedSampler: num_replicas must be positive, got "
                         f"{num_replicas}")
    if rank >= num_replicas or rank < 0:
        raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                         f"[0, {num_replicas - 1}]")


def _check_ints(**values: Any) -> None:
    """Each value an int (a bool is refused, as torch does)."""
    for name, v in values.items():
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"DistributedSampler: argument '{name}' must be int, not "
                            f"{type(v).__name__}")


class DistributedSampler(Sampler):
    """The indices of one replica's share of ``dataset``, as PyTorch's ``DistributedSampler``.

    ``num_replicas`` and ``rank`` must be given (there is no process group to ask). Each
    epoch's order is a permutation drawn from ``seed + epoch`` (call ``set_epoch`` before each
    epoch; minigrad's generator, so another order than PyTorch's for the same seed), padded
    by repeating its start to a multiple of ``num_replicas`` (or cut, with ``drop_last``),
    and replica ``rank`` takes every ``num_replicas``-th index from position ``rank``: given
    the same permutation, the same split as PyTorch's.
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        _check_replica_args(num_replicas, rank, seed)
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _order(self) -> list[int]:
        """The epoch's order of all indices (a permutation from ``seed + epoch``)."""
        n = len(self.dataset)
        if not self.shuffle:
            return list(range(n))
        rng = Generator().manual_seed(self.seed + self.epoch)
        return rng.rng.permutation(n).tolist()

    def __iter__(self) -> Iterator[Any]:
        indices = self._order()
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            elif indices:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use ``epoch`` in the next permutation (so each epoch shuffles differently)."""
        self.epoch = epoch
