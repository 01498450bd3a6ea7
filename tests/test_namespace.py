"""The namespace a PyTorch program touches after ``import minigrad as torch``: subpackages
reached as attributes (imported on first touch), and the CUDA, cuDNN, TorchScript,
distributed and multiprocessing calls, which behave as eager PyTorch on a CPU-only machine
or fail with an error that says what to do."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import typing
from pathlib import Path

import numpy as np
import pytest
from helpers import optional_torch

import minigrad as mg
from minigrad import nn
from minigrad.utils.data import DataLoader, DistributedSampler, TensorDataset

LAZY = ("nn", "optim", "utils", "backends", "jit", "multiprocessing", "distributed")
if (Path(mg.__file__).parent / "testing.py").exists():
    LAZY += ("testing",)

REACH = f"""
import sys
import minigrad as torch
lazy = {LAZY!r}
loaded = sorted(m for m in sys.modules if m.split(".")[:2] in [["minigrad", n] for n in lazy])
assert not loaded, loaded
touched = [
    torch.nn.Linear, torch.nn.functional.relu, torch.nn.init.kaiming_normal_,
    torch.nn.utils.clip_grad_norm_, torch.nn.DataParallel, torch.nn.parallel.DataParallel,
    torch.optim.SGD, torch.optim.lr_scheduler.StepLR, torch.utils.data.DataLoader,
    torch.utils.data.distributed.DistributedSampler, torch.utils.checkpoint.checkpoint,
    torch.backends.cudnn.benchmark, torch.backends.mps.is_available, torch.jit.is_scripting,
    torch.cuda.is_available, torch.accelerator.is_available, torch.multiprocessing.Process,
    torch.distributed.is_available,
]
for name in lazy:
    assert name in dir(torch), name
    getattr(torch, name)
try:
    torch.no_such_thing
except AttributeError as e:
    assert "no attribute 'no_such_thing'" in str(e)
else:
    raise SystemExit("no AttributeError")
