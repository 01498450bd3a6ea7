"""``minigrad.nn.functional`` (imported as ``F``): the stateless ops that layers are made of."""

from ..ops import pad

# convolution and pooling (im2col based)

# activations, dropout, normalisation and losses
