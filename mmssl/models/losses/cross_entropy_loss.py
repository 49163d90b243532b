"""Cross-entropy losses on integer label maps."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmssl.registry import MODELS
from .utils import check_logits_target


def binary_cross_entropy_on_labels(logits: torch.Tensor, target: torch.Tensor,
                                   ignore_index: Optional[int] = None):
    """Mean BCE-with-logits of a 1-channel output against ``target == 1``."""
    logits = logits[:, 0]
    foreground = (target == 1).to(logits.dtype)
    if ignore_index is None:
        return F.binary_cross_entropy_with_logits(logits, foreground)
    keep = target != ignore_index
    if not keep.any():
        # Nothing to learn from; keep the graph connected.
        return logits.sum() * 0
    return F.binary_cross_entropy_with_logits(logits[keep], foreground[keep])


@MODELS.register_module()
class CrossEntropyLoss(nn.Module):
    """Mean cross-entropy over voxels.

    With two or more channels this is ``F.cross_entropy`` (softmax); with a
    single channel it is BCE-with-logits on ``target == 1`` (sigmoid).

    Args:
        loss_weight: Multiplier of the loss.
        loss_name: Key of the loss in the loss dict.
        ignore_index: Label value whose voxels are left out, or None.
        class_weight: Optional per-class weights (softmax only).
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ce',
                 ignore_index: Optional[int] = None,
                 class_weight: Optional[list] = None):
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name
        self.ignore_index = ignore_index
        self.class_weight = class_weight

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(self, logits: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        """logits: (N, C, *spatial); target: integer labels (N, *spatial)."""
        target = check_logits_target(logits, target, type(self).__name__)
        if logits.shape[1] == 1:
            loss = binary_cross_entropy_on_labels(logits, target,
                                                  self.ignore_index)
        else:
            weight = None
            if self.class_weight is not None:
                weight = logits.new_tensor(self.class_weight)
            loss = F.cross_entropy(
                logits,
                target,
                weight=weight,
                ignore_index=-100
                if self.ignore_index is None else self.ignore_index)
        return self.loss_weight * loss


@MODELS.register_module()
class BCEWithLogitsLoss(nn.Module):
    """BCE-with-logits of a 1-channel output against ``target == 1``.

    Args:
        loss_weight: Multiplier of the loss.
        loss_name: Key of the loss in the loss dict.
        ignore_index: Label value whose voxels are left out, or None.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_bce',
                 ignore_index: Optional[int] = None):
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name
        self.ignore_index = ignore_index

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(self, logits: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        target = check_logits_target(logits, target, type(self).__name__)
        if logits.shape[1] != 1:
            raise ValueError(
                'BCEWithLogitsLoss expects 1-channel logits (N, 1, *spatial),'
                f' got shape {tuple(logits.shape)}; use CrossEntropyLoss for '
                'softmax outputs')
        return self.loss_weight * binary_cross_entropy_on_labels(
            logits, target, self.ignore_index)
