"""Double backward through a CNN: training with an input-gradient penalty.

    python examples/gradient_penalty.py [--steps 100] [--lam 1.0]

"Double backpropagation" (Drucker & LeCun, 1992; the same trick as WGAN-GP's gradient
penalty) adds to the loss the squared norm of the loss's gradient with respect to the *input
images*. A small input gradient means a small change of a pixel barely changes the
prediction: a smoother, more robust classifier. Training on that penalty needs the gradient
of a gradient:

1. ``mg.grad(loss, images, create_graph=True)`` gives d(loss)/d(images) as a Tensor that is
   itself part of the graph (every backward rule — conv2d's transposed convolution, max
   pooling's scatter — is made of differentiable ops);
2. ``(loss + lam * penalty).backward()`` then differentiates *through* that first backward
   into the conv weights.

The script first checks the second derivative on a tiny float64 network against finite
differences (``mg.gradcheck`` of a function that itself calls ``mg.grad``), then trains a
small CNN on the offline MNIST sample with and without the penalty and prints the average
input-gradient norm and test accuracy of each.
"""

from __future__ import annotations

import argparse

import numpy as np

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader, load_mnist


class SmallCNN(nn.Module):
    """conv(8@3x3, same) - ReLU - max-pool(2) - conv(16@3x3, same) - ReLU - max-pool(2) - affine."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.act = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        x = self.pool(self.act(self.conv1(x)))
        x = self.pool(self.act(self.conv2(x)))
        return self.fc(x.flatten(1))


def input_gradient_penalty(model: nn.Module, images: mg.Tensor, labels: mg.Tensor
                           ) -> tuple[mg.Tensor, mg.Tensor]:
    """The loss and the mean over the batch of ||d loss_i / d image_i||^2, both differentiable
    with respect to the model's weights."""
    images = images.detach()
    images.requires_grad = True
    loss = F.cross_entropy(model(images), labels)
    # the loss is a mean over the batch: scale by N so each image's own gradient is measured
    (grad,) = mg.grad(loss * images.shape[0], images, create_graph=True)
    penalty = (grad * grad).sum(dim=(1, 2, 3)).mean()
    return loss, penalty


def check_second_derivative() -> None:
    """d(penalty)/d(conv weights) by double backward vs by finite differences, in float64.

    tanh instead of ReLU: finite differences need a function that is smooth around the point.
    """
    mg.manual_seed(1)
    conv = nn.Conv2d(1, 2, 3, padding=1).to(mg.float64)
    fc = nn.Linear(2 * 3 * 3, 3).to(mg.float64)
    images = mg.randn(2, 1, 6, 6, dtype=mg.float64)
    labels = mg.tensor([0, 2])

    def penalty_of(weight: mg.Tensor, bias: mg.Tensor) -> mg.Tensor:
        x = images.detach()
        x.requires_grad = True
        h = F.avg_pool2d(F.conv2d(x, weight, bias, padding=1).tanh(), 2)
        loss = F.cross_entropy(fc(h.flatten(1)), labels)
        (g,) = mg.grad(loss, x, create_graph=True)
        return (g * g).sum()

    weight = conv.weight.detach()
    bias = conv.bias.detach()
    weight.requires_grad = bias.requires_grad = True
    mg.gradcheck(penalty_of, (weight, bias))  # raises, naming the element, if they disagree
    mg.gradgradcheck(lambda x: F.max_pool2d(F.conv2d(x, weight.detach(), padding=1), 2),
                     (mg.randn(1, 1, 4, 4, dtype=mg.float64, requires_grad=True),))
    print("second derivatives through conv2d, tanh, avg/max pooling and cross-entropy match "
          "finite differences (gradcheck, gradgradcheck)")


def train(lam: float, steps: int, train_loader: DataLoader, test_images: mg.Tensor,
          test_labels: mg.Tensor) -> tuple[float, float]:
    """Train a fresh SmallCNN with penalty weight ``lam``; return (test accuracy, root mean
    square of the per-image input-gradient norms on the test images)."""
    mg.manual_seed(0)
    model = SmallCNN()
    optimizer = optim.Adam(model.parameters(), lr=2e-3)
    step = 0
    while step < steps:
        for images, labels in train_loader:
            if lam:
                loss, penalty = input_gradient_penalty(model, images, labels)
                total = loss + lam * penalty
            else:
                total = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            total.backward()  # with lam > 0: backward through the first backward
            optimizer.step()
            step += 1
            if step == steps:
                break
    model.eval()
    _, penalty = input_gradient_penalty(model, test_images, test_labels)
    with mg.no_grad():
        predicted = model(test_images).argmax(dim=1).numpy()
    accuracy = float((predicted == test_labels.numpy()).mean())
    return accuracy, float(np.sqrt(penalty.item()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps per model")
    parser.add_argument("--lam", type=float, default=1.0, help="penalty weight")
    args = parser.parse_args()

    check_second_derivative()

    train_set = load_mnist(split="train", download=False)
    test_set = load_mnist(split="test", download=False)
    loader = DataLoader(train_set, batch_size=64, shuffle=True, seed=0)
    test_images = mg.tensor(test_set.images[:500])
    test_labels = mg.tensor(test_set.labels[:500])
    print(f"data: {len(train_set):,} training images; {args.steps} Adam steps per model")

    results = {}
    for lam in (0.0, args.lam):
        accuracy, norm = train(lam, args.steps, loader, test_images, test_labels)
        results[lam] = norm
        print(f"penalty weight {lam:<5g} test accuracy {accuracy:.3f}   "
              f"rms ||d loss / d image|| on test images {norm:.3f}")
    if results[args.lam] < results[0.0]:
        print(f"the penalty made the classifier {results[0.0] / results[args.lam]:.1f}x less "
              "sensitive to its input pixels")


if __name__ == "__main__":
    main()
