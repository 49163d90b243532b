from .augmentation import CenterCrop, RandomCrop, RandomRotFlip
from .formatting import PackSegVolumeInputs
from .resample import Resample

__all__ = [
    'CenterCrop', 'RandomCrop', 'RandomRotFlip', 'PackSegVolumeInputs',
    'Resample'
]
