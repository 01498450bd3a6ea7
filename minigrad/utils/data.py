"""``minigrad.utils.data``: datasets, samplers and ``DataLoader`` as ``torch.utils.data``.

``DataLoader(dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
num_workers=0, collate_fn=None, drop_last=False, generator=None)`` yields batches collated
the way PyTorch's ``default_collate`` does (tensors and arrays stacked, numbers made into
tensors, tuples/lists/dicts/namedtuples collated field by field, strings kept in lists).

One fast path keeps it quick: a dataset with a ``take(indices)`` method (``TensorDataset``,
``Subset`` of one, ``minigrad.data.RandomShift``) hands over a whole batch with one fancy
index per array instead of a Python loop over samples.
"""

from __future__ import annotations

import copy
import itertools
import math
import numbers
import threading
import warnings
from collections.abc import (
    Callable,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    MutableSequence,
    Sequence,
)
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import rng as _rng_module
from ..rng import get_rng
from ..tensor import Tensor

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DistributedSampler",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]


def _rng(generator: Any) -> np.random.Generator:
    """The numpy generator behind ``generator``: None (the library's, so ``manual_seed``
    controls it), a ``numpy.random.Generator``, or a ``minigrad.Generator``."""
    if generator is None:
        return get_rng()
    if isinstance(generator, np.random.Generator):
        return generator
    inner = getattr(generator, "rng", None)
    if isinstance(inner, np.random.Generator):
        return inner
    raise TypeError(f"generator must be a minigrad.Generator or a numpy Generator, got "
                    f"{type(generator).__name__}")


# ------------------------------------------------------------------------------ datasets
class Dataset:
    """As ``torch.utils.data.Dataset``: subclasses define ``__len__`` and ``__getitem__``."""

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """As ``torch.utils.data.IterableDataset``: a stream of samples (``__iter__``), for data
    read in order (files, generators) rather than indexed. ``DataLoader`` batches it as it
    comes, with no sampler; with ``num_workers > 0`` each worker iterates its own copy, so
    shard it by ``get_worker_info()`` (or the copies repeat the data). ``a + b`` chains."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __len__(self) -> int:  # as PyTorch's: a stream has no length unless it says so
        raise TypeError(f"object of type '{type(self).__name__}' has no len()")

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are rows of the given tensors (or arrays), which must share their first
    dimension. ``dataset[i]`` is a tuple of Tensors; ``take(indices)`` a whole batch."""

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.arrays = tuple(t._data if isinstance(t, Tensor) else np.asarray(t) for t in tensors)
        n = self.arrays[0].shape[0] if self.arrays[0].ndim else None
        for i, a in enumerate(self.arrays):
            if a.ndim == 0 or a.shape[0] != n:
                shapes = [tuple(x.shape) for x in self.arrays]
                raise ValueError(
                    f"TensorDataset: all tensors must have the same size in dimension 0 "
                    f"(size mismatch between tensors), got shapes {shapes} (tensor {i} differs)"
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


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (what ``random_split`` returns)."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return [self.dataset[self.indices[i]] for i in idx]
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)

    def __getattr__(self, name: str) -> Any:
        if name == "take" and hasattr(self.__dict__.get("dataset"), "take"):
            base = self.__dict__["dataset"]
            index = np.asarray(self.__dict__["indices"], dtype=np.int64)
            return lambda indices: base.take(index[np.asarray(indices, dtype=np.int64)])
        raise AttributeError(f"'Subset' object has no attribute {name!r}")


