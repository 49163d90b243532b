"""The 2-D UNet of SSL4MIS (Luo et al.), the network of its ACDC benchmark.

Encoder: five levels of ``ConvBlock`` at 16/32/64/128/256 channels, each
level after the first preceded by a 2x2 max-pool; every ``ConvBlock`` is
``conv3x3 -> BN -> LeakyReLU(0.01) -> Dropout(p) -> conv3x3 -> BN ->
LeakyReLU(0.01)`` with p = 0.05/0.1/0.2/0.3/0.5 per level. Decoder: four up
blocks, each a 1x1 conv to the skip's width, bilinear x2 upsampling
(``align_corners=True``), concatenation ``[skip, upsampled]`` and a
``ConvBlock`` without dropout.

Differences from SSL4MIS's ``UNet``:

* The output convolution is not part of the backbone: the backbone returns
  the last decoder feature (``channels[0]`` = 16 channels) and a head makes
  the class scores, so several heads can share it. mmssl's ``SegHead`` is a
  1x1 conv where SSL4MIS's ``out_conv`` is a 3x3 conv (padding 1): with 16
  channels and 4 classes that is 68 instead of 580 head parameters, all
  other parameters are the same (tested against a literal re-implementation
  in ``tests/test_models/test_unet2d.py``).
* Dropout is element-wise (``nn.Dropout``) as in SSL4MIS, so UA-MT's MC
  dropout samples it when the teacher's dropout is switched on.
"""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmssl.registry import MODELS
from .vnet import NORM_NAMES, build_norm

# SSL4MIS's UNet for ACDC.
SSL4MIS_CHANNELS = (16, 32, 64, 128, 256)
SSL4MIS_DROPOUT = (0.05, 0.1, 0.2, 0.3, 0.5)
UPSAMPLE_MODES = ('bilinear', 'deconv')


class ConvBlock(nn.Sequential):
    """conv3x3 -> norm -> LeakyReLU -> Dropout(p) -> conv3x3 -> norm ->
    LeakyReLU. A missing norm (``norm='none'``) is left out."""

    def __init__(self, in_channels: int, out_channels: int, dropout: float,
                 norm, negative_slope: float):
        layers = [nn.Conv2d(in_channels, out_channels, 3, padding=1)]
        layers += self._norm_act(norm, out_channels, negative_slope)
        layers.append(nn.Dropout(dropout))
        layers.append(nn.Conv2d(out_channels, out_channels, 3, padding=1))
        layers += self._norm_act(norm, out_channels, negative_slope)
        super().__init__(*layers)

    @staticmethod
    def _norm_act(norm, channels: int, negative_slope: float) -> list:
        norm_layer = build_norm(norm, channels, ndim=2)
        layers = [] if norm_layer is None else [norm_layer]
        return layers + [nn.LeakyReLU(negative_slope)]


class UpBlock(nn.Module):
    """Upsample the deeper feature to the skip's grid and width, concatenate
    ``[skip, upsampled]`` and apply a ``ConvBlock``.

    ``'bilinear'`` (SSL4MIS's default): a 1x1 conv to the skip's width, then
    bilinear x2 with ``align_corners=True``; ``'deconv'``: a 2x2 stride-2
    transposed conv to the skip's width.
    """

    def __init__(self, in_channels: int, skip_channels: int,
                 out_channels: int, dropout: float, norm,
                 negative_slope: float, upsample: str):
        super().__init__()
        self.upsample = upsample
        if upsample == 'bilinear':
            self.reduce = nn.Conv2d(in_channels, skip_channels, 1)
        else:
            self.reduce = nn.ConvTranspose2d(
                in_channels, skip_channels, 2, stride=2)
        self.conv = ConvBlock(2 * skip_channels, out_channels, dropout, norm,
                              negative_slope)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = self.reduce(x)
        if self.upsample == 'bilinear':
            x = F.interpolate(
                x, scale_factor=2, mode='bilinear', align_corners=True)
        return self.conv(torch.cat([skip, x], dim=1))


