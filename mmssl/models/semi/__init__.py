from .adversarial_segmentor import AdversarialSemiSegmentor
from .noise import ClampedGaussianNoise
from .schedules import (ConstantSchedule, CosineRampDown, LinearRampUp,
                        SigmoidRampUp, build_schedule)
from .semi_batch import SemiBatch
from .semi_segmentor import SemiSegmentor

__all__ = [
    'AdversarialSemiSegmentor',
    'ClampedGaussianNoise', 'ConstantSchedule', 'CosineRampDown',
    'LinearRampUp', 'SemiBatch', 'SemiSegmentor', 'SigmoidRampUp',
    'build_schedule'
]
