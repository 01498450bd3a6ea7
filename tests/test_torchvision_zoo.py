"""torchvision's classification models, its own source files, run on PyTorch and on minigrad.

The model files come from the torchvision 0.28.0 wheel, fetched at test time with
``pip download torchvision==0.28.0 --no-deps`` into ``~/.cache/minigrad-tests/`` (or
``$XDG_CACHE_HOME/minigrad-tests/``) and read from the wheel; nothing of torchvision is vendored
here, and torchvision is never installed. Without the download, or without PyTorch (the
oracle), every test here skips with that reason.

Each side loads the files as modules of its own synthetic package (``sys.modules`` entries that
live as long as the test module's fixture and are removed after it):

- ``models/<family>.py``: the wheel's file, for both sides.
- ``ops/stochastic_depth.py``: the wheel's file, for both sides.
- ``ops/misc.py``: the wheel's file, for both sides (its module-level defaults name
  ``nn.Conv3d`` and ``nn.BatchNorm3d``, which minigrad has; Swin builds on its ``MLP`` and
  ``Permute``, MaxViT on its ``Conv2dNormActivation`` and ``SqueezeExcitation``).
- ``utils``, ``transforms._presets``, ``models._api``, ``models._meta``, ``models._utils``:
  tests/zoo/torchvision_shim.py (weights enums, ``register_model``, ``_make_divisible``...).

The only changes made to the wheel's files are to import lines, and the loader checks that
every line it changed is an import statement:

1. ``from torchvision.X import ...`` becomes ``from ..X import ...`` (efficientnet.py names its
   own package absolutely), on both sides;
2. on the minigrad side only, ``tests/porting.py``'s ``port_imports`` (``import torch`` ->
   ``import minigrad as torch``, ``import torch.A.B as C`` -> ``import minigrad.A.B as C``,
   ``from torch.A import ...`` -> ``from minigrad.A import ...``), after
   ``import torch.A`` -> ``import minigrad.A; import minigrad as torch`` (what ``import
   torch.fx`` binds).

The shim is itself PyTorch code, run as it is on the PyTorch side and through
``port_imports`` on the minigrad side, so the minigrad side imports only minigrad.

Per model: PyTorch builds it from a seed and its ``state_dict`` goes into the minigrad model
through ``load_state_dict``. Then in float32, evaluation-mode logits (to 1e-4 of their scale);
and in float64 (so no ReLU mask or max-pool choice flips on round-off and tolerances can be
tight: 1e-10 unless a case says why not), training-mode logits and loss, every gradient by name,
the parameters after each of two SGD-momentum steps, every buffer (BatchNorm's running
statistics and ``num_batches_tracked``, dtypes included) and the evaluation logits after
training. Dropout and stochastic depth are built with probability 0 (the file's own
arguments), as their random masks cannot be shared between two libraries (swin_t, swin_v2_t
and maxvit_t pass their own ``stochastic_depth_prob``: there every StochasticDepth's ``p`` is
set to 0 once built); the last test runs the wheel's stochastic depth itself on minigrad.

The families are FAMILIES: the classic CNNs, ConvNeXt, Swin Transformer (V1 and V2) and MaxViT.
The cases in FAST (a small model of each family that has a full-size one too heavy for every
run: ConvNeXt, Swin V1 and V2, MaxViT; and squeezenet1_1) run by default; the others are
marked slow (``-m ''`` runs them: maxvit_t trains at 224x224, its smallest size, for one to three
minutes on two cores).
"""

from __future__ import annotations

import gc
import linecache
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from porting import port_imports

import minigrad
import minigrad.nn.functional
import minigrad.optim

torch = pytest.importorskip("torch", reason="needs PyTorch as the oracle (pip install "
                            "torch==2.13.0)")

VERSION = "0.28.0"
SHIM = Path(__file__).with_name("zoo") / "torchvision_shim.py"
FAMILIES = ("alexnet", "vgg", "resnet", "squeezenet", "densenet", "googlenet", "inception",
            "mobilenetv2", "mobilenetv3", "mnasnet", "shufflenetv2", "efficientnet", "regnet",
            "convnext", "swin_transformer", "maxvit", "vision_transformer")