assert not hasattr(torch, "no_such_thing")
print("ok")
"""


def test_subpackages_are_reachable_as_attributes_and_loaded_on_first_touch() -> None:
    out = subprocess.run([sys.executable, "-c", REACH], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_import_statements_of_pytorch_scripts_work() -> None:
    import minigrad.cuda
    import minigrad.utils.data.distributed
    from minigrad.accelerator import is_available
    from minigrad.utils.data.distributed import DistributedSampler as Sampler

    import minigrad.backends.cudnn as cudnn
    from minigrad.nn.parallel import DistributedDataParallel

    assert cudnn is mg.backends.cudnn and minigrad.cuda is mg.cuda
    assert Sampler is DistributedSampler is minigrad.utils.data.distributed.DistributedSampler
    assert is_available() is False
    assert DistributedDataParallel is nn.parallel.DistributedDataParallel


# ----------------------------------------------------------------------------- devices


def test_cuda_queries_answer_no_and_accelerator_calls_refuse_clearly() -> None:
    assert mg.cuda.is_available() is False and mg.cuda.device_count() == 0
    assert mg.cuda.is_initialized() is False and mg.cuda.memory_allocated() == 0
    assert mg.accelerator.is_available() is False and mg.accelerator.device_count() == 0
    assert mg.accelerator.current_accelerator() is None
    mg.cuda.manual_seed(0)
    mg.cuda.manual_seed_all(0)
    mg.cuda.empty_cache()
    x = mg.ones(2)
    assert (x.is_cuda, x.is_xpu, x.is_mps) == (False, False, False)
    for call, where in [(lambda: x.cuda(), "Tensor.cuda: "),
                        (lambda: mg.zeros(2, device="cuda"), "device('cuda')"),
                        (lambda: nn.Linear(2, 2).to("cuda"), "Module.to"),
                        (lambda: mg.cuda.current_device(), "cuda.current_device: "),
                        (lambda: mg.cuda.synchronize(), "cuda.synchronize: "),
                        (lambda: mg.cuda.set_device(0), "cuda.set_device: ")]:
        with pytest.raises(RuntimeError, match="CPU only") as info:
            call()
        assert where in str(info.value)


def test_backends_switches_are_settable_and_inert() -> None:
    import importlib

    torch = pytest.importorskip("torch")
    cudnn = importlib.reload(mg.backends.cudnn)  # the defaults, whatever ran before set
    for name in ("enabled", "benchmark", "deterministic", "allow_tf32"):
        assert getattr(cudnn, name) == getattr(torch.backends.cudnn, name), name
    assert cudnn.is_available() is False and cudnn.version() is None
    assert mg.backends.mps.is_available() is False and mg.backends.mps.is_built() is False
    assert mg.backends.cuda.is_built() is False
    old = cudnn.benchmark, cudnn.deterministic
    try:
        cudnn.benchmark, cudnn.deterministic = True, True
        mg.backends.cuda.matmul.allow_tf32 = True
        assert mg.backends.cudnn.benchmark is True and mg.backends.cudnn.deterministic is True
        with cudnn.flags(enabled=False):
            assert cudnn.enabled is False and cudnn.benchmark is False
        assert cudnn.enabled is True and cudnn.benchmark is True
    finally:
        cudnn.benchmark, cudnn.deterministic = old
        mg.backends.cuda.matmul.allow_tf32 = False


def test_the_attention_fast_path_switch_is_remembered() -> None:
    """``torch.backends.mha``: PyTorch's default, settable; minigrad's attention has one
    path, so the answers stay the same either way."""
    mha = mg.backends.mha
    torch = optional_torch()
    if torch.__name__ == "torch":  # the oracle is installed
        assert mha.get_fastpath_enabled() == torch.backends.mha.get_fastpath_enabled()
    x = mg.randn(4, 2, 8)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0).eval()
    before = layer(x).detach().numpy()
    try:
        mha.set_fastpath_enabled(False)
        assert mha.get_fastpath_enabled() is False
        np.testing.assert_array_equal(layer(x).detach().numpy(), before)
    finally:
        mha.set_fastpath_enabled(True)
    assert mha.get_fastpath_enabled() is True


# ----------------------------------------------------------------------------- jit


class _Scripted(nn.Module):
    """A model written for TorchScript, as torchvision's are."""

    scale: typing.Final[float] = 2.0

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)

    @mg.jit.ignore
    def _debug(self, x: mg.Tensor) -> mg.Tensor:
        return x

    @mg.jit.ignore(drop=True)
    def _dropped(self, x: mg.Tensor) -> mg.Tensor:
        return x * 0

    @mg.jit.unused
    def _unused(self, x: mg.Tensor) -> mg.Tensor:
        return x

    @mg.jit.export
    def features(self, x: mg.Tensor) -> mg.Tensor:
        return self.fc(x)

    @mg.jit._overload_method
    def forward(self, x: mg.Tensor) -> mg.Tensor:  # noqa: F811
        pass

    def forward(self, x: mg.Tensor) -> mg.Tensor:  # noqa: F811
        outs = mg.jit.annotate(list[mg.Tensor], [])
        if not mg.jit.is_scripting() and not mg.jit.is_tracing():
            outs.append(self._debug(self.features(x)) * self.scale)
        return outs[0] + self._dropped(x).sum() + self._unused(x).sum() * 0


def test_jit_annotations_behave_as_in_eager_pytorch() -> None:
    model = _Scripted()
    x = mg.randn(4, 3)
    np.testing.assert_allclose(model(x).detach().numpy(),
                               (model.fc(x) * 2.0).detach().numpy(), rtol=1e-6)
    assert mg.jit.Final is typing.Final and mg.jit.annotate(int, 3) == 3
    assert mg.jit.Attribute(5, int) == 5
    assert not isinstance(model, mg.jit.ScriptModule)


