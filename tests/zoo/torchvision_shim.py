"""torchvision's internal helpers, so that its model files run without torchvision installed.

This file is *PyTorch code*, written here (not copied): tests/test_torchvision_zoo.py executes it
once as it is (the PyTorch side) and once with its imports rewritten to minigrad, and makes its
names the sibling modules a model file imports from (``..utils``, ``._api``, ``._meta``,
``._utils``, ``..transforms._presets``). Nothing here may mention minigrad.

The helpers do only what building a model with ``weights=None`` needs: no downloads, no usage
logging, no transforms. The layers the models build on, torchvision's ``ops/misc.py``, are
the wheel's own file on both sides.
"""

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

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
