"""``minigrad.viz``: pictures for debugging and teaching.

- ``draw_graph``: the autograd graph (tensors, ops, gradients, NaN/Inf in red, layer clusters);
- ``render``: save such a graph as svg/png/pdf with Graphviz's ``dot``;
- ``forward_graph``: the layer-level network diagram of a model;
- ``plot_filters`` / ``plot_feature_maps``: first-layer weights and activations (matplotlib,
  from the ``examples`` extra, imported only when a plot is made); ``filter_smoothness``;
  ``top_activating`` / ``plot_top_activations``: the images a channel responds to most;
- ``plot_im2col`` / ``plot_pool_expansion``: the im2col and pooling expansions as pictures.
"""

from .graph import COLOURS, draw_graph
from .im2col_picture import plot_im2col, plot_pool_expansion
from .layers import forward_graph
from .plots import (
    filter_smoothness,
    plot_feature_maps,
    plot_filters,
    plot_top_activations,
    top_activating,
)
from .render import DotNotFoundError, render

__all__ = [
    "COLOURS",
    "DotNotFoundError",
    "draw_graph",
    "filter_smoothness",
    "forward_graph",
    "plot_feature_maps",
    "plot_filters",
    "plot_im2col",
    "plot_pool_expansion",
    "plot_top_activations",
    "render",
    "top_activating",
]
