"""``torch.nn.modules``: minigrad's layers under PyTorch's module paths, for model code that
imports ``from torch.nn.modules.conv import _ConvNd`` or ``torch.nn.modules.utils._pair``.

Each submodule re-exports the classes minigrad defines elsewhere (``nn/conv.py``,
``nn/normalization.py``...), so ``nn.modules.conv.Conv2d is nn.Conv2d``.
"""

from __future__ import annotations

from . import (
    activation,
    adaptive,
    batchnorm,
    channelshuffle,
    container,
    conv,
    distance,
    dropout,
    flatten,
    fold,
    instancenorm,
    lazy,
    linear,
    loss,
    module,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
    utils,
)

_SUBMODULES = (activation, adaptive, batchnorm, channelshuffle, container, conv, distance, dropout,
               flatten, fold, instancenorm, lazy, linear, loss, module, normalization,
               padding, pixelshuffle, pooling, rnn, sparse, transformer, upsampling)

# the public classes of every submodule, at the package level too (as torch.nn.modules)
_PUBLIC = {name: getattr(sub, name) for sub in _SUBMODULES for name in sub.__all__
           if not name.startswith("_") and not name.startswith("register_")}
globals().update(_PUBLIC)

__all__ = sorted(_PUBLIC)  # noqa: PLE0605 (built above from the submodules' lists)
