"""Segmentation head: a 1x1(x1) convolution to class scores, plus losses."""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmssl.registry import MODELS
from ..losses.utils import logits_to_probs

# The supervised loss of UA-MT / SASSNet / DTC: 0.5 * (CE + Dice).
DEFAULT_LOSSES = (
    dict(type='CrossEntropyLoss', loss_weight=0.5),
    dict(type='DiceLoss', loss_weight=0.5),
)


def stack_gt_labels(data_samples: Sequence) -> torch.Tensor:
    """Stack ``gt_label`` of the samples into a long (N, *spatial) tensor."""
    labels = []
    for i, sample in enumerate(data_samples):
        if 'gt_label' not in sample:
            name = sample.metainfo.get('case_name', f'#{i}')
            raise KeyError(f'data sample {name} has no gt_label, which the '
                           'supervised segmentation loss needs')
        labels.append(sample.gt_label)
    shapes = {tuple(label.shape) for label in labels}
    if len(shapes) > 1:
        names = [s.metainfo.get('case_name', f'#{i}')
                 for i, s in enumerate(data_samples)]
        raise ValueError('gt_label shapes differ within the batch: ' +
                         ', '.join(f'{n}: {tuple(label.shape)}'
                                   for n, label in zip(names, labels)))
    return torch.stack(labels).long()


@MODELS.register_module()
class SegHead(BaseModule):
    """1x1(x1) conv to ``num_classes`` channels.

    ``num_classes == 1`` is a binary task with a sigmoid output; ``>= 2`` uses
    a softmax over the channels.

    Args:
        in_channels: Channels of the backbone feature.
        num_classes: Output channels (1 = sigmoid, >= 2 = softmax).
        losses: Loss configs (built with ``MODELS``); their values are summed
            into the loss dict under each loss's ``loss_name``. None means
            the reference ``0.5 * CE + 0.5 * Dice``; an empty list means the
            head is not supervised.
        ndim: 3 for volumes, 2 for images.
        init_cfg: MMEngine initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 losses: Optional[List[dict]] = None,
                 ndim: int = 3,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if num_classes < 1:
            raise ValueError(f'num_classes must be >= 1, got {num_classes}')
        if ndim not in (2, 3):
            raise ValueError(f'ndim must be 2 or 3, got {ndim}')
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.ndim = ndim
        conv_cls = nn.Conv3d if ndim == 3 else nn.Conv2d
        self.conv_seg = conv_cls(in_channels, num_classes, 1, padding=0)
        if losses is None:
            losses = [dict(cfg) for cfg in DEFAULT_LOSSES]
        elif isinstance(losses, dict):
            losses = [losses]
        self.losses = nn.ModuleList(
            [MODELS.build(cfg) if isinstance(cfg, dict) else cfg
             for cfg in losses])

    @property
    def use_sigmoid(self) -> bool:
        return self.num_classes == 1

    def forward(self, feat: torch.Tensor) -> torch.Tensor:
        if feat.dim() != self.ndim + 2 or feat.shape[1] != self.in_channels:
            raise ValueError(
                f'SegHead expects a feature of shape (N, {self.in_channels}, '
                f'*{self.ndim} spatial axes), got {tuple(feat.shape)}')
        return self.conv_seg(feat)

    def probs(self, logits: torch.Tensor) -> torch.Tensor:
        """Class probabilities: sigmoid (1 channel) or softmax."""
        return logits_to_probs(logits)

    def predict_label(self, probs: torch.Tensor) -> torch.Tensor:
        """Labels (N, *spatial) from probabilities (N, K, *spatial)."""
        if probs.shape[1] == 1:
            return (probs[:, 0] > 0.5).long()
        return probs.argmax(dim=1)

    def loss(self, logits: torch.Tensor, gt_label: torch.Tensor) -> dict:
        """Sum of the configured losses, keyed by ``loss_name``."""
        if len(self.losses) == 0:
            raise RuntimeError('SegHead.loss called but the head has no '
                               'losses configured')
        gt_label = gt_label.to(logits.device)
        # Under autocast the logits may be bf16/fp16; whole-volume Dice sums
        # lose all precision there, so losses are computed in float32.
        logits = logits.float()
        losses = dict()
        for loss_module in self.losses:
            name = loss_module.loss_name
            value = loss_module(logits, gt_label)
            # Same name twice (e.g. two Dice terms) adds up, like MMSeg.
            losses[name] = losses[name] + value if name in losses else value
        return losses

    def loss_by_samples(self, logits: torch.Tensor,
                        data_samples: Sequence) -> dict:
        """Loss against the ``gt_label`` of each data sample.

        Heads with other targets (e.g. signed-distance maps) implement the
        same method, so segmentors can call every head alike.
        """
        return self.loss(logits, stack_gt_labels(data_samples))