@pytest.mark.parametrize("name,args", [
    ("script", (nn.Linear(2, 2),)), ("trace", (nn.Linear(2, 2), mg.ones(1, 2))),
    ("save", (nn.Linear(2, 2), "model.pt")), ("load", ("model.pt",)),
    ("freeze", (nn.Linear(2, 2),)),
])
def test_jit_compilation_and_archives_refuse_saying_what_to_do(name: str, args: tuple) -> None:
    with pytest.raises(NotImplementedError, match=rf"jit\.{name}: minigrad has no "
                       "TorchScript") as info:
        getattr(mg.jit, name)(*args)
    assert "docs/porting.md" in str(info.value)


# ----------------------------------------------------------------------------- fx


def test_fx_wrap_at_module_level_returns_its_argument_as_in_pytorch() -> None:
    namespace: dict = {}
    exec("import minigrad as torch\n"  # what torchvision's stochastic_depth.py does
         "def leaf(x):\n    return x\n"
         "same = torch.fx.wrap('leaf')\nalso = torch.fx.wrap(leaf)\n", namespace)
    assert namespace["same"] == "leaf" and namespace["also"] is namespace["leaf"]


def test_fx_wrap_refuses_what_pytorch_refuses() -> None:
    with pytest.raises(RuntimeError, match="fx.wrap: unsupported type .* got int"):
        exec("import minigrad\nminigrad.fx.wrap(3)\n", {})
    with pytest.raises(NotImplementedError, match="top level of a module"):
        mg.fx.wrap("leaf")  # called inside a function, not at module level
    with pytest.raises(NotImplementedError, match=r"fx.symbolic_trace: .*eagerly"):
        mg.fx.symbolic_trace(nn.Linear(2, 2))


def test_underscore_assert_is_pythons_assert_as_in_pytorch() -> None:
    """torchvision's MaxViT checks its partitions with ``torch._assert(condition, message)``."""
    torch = optional_torch()
    for lib in (mg, torch):
        assert lib._assert(True, "unused") is None
        assert lib._assert(lib.tensor(True), "unused") is None
        for false in (False, lib.tensor(False), 0):
            with pytest.raises(AssertionError, match="^Grid size must be divisible$"):
                lib._assert(false, "Grid size must be divisible")


# ----------------------------------------------------------------------------- parallel


def test_data_parallel_calls_the_module_with_pytorchs_state_dict_keys() -> None:
    torch = pytest.importorskip("torch")
    inner = nn.Linear(3, 2)
    model = nn.DataParallel(inner, device_ids=[0, 1])
    assert nn.parallel.DataParallel is nn.DataParallel and model.module is inner
    assert model.device_ids == []
    x = mg.randn(5, 3)
    np.testing.assert_array_equal(model(x).detach().numpy(), inner(x).detach().numpy())
    theirs = torch.nn.DataParallel(torch.nn.Linear(3, 2))
    assert list(model.state_dict()) == list(theirs.state_dict()) == ["module.weight",
                                                                    "module.bias"]
    theirs.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                            for k, v in model.state_dict().items()})
    np.testing.assert_allclose(theirs(torch.from_numpy(x.numpy())).detach().numpy(),
                               model(x).detach().numpy(), rtol=1e-5, atol=1e-6)
    plain = nn.Linear(3, 2)
    plain.load_state_dict(model.module.state_dict())
    assert repr(model).startswith("DataParallel(\n  (module): Linear(")
    assert nn.parallel.data_parallel(inner, x).shape == (5, 2)


def test_distributed_answers_no_and_refuses_to_start() -> None:
    dist = mg.distributed
    assert dist.is_available() is False and dist.is_initialized() is False
    with pytest.raises(RuntimeError, match=r"init_process_group\(backend='nccl'\): minigrad "
                       "has no distributed"):
        dist.init_process_group("nccl")
    with pytest.raises(RuntimeError, match="DistributedDataParallel.*train in one process"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))
    for call in (dist.get_rank, dist.get_world_size, dist.barrier):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            call()


# ----------------------------------------------------------------------------- DistributedSampler


