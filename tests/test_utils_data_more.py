"""IterableDataset (and DataLoader's workers for it), get_worker_info, ChainDataset,
StackDataset, WeightedRandomSampler, default_convert and utils.hooks against
torch.utils.data: the same batches in the same order, the same errors."""

from __future__ import annotations

import collections
import math
from typing import Any

import numpy as np
import pytest

import minigrad as mg
import minigrad.utils.data as mud
from minigrad.utils.data import (
    ChainDataset,
    ConcatDataset,
    DataLoader,
    IterableDataset,
    StackDataset,
    TensorDataset,
    WeightedRandomSampler,
    default_convert,
    get_worker_info,
)


def plain(batch: Any) -> Any:
    """A batch of either library as nested tuples of (dtype name, values), comparable."""
    if isinstance(batch, (dict, collections.OrderedDict)):
        return ("dict", tuple((k, plain(v)) for k, v in batch.items()))
    if isinstance(batch, (list, tuple)):
        return (type(batch).__name__, tuple(plain(x) for x in batch))
    if isinstance(batch, (np.ndarray, np.generic)):
        return (type(batch).__name__, str(batch.dtype), batch.shape,
                tuple(np.ravel(batch).tolist()))
    if hasattr(batch, "detach"):
        arr = batch.detach().numpy()
        return ("tensor", str(arr.dtype), arr.shape, tuple(arr.ravel().tolist()))
    return batch


def range_stream(lib: Any, sharded: bool = True) -> type:
    """PyTorch's documented example: a range, split between the workers by
    get_worker_info() in __iter__ (or not split, when ``sharded`` is False)."""

    class RangeStream(lib.IterableDataset):
        def __init__(self, start: int, end: int) -> None:
            self.start, self.end = start, end

        def __iter__(self) -> Any:
            info = lib.get_worker_info()
            lo, hi = self.start, self.end
            if info is not None and sharded:
                per = int(math.ceil((self.end - self.start) / info.num_workers))
                lo = self.start + info.id * per
                hi = min(lo + per, self.end)
            for i in range(lo, hi):
                yield i, float(i) / 2, np.full(2, i, dtype=np.float32), {"id": i}

        def __len__(self) -> int:
            return self.end - self.start

    return RangeStream


def worker_init_shard(lib: Any) -> Any:
    """PyTorch's other documented way: worker_init_fn narrows each worker's copy."""

    def init(worker_id: int) -> None:
        info = lib.get_worker_info()
        ds = info.dataset
        start, end = ds.start, ds.end
        per = int(math.ceil((end - start) / info.num_workers))
        ds.start = start + worker_id * per
        ds.end = min(ds.start + per, end)

    return init


LOADER_CASES = [
    dict(batch_size=4),
    dict(batch_size=4, drop_last=True),
    dict(batch_size=1),
    dict(batch_size=None),
    dict(batch_size=5, collate_fn=lambda b: [s[0] for s in b]),
    dict(batch_size=3, num_workers=2),
    dict(batch_size=3, num_workers=2, drop_last=True),
    dict(batch_size=None, num_workers=2),
    dict(batch_size=4, num_workers=2, sharded=False),  # unsharded: each worker repeats it all
    dict(batch_size=2, num_workers=2, sharded=False, init=True),
]


@pytest.mark.parametrize("case", LOADER_CASES, ids=lambda c: "-".join(
    f"{k}={v if not callable(v) else 'fn'}" for k, v in c.items()))
def test_iterable_batches_as_pytorch(torch: Any, case: dict) -> None:
    tud = torch.utils.data
    kwargs = {k: v for k, v in case.items() if k not in ("sharded", "init")}
    batches = []
    for lib in (mud, tud):
        extra = {"worker_init_fn": worker_init_shard(lib)} if case.get("init") else {}
        ds = range_stream(lib, case.get("sharded", True))(3, 16)
        loader = lib.DataLoader(ds, **kwargs, **extra)
        batches.append([plain(b) for b in loader])
        assert len(loader) == len(tud.DataLoader(range_stream(tud)(3, 16), **kwargs))
    ours, theirs = batches
    assert collections.Counter(ours) == collections.Counter(theirs)  # the multiset
    assert ours == theirs  # and the order: workers in turn, as PyTorch's in_order loader


