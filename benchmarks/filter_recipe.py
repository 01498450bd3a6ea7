"""Which training recipe makes SimpleConvNet's first-layer filters look learned?

Trains SimpleConvNet on the offline MNIST sample the way ``minigrad train`` does (Adam,
batch 100, random shifts, seed 0) under a few recipes and prints, per epoch, the test
accuracy and ``filter_smoothness`` of conv1 (about 0 for random filters, 0.41 for the book's
trained weights). Run in the background, it takes minutes per recipe:

    nice -n 19 python benchmarks/filter_recipe.py baseline small-init > recipe.log
"""

from __future__ import annotations

import sys
import time

import numpy as np

import minigrad as mg
from minigrad import models, optim
from minigrad.data import DataLoader, RandomShift, load_mnist_sample
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.train import accuracy, evaluate, fit
from minigrad.viz.plots import filter_smoothness

# name: (conv1 init std or "he", fc init, epochs, lr, conv1 weight decay, shift[, seed])
RECIPES = {
    "baseline": ("he", "he", 15, 1e-3, 0.0, 2),
    "small-init": (0.01, "he", 15, 1e-3, 0.0, 2),
    "small-init-wd": (0.01, "he", 15, 1e-3, 1e-3, 2),
    "book": (0.01, 0.01, 15, 1e-3, 0.0, 2),
    "small-init-20": (0.01, "he", 20, 1e-3, 0.0, 2),
    "small-init-wd-1e-2": (0.01, "he", 15, 1e-3, 1e-2, 2),
    "tiny-init": (0.001, "he", 15, 1e-3, 0.0, 2),
    "small-init-noshift": (0.01, "he", 15, 1e-3, 0.0, 0),
}


def build(conv_std, fc_std):
    model = models.SimpleConvNet(weight_init_std="relu")
    if conv_std != "he":
        init.normal_(model.conv1.weight, 0.0, conv_std)
    if fc_std != "he":
        for layer in (model.fc1, model.fc2):
            init.normal_(layer.weight, 0.0, fc_std)
    return model


def parse(name: str) -> tuple:
    """A recipe by name, or written out: ``conv=0.03,fc=he,epochs=20,lr=1e-3,wd=0,shift=2``."""
    if name in RECIPES:
        return RECIPES[name]
    values = dict(item.split("=") for item in name.split(","))
    conv, fc = (v if v == "he" else float(v) for v in (values.get("conv", "he"),
                                                       values.get("fc", "he")))
    return (conv, fc, int(values.get("epochs", 15)), float(values.get("lr", 1e-3)),
            float(values.get("wd", 0)), int(values.get("shift", 2)), int(values.get("seed", 0)))


def run(name: str) -> None:
    conv_std, fc_std, epochs, lr, wd, shift, *seed = parse(name)
    mg.manual_seed(seed[0] if seed else 0)
    train, test = load_mnist_sample("train"), load_mnist_sample("test")
    model = build(conv_std, fc_std)
    groups = [{"params": [model.conv1.weight], "weight_decay": wd},
              {"params": [p for n, p in model.named_parameters() if n != "conv1.weight"]}]
    opt = optim.Adam(groups, lr=lr)
    loader = DataLoader(RandomShift(train, shift) if shift else train, 100, shuffle=True)
    test_loader = DataLoader(test, batch_size=500)
    t0 = time.perf_counter()
    print(f"{name}: start smooth {filter_smoothness(model.conv1.weight):.3f}", flush=True)
    progress = None
    for epoch in range(1, epochs + 1):
        progress, _ = fit(model, loader, opt, F.cross_entropy, {"acc": accuracy}, epochs=epoch,
                          val_loader=test_loader, progress=progress, quiet=True)
        acc = progress.history[-1]["val_acc"]
        print(f"{name}: epoch {epoch:2d} test {acc:.4f} smooth "
              f"{filter_smoothness(model.conv1.weight):.3f} "
              f"({time.perf_counter() - t0:.0f}s)", flush=True)
    acc = evaluate(model, test_loader, F.cross_entropy, {"acc": accuracy})["acc"]
    np.save(f"/tmp/filters-{name}.npy", model.conv1.weight.data)
    print(f"RESULT {name}: test {acc:.4f} smooth {filter_smoothness(model.conv1.weight):.3f}",
          flush=True)


if __name__ == "__main__":
    for name in sys.argv[1:] or RECIPES:
        run(name)
