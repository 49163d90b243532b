from .volume_segmentor import VolumeSegmentor

__all__ = ['VolumeSegmentor']
