"""Soft Dice loss of UA-MT / SASSNet / DTC."""
from typing import Optional

import torch
import torch.nn as nn

from mmssl.registry import MODELS
from .utils import check_logits_target, logits_to_probs


def soft_dice_loss(probs: torch.Tensor,
                   target: torch.Tensor,
                   smooth: float = 1e-5,
                   mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``1 - (2 sum(p y) + s) / (sum(p^2) + sum(y^2) + s)`` over all elements.

    The sums run over the whole batch at once (not per case), as in the
    reference ``dice_loss``. ``mask`` (same shape, 0/1) drops elements.
    """
    target = target.to(probs.dtype)
    if mask is not None:
        probs = probs * mask
        target = target * mask
    intersect = torch.sum(probs * target)
    denominator = torch.sum(probs * probs) + torch.sum(target * target)
    return 1 - (2 * intersect + smooth) / (denominator + smooth)


@MODELS.register_module()
class DiceLoss(nn.Module):
    """Soft Dice loss on class probabilities.

    The activation follows the number of channels: one channel means a
    sigmoid (foreground) output, two or more a softmax. For a binary task the
    loss is the reference Dice on the foreground probability (sigmoid output
    or softmax channel 1). With more classes it is the mean of the per-class
    Dice losses over classes 1..C-1 (0..C-1 with ``include_background``).

    Args:
        loss_weight: Multiplier of the loss.
        loss_name: Key of the loss in the loss dict; must contain 'loss' so
            MMEngine adds it to the total.
        include_background: Also average over class 0 (softmax only).
        smooth: Added to numerator and denominator (1e-5 in the reference).
        ignore_index: Label value whose voxels are left out, or None.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_dice',
                 include_background: bool = False,
                 smooth: float = 1e-5,
                 ignore_index: Optional[int] = None):
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name
        self.include_background = include_background
        self.smooth = smooth
        self.ignore_index = ignore_index

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(self, logits: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        """logits: (N, C, *spatial); target: integer labels (N, *spatial)."""
        target = check_logits_target(logits, target, type(self).__name__)
        probs = logits_to_probs(logits)
        mask = None
        if self.ignore_index is not None:
            mask = (target != self.ignore_index).to(probs.dtype)
        num_channels = logits.shape[1]
        if num_channels == 1:
            classes = [1]
            channel_of = {1: 0}
        else:
            first = 0 if self.include_background else 1
            classes = list(range(first, num_channels))
            channel_of = {c: c for c in classes}
        losses = [
            soft_dice_loss(probs[:, channel_of[c]], target == c, self.smooth,
                           mask) for c in classes
        ]
        return self.loss_weight * torch.stack(losses).mean()
