"""Memory-format and reduced-precision helpers for fast forward passes.

Channels-last keeps the channels of a voxel next to each other, the layout
oneDNN (CPU) and cuDNN convolutions run fastest in; 5-D tensors use
``torch.channels_last_3d`` and 4-D ones ``torch.channels_last``. Values are
unchanged: only the strides differ.
"""
import copy
from contextlib import nullcontext

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd

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


def _fold_pair(conv: _ConvNd, bn: _BatchNorm) -> bool:
    """Fold an eval-mode BatchNorm into the convolution before it."""
    if (bn.training or bn.running_mean is None
            or (conv.transposed and conv.groups != 1)):
        return False
    with torch.no_grad():
        scale = bn.running_var.add(bn.eps).rsqrt()
        if bn.weight is not None:
            scale = scale * bn.weight
        shift = -bn.running_mean * scale
        if bn.bias is not None:
            shift = shift + bn.bias
        # Output channels: dim 0 of a convolution's weight, dim 1 of a
        # transposed one's.
        axis = 1 if conv.transposed else 0
        shape = [1] * conv.weight.dim()
        shape[axis] = -1
        conv.weight.mul_(scale.view(shape))
        bias = shift if conv.bias is None else conv.bias * scale + shift
        conv.bias = nn.Parameter(bias, requires_grad=False)
    return True


def fold_batchnorm(module: nn.Module) -> int:
    """Fold every BatchNorm that directly follows a convolution inside an
    ``nn.Sequential`` into that convolution, in place, and replace it with
    ``nn.Identity``. Only valid for inference (BatchNorm in eval mode);
    returns the number of folded layers.

    Eval-mode BatchNorm is a per-channel affine map that costs a full pass
    over each feature map (a third of a VNet window's CPU time in
    channels-last layout); folded, it is free.
    """
    folded = 0
    for sequential in [m for m in module.modules()
                       if isinstance(m, nn.Sequential)]:
        names = list(sequential._modules)
        for first, second in zip(names, names[1:]):
            conv = sequential._modules[first]
            bn = sequential._modules[second]
            if (isinstance(conv, _ConvNd) and isinstance(bn, _BatchNorm)
                    and _fold_pair(conv, bn)):
                sequential._modules[second] = nn.Identity()
                folded += 1
    return folded


def inference_copy(module: nn.Module, channels_last: bool = False,
                   fold_bn: bool = False) -> nn.Module:
    """A copy of ``module`` prepared for fast inference; the module itself
    is left as it is (its weights may still be trained)."""
    fast = copy.deepcopy(module).requires_grad_(False)
    for submodule in fast.modules():
        # A compiled module (nn.Module.compile) would call the original's
        # forward, with the original weights.
        submodule._compiled_call_impl = None
    if fold_bn:
        fold_batchnorm(fast)
    if channels_last:
        convert_to_channels_last(fast)
    return fast
