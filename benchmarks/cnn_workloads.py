"""The CNN workloads of issue 13, as minigrad/PyTorch time ratios measured interleaved.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/cnn_workloads.py \
        [--threads 2] [--repeat 7] [--inner 3]
    BENCH_ONLY=resnet18,conv ... (a subset)
    BENCH_COMPILED=both ... (minigrad with and without the numba kernels, same rounds)
    BENCH_COMPILED=off ...  (minigrad on its numpy kernels only, as without the extra)
    BENCH_BASELINE=/path/to/an/older/checkout ... (that minigrad too, same rounds)

Per workload: minigrad and PyTorch (same weights, same data) run one after the other in each
of ``--repeat`` rounds (the fastest of ``--inner`` runs in a row each); the ratio is the
median of the per-round ratios (range in brackets). Each library runs in its own worker
process, driven round by round from here: minigrad with the malloc thresholds and the
short OpenMP spins it offers as opt-ins (``MINIGRAD_MALLOC_TUNING=1``,
``kernels.tune_openmp()``, as the ``minigrad`` command runs), PyTorch with glibc's and its
own defaults. ``BENCH_SHARED=1`` runs both in this one process instead (one malloc,
minigrad's thresholds for both).
Each round also times numpy's float32 GEMM (1024^3), so "% SGEMM" says how close the
workload's convolution arithmetic gets to the machine's GEMM rate in that same round. The
BLAS kernel OpenBLAS selected is printed: these machines set OPENBLAS_CORETYPE, which picks a
slower kernel than a user's machine gets, so unset it (and OPENBLAS_L2_SIZE) in the command.

A third contestant runs in the same rounds: PyTorch with oneDNN and NNPACK switched off
(``_harness.torch_on_im2col``), so that its convolutions take its own im2col + GEMM
kernels (``Slow2d``: compiled C++, per-image columns, MKL's GEMM), the design minigrad
follows in numpy. The "vs im2col" column is minigrad's ratio to it; the goals are against
PyTorch as its users run it (oneDNN on).

minigrad uses its compiled (numba) kernels where ``minigrad[fast]`` is installed.
``BENCH_COMPILED=off`` runs it as if numba were missing; ``BENCH_COMPILED=both`` adds a
fourth contestant, minigrad without them ("numpy only"), to the same rounds, so the gain
of the extra is measured under the same load.

``BENCH_BASELINE`` names another checkout of minigrad (``git worktree add /tmp/before
<commit>``): one more contestant runs the same workloads on that code in the same rounds,
with its compiled kernels where it has them, or, under ``BENCH_COMPILED=both`` or ``off``,
without. The "vs baseline" column is the median of the per-round ratios of this checkout's
minigrad ("numpy only" under ``BENCH_COMPILED=both``) to it: a regression check measured
under the same load.
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import tempfile
import time

from _harness import (
    blas_kernel,
    in_turn,
    interleaved_rounds,
    parse_and_pin,
    start_thread_pools,
    thread_report,
    torch_on_im2col,
)

ARGS = parse_and_pin(__doc__, repeat=7)

import numpy as np  # noqa: E402

BASELINE = "minigrad-baseline"  # minigrad from another checkout (BENCH_BASELINE)
WORKER_LIB = os.environ.get("BENCH_WORKER", ":").split(":")[1]  # this worker's contestant
# minigrad from this checkout, or in the baseline's worker from the baseline's
sys.path.insert(0, os.environ["BENCH_BASELINE"] if WORKER_LIB == BASELINE
                else os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import minigrad as mg  # noqa: E402
import minigrad.nn as mnn  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
from minigrad import optim  # noqa: E402

# minigrad's own worker processes never load PyTorch, as a minigrad user's do not: with
# torch in the process numba's parallel loops ran 12-31% slower (the conv workload 77 vs
# 68 ms, the LeNet step 23.8 vs 18.2 ms; torch brings its own OpenMP runtime). They load
# the models' weights from the files the parent saves (``save_weights``).
MINIGRAD_SIDE = WORKER_LIB.startswith("minigrad") or os.environ.get("BENCH_MEMORY") == "minigrad"
torch = start_thread_pools(ARGS.threads, import_torch=not MINIGRAD_SIDE)
if torch is None and not MINIGRAD_SIDE:
    sys.exit("cnn_workloads.py compares with PyTorch: install torch==2.13.0 (CPU)")
tnn, tF = (torch.nn, torch.nn.functional) if torch is not None else (None, None)


# --------------------------------------------------------------------- one source, two libs


def resnet18(nn, num_classes: int = 10):  # noqa: ANN001, ANN201
    """ResNet-18 for 32x32 images (CIFAR style: 3x3 stem, no max-pool), from ``nn``."""

    class BasicBlock(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.shortcut = nn.Sequential()
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                                              nn.BatchNorm2d(cout))

        def forward(self, x):  # noqa: ANN001, ANN202
            out = self.relu(self.bn1(self.conv1(x)))
            return self.relu(self.bn2(self.conv2(out)) + self.shortcut(x))

    class ResNet18(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU()
            blocks, cin = [], 64
            for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
                blocks += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
                cin = cout
            self.layers = nn.Sequential(*blocks)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.flatten = nn.Flatten()
            self.fc = nn.Linear(512, num_classes)

        def forward(self, x):  # noqa: ANN001, ANN202
            x = self.layers(self.relu(self.bn1(self.conv1(x))))
            return self.fc(self.flatten(self.pool(x)))

    return ResNet18()


def lenet(nn):  # noqa: ANN001, ANN201
    """LeNet-5 with ReLU and max-pooling (layer names as minigrad.models.LeNet)."""

    class LeNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(
                nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
                nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2))
            self.flatten = nn.Flatten()
            self.classifier = nn.Sequential(nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84),
                                            nn.ReLU(), nn.Linear(84, 10))

        def forward(self, x):  # noqa: ANN001, ANN202
            return self.classifier(self.flatten(self.features(x)))

    return LeNet()


def simple_convnet(nn):  # noqa: ANN001, ANN201
    """The book's SimpleConvNet (layer names as minigrad.models.SimpleConvNet)."""

    class SimpleConvNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 30, 5)
            self.relu1, self.pool1 = nn.ReLU(), nn.MaxPool2d(2, 2)
            self.flatten = nn.Flatten()
            self.fc1, self.relu2, self.fc2 = nn.Linear(4320, 100), nn.ReLU(), nn.Linear(100, 10)

        def forward(self, x):  # noqa: ANN001, ANN202
            x = self.pool1(self.relu1(self.conv1(x)))
            return self.fc2(self.relu2(self.fc1(self.flatten(x))))

    return SimpleConvNet()