class ConcatDataset(Dataset):
    """Several datasets one after the other."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset "
                                     f"(got {type(d).__name__}; use ChainDataset)")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        n = len(self)
        if idx < 0:
            if -idx > n:
                raise ValueError(f"ConcatDataset: absolute value of index {idx} should not "
                                 f"exceed dataset length {n}")
            idx += n
        which = int(np.searchsorted(self.cumulative_sizes, idx, side="right"))
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Several ``IterableDataset`` streams one after the other (what ``a + b`` of two
    iterable datasets gives); chained lazily, so the list may be any iterable."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        super().__init__()
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError(f"ChainDataset only supports IterableDataset, got "
                                     f"{type(d).__name__}")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError(f"ChainDataset only supports IterableDataset, got "
                                     f"{type(d).__name__}")
            total += len(d)
        return total


class StackDataset(Dataset):
    """Several datasets of one length side by side: ``StackDataset(a, b)[i]`` is
    ``(a[i], b[i])``, ``StackDataset(x=a, y=b)[i]`` is ``{'x': a[i], 'y': b[i]}``."""

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: supported either ``tuple``- (via ``args``) or "
                             "``dict``- (via ``kwargs``) like input/output, but both types "
                             "are given.")
        if not args and not kwargs:
            raise ValueError("StackDataset: at least one dataset should be passed")
        parts = list(args) or list(kwargs.values())
        self._length = len(parts[0])
        lengths = [len(d) for d in parts]
        if any(n != self._length for n in lengths):
            raise ValueError(f"StackDataset: size mismatch between datasets, lengths "
                             f"{lengths}")
        self.datasets: tuple | dict = args if args else kwargs

    def __getitem__(self, index: Any) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list) -> list:
        """A batch of samples (what ``DataLoader`` asks for); each part's own
        ``__getitems__`` is used where it has one."""
        named = self.datasets if isinstance(self.datasets, dict) else dict(
            enumerate(self.datasets))
        columns = {k: _items(d, indices) for k, d in named.items()}
        if isinstance(self.datasets, dict):
            return [{k: col[i] for k, col in columns.items()} for i in range(len(indices))]
        return [tuple(col[i] for col in columns.values()) for i in range(len(indices))]

    def __len__(self) -> int:
        return self._length


def _items(dataset: Any, indices: list) -> list:
    """``dataset``'s samples at ``indices``: its ``__getitems__`` if it has one."""
    getitems = getattr(dataset, "__getitems__", None)
    if not callable(getitems):
        return [dataset[i] for i in indices]
    items = getitems(indices)
    if len(items) != len(indices):
        raise ValueError(f"StackDataset: nested dataset's output size mismatch. Expected "
                         f"{len(indices)}, got {len(items)}")
    return items


def random_split(dataset: Any, lengths: Sequence[int | float],
                 generator: Any = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths, or of
    fractions summing to 1 (the remainder goes one by one to the first subsets, as in
    PyTorch)."""
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1 and any(
            isinstance(x, float) for x in lengths):
        lengths = _fraction_lengths(lengths, n)
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal "
                         f"the length of the input dataset ({n})")
    order = _rng(generator).permutation(n).tolist()
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, order[start:start + length]))
        start += length
    return out


def _fraction_lengths(fractions: list[float], n: int) -> list[int]:
    """Fractions of ``n`` as lengths that add up to ``n``: each floored, the remainder
    handed out one by one from the first; an empty split is warned about."""
    counts = []
    for i, frac in enumerate(fractions):
        if frac < 0 or frac > 1:
            raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1")
        counts.append(int(math.floor(n * frac)))
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    for i, c in enumerate(counts):
        if c == 0:
            warnings.warn(f"random_split: length of split at index {i} is 0; this might "
                          "result in an empty dataset.", UserWarning, stacklevel=3)
    return counts


# ------------------------------------------------------------------------------ samplers
class Sampler:
    """Base of samplers: an iterable of dataset indices."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)

    def indices(self) -> np.ndarray:
        """All indices of one pass as an array (the loader's fast path)."""
        return np.arange(len(self.data_source))


class RandomSampler(Sampler):
    """A fresh permutation each pass (or ``num_samples`` draws with ``replacement``)."""

    def __init__(self, data_source: Any, replacement: bool = False,
                 num_samples: int | None = None, generator: Any = None) -> None:
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement!r}")
        if num_samples is not None and (not isinstance(num_samples, int) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={num_samples!r}")

    @property
    def num_samples(self) -> int:
        """How many indices one pass yields."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def indices(self) -> np.ndarray:
        """All indices of one pass, drawn now."""
        rng, n = _rng(self.generator), len(self.data_source)
        if self.replacement:
            return rng.integers(0, n, self.num_samples)
        reps = -(-self.num_samples // n) if n else 0
        return np.concatenate([rng.permutation(n) for _ in range(reps)] or
                              [np.arange(0)])[:self.num_samples]

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a fresh random order each pass."""

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        self.indices_, self.generator = list(indices), generator

    def indices(self) -> np.ndarray:
        """All indices of one pass, drawn now."""
        return np.asarray(self.indices_, np.int64)[_rng(self.generator).permutation(
            len(self.indices_))]

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return len(self.indices_)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in ``[0, len(weights))`` drawn with probabilities
    proportional to ``weights`` (``multinomial``): with ``replacement`` (the default) an
    index may repeat, e.g. to oversample rare classes; a fresh draw each pass."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Any = None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) \
                or num_samples <= 0:
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive "
                             f"integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, "
                             f"but got replacement={replacement}")
        w = weights._data if isinstance(weights, Tensor) else np.asarray(weights)
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but "
                             f"given weights have shape {tuple(w.shape)}")
        self.weights = Tensor(w.astype(np.float64))
        self.num_samples, self.replacement, self.generator = num_samples, replacement, generator

    def indices(self) -> np.ndarray:
        """All indices of one pass, drawn now."""
        from ..functional.sampling import multinomial

        return multinomial(self.weights, self.num_samples, self.replacement,
                           generator=_as_generator(self.generator))._data

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


