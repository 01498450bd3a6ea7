"""Convolution and pooling speed and memory, as ratios to PyTorch CPU measured in the same run.

    python benchmarks/conv.py [--threads 2] [--repeat 15]

Thread counts are pinned before numpy is imported (env vars, then threadpoolctl when it is
installed) and torch gets the same count. Each case runs minigrad and torch alternately and
keeps the best time of each (best-of-N is the least noisy figure on a shared machine).
"""

from __future__ import annotations

import os
import sys

from _harness import best_of, parse_and_pin, start_thread_pools, thread_report

ARGS = parse_and_pin(__doc__, repeat=15)

import gc  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import minigrad as mg  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
from minigrad.kernels.workspace import clear_workspace, workspace_bytes  # noqa: E402

torch = start_thread_pools(ARGS.threads)


def report(name: str, times: dict[str, float], target: float) -> float | None:
    mg_t = times["minigrad"]
    line = f"{name:<52s} minigrad {mg_t * 1e3:8.2f} ms"
    if "torch" in times:
        ratio = mg_t / times["torch"]
        ok = "ok" if ratio <= target else "OVER"
        line += f"   torch {times['torch'] * 1e3:8.2f} ms   ratio {ratio:5.2f}x"
        line += f" (target <= {target}x: {ok})"
        print(line)
        return ratio
    print(line)
    return None


# --------------------------------------------------------------------------- cases


def conv_case(shape_x: tuple, shape_w: tuple, padding: int, x_grad: bool,
              rng: np.random.Generator) -> dict[str, Callable[[], None]]:
    x = rng.standard_normal(shape_x, dtype=np.float32)
    w = rng.standard_normal(shape_w, dtype=np.float32) * 0.1
    b = rng.standard_normal(shape_w[0], dtype=np.float32)
    X = mg.tensor(x, requires_grad=x_grad)
    Wt, B = mg.tensor(w, requires_grad=True), mg.tensor(b, requires_grad=True)
    out_shape = F.conv2d(X.detach(), Wt.detach(), B.detach(), padding=padding).shape
    g = rng.standard_normal(out_shape, dtype=np.float32)
    G = mg.tensor(g)

    def run_mg() -> None:
        X.grad = Wt.grad = B.grad = None
        F.conv2d(X, Wt, B, padding=padding).backward(G)

    fns = {"minigrad": run_mg}
    if torch is not None:
        tx = torch.tensor(x, requires_grad=x_grad)
        tw, tb = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
        tg = torch.tensor(g)

        def run_torch() -> None:
            tx.grad = tw.grad = tb.grad = None
            torch.nn.functional.conv2d(tx, tw, tb, padding=padding).backward(tg)

        fns["torch"] = run_torch
    return fns


