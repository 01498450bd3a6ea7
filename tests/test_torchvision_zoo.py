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
  ``Permute``, MaxViT on its ``Conv2dNormActivation`` and ``SqueezeExcitation``, the Vision
  Transformer on its ``MLP`` and, with a convolutional stem, ``Conv2dNormActivation``).
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
through ``load_state_dict``, with its ``_metadata`` (each module's version, equal on both sides),
which the files' own ``_load_from_state_dict`` overrides read (MNASNet's, ViT's MLPBlock's).
Then in float32, evaluation-mode logits (to 1e-4 of their scale);
and in float64 (so no ReLU mask or max-pool choice flips on round-off and tolerances can be
tight: 1e-10 unless a case says why not), training-mode logits and loss, every gradient by name,
the parameters after each of two SGD-momentum steps, every buffer (BatchNorm's running
statistics and ``num_batches_tracked``, dtypes included) and the evaluation logits after
training. Dropout and stochastic depth are built with probability 0 (the file's own
arguments), as their random masks cannot be shared between two libraries (swin_t, swin_v2_t
and maxvit_t pass their own ``stochastic_depth_prob``: there every StochasticDepth's ``p`` is
set to 0 once built); a test runs the wheel's stochastic depth itself on minigrad. The Vision
Transformer file zero-initialises its classifier head (its logits would be 0, and every gradient
but the head's at the first step), so its cases draw the head on PyTorch's side once built.

The families are FAMILIES: the classic CNNs, ConvNeXt, Swin Transformer (V1 and V2), MaxViT and
the Vision Transformer. The cases in FAST (a small model of each family that has a full-size one
too heavy for every run: ConvNeXt, Swin V1 and V2, MaxViT, and three ViTs: plain, with the
pre-logits head, with a convolutional stem; and squeezenet1_1) run by default; the others are
marked slow (``-m ''`` runs them: maxvit_t trains at 224x224, its smallest size, for one to three
minutes on two cores; vit_b_16, at 16x16, its smallest, in under a minute).

The last tests run the ViT file's other code: MLPBlock's conversion of version-1 checkpoints
(and MNASNet's), ``interpolate_embeddings`` (bilinear, and its default, bicubic) and its
``torch._assert`` checks.
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
from collections import OrderedDict
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
    # each module's version, which its _load_from_state_dict reads (MNASNet's refuses a
    # state dict without one, ViT's MLPBlock renames its version-1 keys)
    assert ours.state_dict()._metadata == state._metadata, f"{name}: versions differ"
    arrays = OrderedDict((k, v.detach().numpy().copy()) for k, v in state.items())
    arrays._metadata = state._metadata
    result = ours.load_state_dict(arrays)
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


# ------------------------------------------------------------------ ViT's own code paths


def _numpy_state(state) -> OrderedDict:  # noqa: ANN001
    """PyTorch's state dict as numpy arrays for minigrad, with its ``_metadata`` if any."""
    arrays = OrderedDict((k, v.detach().numpy().copy()) for k, v in state.items())
    if hasattr(state, "_metadata"):
        arrays._metadata = state._metadata
    return arrays


def _legacy_mlp_keys(state, version: int | None) -> OrderedDict:  # noqa: ANN001
    """``state`` as torchvision before 0.13 wrote it: each MLPBlock's Linear layers named
    ``linear_1`` and ``linear_2`` (now ``0`` and ``3``), its version 1 (None: no metadata)."""
    legacy = OrderedDict()
    for key, value in state.items():
        block, mlp, entry = key.rpartition(".mlp.")
        if mlp:
            index, _, kind = entry.partition(".")
            key = f"{block}.mlp.linear_{int(index) // 3 + 1}.{kind}"
        legacy[key] = value
    if version is not None:
        legacy._metadata = OrderedDict((path, dict(meta, version=version) if
                                        path.endswith(".mlp") else meta)
                                       for path, meta in state._metadata.items())
    return legacy


@pytest.mark.parametrize("version", [1, None])
def test_torchvision_vit_mlp_block_renames_version_1_keys(zoo, version) -> None:  # noqa: ANN001
    """MLPBlock's ``_load_from_state_dict`` (its version 2) renames the keys of a version-1
    checkpoint, or of one without metadata, before MLP's own loading: minigrad's
    ``load_state_dict`` calls it with PyTorch's arguments and each module's metadata."""
    torch_side, minigrad_side = zoo
    torch.manual_seed(0)
    state = _reduced_vit(torch_side.vision_transformer).state_dict()
    legacy = _legacy_mlp_keys(state, version)
    assert "encoder.layers.encoder_layer_1.mlp.linear_2.bias" in legacy
    theirs = _reduced_vit(torch_side.vision_transformer)
    ours = _reduced_vit(minigrad_side.vision_transformer)
    assert not any(theirs.load_state_dict(legacy))
    assert not any(ours.load_state_dict(_numpy_state(legacy)))
    for key, value in state.items():
        assert_close(f"{key} loaded", ours.state_dict()[key], value, rtol=0.0)
        assert_close(f"{key} loaded by PyTorch", theirs.state_dict()[key], value, rtol=0.0)


def test_torchvision_vit_version_2_keeps_the_keys(zoo) -> None:  # noqa: ANN001
    """Marked version 2, the old names are not renamed: missing and unexpected, on both."""
    torch_side, minigrad_side = zoo
    torch.manual_seed(0)
    legacy = _legacy_mlp_keys(_reduced_vit(torch_side.vision_transformer).state_dict(), 2)
    result_t = _reduced_vit(torch_side.vision_transformer).load_state_dict(legacy, strict=False)
    result_m = _reduced_vit(minigrad_side.vision_transformer).load_state_dict(
        _numpy_state(legacy), strict=False)
    assert result_m == result_t and len(result_m.missing_keys) == 8
    with pytest.raises(RuntimeError, match=r"missing keys: encoder.layers.encoder_layer_0.mlp."
                                           r"0.weight.*\n.*unexpected keys: encoder.layers."
                                           r"encoder_layer_0.mlp.linear_1.weight"):
        _reduced_vit(minigrad_side.vision_transformer).load_state_dict(_numpy_state(legacy))


def test_torchvision_mnasnet_converts_a_version_1_checkpoint(zoo) -> None:  # noqa: ANN001
    """MNASNet (version 2) rebuilds its stem as version 1 had it when the checkpoint says
    version 1, and refuses one without a version: through minigrad's ``load_state_dict``
    as through PyTorch's."""
    torch_side, minigrad_side = zoo
    torch.manual_seed(0)
    old = torch_side.mnasnet.mnasnet0_5(num_classes=10, dropout=0.0)
    # a version-1 model, made by PyTorch's own conversion: load the layers after the stem,
    # marked version 1, into a version-2 model
    state = old.state_dict()
    stem = tuple(f"layers.{i}." for i in range(9))
    rest = OrderedDict((k, v) for k, v in state.items() if not k.startswith(stem))
    rest._metadata = OrderedDict(state._metadata, **{"": {"version": 1}})
    with pytest.warns(UserWarning, match="A new version of MNASNet"):
        old.load_state_dict(rest, strict=False)
    version_1 = old.state_dict()
    assert version_1._metadata[""] == {"version": 1}
    theirs = torch_side.mnasnet.mnasnet0_5(num_classes=10, dropout=0.0)
    ours = minigrad_side.mnasnet.mnasnet0_5(num_classes=10, dropout=0.0)
    with pytest.warns(UserWarning, match="A new version of MNASNet"):
        theirs.load_state_dict(version_1)
    with pytest.warns(UserWarning, match="A new version of MNASNet"):
        ours.load_state_dict(_numpy_state(version_1))
    assert ours.state_dict()._metadata == theirs.state_dict()._metadata == version_1._metadata
    for key, value in version_1.items():
        assert_close(f"{key} loaded", ours.state_dict()[key], value, rtol=0.0)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(1).standard_normal((2, 3, 32, 32)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x))
    with minigrad.no_grad():
        assert_close("mnasnet version 1 eval logits", ours(minigrad.tensor(x)), expected,
                     rtol=1e-4)
    plain = {k: v.detach().numpy() for k, v in version_1.items()}
    for model in (theirs, ours):
        with pytest.raises(ValueError, match="version should be set to 1 or 2 instead of None"):
            model.load_state_dict(plain)


def test_torchvision_vit_interpolate_embeddings(zoo) -> None:  # noqa: ANN001
    """The file's ``interpolate_embeddings`` resizes the position embeddings of a 4x4 patch
    grid to 6x6 for a 48x48 image, with ``interpolation_mode='bilinear'`` and with its
    default, bicubic."""
    ours, theirs, _ = build_pair(zoo, "vit_reduced", seed=0, double=False)
    (torch_side, minigrad_side), kwargs = zoo, dict(interpolation_mode="bilinear")
    state_t = torch_side.vision_transformer.interpolate_embeddings(48, 8, theirs.state_dict(),
                                                                   **kwargs)
    state_m = minigrad_side.vision_transformer.interpolate_embeddings(48, 8, ours.state_dict(),
                                                                      **kwargs)
    assert tuple(state_t["encoder.pos_embedding"].shape) == (1, 37, 16)
    assert_close("interpolated pos_embedding", state_m["encoder.pos_embedding"],
                 state_t["encoder.pos_embedding"], rtol=1e-6)
    larger = dict(image_size=48, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16,
                  mlp_dim=32, num_classes=10)
    larger_t = torch_side.vision_transformer.VisionTransformer(**larger).eval()
    larger_m = minigrad_side.vision_transformer.VisionTransformer(**larger).eval()
    larger_t.load_state_dict(state_t)
    larger_m.load_state_dict(state_m)
    x = np.random.default_rng(1).standard_normal((2, 3, 48, 48)).astype(np.float32)
    with torch.no_grad():
        expected = larger_t(torch.from_numpy(x))
    with minigrad.no_grad():
        assert_close("48x48 eval logits", larger_m(minigrad.tensor(x)), expected, rtol=1e-4)
    bicubic_t = torch_side.vision_transformer.interpolate_embeddings(48, 8, theirs.state_dict())
    bicubic_m = minigrad_side.vision_transformer.interpolate_embeddings(48, 8, ours.state_dict())
    assert_close("bicubic pos_embedding", bicubic_m["encoder.pos_embedding"],
                 bicubic_t["encoder.pos_embedding"], rtol=1e-6)


def test_torchvision_vit_checks_its_input_like_pytorch(zoo) -> None:  # noqa: ANN001
    """The file's ``torch._assert`` checks: an image of another size, a sequence of another
    rank. The messages show the shape as each library prints it (``torch.Size([2, 17])``,
    minigrad's ``(2, 17)``)."""
    ours, theirs, _ = build_pair(zoo, "vit_reduced", seed=0, double=False)
    x = np.zeros((1, 3, 32, 24), np.float32)
    for model, lib in ((theirs, torch), (ours, minigrad)):
        with pytest.raises(AssertionError, match="Wrong image width! Expected 32 but got 24!"):
            model(lib.tensor(x))
        with pytest.raises(AssertionError, match=r"Expected \(batch_size, seq_length, "
                                                 r"hidden_dim\) got .*2, 17"):
            model.encoder(lib.zeros(2, 17))