def _as_generator(generator: Any) -> Any:
    """``generator`` as ``get_rng`` takes it (None, a numpy or a minigrad Generator)."""
    return None if generator is None else _rng(generator)


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size``."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def batches(self) -> list[np.ndarray]:
        """The index arrays of one pass (a sampler with ``indices()`` is drawn at once)."""
        draw = getattr(self.sampler, "indices", None)
        order = draw() if callable(draw) else np.fromiter(self.sampler, dtype=np.int64)
        n, b = len(order), self.batch_size
        stop = n - n % b if self.drop_last else n
        return [order[i:i + b] for i in range(0, stop, b)]

    def __iter__(self) -> Iterator[list[int]]:
        return iter(idx.tolist() for idx in self.batches())

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# ------------------------------------------------------------------------------ collation
def _as_tensor(values: list[Any]) -> Tensor:
    first = values[0]
    if isinstance(first, bool):
        return Tensor(np.array(values, dtype=np.bool_))
    if isinstance(first, numbers.Integral) and not isinstance(first, np.integer):
        return Tensor(np.array(values, dtype=np.int64))
    if isinstance(first, float):
        return Tensor(np.array(values, dtype=np.float64))  # as torch: Python floats -> double
    return Tensor(np.array(values))


def default_collate(batch: list[Any]) -> Any:
    """Merge a list of samples into a batch, as PyTorch's ``default_collate``: Tensors and
    numpy arrays are stacked along a new dim 0; Python ints become an int64 Tensor, floats
    float64, bools bool; numpy scalars keep their dtype; strings stay a list; dicts,
    namedtuples, tuples and lists are collated field by field (tuples become lists)."""
    if not batch:
        raise ValueError("default_collate: got an empty batch")
    if isinstance(batch[0], _LEAVES):
        return _collate_leaves(batch)
    return _collate_fields(batch)


# what default_collate batches as a whole; anything else it collates field by field
_LEAVES = (Tensor, np.ndarray, np.generic, numbers.Number, bool, str, bytes)


def _collate_leaves(batch: list[Any]) -> Any:
    """Tensors, arrays and numbers stacked into one Tensor; strings kept as a list."""
    first = batch[0]
    if isinstance(first, Tensor):
        return Tensor(np.stack([s._data for s in batch]))
    if isinstance(first, np.ndarray):
        if first.dtype.kind in "OUS":
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, "
                            f"numbers, dicts or lists; found array of dtype {first.dtype}")
        return Tensor(np.stack(batch))
    if isinstance(first, np.generic):
        return Tensor(np.array(batch))
    if isinstance(first, (numbers.Number, bool)):
        return _as_tensor(batch)
    return list(batch)  # str or bytes


def _collate_fields(batch: list[Any]) -> Any:
    """Dicts, namedtuples, tuples and lists collated field by field (tuples become lists)."""
    first = batch[0]
    if isinstance(first, Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # namedtuple
        return type(first)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(first, Sequence):
        _check_equal_sizes(batch)
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"dicts or lists; found {type(first).__name__}")


