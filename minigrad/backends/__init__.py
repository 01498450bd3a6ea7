"""``minigrad.backends``: the switches ``torch.backends`` offers, inert on the CPU.

``torch.backends.cudnn.benchmark = True`` and friends are settable module attributes, as in
PyTorch, and change nothing here (there is no cuDNN); ``backends.mps.is_available()`` and
``backends.cudnn.is_available()`` answer False.
"""

from . import cuda, cudnn, mha, mps

__all__ = ["cuda", "cudnn", "mha", "mps"]
