"""Hogwild training: processes update one model whose parameters are in shared memory, as in
PyTorch's mnist_hogwild example (started with the spawn method, the hardest case: the model
is pickled to each process and must arrive as the same memory)."""

import math
import sys

import torch
import torch.multiprocessing as mp
import torch.nn as nn

torch.set_default_dtype(torch.float64)


def pattern(shape, phase):
    n = math.prod(shape)
    return torch.tensor([0.5 * math.sin(1.7 * i + phase) for i in range(n)]).reshape(shape)


def train(rank, counting, regression, lock, losses):
    # a loss linear in the parameters: each step subtracts a constant, so the end result does
    # not depend on how the processes interleave (the lock keeps any update from being lost)
    optimizer = torch.optim.SGD(counting.parameters(), lr=0.1)
    for _ in range(5):
        optimizer.zero_grad()
        out = counting(torch.full((1, 3), rank + 1.0))
        out.sum().backward()
        with lock:
            optimizer.step()
    # lock-free Hogwild on a regression problem
    torch.manual_seed(rank)
    optimizer = torch.optim.SGD(regression.parameters(), lr=0.05)
    truth = torch.tensor([[1.0, -2.0, 0.5, 3.0]])
    for _ in range(60):
        x = torch.randn(8, 4)
        loss = ((regression(x) - x @ truth.t()) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    losses.put((rank, loss.item() < 0.01, counting.weight.grad is not None))


def main(method):
    ctx = mp.get_context(method)
    counting, regression = nn.Linear(3, 2), nn.Linear(4, 1, bias=False)
    for i, p in enumerate([*counting.parameters(), *regression.parameters()]):
        p.data.copy_(pattern(p.shape, i))
    counting.share_memory()
    regression.share_memory()
    print("shared:", all(p.is_shared() for p in regression.parameters()))
    lock, losses = ctx.Lock(), ctx.Queue()
    processes = [ctx.Process(target=train, args=(rank, counting, regression, lock, losses))
                 for rank in range(2)]
    for p in processes:
        p.start()
    results = sorted(losses.get(timeout=300) for _ in processes)
    for p in processes:
        p.join()
    print("exit codes:", [p.exitcode for p in processes])
    print("each process: rank, converged, grad of its own:", results)
    print("weight:", counting.weight.tolist())
    print("bias:", counting.bias.tolist())
    print("regression near the truth:",
          (regression.weight - torch.tensor([[1.0, -2.0, 0.5, 3.0]])).abs().max().item() < 0.1)
    print("grads stay in their process:", counting.weight.grad is None)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "spawn")
