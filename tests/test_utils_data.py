"""minigrad.utils.data against torch.utils.data: collation, batching, samplers, splits."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import minigrad as mg
from minigrad.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)

torch = pytest.importorskip("torch")
tud = torch.utils.data


def same(ours: object, theirs: object) -> None:
    """Recursively equal: containers of the same kind, tensors of the same dtype/values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, mg.Tensor)
        assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs)
        for k in theirs:
            same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b)
    else:
        assert ours == theirs


Point = collections.namedtuple("Point", "x y")
SAMPLES = {
    "tuples_of_numbers": [(1, 2.0), (3, 4.0)],
    "dicts_with_strings": [{"a": np.ones(2, np.float32), "b": "x"},
                           {"a": np.zeros(2, np.float32), "b": "y"}],
    "bools": [True, False],
    "numpy_scalars": [np.float32(1), np.float32(2)],
    "int32_scalars": [np.int32(1), np.int32(5)],
    "lists": [[1, 2], [3, 4]],
    "namedtuples": [Point(1, 2.5), Point(3, 4.5)],
    "arrays": [np.arange(6).reshape(2, 3), np.arange(6, 12).reshape(2, 3)],
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_default_collate_matches_pytorch(name: str) -> None:
    batch = SAMPLES[name]
    same(default_collate(batch), tud.default_collate(batch))


def test_default_collate_stacks_tensors_and_refuses_ragged_lists() -> None:
    out = default_collate([mg.ones(2, 3), mg.zeros(2, 3)])
    assert out.shape == (2, 2, 3)
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])


class Squares(Dataset):
    def __len__(self) -> int:
        return 7

    def __getitem__(self, i: int) -> tuple:
        return np.full(2, i, np.float32), i * i, {"id": i}


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (7, True),
                                                  (10, False)])