def test_uneven_workers_take_turns_until_each_is_done(torch: Any) -> None:
    """Worker 0 runs dry first: the others go on in turn, PyTorch's order exactly."""
    tud = torch.utils.data

    def uneven(lib: Any) -> Any:
        class Uneven(lib.IterableDataset):
            def __iter__(self) -> Any:
                info = lib.get_worker_info()
                return iter(range(100 * info.id, 100 * info.id + 2 + 3 * info.id))

        return Uneven()

    ours = [b.tolist() for b in DataLoader(uneven(mud), batch_size=2, num_workers=3)]
    theirs = [b.tolist() for b in tud.DataLoader(uneven(tud), batch_size=2, num_workers=3)]
    assert ours == theirs


def test_worker_info_in_workers_only() -> None:
    assert get_worker_info() is None
    seen = []

    class Probe(IterableDataset):
        def __init__(self) -> None:
            self.tag = "main"

        def __iter__(self) -> Any:
            info = get_worker_info()
            seen.append((info.id, info.num_workers, info.seed, info.dataset is self,
                         info.dataset is probe))
            yield info.id

    probe = Probe()
    assert sorted(DataLoader(probe, batch_size=None, num_workers=3)) == [0, 1, 2]
    assert [s[:2] for s in seen] == [(0, 3), (1, 3), (2, 3)]
    assert seen[1][2] == seen[0][2] + 1 and seen[2][2] == seen[0][2] + 2  # base seed + id
    assert all(s[3] and not s[4] for s in seen)  # each worker iterates its own copy
    assert get_worker_info() is None
    info = mud.WorkerInfo(id=0, num_workers=1, seed=1, dataset=None)
    with pytest.raises(AttributeError):
        info.id = 3  # frozen, as PyTorch's


def test_workers_draw_from_streams_of_their_own() -> None:
    """Inside a worker the library's generator is the worker's (seeded by its seed): the
    workers draw different numbers, reproducibly, and the main stream moves only by the
    loader's one base-seed draw."""

    class Noise(IterableDataset):
        def __iter__(self) -> Any:
            yield float(mg.rand(1).item())

    def run() -> tuple[list, float]:
        mg.manual_seed(0)
        draws = list(DataLoader(Noise(), batch_size=None, num_workers=2))
        return draws, float(mg.rand(1).item())

    draws, after = run()
    assert draws[0] != draws[1]
    assert run() == (draws, after)
    mg.manual_seed(0)
    mg.rng.get_rng().integers(0, 2**63 - 1, dtype=np.int64)
    assert float(mg.rand(1).item()) == after


def test_iterable_loader_refusals_as_pytorch(torch: Any) -> None:
    tud = torch.utils.data
    for lib, kwargs, message in [
        (mud, dict(shuffle=True), "expected unspecified shuffle option"),
        (mud, dict(sampler=[0, 1]), "expected unspecified sampler option"),
        (mud, dict(batch_sampler=[[0]]), "expected unspecified batch_sampler option"),
    ]:
        for which in (lib, tud):
            with pytest.raises(ValueError, match=message):
                which.DataLoader(range_stream(which)(0, 3), **kwargs)

    class NoLen(IterableDataset):
        def __iter__(self) -> Any:
            return iter(range(3))

    class TorchNoLen(tud.IterableDataset):
        def __iter__(self) -> Any:
            return iter(range(3))

    with pytest.raises(TypeError, match="has no len"):
        len(DataLoader(NoLen(), batch_size=2))
    with pytest.raises(TypeError, match="has no len"):
        len(tud.DataLoader(TorchNoLen(), batch_size=2))
    assert [b.tolist() for b in DataLoader(NoLen(), batch_size=2)] == [[0, 1], [2]]
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        ConcatDataset([NoLen()])
    with pytest.raises(AssertionError):
        tud.ConcatDataset([TorchNoLen()])
    with pytest.raises(TypeError, match="no indices"):
        DataLoader(NoLen(), batch_size=2).batch_indices()