def twins(build):  # noqa: ANN001, ANN201
    """The same network in both libraries, PyTorch's initial weights copied into minigrad.
    Without PyTorch (a minigrad worker) minigrad's side only, its weights from the file
    ``save_weights`` wrote, and None for PyTorch's."""
    if torch is None:
        ours = build(mnn)
        ours.load_state_dict(mg.load(_weights_file(build)))
        return ours, None
    torch.manual_seed(0)
    theirs, ours = build(tnn), build(mnn)
    ours.load_state_dict({k: mg.tensor(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()
                          if k in ours.state_dict()})
    return ours, theirs


def _weights_file(build) -> str:  # noqa: ANN001
    return os.path.join(os.environ["BENCH_WEIGHTS"], f"{build.__name__}.safetensors")


def save_weights(directory: str) -> None:
    """Write each network's minigrad twin's initial weights for the minigrad workers (the
    parent has both libraries), and point the workers at them (``BENCH_WEIGHTS``)."""
    os.environ["BENCH_WEIGHTS"] = directory
    for build in (simple_convnet, lenet, resnet18):
        mg.save(twins(build)[0].state_dict(), _weights_file(build))


def conv_flops(model, x) -> float:  # noqa: ANN001
    """FLOPs of every conv's three GEMMs (forward, input grad, weight grad) in a step,
    from the torch twin's shapes (forward hooks)."""
    total = []

    def hook(mod, inp, out):  # noqa: ANN001, ANN202
        k = mod.in_channels // mod.groups * mod.kernel_size[0] * mod.kernel_size[1]
        total.append(2 * out.numel() * k * 3)

    hooks = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, tnn.Conv2d)]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return float(sum(total))