def test_dataloader_batches_like_pytorch(batch_size: int, drop_last: bool) -> None:
    ours = DataLoader(Squares(), batch_size=batch_size, drop_last=drop_last)
    theirs = tud.DataLoader(Squares(), batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        same(a, b)


def test_tensordataset_batches_take_the_fast_path_and_match_pytorch() -> None:
    x, y = np.arange(30, dtype=np.float32).reshape(10, 3), np.arange(10)
    calls = []

    class Counting(TensorDataset):
        def __getitem__(self, index):  # noqa: ANN001, ANN204
            calls.append(index)
            return super().__getitem__(index)

    ours = list(DataLoader(Counting(x, y), batch_size=4))
    theirs = list(tud.DataLoader(tud.TensorDataset(torch.tensor(x), torch.tensor(y)),
                                 batch_size=4))
    same(ours, theirs)
    assert calls == []  # whole batches by one fancy index, never sample by sample


def test_loader_attributes_and_batch_size_none() -> None:
    ds = TensorDataset(np.zeros((5, 2)), np.arange(5))
    loader = DataLoader(ds, batch_size=2)
    assert loader.dataset is ds and loader.batch_size == 2 and len(loader) == 3
    assert isinstance(loader.sampler, SequentialSampler)
    assert isinstance(loader.batch_sampler, BatchSampler)
    single = list(DataLoader([np.ones(2), np.zeros(2)], batch_size=None))
    assert all(isinstance(t, mg.Tensor) and t.shape == (2,) for t in single)


def test_shuffle_uses_the_generator_and_is_a_permutation() -> None:
    ds = TensorDataset(np.arange(50))

    def order(loader: DataLoader) -> list[int]:
        return np.concatenate([b[0].data for b in loader]).tolist()

    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    a = order(DataLoader(ds, 8, shuffle=True, generator=g1))
    b = order(DataLoader(ds, 8, shuffle=True, generator=g2))
    assert a == b and sorted(a) == list(range(50)) and a != list(range(50))
    mg.manual_seed(5)
    c = order(DataLoader(ds, 8, shuffle=True))
    mg.manual_seed(5)
    assert order(DataLoader(ds, 8, shuffle=True)) == c


def test_samplers_and_batch_sampler() -> None:
    ds = list(range(10))
    rs = RandomSampler(ds, generator=np.random.default_rng(0))
    assert sorted(rs) == ds and len(rs) == 10
    with_rep = RandomSampler(ds, replacement=True, num_samples=25,
                             generator=np.random.default_rng(0))
    assert len(list(with_rep)) == 25 and set(with_rep) <= set(ds)
    bs = BatchSampler(SequentialSampler(ds), 4, drop_last=False)
    assert list(bs) == list(tud.BatchSampler(tud.SequentialSampler(ds), 4, drop_last=False))
    loader = DataLoader(ds, batch_sampler=bs)
    assert [b.tolist() for b in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    custom = DataLoader(ds, batch_size=5, sampler=list(reversed(ds)))
    assert [b.tolist() for b in custom] == [[9, 8, 7, 6, 5], [4, 3, 2, 1, 0]]


def test_dataloader_rejects_conflicting_options_as_pytorch() -> None:
    ds = list(range(4))
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_size=2, batch_sampler=[[0, 1]])
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(ds, num_workers=-1)


def test_collate_fn_is_used() -> None:
    loader = DataLoader(list(range(5)), batch_size=2, collate_fn=lambda b: sum(b))
    assert list(loader) == [1, 5, 4]


@pytest.mark.parametrize("lengths", [[3, 3, 4], [0.3, 0.3, 0.4], [0.5, 0.5]])
def test_random_split_lengths_match_pytorch(lengths: list) -> None:
    n = 11 if lengths == [0.5, 0.5] else 10
    ours = random_split(range(n), lengths, generator=np.random.default_rng(0))
    theirs = tud.random_split(range(n), lengths)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    joined = sorted(i for s in ours for i in s)
    assert joined == list(range(n))
    assert all(isinstance(s, Subset) for s in ours)


def test_random_split_rejects_wrong_lengths_and_is_seeded() -> None:
    with pytest.raises(ValueError, match="does not equal the length"):
        random_split(range(10), [3, 3])
    a = random_split(range(20), [10, 10], generator=np.random.default_rng(1))
    b = random_split(range(20), [10, 10], generator=np.random.default_rng(1))
    assert list(a[0]) == list(b[0])


def test_subset_of_a_tensordataset_keeps_the_fast_path() -> None:
    ds = TensorDataset(np.arange(10) * 10, np.arange(10))
    sub = Subset(ds, [9, 2, 4])
    batches = list(DataLoader(sub, batch_size=2))
    assert [b[0].tolist() for b in batches] == [[90, 20], [40]]
    assert sub[1][1].item() == 2 and len(sub) == 3


def test_concat_dataset() -> None:
    both = ConcatDataset([list(range(3)), list(range(10, 12))])
    assert len(both) == 5 and [both[i] for i in range(5)] == [0, 1, 2, 10, 11]
    assert both[-1] == 11


def test_minigrad_data_reexports_the_one_implementation() -> None:
    import minigrad.data as data
    import minigrad.utils.data as udata

    assert data.DataLoader is udata.DataLoader
    assert data.TensorDataset is udata.TensorDataset and data.Dataset is udata.Dataset


def test_a_minigrad_generator_drives_shuffling_and_splits() -> None:
    import minigrad

    if not hasattr(minigrad, "Generator"):
        pytest.skip("minigrad.Generator is not in this build")
    ds = TensorDataset(np.arange(30))

    def order(seed: int) -> list[int]:
        g = minigrad.Generator().manual_seed(seed)
        return [i for b in DataLoader(ds, 7, shuffle=True, generator=g) for i in b[0].tolist()]

    assert order(4) == order(4) and order(4) != order(5) and sorted(order(4)) == list(range(30))
    a = random_split(ds, [0.5, 0.5], generator=minigrad.Generator().manual_seed(2))
    b = random_split(ds, [0.5, 0.5], generator=minigrad.Generator().manual_seed(2))
    assert a[0].indices == b[0].indices
