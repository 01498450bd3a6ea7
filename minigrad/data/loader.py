"""``DataLoader``: mini-batches of Tensors, shuffled reproducibly.

Batches are cut out of a dataset with a ``take(indices)`` method (``TensorDataset``,
``RandomShift``) with one fancy index per array, no per-sample loop; any other ``Dataset`` is
collated sample by sample with ``np.stack``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..rng import get_rng
from ..tensor import Tensor
from .datasets import Dataset


def _collate(samples: list[Any]) -> Any:
    """Stack a list of samples (Tensors, arrays, numbers, or tuples of them) into batch Tensors."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(_collate([s[i] for s in samples]) for i in range(len(first)))
    arrays = [s.data if isinstance(s, Tensor) else np.asarray(s) for s in samples]
    return Tensor(np.stack(arrays))


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size``.

    ``shuffle=True`` draws a fresh permutation at the start of every pass. With ``seed`` the
    loader owns its generator (same seed, same order of batches, epoch after epoch); without it
    the permutation comes from ``minigrad.rng.get_rng()``, so ``minigrad.manual_seed`` controls
    it and a checkpoint of that generator's state resumes the exact order.

        >>> import numpy as np
        >>> from minigrad.data import DataLoader, TensorDataset
        >>> ds = TensorDataset(np.zeros((5, 1, 28, 28), np.float32), np.arange(5))
        >>> [(x.shape, y.tolist()) for x, y in DataLoader(ds, batch_size=2)]
        [((2, 1, 28, 28), [0, 1]), ((2, 1, 28, 28), [2, 3]), ((1, 1, 28, 28), [4])]
        >>> def order(): return [y.tolist() for _, y in DataLoader(ds, 5, shuffle=True, seed=0)]
        >>> order() == order(), sorted(order()[0])
        (True, [0, 1, 2, 3, 4])
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
    ) -> None:
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) \
                or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.seed = seed
        self._generator = np.random.default_rng(seed) if seed is not None else None

    @property
    def generator(self) -> np.random.Generator:
        """The generator the permutations are drawn from (own with ``seed``, else global)."""
        return self._generator if self._generator is not None else get_rng()

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def batch_indices(self) -> list[np.ndarray]:
        """The index arrays of one pass; draws the permutation now when shuffling."""
        n = len(self.dataset)
        order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        return [order[start:start + self.batch_size] for start in range(0, stop, self.batch_size)]

    def __iter__(self) -> Iterator[Any]:
        # the permutation is drawn here, when iteration starts (as in torch), not at first next()
        return self._batches(self.batch_indices())

    def iter_from(self, start: int) -> Iterator[Any]:
        """One pass that skips its first ``start`` batches without loading them (the
        permutation is still drawn, so a resumed epoch sees the same batches as the
        original; random augmentation is not drawn for the skipped ones)."""
        return self._batches(self.batch_indices()[start:])

    def _batches(self, batches: list[np.ndarray]) -> Iterator[Any]:
        take = getattr(self.dataset, "take", None)  # TensorDataset, RandomShift: whole batches
        if take is not None:
            for idx in batches:
                yield take(idx)
        else:
            for idx in batches:
                yield _collate([self.dataset[int(i)] for i in idx])
