"""A user's own component, registered into mmssl from outside the package.

The Tversky loss (Salehi et al., 2017) weighs false positives and false
negatives separately: 1 - TP / (TP + alpha FP + beta FN).
"""
import torch.nn as nn

from mmssl.models.losses.utils import check_logits_target, logits_to_probs
from mmssl.registry import MODELS


@MODELS.register_module()
class TverskyLoss(nn.Module):

    def __init__(self, alpha=0.3, beta=0.7, smooth=1e-5, loss_weight=1.0,
                 loss_name='loss_tversky'):
        super().__init__()
        self.alpha, self.beta, self.smooth = alpha, beta, smooth
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    @property
    def loss_name(self):
        return self._loss_name

    def forward(self, logits, target):
        target = check_logits_target(logits, target, self._loss_name)
        probs = logits_to_probs(logits)
        # Foreground probability: the sigmoid output or softmax channel 1.
        foreground = probs[:, 0] if probs.shape[1] == 1 else probs[:, 1]
        truth = (target == 1).to(foreground.dtype)
        tp = (foreground * truth).sum()
        fp = (foreground * (1 - truth)).sum()
        fn = ((1 - foreground) * truth).sum()
        tversky = (tp + self.smooth) / (
            tp + self.alpha * fp + self.beta * fn + self.smooth)
        return self.loss_weight * (1 - tversky)