@pytest.mark.parametrize("n", [10, 12, 3, 1])
@pytest.mark.parametrize("replicas", [1, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("shuffle", [False, True])
def test_distributed_sampler_splits_as_pytorchs(n: int, replicas: int, drop_last: bool,
                                                shuffle: bool, monkeypatch) -> None:  # noqa: ANN001
    torch = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    for epoch in (0, 1):
        ours_all, theirs_all = [], []
        for rank in range(replicas):
            ours = DistributedSampler(range(n), num_replicas=replicas, rank=rank,
                                      shuffle=shuffle, seed=7, drop_last=drop_last)
            ours.set_epoch(epoch)
            order = ours._order()  # PyTorch's sampler is handed the same permutation
            monkeypatch.setattr(torch, "randperm",
                                lambda k, generator=None, order=order: torch.tensor(order))
            theirs = TorchSampler(range(n), num_replicas=replicas, rank=rank,
                                  shuffle=shuffle, seed=7, drop_last=drop_last)
            theirs.set_epoch(epoch)
            assert len(ours) == len(theirs) and list(ours) == list(theirs)
            ours_all += list(ours)
            theirs_all += list(theirs)
        assert ours_all == theirs_all
        if shuffle:
            assert sorted(ours._order()) == list(range(n))


def test_distributed_sampler_reshuffles_per_epoch_and_feeds_a_dataloader() -> None:
    data = TensorDataset(mg.arange(20.0))
    sampler = DistributedSampler(data, num_replicas=2, rank=1, seed=3)
    first = list(sampler)
    assert list(sampler) == first  # the same epoch, the same order
    sampler.set_epoch(1)
    assert list(sampler) != first and len(sampler) == 10
    other = DistributedSampler(data, num_replicas=2, rank=0, seed=3)
    other.set_epoch(1)
    assert sorted(list(sampler) + list(other)) == list(range(20))
    batches = [b[0].tolist() for b in DataLoader(data, batch_size=4, sampler=sampler)]
    assert sum(batches, []) == [float(i) for i in sampler]


def test_distributed_sampler_without_replicas_refuses_clearly() -> None:
    with pytest.raises(RuntimeError, match="DistributedSampler.*num_replicas and rank not "
                       "given, and there is no process group"):
        DistributedSampler(range(4))
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval "
                       r"\[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)


# ----------------------------------------------------------------------------- the rest


def _exit_with(rank: int, codes: tuple) -> None:
    raise SystemExit(codes[rank])


def test_multiprocessing_is_pythons_under_torchs_name() -> None:
    mp = mg.multiprocessing
    for name in ("Process", "Queue", "get_context", "set_start_method", "cpu_count", "Pool",
                 "Manager", "Event", "Lock", "SimpleQueue", "get_start_method"):
        assert getattr(mp, name) is getattr(multiprocessing, name), name
    assert mp.get_sharing_strategy() in mp.get_all_sharing_strategies()
    with pytest.raises(ValueError, match="set_sharing_strategy"):
        mp.set_sharing_strategy("shared_everything")
    if "fork" in multiprocessing.get_all_start_methods():
        assert mp.spawn(_exit_with, args=((0, 0),), nprocs=2, start_method="fork") is None
        with pytest.raises(RuntimeError, match="process 1 terminated with exit code 3"):
            mp.spawn(_exit_with, args=((0, 3),), nprocs=2, start_method="fork")


def test_utils_checkpoint_computes_the_same_values_and_gradients() -> None:
    from minigrad.utils.checkpoint import checkpoint, checkpoint_sequential

    layers = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x = mg.randn(5, 3, requires_grad=True)
    ref = layers(x)
    ref.sum().backward()
    want = [p.grad.numpy().copy() for p in layers.parameters()]
    layers.zero_grad()
    x.grad = None
    out = checkpoint(layers, x, use_reentrant=False)
    out.sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    for p, g in zip(layers.parameters(), want):
        np.testing.assert_array_equal(p.grad.numpy(), g)
    np.testing.assert_array_equal(checkpoint_sequential(layers, 2, x).detach().numpy(),
                                  ref.detach().numpy())
