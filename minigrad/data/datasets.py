"""Datasets for the MNIST app: ``RandomShift`` augmentation. ``Dataset`` and ``TensorDataset``
live in ``minigrad.utils.data`` (PyTorch's place) and are re-exported here."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ..utils.data import Dataset, TensorDataset

__all__ = ["Dataset", "RandomShift", "TensorDataset"]


class RandomShift(Dataset):
    """Training-time augmentation: each image moved by a random whole number of pixels, up to
    ``max_shift`` in each direction, the uncovered border filled with ``fill``.

    MNIST digits are centred by their centre of mass, so small translations are plausible new
    digits; on the 4,000-image offline sample they are what lets SimpleConvNet generalise
    past ~96%. Shifts are drawn from ``minigrad.rng.get_rng()`` (``manual_seed`` repeats them)
    and applied to a whole batch with one fancy index, so ``DataLoader`` stays vectorised.
    The wrapped dataset is a ``TensorDataset`` whose first array is images ``(N, C, H, W)``.
    """

    def __init__(self, dataset: TensorDataset, max_shift: int = 2, fill: float = 0.0) -> None:
        if not hasattr(dataset, "arrays") or dataset.arrays[0].ndim != 4:
            raise ValueError("RandomShift wraps a TensorDataset whose first tensor is images "
                             "(N, C, H, W)")
        if max_shift < 0:
            raise ValueError(f"RandomShift: max_shift must be >= 0, got {max_shift}")
        self.dataset, self.max_shift, self.fill = dataset, int(max_shift), fill

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(t[0] for t in self.take(np.array([index])))

    def take(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        """A batch with each image shifted on its own (one fancy index for all of them)."""
        from ..rng import get_rng

        images, *rest = (a[indices] for a in self.dataset.arrays)
        s = self.max_shift
        if s:
            n, _, h, w = images.shape
            rng = get_rng()
            dy, dx = rng.integers(-s, s + 1, n), rng.integers(-s, s + 1, n)
            padded = np.pad(images, ((0, 0), (0, 0), (s, s), (s, s)), constant_values=self.fill)
            rows = np.arange(h)[None, :] + s - dy[:, None]  # (n, h): source row of each row
            cols = np.arange(w)[None, :] + s - dx[:, None]
            channels = np.arange(images.shape[1])[None, :, None, None]
            images = padded[np.arange(n)[:, None, None, None], channels,
                            rows[:, None, :, None], cols[:, None, None, :]]
        return (Tensor(np.ascontiguousarray(images)), *(Tensor(a) for a in rest))
