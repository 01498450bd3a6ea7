"""``minigrad.nn.functional`` (imported as ``F``): the stateless ops that layers are made of."""

# convolution and pooling (im2col based)
from ..functional.conv import col2im, conv2d, conv_transpose2d, im2col  # noqa: F401
from ..functional.conv_nd import (  # noqa: F401  (on conv2d)
    conv1d,
    conv3d,
    conv_transpose1d,
    conv_transpose3d,
)
from ..functional.fractional_pool import (  # noqa: F401
    fractional_max_pool2d,
    fractional_max_pool2d_with_indices,
)
from ..functional.lp_pool import lp_pool1d, lp_pool2d, lp_pool3d  # noqa: F401  (on avg pools)
from ..functional.pool import (  # noqa: F401
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool2d,
    max_pool2d,
)
from ..functional.pool_nd import (  # noqa: F401  (all built on the 2-D pools)
    adaptive_avg_pool1d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
    avg_pool1d,
    avg_pool3d,
    max_pool1d,
    max_pool3d,
)
from ..functional.sampling_grid import affine_grid, grid_sample  # noqa: F401
from ..functional.unpool import max_unpool1d, max_unpool2d, max_unpool3d  # noqa: F401
from ..ops import pad  # noqa: F401

# isort: split

# activations, dropout, normalisation and losses
from ..functional.activation import (  # noqa: F401
    dropout,
    linear,
    log_softmax,
    logsigmoid,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from ..functional.loss import cross_entropy, mse_loss, nll_loss  # noqa: F401
from ..functional.norm import batch_norm, local_response_norm  # noqa: F401

# isort: split

# more activations, normalisations, losses, padding modes and resizing (PyTorch signatures)
from ..functional.activation import (  # noqa: E402, F401
    dropout1d,
    dropout2d,
    dropout3d,
    elu,
    gelu,
    hardtanh,
    leaky_relu,
    relu6,
    silu,
    softplus,
)
from ..functional.embedding import embedding, embedding_bag, one_hot  # noqa: E402, F401
from ..functional.loss import (  # noqa: E402, F401
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    l1_loss,
    smooth_l1_loss,
)
from ..functional.norm import group_norm, layer_norm  # noqa: E402, F401
from ..functional.resize import interpolate  # noqa: E402, F401
from ..functional.resize import pad as pad  # noqa: E402, F811  (F.pad with mode=, replaces ops.pad)

# isort: split

# issue 25: more activations, losses, instance norm, pixel shuffle, fold/unfold
from ..functional.activation import (  # noqa: E402, F401
    celu,
    hardsigmoid,
    hardswish,
    mish,
    prelu,
    selu,
    softsign,
    tanhshrink,
)
from ..functional.loss import (  # noqa: E402, F401
    cosine_embedding_loss,
    cosine_similarity,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    pairwise_distance,
    soft_margin_loss,
    triplet_margin_loss,
)
from ..functional.norm import instance_norm  # noqa: E402, F401
from ..functional.numeric import normalize  # noqa: E402, F401
from .fold import fold, unfold  # noqa: E402, F401
from .pixel_shuffle import pixel_shuffle, pixel_unshuffle  # noqa: E402, F401

# isort: split

# channel shuffle and alpha dropout (SELU networks)
from .dropout import alpha_dropout, feature_alpha_dropout  # noqa: E402, F401
from .pixel_shuffle import channel_shuffle  # noqa: E402, F401

# isort: split

# small activations, bilinear and RMS norm (composites of core ops)
from ..functional.activation import (  # noqa: E402, F401
    bilinear,
    glu,
    hardshrink,
    softmin,
    softshrink,
    threshold,
)
from ..functional.norm import rms_norm  # noqa: E402, F401

# isort: split

# attention: scaled dot-product attention and MultiheadAttention's functional form
from ..functional.attention import scaled_dot_product_attention  # noqa: E402, F401
from .attention import multi_head_attention_forward  # noqa: E402, F401

# isort: split

# more losses (Gaussian and Poisson NLL, multi-label soft margin, triplet with a distance of
# one's own, CTC), pdist, and the random activations RReLU and Gumbel-softmax
from ..functional.activation import gumbel_softmax, rrelu  # noqa: E402, F401
from ..functional.ctc import ctc_loss  # noqa: E402, F401
from ..functional.linalg import pdist  # noqa: E402, F401
from ..functional.loss import (  # noqa: E402, F401
    gaussian_nll_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    triplet_margin_with_distance_loss,
)