def _check_equal_sizes(batch: list[Sequence]) -> None:
    """Samples that are lists or tuples are zipped field by field: they must be one length."""
    size = len(batch[0])
    if any(len(s) != size for s in batch):
        raise RuntimeError("default_collate: each element in list of batch should be of "
                           "equal size")


def default_convert(data: Any) -> Any:
    """What ``batch_size=None`` applies to each sample, as PyTorch's: numpy arrays and
    numpy numbers become Tensors (string and object arrays stay), inside mappings,
    namedtuples, tuples (which become lists) and sequences (their own type kept)."""
    if isinstance(data, (np.ndarray, np.generic)):
        return data if data.dtype.kind in "OUS" else Tensor(np.asarray(data))
    if isinstance(data, Mapping):
        return _convert_mapping(data)
    if isinstance(data, tuple):  # a namedtuple keeps its type, a tuple becomes a list
        items = [default_convert(v) for v in data]
        return type(data)(*items) if hasattr(data, "_fields") else items
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        return _convert_sequence(data)
    return data


def _convert_mapping(data: Mapping) -> Any:
    """A mapping with converted values, of its own type where it can be made."""
    converted = {key: default_convert(data[key]) for key in data}
    try:
        if isinstance(data, MutableMapping):
            clone = copy.copy(data)
            clone.update(converted)
            return clone
        return type(data)(converted)
    except TypeError:
        return converted


def _convert_sequence(data: Sequence) -> Any:
    """A sequence with converted items, of its own type where it can be made."""
    try:
        if isinstance(data, MutableSequence):
            clone = copy.copy(data)
            for i, item in enumerate(data):
                clone[i] = default_convert(item)
            return clone
        return type(data)([default_convert(item) for item in data])
    except TypeError:
        return [default_convert(item) for item in data]


# ------------------------------------------------------------------------------ workers
@dataclass(frozen=True)
class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker: its ``id`` (0 to
    ``num_workers - 1``), ``num_workers``, its ``seed`` (the loader's base seed plus ``id``)
    and ``dataset``, the worker's own copy of the dataset (PyTorch's fields)."""

    id: int
    num_workers: int
    seed: int
    dataset: Any
    rng: Any = None
    worker_method: str | None = "thread"


_worker_state = threading.local()


def get_worker_info() -> WorkerInfo | None:
    """The current ``DataLoader`` worker's ``WorkerInfo``; None in the main process. An
    ``IterableDataset`` uses it in ``__iter__`` (or a ``worker_init_fn``) to read only its
    share of the data."""
    return getattr(_worker_state, "info", None)


class _InfiniteConstantSampler(Sampler):
    """The sampler a loader of an ``IterableDataset`` has (PyTorch's): None, forever."""

    def __iter__(self) -> Iterator[None]:
        return itertools.repeat(None)


_END = object()  # what a fetcher returns once its stream is done


class _Fetcher:
    """PyTorch's ``_IterableDatasetFetcher``: the next batch of ``batch_size`` samples of
    one stream (a shorter last one unless ``drop_last``), or one converted sample."""

    def __init__(self, stream: Iterator[Any], loader: DataLoader) -> None:
        self.stream, self.loader, self.ended = stream, loader, False

    def fetch(self) -> Any:
        loader = self.loader
        if self.ended:
            return _END
        if not loader._auto_collation:
            sample = next(self.stream, _END)
            return sample if sample is _END else loader.collate_fn(sample)
        data = list(itertools.islice(self.stream, loader.batch_size))
        if len(data) < loader.batch_size:
            self.ended = True
        if not data or (loader.drop_last and len(data) < loader.batch_size):
            return _END
        return loader.collate_fn(data)


class _Worker:
    """One simulated worker: its ``WorkerInfo``, random stream and fetcher."""

    def __init__(self, info: WorkerInfo) -> None:
        self.info = info
        self.rng = np.random.default_rng(info.seed)
        self.fetcher: _Fetcher | None = None


@contextmanager
def _in_worker(worker: _Worker) -> Iterator[None]:
    """Run as ``worker``: ``get_worker_info()`` returns its info and the library's random
    draws come from its stream (seeded by ``info.seed``), as in a worker process; the main
    process's state is restored after."""
    library = _rng_module.default_generator
    saved_info, saved_rng = get_worker_info(), library.rng
    _worker_state.info, library.rng = worker.info, worker.rng
    try:
        yield
    finally:
        _worker_state.info = saved_info
        worker.rng, library.rng = library.rng, saved_rng


def _worker_copy(dataset: Any) -> Any:
    """The dataset as a worker has it: a copy (a worker process gets one by pickling or
    fork); a dataset that can't be deep-copied (an open file) is copied shallowly."""
    try:
        return copy.deepcopy(dataset)
    except Exception:  # noqa: BLE001  (anything deepcopy can raise: fall back, as fork would)
        return copy.copy(dataset)


def _start_workers(loader: DataLoader) -> list[_Worker]:
    """``num_workers`` workers, each with its copy of the dataset, ``worker_init_fn`` run
    and its stream opened inside it, as PyTorch's worker loop does."""
    base_seed = int(_rng(loader.generator).integers(0, 2**63 - 1, dtype=np.int64))
    workers = []
    for wid in range(loader.num_workers):
        worker = _Worker(WorkerInfo(id=wid, num_workers=loader.num_workers,
                                    seed=base_seed + wid, dataset=_worker_copy(loader.dataset)))
        with _in_worker(worker):
            if loader.worker_init_fn is not None:
                loader.worker_init_fn(wid)
            worker.fetcher = _Fetcher(iter(worker.info.dataset), loader)
        workers.append(worker)
    return workers


def _round_robin(workers: list[_Worker]) -> Iterator[Any]:
    """Batches from the workers in turn, a finished worker skipped: the order PyTorch's
    loader yields them in (``in_order=True``)."""
    active = list(workers)
    while active:
        for worker in list(active):
            with _in_worker(worker):
                batch = worker.fetcher.fetch()  # type: ignore[union-attr]
            if batch is _END:
                active.remove(worker)
            else:
                yield batch


def _check_iterable_args(shuffle: Any, sampler: Any, batch_sampler: Any) -> None:
    """An ``IterableDataset`` has no indices: PyTorch refuses shuffle, sampler and
    batch_sampler for it."""
    if shuffle not in (False, None):
        raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                         f"option, but got shuffle={shuffle}")
    if sampler is not None:
        raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler "
                         f"option, but got sampler={sampler}")
    if batch_sampler is not None:
        raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                         f"batch_sampler option, but got batch_sampler={batch_sampler}")


