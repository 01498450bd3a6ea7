"""Look inside a network with ``minigrad.viz``: ``python examples/visualize_graph.py``.

Writes into ``visualize_out/`` (or ``--out DIR``):

- ``expression.svg``: the autograd graph of a small expression, with its gradients;
- ``train_step.svg``: one SimpleConvNet training step on an MNIST digit, grouped by layer;
- ``lenet_layers.svg``: LeNet as a network diagram (one box per layer);
- ``filters.png`` and ``feature_maps.png``: SimpleConvNet's first-layer filters and what they
  make of the digit (an untrained network: see docs/make_images.py for trained ones).

The graphs need Graphviz's ``dot`` program; without it the DOT source is written instead.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import minigrad as mg
from minigrad import models, viz
from minigrad.data import load_mnist_sample
from minigrad.nn import functional as F


def save(graph: object, path: Path) -> None:
    try:
        viz.render(graph, path)
        print(f"wrote {path}")
    except viz.DotNotFoundError as e:
        print(e)


def main() -> None:
    parser = argparse.ArgumentParser(description="Draw graphs, filters and feature maps.")
    parser.add_argument("--out", type=Path, default=Path("visualize_out"))
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    mg.manual_seed(0)

    # 1. an expression: values, shapes and, after backward, each leaf's gradient
    x = mg.tensor([[1.0, -2.0, 3.0]], requires_grad=True)
    w = mg.randn(3, 2, requires_grad=True)
    y = (x @ w).tanh().sum()
    y.backward()
    save(viz.draw_graph(y, params={"x": x, "w": w}), out / "expression.svg")

    # 2. one training step of SimpleConvNet on a real digit
    digits = load_mnist_sample("test")
    image, label = mg.Tensor(digits.images[:1]), mg.Tensor(digits.labels[:1])
    model = models.SimpleConvNet()
    loss = F.cross_entropy(model(image), label)
    loss.backward(retain_graph=True)  # retain: keep the intermediate values for the picture
    graph = viz.draw_graph(loss, params=[model, {"image": image, "label": label}],
                           show_attrs=True)
    save(graph, out / "train_step.svg")

    # 3. the same kind of network as a diagram of layers
    save(viz.forward_graph(models.LeNet(), (1, 1, 28, 28)), out / "lenet_layers.svg")

    # 4. filters and feature maps (matplotlib figures, also returned for notebooks)
    viz.plot_filters(model.conv1.weight, out / "filters.png")
    viz.plot_feature_maps(model, image, layers=["conv1", "pool1"],
                          path=out / "feature_maps.png")
    print(f"wrote {out / 'filters.png'} and {out / 'feature_maps.png'}")


if __name__ == "__main__":
    main()
