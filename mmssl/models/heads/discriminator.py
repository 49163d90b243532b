"""SASSNet's discriminator of (signed distance map, image) pairs."""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmssl.registry import MODELS


@MODELS.register_module()
class ShapeDiscriminator(BaseModule):
    """Classifies an (SDF map, image) pair as coming from a labeled (class 1)
    or unlabeled (class 0) case, as SASSNet's ``FC3DDiscriminator``.

    The map and the image each go through a 4x4x4 stride-2 conv to
    ``base_channels``; the two are summed, then LeakyReLU(0.2) + Dropout,
    two more (conv stride 2, LeakyReLU, Dropout) stages and one (conv stride
    2, LeakyReLU) stage doubling the channels (64 -> 128 -> 256 -> 512), an
    average pool over the remaining grid and a linear layer to 2 logits.
    SASSNet pools with a fixed ``AvgPool3d((7, 7, 5))``, which on its
    112x112x80 patch is the global average used here; the global average
    also accepts other patch sizes.

    Args:
        map_channels: Channels of the SDF map (foreground classes).
        image_channels: Channels of the image.
        base_channels: Width of the first stage (64 in SASSNet).
        num_stages: Stride-2 convs after the first one (3 in SASSNet).
        dropout_ratio: Dropout3d/2d probability (0.5 in SASSNet).
        negative_slope: LeakyReLU slope (0.2).
        ndim: 3 for volumes, 2 for images.
    """

    def __init__(self,
                 map_channels: int = 1,
                 image_channels: int = 1,
                 base_channels: int = 64,
                 num_stages: int = 3,
                 dropout_ratio: float = 0.5,
                 negative_slope: float = 0.2,
                 ndim: int = 3,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if ndim not in (2, 3):
            raise ValueError(f'ShapeDiscriminator: ndim must be 2 or 3, got '
                             f'{ndim}')
        conv = nn.Conv3d if ndim == 3 else nn.Conv2d
        dropout = nn.Dropout3d if ndim == 3 else nn.Dropout2d
        pool = nn.AdaptiveAvgPool3d if ndim == 3 else nn.AdaptiveAvgPool2d
        self.ndim = ndim
        self.map_channels = map_channels
        self.image_channels = image_channels
        self.map_conv = conv(map_channels, base_channels, 4, 2, 1)
        self.image_conv = conv(image_channels, base_channels, 4, 2, 1)
        self.first_act = nn.Sequential(
            nn.LeakyReLU(negative_slope), dropout(dropout_ratio))
        stages = []
        channels = base_channels
        for i in range(num_stages):
            layers = [conv(channels, channels * 2, 4, 2, 1),
                      nn.LeakyReLU(negative_slope)]
            if i < num_stages - 1:
                layers.append(dropout(dropout_ratio))
            stages.append(nn.Sequential(*layers))
            channels *= 2
        self.stages = nn.Sequential(*stages)
        self.pool = pool(1)
        self.classifier = nn.Linear(channels, 2)

    def forward(self, sdf_map: torch.Tensor,
                image: torch.Tensor) -> torch.Tensor:
        """(N, map_channels, *spatial), (N, image_channels, *spatial) ->
        (N, 2) logits (class 1 = labeled)."""
        expected = self.ndim + 2
        if (sdf_map.dim() != expected or image.dim() != expected
                or sdf_map.shape[1] != self.map_channels
                or image.shape[1] != self.image_channels
                or sdf_map.shape[2:] != image.shape[2:]
                or sdf_map.shape[0] != image.shape[0]):
            raise ValueError(
                f'ShapeDiscriminator expects a map (N, {self.map_channels}, '
                f'*S) and an image (N, {self.image_channels}, *S) with '
                f'{self.ndim} spatial axes, got {tuple(sdf_map.shape)} and '
                f'{tuple(image.shape)}')
        feat = self.map_conv(sdf_map) + self.image_conv(image)
        feat = self.stages(self.first_act(feat))
        return self.classifier(self.pool(feat).flatten(1))
