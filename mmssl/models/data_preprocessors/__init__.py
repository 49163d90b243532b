from .volume_data_preprocessor import VolumeDataPreprocessor

__all__ = ['VolumeDataPreprocessor']
