"""Evaluation: medpy-equal binary metrics and the volume metric."""
from .functional import (METRIC_NAMES, asd, compute_case_metrics, dice,
                         hd95, jaccard, largest_connected_component,
                         surface_distances)
from .metrics import EMPTY_PRED_POLICIES, VolumeSegMetric

__all__ = [
    'METRIC_NAMES', 'dice', 'jaccard', 'hd95', 'asd', 'surface_distances',
    'compute_case_metrics', 'largest_connected_component', 'VolumeSegMetric',
    'EMPTY_PRED_POLICIES'
]
