"""Signed-distance head of DTC and SASSNet: a 1x1(x1) convolution + tanh."""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmssl.registry import MODELS


def stack_gt_sdf(data_samples: Sequence) -> torch.Tensor:
    """Stack ``gt_sdf`` of the samples into a float (N, K, *spatial) tensor."""
    maps = []
    for i, sample in enumerate(data_samples):
        if 'gt_sdf' not in sample:
            name = sample.metainfo.get('case_name', f'#{i}')
            raise KeyError(
                f'data sample {name} has no gt_sdf, which the SDF head\'s '
                'loss needs: add dict(type="GenerateSDF") to the training '
                'pipeline after the spatial augmentations')
        maps.append(sample.gt_sdf)
    shapes = {tuple(m.shape) for m in maps}
    if len(shapes) > 1:
        raise ValueError(f'gt_sdf shapes differ within the batch: '
                         f'{sorted(shapes)}')
    return torch.stack(maps).float()


@MODELS.register_module()
class SDFHead(BaseModule):
    """``tanh(conv1x1(feat))``: one signed distance map per foreground class.

    The output lies in (-1, 1), negative inside the object, and is compared
    with the normalised SDF target of ``GenerateSDF`` (``gt_sdf``). DTC and
    SASSNet put this head next to a one-channel segmentation head
    (``num_classes=1``).

    Args:
        in_channels: Channels of the backbone feature.
        num_classes: Number of maps = foreground classes (1 for binary).
        losses: Loss configs against ``gt_sdf``; None means DTC's
            ``SDFRegressionLoss(loss_weight=0.3)``; an empty list leaves the
            head unsupervised (its output may still feed unsupervised terms).
        ndim: 3 for volumes, 2 for images.
        init_cfg: MMEngine initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int = 1,
                 losses: Optional[List[dict]] = None,
                 ndim: int = 3,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if num_classes < 1:
            raise ValueError(f'SDFHead: num_classes must be >= 1, got '
                             f'{num_classes}')
        if ndim not in (2, 3):
            raise ValueError(f'SDFHead: ndim must be 2 or 3, got {ndim}')
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.ndim = ndim
        conv_cls = nn.Conv3d if ndim == 3 else nn.Conv2d
        self.conv_sdf = conv_cls(in_channels, num_classes, 1)
        if losses is None:
            losses = [dict(type='SDFRegressionLoss', loss_weight=0.3)]
        elif isinstance(losses, dict):
            losses = [losses]
        self.losses = nn.ModuleList(
            [MODELS.build(cfg) if isinstance(cfg, dict) else cfg
             for cfg in losses])

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        if feat.dim() != self.ndim + 2 or feat.shape[1] != self.in_channels:
            raise ValueError(
                f'SDFHead expects a feature of shape (N, {self.in_channels}, '
                f'*{self.ndim} spatial axes), got {tuple(feat.shape)}')
        return torch.tanh(self.conv_sdf(feat))

    def loss_by_samples(self, sdf: torch.Tensor,
                        data_samples: Sequence) -> dict:
        """Sum of the configured losses against each sample's ``gt_sdf``."""
        target = stack_gt_sdf(data_samples).to(sdf.device)
        if target.shape != sdf.shape:
            raise ValueError(
                f'SDFHead: gt_sdf {tuple(target.shape)} does not match the '
                f'head output {tuple(sdf.shape)}; GenerateSDF(num_classes) '
                f'must give num_classes - 1 = {self.num_classes} maps')
        losses = dict()
        for loss_module in self.losses:
            name = loss_module.loss_name
            value = loss_module(sdf.float(), target)
            losses[name] = losses[name] + value if name in losses else value
        return losses
