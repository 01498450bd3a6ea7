"""Train a tiny two-layer network on a toy problem with nothing but Tensors and autograd.

Run: python examples/tiny_mlp.py
"""

import numpy as np

import minigrad as mg


def make_moons(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles: not linearly separable, so the hidden layer matters."""
    angle = rng.uniform(0, np.pi, n)
    label = rng.integers(0, 2, n)
    x = np.where(label, 1 - np.cos(angle), np.cos(angle))
    y = np.where(label, 0.5 - np.sin(angle), np.sin(angle))
    points = np.stack([x, y], 1) + rng.normal(0, 0.1, (n, 2))
    return points.astype(np.float32), label


def main() -> float:
    mg.manual_seed(0)
    points, labels = make_moons(400, np.random.default_rng(0))
    x, target = mg.tensor(points), mg.tensor(labels)
    w1 = (mg.randn(2, 32) * 0.5).requires_grad_()
    b1 = mg.zeros(32, requires_grad=True)
    w2 = (mg.randn(32, 2) * 0.5).requires_grad_()
    b2 = mg.zeros(2, requires_grad=True)
    params = [w1, b1, w2, b2]
    for step in range(300):
        logits = (x @ w1 + b1).tanh() @ w2 + b2
        loss = -logits.log_softmax(1)[mg.arange(len(labels)), target].mean()
        for p in params:
            p.grad = None
        loss.backward()
        with mg.no_grad():
            for p in params:
                p.data -= 0.5 * p.grad.data
        if step % 50 == 0:
            print(f"step {step:3d}  loss {loss.item():.4f}")
    accuracy = float((logits.argmax(1) == target).data.mean())
    print(f"final loss {loss.item():.4f}  train accuracy {accuracy:.1%}")
    return accuracy


if __name__ == "__main__":
    main()
