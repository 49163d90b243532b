"""VNet backbone as used by UA-MT, SASSNet and DTC.

The layout, channel widths and the places where dropout is applied follow the
reference VNet of those papers so that parameter counts (and therefore
results) are comparable. Unlike the reference, the output 1x1x1 convolution
lives in a head (``SegHead``), so several heads can share this backbone.
"""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmssl.registry import MODELS

# Short names of the normalizations the reference VNet offers.
NORM_NAMES = ('batchnorm', 'groupnorm', 'instancenorm', 'none')
DROPOUT_STAGES = ('bottleneck', 'last')


def _conv_cls(ndim):
    return {2: nn.Conv2d, 3: nn.Conv3d}[ndim]


def _deconv_cls(ndim):
    return {2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}[ndim]


def build_norm(norm: Union[str, dict, None], channels: int,
               ndim: int) -> Optional[nn.Module]:
    """Build a normalization layer, or None for no normalization.

    ``norm`` is one of the reference's names ('batchnorm', 'groupnorm' with 16
    groups, 'instancenorm' without affine parameters, 'none') or an mmcv-style
    ``norm_cfg`` dict such as ``dict(type='GN', num_groups=8)``.
    """
    if norm is None or norm == 'none':
        return None
    if isinstance(norm, dict):
        # Imported lazily: mmcv.cnn is only needed for dict configs.
        from mmcv.cnn import build_norm_layer
        return build_norm_layer(norm, channels)[1]
    if norm == 'batchnorm':
        return {2: nn.BatchNorm2d, 3: nn.BatchNorm3d}[ndim](channels)
    if norm == 'groupnorm':
        return nn.GroupNorm(num_groups=16, num_channels=channels)
    if norm == 'instancenorm':
        return {2: nn.InstanceNorm2d, 3: nn.InstanceNorm3d}[ndim](channels)
    raise ValueError(f'Unknown norm {norm!r}; expected one of {NORM_NAMES} '
                     'or an mmcv norm_cfg dict')


def _conv_norm_relu(conv: nn.Module, norm, channels: int,
                    ndim: int) -> list:
    layers = [conv]
    norm_layer = build_norm(norm, channels, ndim)
    if norm_layer is not None:
        layers.append(norm_layer)
    layers.append(nn.ReLU(inplace=True))
    return layers


class ConvStage(nn.Sequential):
    """``num_convs`` x (3x3x3 conv, padding 1 -> norm -> ReLU)."""

    def __init__(self, num_convs: int, in_channels: int, out_channels: int,
                 norm, ndim: int = 3):
        layers = []
        for i in range(num_convs):
            conv_in = in_channels if i == 0 else out_channels
            conv = _conv_cls(ndim)(conv_in, out_channels, 3, padding=1)
            layers += _conv_norm_relu(conv, norm, out_channels, ndim)
        super().__init__(*layers)


class DownBlock(nn.Sequential):
    """Halve the resolution: 2x2x2 stride-2 conv -> norm -> ReLU."""

    def __init__(self, in_channels: int, out_channels: int, norm,
                 ndim: int = 3):
        conv = _conv_cls(ndim)(
            in_channels, out_channels, 2, stride=2, padding=0)
        super().__init__(*_conv_norm_relu(conv, norm, out_channels, ndim))


class UpBlock(nn.Sequential):
    """Double the resolution: 2x2x2 stride-2 transposed conv -> norm -> ReLU.
    """

    def __init__(self, in_channels: int, out_channels: int, norm,
                 ndim: int = 3):
        conv = _deconv_cls(ndim)(
            in_channels, out_channels, 2, stride=2, padding=0)
        super().__init__(*_conv_norm_relu(conv, norm, out_channels, ndim))