def pool_case(shape: tuple, rng: np.random.Generator) -> dict[str, Callable[[], None]]:
    x = rng.standard_normal(shape, dtype=np.float32)
    X = mg.tensor(x, requires_grad=True)
    g = rng.standard_normal((shape[0], shape[1], shape[2] // 2, shape[3] // 2), np.float32)
    G = mg.tensor(g)

    def run_mg() -> None:
        X.grad = None
        F.max_pool2d(X, 2, 2).backward(G)

    fns = {"minigrad": run_mg}
    if torch is not None:
        tx, tg = torch.tensor(x, requires_grad=True), torch.tensor(g)

        def run_torch() -> None:
            tx.grad = None
            torch.nn.functional.max_pool2d(tx, 2, 2).backward(tg)

        fns["torch"] = run_torch
    return fns


def conv_peak_memory(rng: np.random.Generator) -> None:
    """Peak bytes held during one conv2d forward+backward (inputs included), against the
    im2col buffer plus inputs (x, w, b, upstream grad) and outputs (y, dx, dw, db).

    The scratch cache is emptied first, so its blocks are counted when they are made; what
    it still holds afterwards (reused by the next call) is printed too.
    """
    n, c, h, w_, fn, k = 32, 64, 32, 32, 128, 3
    clear_workspace()
    gc.collect()
    tracemalloc.start()
    x = mg.tensor(rng.standard_normal((n, c, h, w_), dtype=np.float32), requires_grad=True)
    w = mg.tensor(rng.standard_normal((fn, c, k, k), dtype=np.float32), requires_grad=True)
    b = mg.tensor(rng.standard_normal(fn, dtype=np.float32), requires_grad=True)
    g = mg.tensor(rng.standard_normal((n, fn, h, w_), dtype=np.float32))
    y = F.conv2d(x, w, b, padding=1)
    y.backward(g)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    cached = workspace_bytes()
    item = 4
    cols = c * k * k * n * h * w_ * item
    inputs = x.data.nbytes + w.data.nbytes + b.data.nbytes + g.data.nbytes
    outputs = y.data.nbytes + x.grad.data.nbytes + w.grad.data.nbytes + b.grad.data.nbytes
    budget = cols + inputs + outputs
    mib = 2**20
    print(
        f"{'peak memory conv2d fwd+bwd (32,64,32,32)*(128,64,3,3)':<52s} "
        f"{peak / mib:8.1f} MiB = {peak / budget:4.2f}x of im2col {cols / mib:.1f} + inputs "
        f"{inputs / mib:.1f} + outputs {outputs / mib:.1f} MiB (target <= 2x: "
        f"{'ok' if peak <= 2 * budget else 'OVER'}); scratch cache keeps "
        f"{cached / mib:.1f} MiB for the next call"
    )


GEMM_FLOPS = 2 * 128 * 576 * 32 * 32 * 32


def gemm_case(rng: np.random.Generator) -> Callable[[], None]:
    """numpy's float32 GEMM on the shape of the big conv's forward GEMM (the rate to
    compare with), timed alongside the conv so both see the same machine load."""
    a = rng.standard_normal((128, 576), dtype=np.float32)
    b = rng.standard_normal((576, 32 * 32 * 32), dtype=np.float32)
    out = np.empty((128, b.shape[1]), np.float32)
    return lambda: np.matmul(a, b, out=out)


def main() -> None:
    rng = np.random.default_rng(0)
    r = ARGS.repeat
    print(f"numpy {np.__version__}, "
          f"torch {torch.__version__ if torch is not None else '-'}, {os.cpu_count()} CPUs")
    print(thread_report(ARGS.threads, torch))
    if hasattr(os, "getloadavg"):  # other processes on a shared machine skew 2-thread runs
        print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))

    fns = conv_case((32, 64, 32, 32), (128, 64, 3, 3), 1, True, rng)
    t = best_of({**fns, "gemm": gemm_case(rng)}, r)
    report("conv2d fwd+bwd x(32,64,32,32) w(128,64,3,3) pad 1", t, 1.6)
    flops = 3 * 2 * 32 * 128 * 32 * 32 * 64 * 9  # forward, weight grad, input grad GEMMs
    peak = GEMM_FLOPS / t["gemm"] / 1e9
    achieved = flops / t["minigrad"] / 1e9
    line = (f"  conv GFLOP/s: minigrad {achieved:.1f} = {achieved / peak:.0%} of numpy float32 "
            f"GEMM ({peak:.1f} GFLOP/s)")
    if "torch" in t:
        line += f"; torch {flops / t['torch'] / 1e9:.1f}"
    print(line)

    t = best_of(pool_case((32, 128, 32, 32), rng), r)
    report("max_pool2d 2x2/2 fwd+bwd (32,128,32,32)", t, 1.2)

    t = best_of(conv_case((100, 1, 28, 28), (30, 1, 5, 5), 0, False, rng), r * 3)
    report("SimpleConvNet conv fwd+bwd (100,1,28,28) 30x5x5", t, 1.5)

    conv_peak_memory(rng)


if __name__ == "__main__":
    main()