# which shim names stand for which torchvision module
SHIM_MODULES = {
    "utils": ("_log_api_usage_once", "_make_ntuple"),
    "transforms._presets": ("ImageClassification", "InterpolationMode"),
    "models._api": ("register_model", "Weights", "WeightsEnum"),
    "models._meta": ("_IMAGENET_CATEGORIES",),
    "models._utils": ("_ovewrite_named_param", "_make_divisible", "handle_legacy_interface"),
}
_IMPORT_LINE = re.compile(r"^\s*(import|from)\s")
_ABSOLUTE = (re.compile(r"^from torchvision\.([\w.]+) import ", re.M), r"from ..\1 import ")
_SUBMODULE = (re.compile(r"^import torch\.([\w.]+)$", re.M),
              r"import minigrad.\1; import minigrad as torch")


# ------------------------------------------------------------------ fetching the wheel


def cache_dir() -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "minigrad-tests" / f"torchvision-{VERSION}"


def fetch_wheel() -> Path | str:
    """The cached wheel, downloaded on first use; or, when that fails, why."""
    folder = cache_dir()
    found = sorted(folder.glob(f"torchvision-{VERSION}-*.whl"))
    if found:
        return found[0]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        return f"cannot create the cache folder {folder}: {err}"
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        command = [sys.executable, "-m", "pip", "download", f"torchvision=={VERSION}",
                   "--no-deps", "--no-input", "--disable-pip-version-check", "--timeout", "30",
                   "-d", tmp]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as err:
            return f"`pip download torchvision=={VERSION} --no-deps` did not finish: {err}"
        wheels = sorted(Path(tmp).glob(f"torchvision-{VERSION}-*.whl"))
        if done.returncode != 0 or not wheels:
            lines = done.stderr.strip().splitlines() or ["no wheel written"]
            first_error = next((line for line in lines if line.startswith("ERROR")), lines[-1])
            return f"`pip download torchvision=={VERSION} --no-deps` failed: {first_error}"
        target = folder / wheels[0].name
        os.replace(wheels[0], target)  # atomic: a reader never sees half a wheel
    return target


# ------------------------------------------------------------------ loading the files


def rewrite_imports(text: str, port: bool) -> str:
    """The file with only its import lines rewritten (see the module docstring)."""
    pattern, replacement = _ABSOLUTE
    out = pattern.sub(replacement, text)
    if port:
        pattern, replacement = _SUBMODULE
        out = port_imports(pattern.sub(replacement, out))
    before, after = text.splitlines(), out.splitlines()
    assert len(before) == len(after)
    for old, new in zip(before, after):
        assert old == new or (_IMPORT_LINE.match(old) and _IMPORT_LINE.match(new)), (old, new)
    return out


@dataclass
class Side:
    """One library's torchvision: the loaded model files by family, e.g. ``side.resnet``."""

    root: str
    modules: dict[str, ModuleType]

    def __getattr__(self, family: str) -> ModuleType:
        try:
            return self.modules[f"{self.root}.models.{family}"]
        except KeyError:
            raise AttributeError(family) from None


def _new_module(name: str, package: bool = False) -> ModuleType:
    module = ModuleType(name)
    module.__package__ = name if package else name.rpartition(".")[0]
    if package:
        module.__path__ = []  # a package, but nothing on disk to import from
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module


def _run(module: ModuleType, text: str, filename: str) -> ModuleType:
    """Execute ``text`` as ``module``; linecache holds the text so that tracebacks and
    ``inspect.getsource`` (which ``torch.jit._overload_method`` calls) can show it."""
    filename = f"<torchvision {VERSION} on {module.__name__.split('.')[0][16:]}>/{filename}"
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(compile(text, filename, "exec"), module.__dict__)
    return module