# --------------------------------------------------------------------------- workloads


def train_step(build, batch: int, shape: tuple, opt: str,  # noqa: ANN001, ANN201
               check: bool = True):
    rng = np.random.default_rng(0)
    x = rng.random((batch, *shape), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    ours, theirs = twins(build)
    if opt == "adam":
        mo = optim.Adam(ours.parameters(), lr=1e-3)
    else:
        mo = optim.SGD(ours.parameters(), lr=0.01, momentum=0.9)
    xm, ym = mg.tensor(x), mg.tensor(y)

    def mg_step() -> None:
        loss = F.cross_entropy(ours(xm), ym)
        mo.zero_grad()
        loss.backward()
        mo.step()

    if theirs is None:  # a minigrad worker
        return {"minigrad": mg_step}, 0.0
    if opt == "adam":
        to = torch.optim.Adam(theirs.parameters(), lr=1e-3)
    else:
        to = torch.optim.SGD(theirs.parameters(), lr=0.01, momentum=0.9)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    if check:  # the same network: the same first loss
        first = F.cross_entropy(ours(xm), ym).item(), tF.cross_entropy(theirs(xt), yt).item()
        assert abs(first[0] - first[1]) < 1e-3 * max(1, abs(first[1])), first

    def torch_step() -> None:
        loss = tF.cross_entropy(theirs(xt), yt)
        to.zero_grad()
        loss.backward()
        to.step()

    flops = conv_flops(theirs, xt) if check else 0.0
    return {"minigrad": mg_step, "torch": torch_step}, flops


def inference(batch: int = 1000):  # noqa: ANN201
    x = np.random.default_rng(1).random((batch, 1, 28, 28), dtype=np.float32)
    ours, theirs = twins(simple_convnet)
    ours.eval()
    xm = mg.tensor(x)

    def mg_run() -> None:
        with mg.no_grad():
            ours(xm)

    if theirs is None:
        return {"minigrad": mg_run}, 0.0
    theirs.eval()
    xt = torch.from_numpy(x)

    def torch_run() -> None:
        with torch.no_grad():
            theirs(xt)

    return {"minigrad": mg_run, "torch": torch_run}, conv_flops(theirs, xt) / 3


def conv_fwd_bwd():  # noqa: ANN201
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 64, 32, 32), dtype=np.float32)
    w = rng.standard_normal((128, 64, 3, 3), dtype=np.float32) * 0.1
    b = rng.standard_normal(128, dtype=np.float32)
    g = rng.standard_normal((32, 128, 32, 32), dtype=np.float32)
    X, W, B, G = (mg.tensor(x, requires_grad=True), mg.tensor(w, requires_grad=True),
                  mg.tensor(b, requires_grad=True), mg.tensor(g))
    flops = 3 * 2 * 32 * 128 * 32 * 32 * 64 * 9

    def mg_run() -> None:
        X.grad = W.grad = B.grad = None
        F.conv2d(X, W, B, padding=1).backward(G)

    if torch is None:
        return {"minigrad": mg_run}, flops
    tx, tw, tb, tg = (torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True),
                      torch.tensor(b, requires_grad=True), torch.tensor(g))

    def torch_run() -> None:
        tx.grad = tw.grad = tb.grad = None
        tF.conv2d(tx, tw, tb, padding=1).backward(tg)

    return {"minigrad": mg_run, "torch": torch_run}, flops


def max_pool():  # noqa: ANN201
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 128, 32, 32), dtype=np.float32)
    g = rng.standard_normal((32, 128, 16, 16), dtype=np.float32)
    X, G = mg.tensor(x, requires_grad=True), mg.tensor(g)

    def mg_run() -> None:
        X.grad = None
        F.max_pool2d(X, 2, 2).backward(G)

    if torch is None:
        return {"minigrad": mg_run}, 0.0
    tx, tg = torch.tensor(x, requires_grad=True), torch.tensor(g)

    def torch_run() -> None:
        tx.grad = None
        tF.max_pool2d(tx, 2, 2).backward(tg)

    return {"minigrad": mg_run, "torch": torch_run}, 0.0