@MODELS.register_module()
class VNet(BaseModule):
    """Reference VNet encoder-decoder without its output convolution.

    Encoder stages have 1/2/3/3/3 convs at c/2c/4c/8c/16c channels
    (c = ``base_channels``); decoder stages have 3/3/2/1 convs at 8c/4c/2c/c,
    and skips are added (not concatenated) to the upsampled features.

    Args:
        in_channels: Input image channels.
        base_channels: Channels of the first stage (16 in the reference).
        norm: 'batchnorm' (reference setting of UA-MT/SASSNet/DTC),
            'groupnorm' (16 groups), 'instancenorm', 'none', or an mmcv
            ``norm_cfg`` dict, e.g. ``dict(type='GN', num_groups=8)``.
        dropout_ratio: Probability of the (channel-wise) dropout.
        dropout_stages: Where dropout is applied: any of 'bottleneck' (the
            deepest encoder feature) and 'last' (the last decoder feature).
            The reference applies both.
        has_dropout: Master switch, as in the reference; False disables
            dropout regardless of ``dropout_stages``.
        ndim: 3 for volumes (N, C, H, W, D); 2 for images (N, C, H, W).
        init_cfg: MMEngine initialization config. The reference uses
            PyTorch's default initialization, which is the default here.

    Returns (forward):
        The last decoder feature, shape (N, base_channels, *spatial).
    """

    # Input sizes must be divisible by 2**4: four stride-2 downsamplings.
    size_divisor = 16

    def __init__(self,
                 in_channels: int = 1,
                 base_channels: int = 16,
                 norm: Union[str, dict, None] = 'batchnorm',
                 dropout_ratio: float = 0.5,
                 dropout_stages: Sequence[str] = DROPOUT_STAGES,
                 has_dropout: bool = True,
                 ndim: int = 3,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if ndim not in (2, 3):
            raise ValueError(f'ndim must be 2 or 3, got {ndim}')
        if isinstance(dropout_stages, str):
            dropout_stages = (dropout_stages, )
        unknown = set(dropout_stages) - set(DROPOUT_STAGES)
        if unknown:
            raise ValueError(f'Unknown dropout_stages {sorted(unknown)}; '
                             f'choose from {DROPOUT_STAGES}')
        if isinstance(norm, str) and norm not in NORM_NAMES:
            raise ValueError(f'Unknown norm {norm!r}; expected one of '
                             f'{NORM_NAMES} or an mmcv norm_cfg dict')
        self.in_channels = in_channels
        self.base_channels = base_channels
        self.out_channels = base_channels
        self.ndim = ndim
        self.dropout_stages = tuple(dropout_stages) if has_dropout else ()

        c = base_channels
        self.encoder_stages = nn.ModuleList([
            ConvStage(1, in_channels, c, norm, ndim),
            ConvStage(2, 2 * c, 2 * c, norm, ndim),
            ConvStage(3, 4 * c, 4 * c, norm, ndim),
            ConvStage(3, 8 * c, 8 * c, norm, ndim),
            ConvStage(3, 16 * c, 16 * c, norm, ndim),
        ])
        self.down_blocks = nn.ModuleList([
            DownBlock(c, 2 * c, norm, ndim),
            DownBlock(2 * c, 4 * c, norm, ndim),
            DownBlock(4 * c, 8 * c, norm, ndim),
            DownBlock(8 * c, 16 * c, norm, ndim),
        ])
        self.up_blocks = nn.ModuleList([
            UpBlock(16 * c, 8 * c, norm, ndim),
            UpBlock(8 * c, 4 * c, norm, ndim),
            UpBlock(4 * c, 2 * c, norm, ndim),
            UpBlock(2 * c, c, norm, ndim),
        ])
        # decoder_stages[i] follows up_blocks[i] and its additive skip.
        self.decoder_stages = nn.ModuleList([
            ConvStage(3, 8 * c, 8 * c, norm, ndim),
            ConvStage(3, 4 * c, 4 * c, norm, ndim),
            ConvStage(2, 2 * c, 2 * c, norm, ndim),
            ConvStage(1, c, c, norm, ndim),
        ])
        # One module is enough: dropout has no parameters.
        dropout_cls = {2: nn.Dropout2d, 3: nn.Dropout3d}[ndim]
        self.dropout = dropout_cls(p=dropout_ratio, inplace=False)

    def _check_input(self, x: torch.Tensor):
        if x.dim() != self.ndim + 2:
            raise ValueError(
                f'VNet(ndim={self.ndim}) expects input of shape '
                f'(N, C, {", ".join("HWD"[:self.ndim])}), got '
                f'{tuple(x.shape)}')
        if x.shape[1] != self.in_channels:
            raise ValueError(f'VNet expects {self.in_channels} input '
                             f'channels, got shape {tuple(x.shape)}')
        spatial = tuple(x.shape[2:])
        if any(s % self.size_divisor for s in spatial):
            raise ValueError(
                f'VNet input spatial size {spatial} must be divisible by '
                f'{self.size_divisor} in every axis (four 2x downsamplings); '
                'pad or crop the input, e.g. use a patch size such as '
                '(112, 112, 80)')

    def encode(self, x: torch.Tensor) -> list:
        """Return the five encoder features, shallowest first."""
        features = []
        for i, stage in enumerate(self.encoder_stages):
            if i > 0:
                x = self.down_blocks[i - 1](x)
            x = stage(x)
            features.append(x)
        if 'bottleneck' in self.dropout_stages:
            features[-1] = self.dropout(features[-1])
        return features

    def decode(self, features: list) -> torch.Tensor:
        """Decode encoder features into the last (full-resolution) feature."""
        x = features[-1]
        skips = features[-2::-1]  # x4, x3, x2, x1
        for i in range(4):
            # Additive skip (the reference's x5_up + x4, ..., x8_up + x1).
            x = self.up_blocks[i](x) + skips[i]
            x = self.decoder_stages[i](x)
        if 'last' in self.dropout_stages:
            x = self.dropout(x)
        return x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        return self.decode(self.encode(x))
