"""Winograd F(2x2, 3x3) against im2col and PyTorch, per 3x3 stride-1 shape and per pass.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/winograd.py \
        [--threads 2] [--repeat 5]

Per shape (batch 32, padding 1, float32) and pass: the forward (no graph), the input
gradient (``conv_transpose2d``, which is the same computation), the weight gradient, and
a whole training step (forward with graph + backward of input, weight and bias), each run
by minigrad with ``winograd.algorithm("im2col")``, with ``"winograd"`` and by PyTorch, one
after the other in each of ``--repeat`` rounds; the figures are medians over rounds, and
"wino/im2col" is the median of the per-round ratios. "auto" says what
``winograd.applies`` picks for the shape. These numbers are where its rule comes from.
"""

from __future__ import annotations

import os
import statistics
import sys

from _harness import (
    blas_kernel,
    interleaved_rounds,
    parse_and_pin,
    start_thread_pools,
    thread_report,
)

ARGS = parse_and_pin(__doc__, repeat=5)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import minigrad as mg  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
from minigrad import winograd  # noqa: E402
from minigrad.im2col import geometry  # noqa: E402
from minigrad.ops.conv import Conv2dWeightGrad  # noqa: E402

torch = start_thread_pools(ARGS.threads)

# (C, FN, H=W): the issue's conv workload, then ResNet-18's 3x3 stride-1 convolutions
# (CIFAR, 32x32 input), then small channel counts
SHAPES = [(64, 128, 32), (64, 64, 32), (128, 128, 16), (256, 256, 8), (512, 512, 4),
          (32, 32, 32), (16, 16, 32)]
BATCH = 32


def passes(c: int, fn: int, hw: int) -> dict[str, dict]:
    """For each pass, {implementation: zero-argument function}."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, c, hw, hw), dtype=np.float32)
    w = rng.standard_normal((fn, c, 3, 3), dtype=np.float32) * 0.1
    b = rng.standard_normal(fn, dtype=np.float32)
    dy = rng.standard_normal((BATCH, fn, hw, hw), dtype=np.float32)
    g = geometry(x.shape, 3, 1, 1, op="conv2d")
    X, W, B, DY = mg.tensor(x), mg.tensor(w), mg.tensor(b), mg.tensor(dy)
    Xg, Wg, Bg = (mg.tensor(a, requires_grad=True) for a in (x, w, b))

    def mine(algo: str) -> dict:
        def run(fn_: object) -> object:
            def call() -> None:
                with winograd.algorithm(algo), mg.no_grad():
                    fn_()
            return call

        def step() -> None:
            Xg.grad = Wg.grad = Bg.grad = None
            with winograd.algorithm(algo):
                F.conv2d(Xg, Wg, Bg, padding=1).backward(DY)

        return {"forward": run(lambda: F.conv2d(X, W, B, padding=1)),
                "input grad": run(lambda: F.conv_transpose2d(DY, W, padding=1)),
                "weight grad": run(lambda: Conv2dWeightGrad.apply(X, DY, g)),
                "train step": step}

    impls = {"im2col": mine("im2col"), "winograd": mine("winograd")}
    if torch is not None:
        tx, tw, tb, tdy = (torch.tensor(a) for a in (x, w, b, dy))
        txg, twg, tbg = (torch.tensor(a, requires_grad=True) for a in (x, w, b))

        def t_step() -> None:
            txg.grad = twg.grad = tbg.grad = None
            torch.nn.functional.conv2d(txg, twg, tbg, padding=1).backward(tdy)

        def no_grad(f: object) -> object:
            def call() -> None:
                with torch.no_grad():
                    f()
            return call

        impls["torch"] = {
            "forward": no_grad(lambda: torch.nn.functional.conv2d(tx, tw, tb, padding=1)),
            "input grad": no_grad(lambda: torch.nn.grad.conv2d_input(
                tx.shape, tw, tdy, padding=1)),
            "weight grad": no_grad(lambda: torch.nn.grad.conv2d_weight(
                tx, tw.shape, tdy, padding=1)),
            "train step": t_step}
    return {p: {name: fns[p] for name, fns in impls.items()}
            for p in ("forward", "input grad", "weight grad", "train step")}


def main() -> None:
    print(f"numpy {np.__version__}, "
          f"torch {torch.__version__ if torch is not None else '(not installed)'}, "
          f"{os.cpu_count()} CPUs; BLAS: {blas_kernel()}")
    print(thread_report(ARGS.threads, torch))
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', '(unset)')}; "
          f"median of {ARGS.repeat} interleaved rounds, batch {BATCH}, float32, ms\n")
    print(f"{'shape (C->FN, HxW)':<22}{'pass':<13}{'im2col':>8}{'winograd':>10}{'torch':>8}"
          f"{'wino/im2col':>13}{'wino/torch':>12}  auto")
    for c, fn, hw in SHAPES:
        g = geometry((BATCH, c, hw, hw), 3, 1, 1, op="conv2d")
        auto = "winograd" if winograd.applies(g, fn) else "im2col"
        label = f"{c}->{fn}, {hw}x{hw}"
        for name, fns in passes(c, fn, hw).items():
            t = interleaved_rounds(fns, ARGS.repeat)
            med = {k: statistics.median(v) * 1e3 for k, v in t.items()}
            r_i = statistics.median(a / b for a, b in zip(t["winograd"], t["im2col"]))
            tt = f"{med['torch']:>8.1f}" if "torch" in med else f"{'-':>8}"
            r_t = (f"{statistics.median(a / b for a, b in zip(t['winograd'], t['torch'])):>11.2f}x"
                   if "torch" in t else f"{'-':>12}")
            print(f"{label:<22}{name:<13}{med['im2col']:>8.1f}{med['winograd']:>10.1f}{tt}"
                  f"{r_i:>12.2f}x{r_t}  {auto}", flush=True)
            label = ""


if __name__ == "__main__":
    main()