def load_side(wheel: zipfile.ZipFile, port: bool) -> Side:
    """Execute the shim and the wheel's files as ``_torchvision_on_<library>``."""
    root = f"_torchvision_on_{'minigrad' if port else 'torch'}"
    modules: dict[str, ModuleType] = {}

    def read(path: str) -> str:
        return rewrite_imports(wheel.read(f"torchvision/{path}").decode(), port)

    for package in ("", ".transforms", ".ops", ".models"):
        modules[root + package] = _new_module(root + package, package=True)
    shim = _run(_new_module(f"{root}._shim"),
                port_imports(SHIM.read_text()) if port else SHIM.read_text(), str(SHIM))
    for name, names in SHIM_MODULES.items():
        module = _new_module(f"{root}.{name}")
        module.__dict__.update({n: getattr(shim, n) for n in names})
        modules[module.__name__] = module
    misc = _run(_new_module(f"{root}.ops.misc"), read("ops/misc.py"), "ops/misc.py")
    modules[misc.__name__] = misc
    depth = _run(_new_module(f"{root}.ops.stochastic_depth"), read("ops/stochastic_depth.py"),
                 "torchvision/ops/stochastic_depth.py")
    modules[depth.__name__] = depth
    modules[f"{root}.ops"].StochasticDepth = depth.StochasticDepth
    modules[f"{root}.ops"].stochastic_depth = depth.stochastic_depth
    for family in FAMILIES:
        path = f"models/{family}.py"
        module = _run(_new_module(f"{root}.models.{family}"), read(path), f"torchvision/{path}")
        modules[module.__name__] = module
    return Side(root, modules)


@pytest.fixture(scope="module")
def zoo() -> Iterator[tuple[Side, Side]]:
    """(PyTorch's side, minigrad's side); their ``sys.modules`` entries go at teardown."""
    wheel = fetch_wheel()
    if isinstance(wheel, str):
        pytest.skip(f"cannot fetch torchvision's model files: {wheel}")
    before, threads = set(sys.modules), torch.get_num_threads()
    # PyTorch's OpenMP threads spin for seconds on a busy machine over these small convs
    torch.set_num_threads(1)
    try:
        with zipfile.ZipFile(wheel) as archive:
            sides = load_side(archive, port=False), load_side(archive, port=True)
        yield sides
    finally:
        torch.set_num_threads(threads)
        for name in set(sys.modules) - before:
            if name.startswith("_torchvision_on_"):
                del sys.modules[name]
        for filename in [f for f in linecache.cache if f.startswith(f"<torchvision {VERSION}")]:
            del linecache.cache[filename]


# ------------------------------------------------------------------ the models


@dataclass(frozen=True)
class Case:
    family: str
    build: Callable[[ModuleType], object]  # the family's module -> a model, 10 classes
    # (C, H, W): BatchNorm networks get a 2x2 map or more at their last BatchNorm, so that
    # batch statistics over 4 images stay well conditioned and float64 agrees to 1e-10
    image: tuple[int, int, int] = (3, 64, 64)
    rtol: float = 1e-10  # float64, every training stage


# The deepest networks amplify the first step's round-off in the second step's values to a
# few 1e-10 (the first step agrees to 1e-12). PyTorch against itself shows the same growth:
# with its parameters moved by 1e-15 relative after the first step, wide_resnet50_2's
# second-step gradients move by 1.2e-12 and resnext50_32x4d's by 1e-12.
STEP_TWO_RTOL = 3e-9


def _reduced_convnext(m: ModuleType) -> object:
    config = [m.CNBlockConfig(16, 32, 1), m.CNBlockConfig(32, 64, 1), m.CNBlockConfig(64, None, 1)]
    return m.ConvNeXt(config, stochastic_depth_prob=0.0, num_classes=10)


def _no_stochastic_depth(model):  # noqa: ANN001, ANN202
    """swin_t, swin_v2_t and maxvit_t pass their own ``stochastic_depth_prob`` (a second one
    is a TypeError), so their cases set every StochasticDepth's ``p`` to 0 once built."""
    for module in model.modules():
        if type(module).__name__ == "StochasticDepth":
            module.p = 0.0
    return model