WORKLOADS = {
    "simpleconvnet": ("SimpleConvNet train step, batch 100, Adam", 0.8,
                      lambda: train_step(simple_convnet, 100, (1, 28, 28), "adam")),
    "lenet": ("LeNet (relu, max) train step, batch 100, SGD", 0.8,
              lambda: train_step(lenet, 100, (1, 28, 28), "sgd")),
    "conv": ("conv2d fwd+bwd x(32,64,32,32) w(128,64,3,3) pad 1", 1.0, conv_fwd_bwd),
    "maxpool": ("max_pool2d 2x2 fwd+bwd on (32,128,32,32)", 0.7, max_pool),
    "inference": ("SimpleConvNet inference, batch 1000", 0.35, inference),
    "resnet18": ("ResNet-18 (CIFAR, 32x32, batch 32) train step, SGD momentum", 1.2,
                 lambda: train_step(resnet18, 32, (3, 32, 32), "sgd")),
}


def sgemm() -> tuple:
    a = np.random.default_rng(0).standard_normal((1024, 1024), dtype=np.float32)
    out = np.empty_like(a)
    return (lambda: np.matmul(a, a, out=out)), 2 * 1024**3


def _peak_mib() -> float:
    """This process's peak resident memory. Linux's VmHWM belongs to the process's own
    memory map; ``ru_maxrss`` (the fallback) is carried over from the parent across exec,
    so after a big parent it would hide the child's peak."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_child(lib: str) -> None:
    """In a fresh process: peak resident memory added by three SimpleConvNet training steps
    (batch 100, Adam) of one library, over what the models and data already hold. No
    forward pass runs before the baseline is taken (the peak would already be reached).
    minigrad's compiled kernels are loaded first (``warmup()``: numba and its machine code,
    about 100 MiB), as ``import torch`` loads PyTorch's: the figure is the steps' memory,
    not the libraries' code."""
    if COMPILED == "off":
        _without_compiled_kernels()
    elif lib == "minigrad":
        mg.kernels.warmup([np.float32])
    fns, _ = train_step(simple_convnet, 100, (1, 28, 28), "adam", check=False)
    base = _peak_mib()
    for _ in range(3):
        fns[lib]()
    print(_peak_mib() - base)


def memory() -> None:
    import subprocess

    out = {}
    for lib in ("minigrad", "torch"):
        res = subprocess.run([sys.executable, __file__, "--threads", str(ARGS.threads)],
                             env=_child_env(lib, BENCH_MEMORY=lib), capture_output=True,
                             text=True, check=True)
        out[lib] = float(res.stdout.split()[-1])
    ok = "ok" if out["minigrad"] <= out["torch"] else "OVER"
    print(f"{'SimpleConvNet step peak memory (+RSS over the built model)':<62}"
          f"{out['minigrad']:>6.1f}MiB{out['torch']:>7.1f}MiB  goal: at or below torch  {ok}")


REFERENCE = "torch-im2col"  # PyTorch on its own im2col + GEMM convolutions
NUMPY_ONLY = "minigrad-numpy"  # minigrad without the compiled kernels (BENCH_COMPILED)
COMPILED = os.environ.get("BENCH_COMPILED", "on")
CONTESTANTS = (("minigrad", "torch", REFERENCE) + ((NUMPY_ONLY,) if COMPILED == "both" else ())
               + ((BASELINE,) if os.environ.get("BENCH_BASELINE") else ()))


def _without_compiled_kernels() -> None:
    """Run minigrad as if numba were not installed (the chooser's own fallback; a baseline
    from before the compiled kernels has none)."""
    if hasattr(mg.kernels, "compiled"):
        mg.kernels.compiled._available = False


def _child_env(lib: str, **extra: str) -> dict[str, str]:
    """A child process's environment: minigrad's with its opt-in malloc thresholds (as the
    ``minigrad`` command runs), PyTorch's without them, as PyTorch's users run it."""
    env = {**os.environ, **extra}
    env["MINIGRAD_MALLOC_TUNING"] = "1" if lib.startswith("minigrad") else "0"
    return env


