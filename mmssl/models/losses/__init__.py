from .adversarial import AdversarialShapeTerm
from .cross_entropy_loss import BCEWithLogitsLoss, CrossEntropyLoss
from .dice_loss import DiceLoss, soft_dice_loss
from .shape import (DualTaskConsistency, LevelSet, SDFRegressionLoss,
                    level_set)
from .unsupervised import (KLConsistency, SoftmaxMSEConsistency,
                           UncertaintyMaskedConsistency, UnsupervisedTerm)
from .utils import logits_to_probs

__all__ = [
    'AdversarialShapeTerm', 'BCEWithLogitsLoss', 'CrossEntropyLoss',
    'DiceLoss', 'DualTaskConsistency', 'KLConsistency', 'LevelSet',
    'SDFRegressionLoss', 'SoftmaxMSEConsistency',
    'UncertaintyMaskedConsistency', 'UnsupervisedTerm', 'level_set',
    'logits_to_probs', 'soft_dice_loss'
]
