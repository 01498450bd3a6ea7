"""``minigrad.nn.functional`` (imported as ``F``): the stateless ops that layers are made of."""

from ..ops import pad  # noqa: F401

# convolution and pooling (im2col based)
from ..ops.conv import col2im, conv2d, conv_transpose2d, im2col  # noqa: F401
from ..ops.pool import (  # noqa: F401
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool2d,
    max_pool2d,
)

# isort: split

# activations, dropout, normalisation and losses
from ..ops.activation import (  # noqa: F401
    dropout,
    linear,
    log_softmax,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from ..ops.loss import cross_entropy, mse_loss, nll_loss  # noqa: F401
from ..ops.norm import batch_norm, local_response_norm  # noqa: F401
