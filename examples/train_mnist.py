"""Train the book's SimpleConvNet on MNIST: the loop behind `minigrad train`, written out.

    python examples/train_mnist.py            # full MNIST if cached, else the offline sample

It writes one file, the trained weights, into the folder ``runs/train_mnist_example`` (made
if needed, under the current directory) and prints its path.

Everything here is public API: a dataset, two DataLoaders, a model, an optimizer, and the
forward / loss / backward / step loop, with evaluation in eval mode under no_grad.
"""

from pathlib import Path

import numpy as np

import minigrad as mg
from minigrad import models, optim
from minigrad.data import DataLoader, RandomShift, load_mnist
from minigrad.nn import functional as F

EPOCHS, BATCH_SIZE, LR = 15, 100, 1e-3
OUT = Path("runs") / "train_mnist_example"

mg.manual_seed(0)  # weight init and shuffling both draw from minigrad's generator
train_set = load_mnist(split="train", download=False, verbose=True)  # sample when offline
test_set = load_mnist(split="test", download=False, verbose=True)
# random shifts of up to 2 pixels: new plausible digits every epoch, less overfitting
train_loader = DataLoader(RandomShift(train_set, 2), batch_size=BATCH_SIZE, shuffle=True)
test_loader = DataLoader(test_set, batch_size=500)

model = models.SimpleConvNet(weight_init_std="relu")  # conv-relu-pool-affine-relu-affine
optimizer = optim.Adam(model.parameters(), lr=LR)


def accuracy(logits: mg.Tensor, labels: mg.Tensor) -> float:
    return float((logits.data.argmax(axis=1) == labels.data).mean())


def evaluate(loader: DataLoader) -> float:
    model.eval()  # layers like dropout behave differently when evaluating
    with mg.no_grad():  # no graph: faster, and nothing to backpropagate
        return float(np.mean([accuracy(model(x), y) for x, y in loader]))


for epoch in range(1, EPOCHS + 1):
    model.train()
    losses, accs = [], []
    for x, y in train_loader:  # x: (100, 1, 28, 28) float32 in [0, 1], y: (100,) int64
        logits = model(x)  # forward
        loss = F.cross_entropy(logits, y)  # softmax + cross-entropy, averaged over the batch
        optimizer.zero_grad()
        loss.backward()  # gradients of every parameter
        optimizer.step()  # Adam update
        losses.append(loss.item())
        accs.append(accuracy(logits, y))
    print(f"epoch {epoch:2d}  train loss {np.mean(losses):.4f}  train acc {np.mean(accs):.4f}"
          f"  test acc {evaluate(test_loader):.4f}")

OUT.mkdir(parents=True, exist_ok=True)
weights = OUT / "simpleconvnet.safetensors"
mg.save(model.state_dict(), weights)  # a safetensors file: mg.load and PyTorch read it
print(f"Saved the trained weights to {weights.resolve()}")
