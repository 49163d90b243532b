from .cross_entropy_loss import BCEWithLogitsLoss, CrossEntropyLoss
from .dice_loss import DiceLoss, soft_dice_loss
from .utils import logits_to_probs

__all__ = [
    'BCEWithLogitsLoss', 'CrossEntropyLoss', 'DiceLoss', 'soft_dice_loss',
    'logits_to_probs'
]
