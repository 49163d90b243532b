"""Entropy minimisation (Grandvalet & Bengio, 2005) as a new unsupervised
term, registered into mmssl from a module outside the package."""
from mmssl.models.losses import UnsupervisedTerm
from mmssl.models.uncertainty import class_probabilities, entropy_map
from mmssl.registry import MODELS


@MODELS.register_module()
class EntropyMinimization(UnsupervisedTerm):
    """Mean voxel-wise entropy of the student's prediction on the unlabeled
    cases; minimising it pushes the decision boundary away from them."""

    def __init__(self, name='entropy', **kwargs):
        super().__init__(name=name, **kwargs)

    def compute(self, batch):
        logits = batch.student_unlabeled(self.head).float()
        return entropy_map(class_probabilities(logits)).mean()
