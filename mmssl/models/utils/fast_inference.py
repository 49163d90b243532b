"""Memory-format and reduced-precision helpers for fast forward passes.

Channels-last keeps the channels of a voxel next to each other, the layout
oneDNN (CPU) and cuDNN convolutions run fastest in; 5-D tensors use
``torch.channels_last_3d`` and 4-D ones ``torch.channels_last``. Values are
unchanged: only the strides differ.
"""
from contextlib import nullcontext

import torch
import torch.nn as nn

AUTOCAST_DTYPES = {
    'bfloat16': torch.bfloat16,
    'float16': torch.float16,
}


def channels_last_format(ndim: int):
    """The channels-last memory format of an ``ndim``-D tensor, or None
    (no channels-last layout exists for other ranks)."""
    return {4: torch.channels_last, 5: torch.channels_last_3d}.get(ndim)


def to_channels_last(tensor: torch.Tensor) -> torch.Tensor:
    """``tensor`` in channels-last layout; tensors of other ranks as is."""
    memory_format = channels_last_format(tensor.dim())
    if memory_format is None:
        return tensor
    return tensor.contiguous(memory_format=memory_format)


def is_channels_last(tensor: torch.Tensor) -> bool:
    memory_format = channels_last_format(tensor.dim())
    return (memory_format is not None
            and tensor.is_contiguous(memory_format=memory_format))


def convert_to_channels_last(module: nn.Module) -> nn.Module:
    """Store every 4-D and 5-D parameter and buffer of ``module`` in
    channels-last layout, in place (the Parameter objects stay the same, so
    optimizers keep working).

    A convolution with channels-last weights returns channels-last outputs
    even for a 1-channel input, whose layout is ambiguous; converting the
    weights is what switches a network over.
    """
    return module._apply(to_channels_last)


def check_autocast_dtype(dtype):
    """Validate a config's autocast dtype name; None means fp32."""
    if dtype is None or dtype in AUTOCAST_DTYPES:
        return dtype
    raise ValueError(f'autocast must be None (fp32) or one of '
                     f'{sorted(AUTOCAST_DTYPES)}, got {dtype!r}')


def autocast_context(device_type: str, dtype=None):
    """``torch.autocast`` for ``dtype`` (a name of :data:`AUTOCAST_DTYPES`)
    on ``device_type``, or a no-op context for None."""
    if check_autocast_dtype(dtype) is None:
        return nullcontext()
    return torch.autocast(device_type=device_type,
                          dtype=AUTOCAST_DTYPES[dtype])
