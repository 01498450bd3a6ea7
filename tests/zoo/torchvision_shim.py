"""torchvision's internal helpers, so that its model files run without torchvision installed.

This file is *PyTorch code*, written here (not copied): tests/test_torchvision_zoo.py executes it
once as it is (the PyTorch side) and once with its imports rewritten to minigrad, and makes its
names the sibling modules a model file imports from (``..utils``, ``._api``, ``._meta``,
``._utils``, ``..transforms._presets``, ``..ops.misc``). Nothing here may mention minigrad.

The helpers do only what building a model with ``weights=None`` needs: no downloads, no usage
logging, no transforms. The layers (``Conv2dNormActivation``, ``SqueezeExcitation``,
``Permute``) stand in for torchvision's ``ops/misc.py`` on minigrad, whose module-level defaults
name ``nn.Conv3d`` and ``nn.BatchNorm3d``; the PyTorch side runs torchvision's own
``ops/misc.py``, so any difference from torchvision's layers shows up as a failed comparison.
"""

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

# --- torchvision.utils -------------------------------------------------------------------------


def _log_api_usage_once(obj: Any) -> None:
    """torchvision counts API use through PyTorch's telemetry hook; nothing to count here."""


def _make_ntuple(x: Any, n: int) -> tuple:
    """``x`` as an n-tuple: an iterable as it is, a single value repeated."""
    if isinstance(x, Iterable):
        return tuple(x)
    return (x,) * n


# --- torchvision.transforms._presets: only named in the weights' metadata -----------------------


class InterpolationMode(enum.Enum):
    NEAREST = "nearest"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"


class ImageClassification:
    """The evaluation transform a weights entry names; never applied in the tests."""

    def __init__(self, *, crop_size: int, resize_size: int = 256, mean=(0.485, 0.456, 0.406),
                 std=(0.229, 0.224, 0.225), interpolation=InterpolationMode.BILINEAR,
                 antialias: bool | None = True) -> None:
        self.crop_size, self.resize_size = crop_size, resize_size
        self.mean, self.std, self.interpolation = mean, std, interpolation


# --- torchvision.models._meta, ._api, ._utils ----------------------------------------------------

_IMAGENET_CATEGORIES = [f"imagenet class {i}" for i in range(1000)]


@dataclass(eq=False)
class Weights:
    """One weights entry: where it would be downloaded from, its transform, its metadata."""

    url: str
    transforms: Callable
    meta: dict


class WeightsEnum(enum.Enum):
    """A model's weights entries; the tests build every model with ``weights=None``."""

    @classmethod
    def verify(cls, obj: Any) -> Any:
        if obj is None:
            return None
        if isinstance(obj, str):
            return cls[obj.replace(cls.__name__ + ".", "")]
        if not isinstance(obj, cls):
            raise TypeError(f"expected {cls.__name__} weights, got {type(obj).__name__}")
        return obj

    def get_state_dict(self, *args: Any, **kwargs: Any) -> dict:
        raise RuntimeError("the torchvision shim downloads no weights: build with weights=None")

    @property
    def url(self) -> str:
        return self.value.url

    @property
    def transforms(self) -> Callable:
        return self.value.transforms

    @property
    def meta(self) -> dict:
        return self.value.meta


def register_model(name: str | None = None) -> Callable:
    """torchvision's registry of builders by name; the tests call builders directly."""
    return lambda fn: fn


def handle_legacy_interface(**weights: Any) -> Callable:
    """torchvision maps the old ``pretrained=True`` to a weights entry; only the new form here."""

    def decorate(builder: Callable) -> Callable:
        def build(*args: Any, **kwargs: Any) -> Any:
            for _, (pretrained, _default) in weights.items():
                if pretrained in kwargs:
                    raise TypeError(f"the torchvision shim takes weights=..., not {pretrained}=")
            return builder(*args, **kwargs)

        build.__name__, build.__doc__ = builder.__name__, builder.__doc__
        return build

    return decorate


def _ovewrite_named_param(kwargs: dict, param: str, new_value: Any) -> None:
    """Set ``kwargs[param]``, refusing a different value the caller already gave."""
    if param in kwargs and kwargs[param] != new_value:
        raise ValueError(f"The parameter '{param}' expected value {new_value} "
                         f"but got {kwargs[param]} instead.")
    kwargs[param] = new_value


def _make_divisible(v: float, divisor: int, min_value: int | None = None) -> int:
    """``v`` rounded to the nearest multiple of ``divisor``, never more than 10% below ``v``."""
    min_value = divisor if min_value is None else min_value
    rounded = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * v else rounded


# --- torchvision.ops.misc: the layers the classification models use ----------------------------


class Conv2dNormActivation(nn.Sequential):
    """Conv2d, then a norm layer, then an activation; the conv has a bias only without a norm."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple = 3,
        stride: int | tuple = 1,
        padding: int | tuple | str | None = None,
        groups: int = 1,
        norm_layer: Callable[..., nn.Module] | None = nn.BatchNorm2d,
        activation_layer: Callable[..., nn.Module] | None = nn.ReLU,
        dilation: int | tuple = 1,
        inplace: bool | None = True,
        bias: bool | None = None,
    ) -> None:
        if padding is None and isinstance(kernel_size, int) and isinstance(dilation, int):
            padding = (kernel_size - 1) // 2 * dilation  # "same" size at stride 1
        elif padding is None:
            kernel, dil = _make_ntuple(kernel_size, 2), _make_ntuple(dilation, 2)
            padding = tuple((k - 1) // 2 * d for k, d in zip(kernel, dil))
        if bias is None:
            bias = norm_layer is None
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding,
                            dilation=dilation, groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            layers.append(activation_layer(**({} if inplace is None else {"inplace": inplace})))
        super().__init__(*layers)
        self.out_channels = out_channels


class SqueezeExcitation(nn.Module):
    """Channel attention: the global average through two 1x1 convs scales the input."""

    def __init__(
        self,
        input_channels: int,
        squeeze_channels: int,
        activation: Callable[..., nn.Module] = nn.ReLU,
        scale_activation: Callable[..., nn.Module] = nn.Sigmoid,
    ) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(input_channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, input_channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, input: Tensor) -> Tensor:
        scale = self.fc2(self.activation(self.fc1(self.avgpool(input))))
        return self.scale_activation(scale) * input


class Permute(nn.Module):
    """``torch.permute`` as a layer (ConvNeXt's channels-last LayerNorm)."""

    def __init__(self, dims: list) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x: Tensor) -> Tensor:
        return torch.permute(x, self.dims)
