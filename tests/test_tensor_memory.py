"""What a program reads about a tensor's memory, as PyTorch reports it: ``stride()``,
``storage_offset()``, ``data_ptr()`` (views share it), and the old names ``nelement()`` and
``ndimension()``."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import optional_torch

import minigrad as mg

torch = optional_torch()

VIEWS = {  # name: a tensor made from a fresh (3, 4) one, written once for both libraries
    "fresh": lambda x: x,
    "transposed": lambda x: x.t(),
    "row slice": lambda x: x[1:],
    "column slice": lambda x: x[:, 2:],
    "expanded": lambda x: x[:1].expand(5, 4),
    "selected row": lambda x: x[2],
    "0-d element": lambda x: x[1, 2],
    "reshaped": lambda x: x.reshape(2, 6),
    "unsqueezed": lambda x: x.unsqueeze(1),
}


@pytest.mark.parametrize("name", list(VIEWS))
def test_strides_and_offsets_match_pytorch(name: str) -> None:
    data = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    ours, theirs = VIEWS[name](mg.tensor(data)), VIEWS[name](torch.tensor(data))
    assert ours.stride() == theirs.stride()
    for d in range(-ours.ndim, ours.ndim):
        assert ours.stride(d) == theirs.stride(d)
    assert ours.storage_offset() == theirs.storage_offset()
    assert ours.nelement() == theirs.nelement() and ours.ndimension() == theirs.ndimension()


def test_data_ptr_is_shared_by_views_and_differs_for_copies() -> None:
    x = mg.zeros(3, 4)
    assert x.data_ptr() == x.view(12).data_ptr() == x[0].data_ptr()
    assert x[1].data_ptr() == x.data_ptr() + 4 * x.element_size()
    assert x.clone().data_ptr() != x.data_ptr()
    assert x.detach().data_ptr() == x.data_ptr()


def test_stride_of_a_bad_dim_is_an_index_error() -> None:
    with pytest.raises(IndexError, match="stride"):
        mg.zeros(2, 3).stride(2)


def test_an_element_is_a_view_as_in_pytorch() -> None:
    """``x[1, 2]`` shares x's memory: writing to it in place writes to x."""
    for lib in (mg, torch):
        x = lib.zeros(2, 3)
        x[1, 2].add_(1.0)
        x[0][1].fill_(2.0)
        assert x.tolist() == [[0.0, 2.0, 0.0], [0.0, 0.0, 1.0]], lib.__name__
