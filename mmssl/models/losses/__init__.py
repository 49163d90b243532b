from .cross_entropy_loss import BCEWithLogitsLoss, CrossEntropyLoss
from .dice_loss import DiceLoss, soft_dice_loss
from .unsupervised import (KLConsistency, SoftmaxMSEConsistency,
                           UncertaintyMaskedConsistency, UnsupervisedTerm)
from .utils import logits_to_probs

__all__ = [
    'BCEWithLogitsLoss', 'CrossEntropyLoss', 'DiceLoss', 'KLConsistency',
    'SoftmaxMSEConsistency', 'UncertaintyMaskedConsistency',
    'UnsupervisedTerm', 'logits_to_probs', 'soft_dice_loss'
]
