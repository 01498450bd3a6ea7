"""``minigrad.backends.cuda``: CUDA's switches (``matmul.allow_tf32``, ...), settable and
inert; ``is_built()`` is False."""

from __future__ import annotations

__all__ = ["is_built", "matmul"]


class _MatmulFlags:
    """``backends.cuda.matmul``: settable precision switches that change nothing here."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True

    def __repr__(self) -> str:
        return f"backends.cuda.matmul({vars(self)})"


matmul = _MatmulFlags()


def is_built() -> bool:
    """Always False: minigrad is not built with CUDA."""
    return False
