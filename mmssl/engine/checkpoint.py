"""Checkpoints that load with ``torch.load(weights_only=True)``.

MMEngine stores its message hub as ``HistoryBuffer`` objects holding numpy
arrays. Since torch 2.6 the default safe loader refuses them, which breaks
resume, and allowing them would mean allowing ``getattr`` (HistoryBuffer
pickles its statistic methods through it), i.e. arbitrary code. Instead the
runner writes those objects as plain tensors and dicts and rebuilds them on
load, so every checkpoint, ours or third-party, goes through the safe loader.
"""
import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

_HISTORY_KEY = '__mmssl_history_buffer__'
_NDARRAY_KEY = '__mmssl_ndarray__'


def encode_for_safe_loading(obj):
    """Replace HistoryBuffers, numpy arrays and numpy scalars by safe types."""
    if isinstance(obj, HistoryBuffer):
        logs, counts = obj.data
        return {
            _HISTORY_KEY: True,
            'log_history': encode_for_safe_loading(logs),
            'count_history': encode_for_safe_loading(counts),
            'max_length': obj.max_length,
        }
    if isinstance(obj, np.ndarray):
        return {_NDARRAY_KEY: torch.from_numpy(np.ascontiguousarray(obj))}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return type(obj)(
            (k, encode_for_safe_loading(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)) and not hasattr(obj, '_fields'):
        return type(obj)(encode_for_safe_loading(v) for v in obj)
    return obj


def decode_after_safe_loading(obj):
    """Inverse of :func:`encode_for_safe_loading`."""
    if isinstance(obj, dict):
        if obj.get(_HISTORY_KEY) is True:
            buffer = HistoryBuffer(max_length=obj['max_length'])
            logs = decode_after_safe_loading(obj['log_history'])
            counts = decode_after_safe_loading(obj['count_history'])
            buffer._log_history = np.asarray(logs)
            buffer._count_history = np.asarray(counts)
            return buffer
        if set(obj) == {_NDARRAY_KEY}:
            return obj[_NDARRAY_KEY].numpy()
        return type(obj)(
            (k, decode_after_safe_loading(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)) and not hasattr(obj, '_fields'):
        return type(obj)(decode_after_safe_loading(v) for v in obj)
    return obj