def _on_im2col(fn):  # noqa: ANN001, ANN202
    """``fn`` run on PyTorch's im2col kernels (BENCH_SHARED=1: one process for all)."""

    def run() -> None:
        torch_on_im2col(torch, True)
        try:
            fn()
        finally:
            torch_on_im2col(torch, False)

    return run


def worker(name: str, lib: str) -> None:
    """In a child process: build workload ``name``, run ``lib``'s side once, say "ready
    <flops>", then on each "run" line run it ``--inner`` times and print the fastest."""
    if lib == REFERENCE:
        torch_on_im2col(torch, True)
    if lib == NUMPY_ONLY or COMPILED == "off" or (lib == BASELINE and COMPILED == "both"):
        _without_compiled_kernels()
    # as the minigrad command runs: idle OpenMP workers sleep (a baseline may predate it)
    if lib.startswith("minigrad") and hasattr(mg.kernels, "tune_openmp"):
        mg.kernels.tune_openmp()
    fns, flops = WORKLOADS[name][2]()
    fn = fns[{REFERENCE: "torch", NUMPY_ONLY: "minigrad", BASELINE: "minigrad"}.get(lib, lib)]
    fn()
    print("ready", flops, flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        best = float("inf")
        gc.collect()  # as _harness.interleaved_rounds: once per round, not before each run
        for _ in range(max(1, ARGS.inner)):
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
        print(best, flush=True)


# A pause before each contestant's runs: OpenBLAS's idle threads spin for up to 2^28 cycles
# (about 0.1 s) after a GEMM, in whichever process ran it, and on two cores such a spinner
# takes a core from the next contestant's threads. Without the pause minigrad, which runs
# right after the GEMM probe, measured 2.34x and 1.81x on the LeNet step against 1.96x and
# 1.66x numpy-only in the same rounds; with it 1.37x and 1.61x against 1.40x and 1.98x.
QUIET_S = 0.3


def rounds_in_workers(name: str, gemm_fn) -> tuple[dict[str, list[float]], float]:  # noqa: ANN001
    """Per-round times of each contestant, each in its own process with its own malloc
    settings, driven in lockstep: round by round, each contestant in turn (the order
    rotated each round, ``in_turn``), then the GEMM probe here, so a ratio still compares
    runs under the same machine load; each after a pause of ``QUIET_S``."""
    import subprocess

    procs = {lib: subprocess.Popen(
        [sys.executable, __file__, "--threads", str(ARGS.threads), "--inner", str(ARGS.inner)],
        env=_child_env(lib, BENCH_WORKER=f"{name}:{lib}"), stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True) for lib in CONTESTANTS}
    try:  # each says "ready <flops>"; PyTorch's side counts them (its twin's shapes)
        flops = {lib: float(procs[lib].stdout.readline().split()[1]) for lib in procs}["torch"]
        times: dict[str, list[float]] = {lib: [] for lib in (*CONTESTANTS, "gemm")}
        for k in range(ARGS.repeat):
            for lib in in_turn(list(procs), k):
                proc = procs[lib]
                time.sleep(QUIET_S)
                proc.stdin.write("run\n")
                proc.stdin.flush()
                times[lib].append(float(proc.stdout.readline()))
            time.sleep(QUIET_S)
            times["gemm"].append(interleaved_rounds({"gemm": gemm_fn}, 1, ARGS.inner)["gemm"][0])
    finally:
        for proc in procs.values():
            proc.stdin.close()
            proc.wait()
    return times, flops


def main() -> None:
    if os.environ.get("BENCH_MEMORY"):
        memory_child(os.environ["BENCH_MEMORY"])
        return
    if os.environ.get("BENCH_WORKER"):
        worker(*os.environ["BENCH_WORKER"].split(":"))
        return
    with tempfile.TemporaryDirectory(prefix="cnn-workloads-") as weights:
        save_weights(weights)  # for the minigrad workers, which do not load PyTorch
        compare()


def _ratio_cell(a: list[float], b: list[float], with_time: bool = False) -> str:
    """The median of the per-round ratios a/b [range] (and a's median time)."""
    r = [x / y for x, y in zip(a, b)]
    cell = f"{statistics.median(r):.2f}x [{min(r):.2f}-{max(r):.2f}]"
    return cell + (f" ({statistics.median(a) * 1e3:.1f}ms)" if with_time else "")


def compare() -> None:
    """The table: every workload's rounds, then the memory figures."""
    shared = os.environ.get("BENCH_SHARED") == "1"
    if COMPILED == "off" or (shared and COMPILED == "both"):
        _without_compiled_kernels()  # one process holds one setting
    if shared:
        mg.kernels.tune_malloc()
    only = os.environ.get("BENCH_ONLY", "")
    names = [n for n in WORKLOADS if not only or n in only.split(",")]
    print(f"numpy {np.__version__}, torch {torch.__version__}, {os.cpu_count()} CPUs; "
          f"BLAS: {blas_kernel()}")
    print(thread_report(ARGS.threads, torch))
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', '(unset)')}")
    if hasattr(os, "getloadavg"):
        print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    print(f"median of {ARGS.repeat} interleaved rounds, fastest of {ARGS.inner} runs in each; "
          + ("both libraries in this process (one malloc: minigrad's thresholds)" if shared
             else "each library in its own process (PyTorch on glibc's malloc defaults)"))
    print("vs im2col: minigrad / PyTorch with oneDNN and NNPACK off, whose convolutions are "
          "then its own im2col + GEMM (Slow2d)")
    print("minigrad's compiled (numba) kernels: " + (
        "off (BENCH_COMPILED=off)" if COMPILED == "off" or (shared and COMPILED == "both")
        else "on where installed" + ("" if mg.kernels.compiled.available()
                                     else " (numba is not installed: off)"))
        + ("; 'numpy only': minigrad without them, / torch, same rounds"
           if COMPILED == "both" and not shared else "") + "\n")
    both = COMPILED == "both" and not shared
    baseline = BASELINE in CONTESTANTS and not shared
    if baseline:
        print(f"baseline: minigrad from {os.environ['BENCH_BASELINE']}, / torch, same rounds; "
              f"vs baseline: {'numpy only' if both else 'minigrad'} / baseline\n")
    print(f"{'workload':<62}{'minigrad':>10}{'torch':>10}  {'ratio [range]':<20}"
          f"{'goal':>7}{'% SGEMM':>9}{'':5}{'vs im2col':>9}"
          + (f"  {'numpy only [range]':<22}" if both else "")
          + (f"  {'baseline [range]':<22}{'vs baseline [range]':<22}" if baseline else ""))
    gemm_fn, gemm_flops = sgemm()
    for name in names:
        label, goal, make = WORKLOADS[name]
        if shared:
            fns, flops = make()
            fns[REFERENCE] = _on_im2col(fns["torch"])
            t = interleaved_rounds({**fns, "gemm": gemm_fn}, ARGS.repeat, ARGS.inner)
        else:
            t, flops = rounds_in_workers(name, gemm_fn)
        r = statistics.median(a / b for a, b in zip(t["minigrad"], t["torch"]))
        mg_t, tt = statistics.median(t["minigrad"]), statistics.median(t["torch"])
        rate = statistics.median(gemm_flops / g for g in t["gemm"])
        pct = f"{flops / mg_t / rate:8.0%}" if flops else f"{'-':>8}"
        ok = "ok" if r <= goal else "OVER"
        ref = statistics.median(a / b for a, b in zip(t["minigrad"], t[REFERENCE]))
        extra = ""
        if both:
            extra = "  " + _ratio_cell(t[NUMPY_ONLY], t["torch"], with_time=True)
        if baseline:
            ours = t[NUMPY_ONLY] if both else t["minigrad"]
            extra += "  " + _ratio_cell(t[BASELINE], t["torch"], with_time=True)
            extra += "  " + _ratio_cell(ours, t[BASELINE])
        print(f"{label:<62}{mg_t * 1e3:>8.1f}ms{tt * 1e3:>8.1f}ms  "
              f"{_ratio_cell(t['minigrad'], t['torch'])}{'':<4}<={goal}x {pct} {ok:<4}"
              f"{ref:>8.2f}x{extra}")
    if names:
        print(f"\nnumpy SGEMM 1024^3 in the last rounds: {rate / 1e9:.0f} GFLOP/s")
    if not only or "memory" in only:
        memory()


if __name__ == "__main__":
    main()
