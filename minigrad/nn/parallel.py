"""``nn.parallel``: ``DataParallel`` runs the wrapped module as is (there is one device, the
CPU, as PyTorch's ``DataParallel`` does when no GPU is visible), and
``DistributedDataParallel`` is refused with an error that says to train in one process."""

from __future__ import annotations

from typing import Any, NoReturn

from .module import Module

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]


class DataParallel(Module):
    """``DataParallel(module, device_ids=None, output_device=None, dim=0)``: calls ``module``.

    As PyTorch's on a machine without GPUs: ``device_ids`` and ``output_device`` are ignored
    (``self.device_ids == []``), ``forward`` is ``self.module(*inputs, **kwargs)``, and the
    wrapped module is the submodule ``module``, so state dict keys start with ``module.``.
    """

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None,
                 dim: int = 0) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: argument 'module' must be an nn.Module, not "
                            f"{type(module).__name__}")
        self.module = module
        self.device_ids: list[int] = []
        self.output_device = None
        self.dim = dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """The wrapped module's output."""
        return self.module(*inputs, **kwargs)


def data_parallel(module: Module, inputs: Any, device_ids: Any = None,
                  output_device: Any = None, dim: int = 0,
                  module_kwargs: dict[str, Any] | None = None) -> Any:
    """``module(*inputs, **module_kwargs)``, as PyTorch's ``data_parallel`` without GPUs."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))


class DistributedDataParallel(Module):
    """Refused: there is no multi-process training (``RuntimeError`` says what to do)."""

    def __init__(self, module: Module, *args: Any, **kwargs: Any) -> NoReturn:
        from ..distributed import no_distributed

        raise no_distributed("DistributedDataParallel(module)")
