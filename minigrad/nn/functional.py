"""``minigrad.nn.functional`` (imported as ``F``): the stateless ops that layers are made of."""

from ..ops import pad  # noqa: F401

# convolution and pooling (im2col based)
from ..ops.conv import col2im, conv2d, im2col  # noqa: F401
from ..ops.pool import avg_pool2d, max_pool2d  # noqa: F401

# isort: split

# activations, dropout, normalisation and losses
from ..ops.activation import (  # noqa: F401
    dropout,
    linear,
    log_softmax,
    logsigmoid,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from ..ops.loss import cross_entropy, mse_loss, nll_loss  # noqa: F401
from ..ops.norm import batch_norm, local_response_norm  # noqa: F401
