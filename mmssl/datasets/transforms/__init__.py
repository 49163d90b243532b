from .augmentation import CenterCrop, RandomCrop, RandomRotFlip
from .formatting import PackSegVolumeInputs
from .resample import Resample
from .resize import ResizeTo
from .sdf import GenerateSDF

__all__ = [
    'CenterCrop', 'RandomCrop', 'RandomRotFlip', 'PackSegVolumeInputs',
    'Resample', 'GenerateSDF', 'ResizeTo'
]