def _reduced_swin(m: ModuleType, v2: bool = False) -> object:
    # a 36x36 image: a 9x9 map in 3x2 windows (padded to 9x10, shifted), merged with padding
    # to 5x5 (padded to 6x6, shifted), then 3x3
    extra = dict(block=m.SwinTransformerBlockV2, downsample_layer=m.PatchMergingV2) if v2 else {}
    return m.SwinTransformer(patch_size=[4, 4], embed_dim=8, depths=[2, 2, 1], num_heads=[2, 2, 4],
                             window_size=[3, 2], stochastic_depth_prob=0.0, num_classes=10,
                             **extra)


def _reduced_maxvit(m: ModuleType) -> object:
    # a 32x32 image: blocks at 8x8 (two layers) and 4x4, in 2x2 windows and a 2x2 grid
    return m.MaxVit(input_size=(32, 32), stem_channels=8, partition_size=2,
                    block_channels=[16, 32], block_layers=[2, 1], head_dim=8,
                    stochastic_depth_prob=0.0, num_classes=10)


def _random_head(m: ModuleType, model):  # noqa: ANN001, ANN202
    """The file zero-initialises the ViT's last Linear: its logits would be 0 and, at the first
    step, every gradient but the head's too. PyTorch's side draws a head from the seed (the
    minigrad side's is overwritten by ``load_state_dict``)."""
    m.nn.init.normal_(model.heads.head.weight, std=0.5)
    m.nn.init.normal_(model.heads.head.bias, std=0.5)
    return model


def _reduced_vit(m: ModuleType, **extra) -> object:  # noqa: ANN003
    # a 32x32 image in 8x8 patches: 16 tokens and the class token
    return _random_head(m, m.VisionTransformer(
        image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32,
        num_classes=10, **extra))


def _vit_conv_stem(m: ModuleType) -> object:
    # 32x32 -> 16 -> 8 -> 4 (3x3 convs, stride 2, BatchNorm and ReLU), then the 1x1 conv_last:
    # the 4x4 map of 8x8 patches that _process_input expects
    stem = [m.ConvStemConfig(8, 3, 2), m.ConvStemConfig(16, 3, 2), m.ConvStemConfig(16, 3, 2)]
    return _reduced_vit(m, conv_stem_configs=stem)


