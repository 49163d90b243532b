"""Checkpoints that load with ``torch.load(weights_only=True)``.

MMEngine stores its message hub as ``HistoryBuffer`` objects holding numpy
arrays. Since torch 2.6 the default safe loader refuses them, which breaks
resume, and allowing them would mean allowing ``getattr`` (HistoryBuffer
pickles its statistic methods through it), i.e. arbitrary code. Instead the
runner writes those objects as plain tensors and dicts and rebuilds them on
load, so every checkpoint, ours or third-party, goes through the safe loader.
"""
import pickle
import zipfile

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


class CheckpointError(RuntimeError):
    """A checkpoint file that cannot be used, with the reason."""


def read_checkpoint_safely(filename: str) -> dict:
    """Load a checkpoint with ``weights_only=True`` (memory-mapped when the
    format allows), turning load failures into :class:`CheckpointError`s
    that name the file and say what is wrong."""
    try:
        try:
            checkpoint = torch.load(filename, map_location='cpu',
                                    weights_only=True, mmap=True)
        except RuntimeError as error:
            if 'mmap' not in str(error):
                raise
            # Old (non-zip) serialization cannot be memory-mapped.
            checkpoint = torch.load(filename, map_location='cpu',
                                    weights_only=True)
    except pickle.UnpicklingError as error:
        first_line = str(error).strip().splitlines()[0]
        raise CheckpointError(
            f'{filename} holds objects other than tensors and plain '
            'containers, so it is not loaded (mmssl loads every checkpoint '
            f'with torch.load(weights_only=True)): {first_line}') from error
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError,
            ValueError) as error:
        raise CheckpointError(
            f'{filename} is not a readable PyTorch checkpoint (truncated or '
            f'corrupted?): {error}') from error
    if not isinstance(checkpoint, dict):
        raise CheckpointError(
            f'{filename} holds a {type(checkpoint).__name__}, not a '
            'checkpoint dict (with a state_dict) or a state dict')
    return checkpoint


def check_checkpoint_matches_model(checkpoint: dict, model,
                                   filename: str) -> None:
    """Fail when none of the checkpoint's weights belongs to the model (a
    foreign checkpoint would otherwise load as "missing keys" warnings and
    train from scratch)."""
    state = checkpoint.get('state_dict', checkpoint)
    keys = {k[len('module.'):] if k.startswith('module.') else k
            for k, v in state.items() if isinstance(v, torch.Tensor)}
    if not keys:
        raise CheckpointError(f'{filename} contains no weights')
    model_keys = set(model.state_dict())
    # A plain segmentor's keys load into a wrapper's student/teacher.
    suffixes = model_keys | {k.split('.', 1)[1] for k in model_keys
                             if '.' in k}
    if keys.isdisjoint(suffixes):
        example = sorted(keys)[:3]
        raise CheckpointError(
            f'None of the weights in {filename} (e.g. {example}) belongs to '
            f'the model {type(model).__name__}; is it a checkpoint of '
            'another network?')