@MODELS.register_module()
class UNet2D(BaseModule):
    """SSL4MIS's 2-D UNet without its output convolution.

    Args:
        in_channels: Input image channels (1 for ACDC).
        base_channels: Width of the first level when ``channels`` is None;
            the levels then have ``base_channels * (1, 2, 4, 8, 16)``
            channels (16 gives SSL4MIS's 16/32/64/128/256).
        channels: Explicit widths of the encoder levels, shallowest first
            (overrides ``base_channels``); the number of levels is its
            length.
        dropout: Dropout probability per encoder level (one per level), or
            one value for all; SSL4MIS uses 0.05/0.1/0.2/0.3/0.5.
        decoder_dropout: Dropout probability in the decoder blocks (0 in
            SSL4MIS; the modules exist either way, so MC dropout finds
            them).
        norm: 'batchnorm' (SSL4MIS), 'groupnorm' (16 groups),
            'instancenorm', 'none', or an mmcv ``norm_cfg`` dict.
        negative_slope: LeakyReLU slope (PyTorch's default 0.01 in SSL4MIS).
        upsample: 'bilinear' (1x1 conv + bilinear x2, SSL4MIS) or 'deconv'
            (2x2 stride-2 transposed conv).
        init_cfg: MMEngine initialization config; default: PyTorch's
            initialization, as SSL4MIS.

    Returns (forward):
        The last decoder feature, shape (N, channels[0], H, W).
    """

    def __init__(self,
                 in_channels: int = 1,
                 base_channels: int = 16,
                 channels: Optional[Sequence[int]] = None,
                 dropout: Union[float, Sequence[float]] = SSL4MIS_DROPOUT,
                 decoder_dropout: float = 0.0,
                 norm: Union[str, dict, None] = 'batchnorm',
                 negative_slope: float = 0.01,
                 upsample: str = 'bilinear',
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if channels is None:
            channels = [base_channels * 2**i for i in range(5)]
        channels = [int(c) for c in channels]
        if len(channels) < 2 or any(c < 1 for c in channels):
            raise ValueError('UNet2D: channels must list at least two '
                             f'positive widths, got {channels}')
        if isinstance(dropout, (int, float)):
            dropout = [float(dropout)] * len(channels)
        dropout = [float(p) for p in dropout]
        if len(dropout) != len(channels):
            raise ValueError(
                f'UNet2D: dropout has {len(dropout)} values {dropout} for '
                f'{len(channels)} levels; give one per level')
        if any(not 0 <= p < 1 for p in dropout + [decoder_dropout]):
            raise ValueError('UNet2D: dropout probabilities must lie in '
                             f'[0, 1), got {dropout} and {decoder_dropout}')
        if isinstance(norm, str) and norm not in NORM_NAMES:
            raise ValueError(f'UNet2D: unknown norm {norm!r}; expected one '
                             f'of {NORM_NAMES} or an mmcv norm_cfg dict')
        if upsample not in UPSAMPLE_MODES:
            raise ValueError(f'UNet2D: upsample must be one of '
                             f'{UPSAMPLE_MODES}, got {upsample!r}')
        self.in_channels = in_channels
        self.channels = tuple(channels)
        self.out_channels = channels[0]
        # Each level after the first halves the grid.
        self.size_divisor = 2**(len(channels) - 1)

        self.encoder = nn.ModuleList([
            ConvBlock(in_channels if i == 0 else channels[i - 1], c,
                      dropout[i], norm, negative_slope)
            for i, c in enumerate(channels)
        ])
        self.pool = nn.MaxPool2d(2)
        # decoder[i] brings level (L - 1 - i) up to level (L - 2 - i).
        self.decoder = nn.ModuleList([
            UpBlock(channels[i + 1], channels[i], channels[i],
                    decoder_dropout, norm, negative_slope, upsample)
            for i in reversed(range(len(channels) - 1))
        ])

    def _check_input(self, x: torch.Tensor):
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'UNet2D expects input of shape (N, {self.in_channels}, H, '
                f'W), got {tuple(x.shape)}')
        if any(s % self.size_divisor for s in x.shape[2:]):
            raise ValueError(
                f'UNet2D input size {tuple(x.shape[2:])} must be divisible '
                f'by {self.size_divisor} ({len(self.channels) - 1} 2x '
                'poolings); pad or crop the input')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check_input(x)
        features = []
        for i, block in enumerate(self.encoder):
            if i > 0:
                x = self.pool(x)
            x = block(x)
            features.append(x)
        x = features[-1]
        for up, skip in zip(self.decoder, features[-2::-1]):
            x = up(x, skip)
        return x
