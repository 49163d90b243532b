"""Voxel-wise uncertainty of the teacher, for uncertainty-aware terms."""
from .estimators import (TEACHER_MODULE_KEY, EntropyUncertainty,
                         InputNoiseUncertainty, MCDropoutUncertainty,
                         class_probabilities, dropout_mode, entropy_map)

__all__ = [
    'TEACHER_MODULE_KEY', 'EntropyUncertainty', 'InputNoiseUncertainty',
    'MCDropoutUncertainty', 'class_probabilities', 'dropout_mode',
    'entropy_map'
]
