"""A streaming dataset as PyTorch's ``IterableDataset`` docs write it: ``__iter__`` splits the
range between workers with ``get_worker_info()`` (None in the main process), the
``DataLoader`` batches the stream (``num_workers=0``); the docs' two-worker runs (each
worker's share, interleaved) and their ``worker_init_fn`` sharding. Then ``ChainDataset``,
parsed records in batches, a class-balanced ``WeightedRandomSampler`` on a map-style dataset
reported by properties of its draws (counts, range, balance), never the draws themselves,
and ``StackDataset``."""

import math

import torch
from torch.utils.data import (
    ChainDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    StackDataset,
    TensorDataset,
    WeightedRandomSampler,
    get_worker_info,
)

torch.set_default_dtype(torch.float64)


class MyIterableDataset(IterableDataset):
    def __init__(self, start, end):
        super().__init__()
        assert end > start, "this example code only works with end >= start"
        self.start = start
        self.end = end

    def __iter__(self):
        worker_info = get_worker_info()
        if worker_info is None:  # single-process data loading, return the full iterator
            iter_start = self.start
            iter_end = self.end
        else:  # in a worker process
            # split workload
            per_worker = int(math.ceil((self.end - self.start) / float(worker_info.num_workers)))
            worker_id = worker_info.id
            iter_start = self.start + worker_id * per_worker
            iter_end = min(iter_start + per_worker, self.end)
        return iter(range(iter_start, iter_end))


class Records(IterableDataset):
    """Parsed records streamed from a 'file' (here a list of lines)."""

    def __init__(self, lines):
        self.lines = lines

    def __iter__(self):
        for line in self.lines:
            *features, label = line.split(",")
            yield torch.tensor([float(f) for f in features]), int(label)


ds = MyIterableDataset(start=3, end=10)
print("main process", get_worker_info())
print("batches", [b.tolist() for b in DataLoader(ds, batch_size=3)])
print("no batching", [int(v) for v in DataLoader(ds, batch_size=None)])
print("drop_last", [b.tolist() for b in DataLoader(ds, batch_size=3, drop_last=True)])
print("chained", list(ChainDataset([MyIterableDataset(0, 3), MyIterableDataset(7, 9)])))
print("two workers", [int(v) for v in DataLoader(ds, num_workers=2)])


class RangeStream(IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        return iter(range(self.start, self.end))


def worker_init_fn(worker_id):
    worker_info = torch.utils.data.get_worker_info()
    dataset = worker_info.dataset  # the dataset copy in this worker process
    overall_start = dataset.start
    overall_end = dataset.end
    # configure the dataset to only process the split workload
    per_worker = int(math.ceil((overall_end - overall_start) / float(worker_info.num_workers)))
    dataset.start = overall_start + worker_id * per_worker
    dataset.end = min(dataset.start + per_worker, overall_end)


print("duplicated", [int(v) for v in DataLoader(RangeStream(3, 7), num_workers=2)])
print("worker_init_fn", [int(v) for v in DataLoader(RangeStream(3, 7), num_workers=2,
                                                    worker_init_fn=worker_init_fn)])
print("added", list(MyIterableDataset(0, 2) + MyIterableDataset(5, 6)))

lines = [f"{math.sin(i):.4f},{math.cos(i):.4f},{i % 3}" for i in range(10)]
loader = DataLoader(Records(lines), batch_size=4)
for features, labels in loader:
    print("features", tuple(features.shape), features.dtype, features.sum().item(),
          "labels", labels.tolist(), labels.dtype)
try:
    DataLoader(Records(lines), batch_size=4, shuffle=True)
except ValueError as e:
    print("shuffle refused:", type(e).__name__)
try:
    len(DataLoader(Records(lines)))
except TypeError as e:
    print("len refused:", type(e).__name__)


class Balanced(Dataset):
    def __init__(self, labels):
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return torch.tensor([float(i)]), self.labels[i]


labels = [0] * 30 + [1] * 6 + [2] * 4
counts = torch.bincount(torch.tensor(labels))
class_weights = 1.0 / counts.double()
sample_weights = class_weights[torch.tensor(labels)]
print("class weights", class_weights.tolist())
torch.manual_seed(0)
sampler = WeightedRandomSampler(sample_weights, num_samples=3000, replacement=True)
print("len", len(sampler))
drawn = torch.tensor(list(sampler))
print("in range", bool(((drawn >= 0) & (drawn < len(labels))).all()), drawn.dtype)
per_class = torch.bincount(torch.tensor(labels)[drawn], minlength=3)
print("balanced", bool(((per_class - 1000).abs() < 150).all()), "total", per_class.sum().item())
once = list(WeightedRandomSampler(sample_weights, num_samples=40, replacement=False))
print("without replacement", sorted(once) == list(range(40)))
zero = list(WeightedRandomSampler([0.0, 1.0, 0.0, 2.0], num_samples=50))
print("zero weights never drawn", set(zero) <= {1, 3})
loader = DataLoader(Balanced(labels), batch_size=10,
                    sampler=WeightedRandomSampler(sample_weights, 40))
shapes = [(tuple(x.shape), len(y)) for x, y in loader]
print("loader", len(loader), shapes)
try:
    WeightedRandomSampler(sample_weights, num_samples=0)
except ValueError as e:
    print("refused:", type(e).__name__)
td = TensorDataset(torch.arange(6.0).unsqueeze(1), torch.arange(6))
print("generator", [len(b[1]) for b in DataLoader(
    td, batch_size=4, sampler=WeightedRandomSampler(torch.ones(6), 8,
                                                    generator=torch.Generator().manual_seed(1)))])

# StackDataset zips datasets sample by sample (tuples or dicts), as multimodal loaders do
images = TensorDataset(torch.arange(12.0).view(6, 2))
texts = TensorDataset(torch.arange(6) * 10)
pairs = StackDataset(images, texts)
named = StackDataset(image=images, text=texts)
print("stack", len(pairs), pairs[2][0][0].tolist(), pairs[2][1][0].item(), sorted(named[4]))
for batch in DataLoader(named, batch_size=4):
    print("named batch", sorted(batch), batch["image"][0].shape[0], batch["text"][0].tolist())
