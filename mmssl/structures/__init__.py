from .seg_volume_sample import SegVolumeSample

__all__ = ['SegVolumeSample']