CASES = {
    "alexnet": Case("alexnet", lambda m: m.alexnet(num_classes=10, dropout=0.0)),
    "vgg11": Case("vgg", lambda m: m.vgg11(num_classes=10, dropout=0.0), (3, 32, 32)),
    "vgg11_bn": Case("vgg", lambda m: m.vgg11_bn(num_classes=10, dropout=0.0)),
    "resnet18": Case("resnet", lambda m: m.resnet18(num_classes=10)),
    "resnext50_32x4d": Case("resnet", lambda m: m.resnext50_32x4d(num_classes=10),
                            rtol=STEP_TWO_RTOL),
    "wide_resnet50_2": Case("resnet", lambda m: m.wide_resnet50_2(num_classes=10),
                            rtol=STEP_TWO_RTOL),
    "squeezenet1_0": Case("squeezenet", lambda m: m.squeezenet1_0(num_classes=10, dropout=0.0),
                          (3, 32, 32)),
    "squeezenet1_1": Case("squeezenet", lambda m: m.squeezenet1_1(num_classes=10, dropout=0.0),
                          (3, 32, 32)),
    "densenet121": Case("densenet", lambda m: m.densenet121(num_classes=10)),
    "densenet_memory_efficient": Case(  # torch.utils.checkpoint in every dense layer
        "densenet", lambda m: m.DenseNet(growth_rate=8, block_config=(2, 2), num_init_features=16,
                                         bn_size=2, num_classes=10, memory_efficient=True),
        (3, 32, 32)),
    "googlenet": Case("googlenet", lambda m: m.googlenet(num_classes=10, aux_logits=False,
                                                         init_weights=True, dropout=0.0)),
    "googlenet_aux": Case(  # training returns (logits, aux2, aux1); the loss uses all three
        "googlenet", lambda m: m.googlenet(num_classes=10, aux_logits=True, transform_input=True,
                                           init_weights=True, dropout=0.0, dropout_aux=0.0)),
    "inception_v3": Case(  # 107x107 ends at 2x2 (75x75, the smallest, at 1x1)
        "inception", lambda m: m.inception_v3(num_classes=10, aux_logits=False, init_weights=True,
                                              transform_input=True, dropout=0.0),
        (3, 107, 107), rtol=STEP_TWO_RTOL),
    "mobilenet_v2": Case("mobilenetv2", lambda m: m.mobilenet_v2(num_classes=10, dropout=0.0)),
    # PyTorch's hardsigmoid backward multiplies by 1/6 rounded to float32 (0.16666667163...)
    # even in float64; minigrad's by the float64 1/6: the gradients differ by 3e-8 relative
    "mobilenet_v3_small": Case(
        "mobilenetv3", lambda m: m.mobilenet_v3_small(num_classes=10, dropout=0.0), rtol=1e-7),
    "mnasnet0_5": Case("mnasnet", lambda m: m.mnasnet0_5(num_classes=10, dropout=0.0)),
    "shufflenet_v2_x0_5": Case("shufflenetv2", lambda m: m.shufflenet_v2_x0_5(num_classes=10)),
    "efficientnet_b0": Case(
        "efficientnet", lambda m: m.efficientnet_b0(num_classes=10, dropout=0.0,
                                                    stochastic_depth_prob=0.0)),
    "efficientnet_v2_s": Case(
        "efficientnet", lambda m: m.efficientnet_v2_s(num_classes=10, dropout=0.0,
                                                      stochastic_depth_prob=0.0)),
    "regnet_x_400mf": Case("regnet", lambda m: m.regnet_x_400mf(num_classes=10),
                           rtol=STEP_TWO_RTOL),
    "regnet_y_400mf": Case("regnet", lambda m: m.regnet_y_400mf(num_classes=10)),
    "convnext_tiny": Case(
        "convnext", lambda m: m.convnext_tiny(num_classes=10, stochastic_depth_prob=0.0)),
    "convnext_reduced": Case("convnext", _reduced_convnext, (3, 32, 32)),
    # 64x64: stage maps of 16, 8, 4, 2; swin_t's 7x7 windows pad 16 to 21 and 8 to 14 and
    # shift both, swin_v2_t's 8x8 windows shift the 16
    "swin_t": Case("swin_transformer", lambda m: _no_stochastic_depth(m.swin_t(num_classes=10))),
    "swin_v2_t": Case("swin_transformer",
                      lambda m: _no_stochastic_depth(m.swin_v2_t(num_classes=10))),
    "swin_reduced": Case("swin_transformer", _reduced_swin, (3, 36, 36)),
    "swin_v2_reduced": Case("swin_transformer", lambda m: _reduced_swin(m, v2=True), (3, 36, 36)),
    # 224x224, the smallest size whose block inputs (56, 28, 14, 7) divide into 7x7 partitions
    "maxvit_t": Case("maxvit", lambda m: _no_stochastic_depth(m.maxvit_t(num_classes=10)),
                     (3, 224, 224)),
    "maxvit_reduced": Case("maxvit", _reduced_maxvit, (3, 32, 32)),
    # image_size=16, the smallest the file allows (a multiple of the 16x16 patch): one patch
    # and the class token through the 12 full-size layers (86M parameters)
    "vit_b_16": Case("vision_transformer",
                     lambda m: _random_head(m, m.vit_b_16(num_classes=10, image_size=16)),
                     (3, 16, 16)),
    "vit_reduced": Case("vision_transformer", _reduced_vit, (3, 32, 32)),
    "vit_representation": Case(  # the pre-logits Linear and Tanh before the head
        "vision_transformer", lambda m: _reduced_vit(m, representation_size=12), (3, 32, 32)),
    "vit_conv_stem": Case("vision_transformer", _vit_conv_stem, (3, 32, 32)),
}


def _params(fast: tuple[str, ...], leave_out: tuple[str, ...] = ()) -> list:
    return [pytest.param(name, marks=() if name in fast else pytest.mark.slow)
            for name in CASES if name not in leave_out]


