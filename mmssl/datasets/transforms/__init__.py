from .augmentation import (CenterCrop, RandomCrop, RandomRotate,
                           RandomRotFlip)
from .formatting import PackSegVolumeInputs
from .resample import Resample
from .resize import ResizeTo
from .sdf import GenerateSDF

__all__ = [
    'CenterCrop', 'RandomCrop', 'RandomRotate', 'RandomRotFlip',
    'PackSegVolumeInputs', 'Resample', 'GenerateSDF', 'ResizeTo'
]
