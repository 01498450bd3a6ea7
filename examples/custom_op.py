"""A user-defined op with its own backward, checked by gradcheck and gradgradcheck.

Run: python examples/custom_op.py

The op is the "smooth L1" (Huber) loss used in detection networks: quadratic near zero,
linear far from it. PyTorch users will recognise every name: Function, ctx, save_for_backward,
saved_tensors, needs_input_grad, apply.
"""

import numpy as np

import minigrad as mg
from minigrad.autograd import Function


class SmoothL1(Function):
    """Elementwise 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, with d = x - y."""

    @staticmethod
    def forward(ctx, x, y, beta=1.0):
        d = x.data - y.data
        ctx.save_for_backward(x, y)
        ctx.beta = beta
        small = np.abs(d) < beta
        return np.where(small, 0.5 * d * d / beta, np.abs(d) - 0.5 * beta)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        d = x - y
        small = np.abs(d.data) < ctx.beta
        # written with Tensor ops (where, *, /), so the op is twice differentiable
        slope = mg.where(small, d / ctx.beta, mg.tensor(np.sign(d.data)).to(d.dtype))
        gx = grad * slope if ctx.needs_input_grad[0] else None
        gy = -grad * slope if ctx.needs_input_grad[1] else None
        return gx, gy, None


def main() -> None:
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    y = mg.tensor(rng.normal(size=(4, 3)) * 0.3, requires_grad=True)
    loss = SmoothL1.apply(x, y, 0.5).mean()
    loss.backward()
    print("loss", round(loss.item(), 6), "grad of x[0]", np.round(x.grad.data[0], 4))
    print("gradcheck:", mg.gradcheck(lambda a, b: SmoothL1.apply(a, b, 0.5), (x, y)))
    print("gradgradcheck:", mg.gradgradcheck(lambda a, b: SmoothL1.apply(a, b, 0.5), (x, y)))


if __name__ == "__main__":
    main()