def test_iter_from_skips_batches_of_a_stream() -> None:
    loader = DataLoader(range_stream(mud)(0, 10), batch_size=3)
    assert [plain(b) for b in loader.iter_from(2)] == [plain(b) for b in loader][2:]


def test_chain_dataset_as_pytorch(torch: Any) -> None:
    tud = torch.utils.data
    ours = ChainDataset([range_stream(mud)(0, 3), range_stream(mud)(10, 12)])
    theirs = tud.ChainDataset([range_stream(tud)(0, 3), range_stream(tud)(10, 12)])
    assert [plain(s) for s in ours] == [plain(s) for s in theirs]
    assert len(ours) == len(theirs) == 5
    added = range_stream(mud)(0, 2) + range_stream(mud)(5, 6)
    assert isinstance(added, ChainDataset) and [s[0] for s in added] == [0, 1, 5]
    assert [plain(b) for b in DataLoader(ours, batch_size=2)] == [
        plain(b) for b in tud.DataLoader(theirs, batch_size=2)]
    bad = ChainDataset([TensorDataset(np.arange(3))])
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(bad)
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        len(bad)
    with pytest.raises(AssertionError):
        list(tud.ChainDataset([tud.TensorDataset(torch.arange(3))]))


def _pair(lib: Any, mod: Any) -> tuple[Any, Any]:
    x = lib.TensorDataset(mod.tensor(np.arange(12.0).reshape(6, 2)))
    y = lib.TensorDataset(mod.tensor(np.arange(6)))
    return x, y


def test_stack_dataset_as_pytorch(torch: Any) -> None:
    tud = torch.utils.data
    ours_t, theirs_t = StackDataset(*_pair(mud, mg)), tud.StackDataset(*_pair(tud, torch))
    xs, ys = _pair(mud, mg)
    txs, tys = _pair(tud, torch)
    ours_d, theirs_d = StackDataset(x=xs, y=ys), tud.StackDataset(x=txs, y=tys)
    for ours, theirs in ((ours_t, theirs_t), (ours_d, theirs_d)):
        assert len(ours) == len(theirs) == 6
        assert plain(ours[4]) == plain(theirs[4])
        assert plain(ours.__getitems__([1, 3])) == plain(theirs.__getitems__([1, 3]))
        for kwargs in (dict(batch_size=4), dict(batch_size=4, shuffle=False, drop_last=True)):
            assert [plain(b) for b in DataLoader(ours, **kwargs)] == [
                plain(b) for b in tud.DataLoader(theirs, **kwargs)]


def test_stack_dataset_refusals(torch: Any) -> None:
    tud = torch.utils.data
    a, b = TensorDataset(np.arange(3)), TensorDataset(np.arange(4))
    ta, tb = tud.TensorDataset(torch.arange(3)), tud.TensorDataset(torch.arange(4))
    for ours, theirs, message in [
        (lambda: StackDataset(a, b), lambda: tud.StackDataset(ta, tb), "size mismatch"),
        (lambda: StackDataset(a, x=a), lambda: tud.StackDataset(ta, x=ta),
         "either ``tuple``"),
        (lambda: StackDataset(), lambda: tud.StackDataset(), "at least one dataset"),
    ]:
        with pytest.raises(ValueError, match=message):
            ours()
        with pytest.raises(ValueError):
            theirs()


