"""A Dataset of its own, DataLoader batches, shuffling with a seeded Generator, 0 and 2 workers."""

import torch
from torch.utils.data import DataLoader, Dataset


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return torch.tensor([i, i * i / 10], dtype=torch.float64), i % 3


def order(loader):
    return [int(v) for x, _ in loader for v in x[:, 0].tolist()]


def shuffled(data, seed, workers):
    return DataLoader(data, batch_size=4, shuffle=True, num_workers=workers,
                      generator=torch.Generator().manual_seed(seed))


def main():
    data = Squares(10)
    for workers in (0, 2):
        plain = DataLoader(data, batch_size=4, num_workers=workers)
        print("workers", workers, "batches", len(plain))
        for x, y in plain:
            print(list(x.shape), x.dtype == torch.float64, y.dtype == torch.int64, y.tolist(),
                  x.sum().item())
        a, b, c = (order(shuffled(data, s, workers)) for s in (0, 0, 1))
        print("same seed, same order:", a == b, "another seed, another order:", a != c,
              "each sample once:", sorted(a) == list(range(10)))
        loader = shuffled(data, 0, workers)
        print("each epoch a new order:", order(loader) != order(loader))
        last = DataLoader(data, batch_size=4, drop_last=True, num_workers=workers)
        print("drop_last:", [len(x) for x, _ in last])

    # a gradient summed over shuffled batches does not depend on their order
    w = torch.tensor([0.5, -0.25], dtype=torch.float64, requires_grad=True)
    loader = DataLoader(data, batch_size=3, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    for x, y in loader:
        loss = ((x @ w - y.double()) ** 2).sum()
        loss.backward()
    print("gradient:", w.grad.tolist())


if __name__ == "__main__":
    main()