# the cases run by default (pytest -m 'not slow'); the others are marked slow
FAST = ("squeezenet1_1", "convnext_reduced", "swin_reduced", "swin_v2_reduced", "maxvit_reduced",
        "vit_reduced", "vit_representation", "vit_conv_stem")

# vgg11 is evaluated but not trained here: vgg11_bn trains the same VGG code (its features
# with BatchNorm added, the same 119M-parameter classifier), and each VGG training run takes
# half a minute of CI
TRAINED_ELSEWHERE = ("vgg11",)


# ------------------------------------------------------------------ comparing


def assert_close(name: str, ours, theirs, rtol: float, floor: float = 0.0) -> None:  # noqa: ANN001
    """Agreement relative to the tensor's own scale, or to ``floor`` where that is larger;
    shapes and dtypes must be equal.

    The floor is a thousandth of the largest value among the model's gradients (or
    parameters, or buffers): a gradient that is zero in exact arithmetic (a bias right before
    a BatchNorm) is round-off on both sides, and only comparable at the scale of the others.
    """
    ours = ours.detach().numpy() if hasattr(ours, "detach") else np.asarray(ours)
    theirs = theirs.detach()
    assert ours.shape == tuple(theirs.shape), f"{name}: shape {ours.shape} != {theirs.shape}"
    assert ours.dtype == theirs.numpy().dtype, f"{name}: dtype {ours.dtype} != {theirs.dtype}"
    if theirs.numel() == 0:
        return
    scale = max(float(theirs.abs().max()), floor, 1e-30)
    # every element within atol (no NaN or inf either): numpy's check would pass, so skip its
    # several passes over VGG's 100-million-weight layers; anything else gets its report
    if float((torch.from_numpy(ours) - theirs).abs_().max()) <= rtol * scale:
        return
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=rtol, atol=rtol * scale, err_msg=name)


def floor_of(tensors) -> float:  # noqa: ANN001
    """A thousandth of the largest magnitude among PyTorch's floating ``tensors``."""
    return 1e-3 * max((float(t.detach().abs().max()) for t in tensors
                       if t is not None and t.is_floating_point() and t.numel()), default=0.0)


def build_pair(zoo: tuple[Side, Side], name: str, seed: int, double: bool):  # noqa: ANN202
    """PyTorch's model from ``seed`` and minigrad's, with PyTorch's weights loaded into it."""
    torch_side, minigrad_side = zoo
    case = CASES[name]
    torch.manual_seed(seed)
    theirs = case.build(getattr(torch_side, case.family))
    ours = case.build(getattr(minigrad_side, case.family))
    if double:
        theirs, ours = theirs.double(), ours.double()
    state = theirs.state_dict()
    assert list(ours.state_dict()) == list(state), f"{name}: state_dict names differ"
    result = ours.load_state_dict({k: v.detach().numpy().copy() for k, v in state.items()})
    assert not result.missing_keys and not result.unexpected_keys
    for key, value in ours.state_dict().items():
        assert_close(f"{name} loaded {key}", value, state[key], rtol=0.0)
    return ours, theirs, case.image


def outputs(out) -> tuple:  # noqa: ANN001
    """A model's logits, and its auxiliary logits in training mode (GoogLeNet, Inception)."""
    return tuple(o for o in out if o is not None) if isinstance(out, tuple) else (out,)


def loss_of(logits: tuple, target, functional) -> object:  # noqa: ANN001
    """Cross-entropy of the main logits plus 0.3 times each auxiliary head's (GoogLeNet's)."""
    loss = functional.cross_entropy(logits[0], target)
    for aux in logits[1:]:
        loss = loss + 0.3 * functional.cross_entropy(aux, target)
    return loss


@pytest.mark.parametrize("name", _params(fast=FAST))
def test_torchvision_model_eval_logits_match_pytorch(zoo, name: str) -> None:  # noqa: ANN001
    ours, theirs, image = build_pair(zoo, name, seed=0, double=False)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(1).standard_normal((2, *image)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x))
    with minigrad.no_grad():
        assert_close(f"{name} eval logits", ours(minigrad.tensor(x)), expected, rtol=1e-4)