def test_weighted_random_sampler_statistics() -> None:
    weights = [0.1, 0.0, 0.4, 0.5]
    sampler = WeightedRandomSampler(weights, 20000, generator=mg.Generator().manual_seed(0))
    drawn = np.array(list(sampler))
    assert len(sampler) == 20000 and drawn.shape == (20000,)
    freq = np.bincount(drawn, minlength=4) / 20000
    np.testing.assert_allclose(freq, np.array(weights) / sum(weights), atol=0.015)
    assert freq[1] == 0
    again = WeightedRandomSampler(weights, 20000, generator=mg.Generator().manual_seed(0))
    assert list(again) == drawn.tolist()
    assert list(sampler) != drawn.tolist()  # a fresh draw each pass
    unique = list(WeightedRandomSampler(mg.tensor([1.0, 2.0, 3.0, 0.5]), 4, replacement=False))
    assert sorted(unique) == [0, 1, 2, 3]
    loader = DataLoader(TensorDataset(np.arange(4)), batch_size=5,
                        sampler=WeightedRandomSampler([0, 0, 1, 0], 5))
    assert [b[0].tolist() for b in loader] == [[2, 2, 2, 2, 2]]


def test_weighted_random_sampler_refusals_as_pytorch(torch: Any) -> None:
    tud = torch.utils.data
    for args, kwargs, message in [
        (([1.0, 2.0], 0), {}, "num_samples should be a positive integer value"),
        (([1.0, 2.0], True), {}, "num_samples should be a positive integer value"),
        (([1.0, 2.0], 2.5), {}, "num_samples should be a positive integer value"),
        (([1.0, 2.0], 2), dict(replacement=1), "replacement should be a boolean value"),
        (([[1.0, 2.0]], 2), {}, r"weights should be a 1d sequence but given weights have "
                                r"shape \(1, 2\)"),
    ]:
        with pytest.raises(ValueError, match=message):
            WeightedRandomSampler(*args, **kwargs)
        with pytest.raises(ValueError, match=message):
            tud.WeightedRandomSampler(*args, **kwargs)
    for args, kwargs in [(([1.0, -1.0], 2), {}), (([1.0, 2.0], 3), dict(replacement=False))]:
        with pytest.raises(RuntimeError):
            list(tud.WeightedRandomSampler(*args, **kwargs))
        with pytest.raises(RuntimeError, match="multinomial"):
            list(WeightedRandomSampler(*args, **kwargs))
    assert WeightedRandomSampler([1, 2], 3).weights.dtype == np.float64


def test_default_convert_as_pytorch(torch: Any) -> None:
    convert = torch.utils.data.default_convert
    Point = collections.namedtuple("Point", "x y")
    for sample in [np.arange(3.0), (np.ones(2), 3, "s"), {"a": np.zeros(2, np.int32), "b": [1]},
                   Point(np.ones(1), 2), [np.float32(1.5), 2.0], np.int64(4), np.array(["a"]),
                   collections.OrderedDict(a=np.ones(1)), range(3), "text"]:
        assert plain(default_convert(sample)) == plain(convert(sample))


def test_dataset_add_makes_a_concat_dataset() -> None:
    both = TensorDataset(np.arange(2)) + TensorDataset(np.arange(5, 8))
    assert isinstance(both, ConcatDataset) and [int(s[0]) for s in both] == [0, 1, 5, 6, 7]


def test_hooks_removable_handle_is_the_one_class() -> None:
    import minigrad.utils.hooks as hooks
    from minigrad import nn
    from minigrad.nn import hooks as nn_hooks
    from minigrad.tensor import RemovableHandle

    assert hooks.RemovableHandle is RemovableHandle is nn_hooks.RemovableHandle
    assert mg.utils.hooks is hooks
    handle = nn.Linear(2, 2).register_forward_hook(lambda *a: None)
    assert isinstance(handle, hooks.RemovableHandle)
    table: collections.OrderedDict = collections.OrderedDict()
    own = hooks.RemovableHandle(table)
    table[own.id] = print
    with own:
        assert own.id in table
    assert own.id not in table


def test_namespace() -> None:
    for name in ("IterableDataset", "ChainDataset", "StackDataset", "WeightedRandomSampler",
                 "get_worker_info", "default_convert"):
        assert name in mud.__all__ and hasattr(mud, name)
