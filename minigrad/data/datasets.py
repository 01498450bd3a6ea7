"""Datasets: anything with ``__len__`` and ``__getitem__``; ``TensorDataset`` holds whole arrays
so a loader can cut a batch out with one fancy index instead of a Python loop."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor


class Dataset:
    """As ``torch.utils.data.Dataset``: subclasses define ``__len__`` and ``__getitem__``."""

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")


class TensorDataset(Dataset):
    """Samples are rows of the given tensors (or arrays), which must share their first dimension.

    ``dataset[i]`` is a tuple of Tensors; ``dataset.arrays`` are the underlying numpy arrays that
    ``DataLoader`` indexes with a whole batch of indices at once.
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.arrays = tuple(t.data if isinstance(t, Tensor) else np.asarray(t) for t in tensors)
        n = self.arrays[0].shape[0] if self.arrays[0].ndim else None
        for i, a in enumerate(self.arrays):
            if a.ndim == 0 or a.shape[0] != n:
                shapes = [tuple(x.shape) for x in self.arrays]
                raise ValueError(
                    f"TensorDataset: all tensors must have the same size in dimension 0, "
                    f"got shapes {shapes} (tensor {i} differs)"
                )

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The arrays wrapped as Tensors (sharing memory), as ``torch``'s ``.tensors``."""
        return tuple(Tensor(a) for a in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(Tensor(a[index]) for a in self.arrays)

    def take(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        """A whole batch in one go: each array indexed with ``indices`` (a 1-D int array)."""
        return tuple(Tensor(a[indices]) for a in self.arrays)


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