# ------------------------------------------------------------------------------ loader
def _check_loader_args(num_workers: Any, batch_size: Any, shuffle: Any, sampler: Any) -> None:
    """Refuse, as torch does, the arguments that are wrong whatever else is given."""
    if not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError(f"DataLoader: num_workers option should be non-negative; use "
                         f"num_workers=0 to disable multiprocessing, got {num_workers!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(
            batch_size, (int, np.integer)) or batch_size < 1):
        raise ValueError(f"DataLoader: batch_size should be a positive integer value, but "
                         f"got batch_size={batch_size!r}")
    if sampler is not None and shuffle:
        raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")


def _check_batching_args(batch_size: Any, shuffle: Any, sampler: Any, batch_sampler: Any,
                         drop_last: bool) -> None:
    """Refuse, as torch does, a ``batch_sampler`` given with the arguments it replaces, and
    ``drop_last`` without batches."""
    if batch_sampler is not None:
        if batch_size != 1 or shuffle or sampler is not None or drop_last:
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                             "batch_size, shuffle, sampler, and drop_last")
    elif batch_size is None and drop_last:
        raise ValueError("DataLoader: batch_size=None option disables auto-batching and "
                         "is mutually exclusive with drop_last")


def _seeded_generator(generator: Any, seed: int | None) -> Any:
    """The loader's generator: ``generator``, or a numpy one of its own for ``seed=``."""
    if seed is None:
        return generator
    if generator is not None:
        raise ValueError("DataLoader: give generator= or seed=, not both")
    return np.random.default_rng(seed)


