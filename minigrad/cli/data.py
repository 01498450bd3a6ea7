"""Which data a command uses: ``--data`` / ``--download``, and the validation split."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from minigrad.data import (
    IDXFormatError,
    MNISTDataset,
    MNISTNotFoundError,
    download_mnist,
    load_mnist,
    load_mnist_sample,
)

from .errors import CLIError


def load_data(data: str | None, download: bool, quiet: bool,
              splits: tuple[str, ...] = ("train", "test")) -> dict[str, MNISTDataset]:
    """``--data``: None (cached full MNIST, else the offline sample), ``sample``, or a folder.

    With ``download`` the missing files are fetched first (progress on stderr unless quiet);
    a failed download is an error that says why and offers the offline sample."""
    _check_data_flags(data, download)
    if download:
        try:
            download_mnist(data, splits, quiet=quiet)
        except OSError as e:
            raise CLIError(f"--download failed: {e}; to work offline, leave out --download "
                           "(or pass --data sample) to use the 5,000-image sample") from None
    return {split: _load_split(data, split) for split in splits}


def _check_data_flags(data: str | None, download: bool) -> None:
    """``--data`` names an existing folder (unless ``--download`` is to fill it), and the
    sample is never downloaded."""
    if data is not None and data != "sample" and not download and not Path(data).is_dir():
        raise CLIError(f"--data {data}: no such directory (use --data sample for the offline "
                       "sample, or add --download to fetch MNIST there)")
    if download and data == "sample":
        raise CLIError("--download with --data sample: the sample ships with minigrad; drop "
                       "one of the two")


def _load_split(data: str | None, split: str) -> MNISTDataset:
    """One split of the data ``--data`` names; a missing or damaged file is a ``CLIError``."""
    try:
        if data == "sample":
            return load_mnist_sample(split)
        return load_mnist(data, split, download=False, fallback=data is None)
    except (MNISTNotFoundError, IDXFormatError, OSError) as e:
        raise CLIError(str(e)) from None


def describe_data(ds: dict[str, MNISTDataset]) -> str:
    """One line saying which data is used and how many images, for the screen and config."""
    sizes = " / ".join(f"{len(d):,} {split}" for split, d in ds.items())
    first = next(iter(ds.values()))
    if first.is_sample:
        return f"offline MNIST sample: {sizes} images"
    return f"MNIST: {sizes} images from {first.root}"


def validation_split(data: MNISTDataset, size: int, seed: int
                     ) -> tuple[MNISTDataset, MNISTDataset]:
    """``(train, validation)``: ``size`` images held out of ``data``, stratified by label
    (each class keeps its share, rounded so the sizes add up), with a fixed ``seed``."""
    n = len(data)
    if not 0 < size < n:
        raise CLIError(f"--val-size {size}: must be between 1 and {n - 1} (the training set "
                       f"has {n:,} images)")
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(data.labels, return_counts=True)
    share = counts * size / n
    take = np.floor(share).astype(int)
    order = np.argsort(-(share - take), kind="stable")  # largest remainders get the rest
    take[order[:size - take.sum()]] += 1
    held = np.concatenate([rng.permutation(np.flatnonzero(data.labels == c))[:k]
                           for c, k in zip(classes, take)])
    mask = np.zeros(n, bool)
    mask[held] = True

    def part(m: np.ndarray, name: str) -> MNISTDataset:
        return MNISTDataset(np.ascontiguousarray(data.images[m]), data.labels[m], name,
                            data.source, data.is_sample, data.root)

    return part(~mask, "train"), part(mask, "validation")
