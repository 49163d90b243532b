"""Small helpers shared by the volume transforms.

Layout convention: ``results['img']`` is ``(C, *spatial)``; label-like maps
named in ``results['seg_fields']`` are ``spatial`` (or ``(C, *spatial)`` for
multi-channel targets such as SDF maps). Spatial means ``(H, W, D)`` for
volumes and ``(H, W)`` for 2-D images.
"""
from numbers import Number
from typing import Sequence, Tuple, Union

import numpy as np


def get_spatial_shape(results: dict) -> Tuple[int, ...]:
    """Spatial shape of ``results['img']`` (the channel axis dropped)."""
    if 'img' not in results:
        raise KeyError("results has no 'img'; the dataset must load the "
                       'image before the transforms run')
    img = results['img']
    if img.ndim not in (3, 4):
        raise ValueError('img must be (C, H, W) or (C, H, W, D), got shape '
                         f'{tuple(img.shape)}')
    return tuple(int(s) for s in img.shape[1:])


def to_per_axis(value: Union[Number, Sequence[Number]], num_axes: int,
                name: str) -> tuple:
    """Expand a scalar to one value per spatial axis; check a sequence's
    length."""
    if isinstance(value, Number):
        return (value, ) * num_axes
    value = tuple(value)
    if len(value) != num_axes:
        raise ValueError(f'{name} has {len(value)} values {value} but the '
                         f'image has {num_axes} spatial axes')
    return value


def seg_field_keys(results: dict) -> list:
    """Keys of the label-like maps present in ``results``."""
    return [key for key in results.get('seg_fields', []) if key in results]


def spatial_axes_offset(array: np.ndarray, num_spatial: int, key: str) -> int:
    """0 for a map of spatial shape, 1 for one with a leading channel axis."""
    offset = array.ndim - num_spatial
    if offset not in (0, 1):
        raise ValueError(f'{key} has shape {tuple(array.shape)}, which does '
                         f'not fit {num_spatial} spatial axes')
    return offset