@pytest.mark.parametrize("name", _params(fast=FAST, leave_out=TRAINED_ELSEWHERE))
def test_torchvision_model_trains_like_pytorch(zoo, name: str) -> None:  # noqa: ANN001
    ours, theirs, image = build_pair(zoo, name, seed=2, double=True)
    shape, rtol = (4, *image), CASES[name].rtol
    ours.train()
    theirs.train()
    rng = np.random.default_rng(3)
    opt_t = torch.optim.SGD(theirs.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    opt_m = minigrad.optim.SGD(ours.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    params_t = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(params_t)
    for step in range(2):
        x, y = rng.standard_normal(shape), rng.integers(0, 10, shape[0])
        opt_t.zero_grad()
        opt_m.zero_grad()
        out_t = outputs(theirs(torch.from_numpy(x)))
        out_m = outputs(ours(minigrad.tensor(x)))
        assert len(out_m) == len(out_t), f"{name}: {len(out_m)} outputs, PyTorch {len(out_t)}"
        for i, (a, b) in enumerate(zip(out_m, out_t)):
            assert_close(f"{name} step {step} train logits {i}", a, b, rtol=rtol)
        loss_t = loss_of(out_t, torch.from_numpy(y), torch.nn.functional)
        loss_m = loss_of(out_m, minigrad.tensor(y), minigrad.nn.functional)
        assert_close(f"{name} step {step} loss", loss_m, loss_t, rtol=rtol)
        loss_t.backward()
        loss_m.backward()
        floor = floor_of(p.grad for p in params_t.values())
        for pname, p in ours.named_parameters():
            assert (p.grad is None) == (params_t[pname].grad is None), pname
            if p.grad is not None:
                assert_close(f"{name} step {step} grad {pname}", p.grad, params_t[pname].grad,
                             rtol=rtol, floor=floor)
        opt_t.step()
        opt_m.step()
        floor = floor_of(params_t.values())
        for pname, p in ours.named_parameters():
            assert_close(f"{name} step {step} parameter {pname}", p, params_t[pname],
                         rtol=rtol, floor=floor)
    buffers_t = dict(theirs.named_buffers())
    assert [n for n, _ in ours.named_buffers()] == list(buffers_t)
    floor = floor_of(buffers_t.values())
    for bname, b in ours.named_buffers():
        assert_close(f"{name} buffer {bname}", b, buffers_t[bname], rtol=rtol, floor=floor)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x))
    with minigrad.no_grad():
        assert_close(f"{name} eval logits after training", ours(minigrad.tensor(x)), expected,
                     rtol=rtol)
    del ours, theirs, opt_t, opt_m, params_t, buffers_t
    gc.collect()


def test_torchvision_stochastic_depth_runs_unchanged_on_minigrad(zoo) -> None:  # noqa: ANN001
    """The wheel's ops/stochastic_depth.py in training mode (the comparisons above build every
    model with probability 0): whole rows dropped or kept and scaled by 1 / survival rate."""
    _, ours = zoo
    depth = ours.modules[f"{ours.root}.ops.stochastic_depth"]
    minigrad.manual_seed(0)
    x = minigrad.ones(400, 3, 2, 2, requires_grad=True)
    layer = depth.StochasticDepth(0.25, "row")
    out = layer(x)
    rows = out.detach().numpy().reshape(400, -1)
    dropped, kept = (rows == 0).all(1), np.isclose(rows, 1 / 0.75, rtol=1e-6).all(1)
    assert (dropped | kept).all() and 0.68 < kept.mean() < 0.82
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), rows.reshape(x.shape), rtol=1e-6)
    whole = depth.stochastic_depth(x, 0.5, "batch", training=True).detach().numpy()
    assert (whole == 0).all() or np.allclose(whole, 2.0)
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match="drop probability has to be between 0 and 1"):
        depth.stochastic_depth(x, 1.5, "row")
