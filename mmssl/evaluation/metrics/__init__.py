from .volume_metric import EMPTY_PRED_POLICIES, VolumeSegMetric

__all__ = ['VolumeSegMetric', 'EMPTY_PRED_POLICIES']
