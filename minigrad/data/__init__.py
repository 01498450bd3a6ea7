"""``minigrad.data``: datasets, a vectorised ``DataLoader`` and MNIST.

``Dataset``/``TensorDataset``/``DataLoader`` mirror ``torch.utils.data``; ``load_mnist`` reads the
standard IDX files (downloading and checking them if asked) or falls back to the offline
5,000-image sample that ships inside minigrad. The general parts serve any dataset:
``read_idx`` (``idx.py``), ``download`` and ``cache_root`` (``download.py``).
"""

from .datasets import Dataset, RandomShift, TensorDataset
from .download import ChecksumError, DownloadError, cache_root, download_file
from .idx import IDXFormatError, read_idx
from .loader import DataLoader
from .mnist import (
    MIRRORS,
    SHA256,
    MNISTDataset,
    MNISTNotFoundError,
    download_mnist,
    load_mnist,
    load_mnist_sample,
    sample_available,
)

__all__ = [
    "ChecksumError",
    "DownloadError",
    "IDXFormatError",
    "cache_root",
    "download_file",
    "sample_available",
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
