"""Hogwild training: four processes update one model's weights in shared memory, without
locks, as in PyTorch's mnist_hogwild example (``python examples/hogwild.py``).

``model.share_memory()`` moves the parameters into shared memory; each process receives the
model (under the ``spawn`` start method it is pickled, and arrives as the same memory), makes
its own optimizer and trains. The parent then evaluates the weights they trained together.
"""

import minigrad as torch
import minigrad.multiprocessing as mp
import minigrad.nn as nn
import minigrad.nn.functional as F

TRUE_W = [[1.5, -2.0, 0.5, 3.0], [-1.0, 0.0, 2.0, 0.5]]


def data(n, seed):
    torch.manual_seed(seed)
    x = torch.randn(n, 4)
    return x, (x @ torch.tensor(TRUE_W).T).argmax(1)


def train(rank, model, steps):
    x, y = data(512, seed=rank)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)  # its own state
    for step in range(steps):
        i = (step * 32) % 512
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x[i:i + 32]), y[i:i + 32])
        loss.backward()  # the gradient is this process's own
        optimizer.step()  # writes straight into the shared weights


def accuracy(model):
    x, y = data(1000, seed=99)
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


if __name__ == "__main__":
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    model.share_memory()
    print(f"before: accuracy {accuracy(model):.2f}")
    processes = []
    ctx = mp.get_context("spawn")
    for rank in range(4):
        p = ctx.Process(target=train, args=(rank, model, 100))
        p.start()
        processes.append(p)
    for p in processes:
        p.join()
    print(f"after Hogwild training in 4 processes: accuracy {accuracy(model):.2f}")