class DataLoader:
    """Iterate over ``dataset`` in batches, as ``torch.utils.data.DataLoader``.

    ``shuffle=True`` draws a fresh permutation at the start of every pass from
    ``generator`` (a ``minigrad.Generator`` or numpy Generator), else from the library's
    generator, so ``minigrad.manual_seed`` repeats it. ``seed=`` (a minigrad extension) gives
    the loader a generator of its own. For a map-style dataset ``num_workers`` is accepted
    and ignored: batches are made in the calling process (vectorised for
    ``TensorDataset``). An ``IterableDataset`` is batched as it streams, with no sampler;
    with ``num_workers > 0`` its workers are simulated in this process: each gets a copy of
    the dataset, ``get_worker_info()``, its own seeded random stream and ``worker_init_fn``,
    and their batches come in turn, as PyTorch's.

        >>> import numpy as np
        >>> from minigrad.utils.data import DataLoader, TensorDataset
        >>> ds = TensorDataset(np.zeros((5, 1, 28, 28), np.float32), np.arange(5))
        >>> [(x.shape, y.tolist()) for x, y in DataLoader(ds, batch_size=2)]
        [((2, 1, 28, 28), [0, 1]), ((2, 1, 28, 28), [2, 3]), ((1, 1, 28, 28), [4])]
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context: Any = None,
                 generator: Any = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True, seed: int | None = None) -> None:
        _check_loader_args(num_workers, batch_size, shuffle, sampler)
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            _check_iterable_args(shuffle, sampler, batch_sampler)
            sampler = _InfiniteConstantSampler()
        _check_batching_args(batch_size, shuffle, sampler, batch_sampler, drop_last)
        if batch_sampler is not None:
            batch_size, drop_last = None, False
        generator = _seeded_generator(generator, seed)
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.drop_last, self.num_workers, self.generator = drop_last, num_workers, generator
        self.seed, self.worker_init_fn = seed, worker_init_fn
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        self.sampler = sampler
        self.shuffle = bool(shuffle)
        if self.batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, self.batch_size, drop_last)
        self.batch_sampler = batch_sampler
        self._auto_collation = batch_sampler is not None
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if self._auto_collation else default_convert)
        self._default_collate = collate_fn is None

    def __len__(self) -> int:
        if self._iterable:  # PyTorch's estimate: the dataset's length (TypeError without)
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    def batch_indices(self) -> list[np.ndarray]:
        """The index arrays of one pass; draws the permutation now when shuffling."""
        if self._iterable:
            raise TypeError("DataLoader.batch_indices: an IterableDataset has no indices")
        bs = self.batch_sampler
        if isinstance(bs, BatchSampler):
            return bs.batches()
        return [np.asarray(b, dtype=np.int64) for b in bs]

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            return self._stream()
        # the permutation is drawn here, when iteration starts (as in torch), not at first next()
        if not self._auto_collation:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        return self._batches(self.batch_indices())

    def iter_from(self, start: int) -> Iterator[Any]:
        """One pass that skips its first ``start`` batches without loading them (the
        permutation is still drawn, so a resumed epoch sees the same batches); a stream
        (``IterableDataset``) has no indices, so its first batches are made and dropped."""
        if self._iterable:
            return itertools.islice(self._stream(), start, None)
        return self._batches(self.batch_indices()[start:])

    def _batches(self, batches: list[np.ndarray]) -> Iterator[Any]:
        take = getattr(self.dataset, "take", None) if self._default_collate else None
        getitems = getattr(self.dataset, "__getitems__", None)
        if take is not None:  # TensorDataset and friends: whole batches, one fancy index
            for idx in batches:
                yield list(take(idx))
        elif callable(getitems):  # as PyTorch: a dataset that fetches a batch at once
            for idx in batches:
                yield self.collate_fn(getitems(idx.tolist()))
        else:
            for idx in batches:
                yield self.collate_fn([self.dataset[int(i)] for i in idx])

    def _stream(self) -> Iterator[Any]:
        """An ``IterableDataset``'s batches: in this process, or from simulated workers."""
        if self.num_workers == 0:
            fetcher = _Fetcher(iter(self.dataset), self)
            yield from iter(fetcher.fetch, _END)
            return
        yield from _round_robin(_start_workers(self))


# ``minigrad.utils.data.distributed`` (PyTorch's ``torch.utils.data.distributed``): this module
# is a file, not a package, so the submodule is registered under that name, as ``os.path`` is
import sys as _sys  # noqa: E402

from . import _data_distributed as distributed  # noqa: E402
from ._data_distributed import DistributedSampler  # noqa: E402

_sys.modules.setdefault(__name__ + ".distributed", distributed)
