"""Resizing of images (and volumes) to a fixed size."""
from numbers import Number
from typing import Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform
from scipy import ndimage

from mmssl.registry import TRANSFORMS
from .utils import (get_spatial_shape, seg_field_keys, spatial_axes_offset,
                    to_per_axis)


def zoom_to(array: np.ndarray, size: Sequence[int], order: int,
            offset: int = 0) -> np.ndarray:
    """``array`` resampled to ``size`` on its last ``len(size)`` axes by
    ``scipy.ndimage.zoom`` (corner pixels stay on corner pixels); the
    ``offset`` leading axes (channels) are resampled one by one."""
    if offset:
        return np.stack([zoom_to(part, size, order, offset - 1)
                         for part in array])
    # Exact factors, so zoom lands on ``size`` whatever the rounding.
    factors = [n / s for n, s in zip(size, array.shape)]
    out = ndimage.zoom(array, factors, order=order, mode='nearest')
    assert out.shape == tuple(size), (out.shape, size)
    return out


@TRANSFORMS.register_module()
class ResizeTo(BaseTransform):
    """Resize ``img`` and ``seg_fields`` to a fixed spatial ``size``.

    ``Resample`` scales by a fixed factor; 2-D datasets such as ACDC have
    slices of many sizes that the network needs at one size (SSL4MIS zooms
    every training slice to 256 x 256). Uses ``scipy.ndimage.zoom`` as
    SSL4MIS does: spline order ``order`` for the image (1, bilinear, by
    default), nearest neighbour for label maps. Its grid keeps the corner
    pixels aligned, the same geometry as ``F.interpolate(...,
    align_corners=True)``, which the slice-by-slice test mode uses.

    Args:
        size (int | sequence[int]): Output size, one per spatial axis or one
            for all.
        order (int): Spline order for the image; SSL4MIS uses 0 (nearest)
            for images too. Defaults to 1.

    Modified keys: img, seg_fields, img_shape.
    Added keys: scale_factor (per-axis new/old, multiplied into an existing
    one).
    """

    def __init__(self, size: Union[int, Sequence[int]], order: int = 1):
        sizes = (size, ) if isinstance(size, Number) else tuple(size)
        if not sizes or any(int(s) != s or s < 1 for s in sizes):
            raise ValueError(f'size must be positive integers, got {size}')
        if order not in range(6):
            raise ValueError(f'order must be a spline order 0..5, got '
                             f'{order}')
        self.size = size
        self.order = order

    def transform(self, results: dict) -> dict:
        shape = get_spatial_shape(results)
        size = tuple(int(s) for s in to_per_axis(self.size, len(shape),
                                                 'size'))
        img = results['img']
        results['img'] = zoom_to(img, size, self.order, 1).astype(
            img.dtype, copy=False)
        for key in seg_field_keys(results):
            offset = spatial_axes_offset(results[key], len(shape), key)
            results[key] = zoom_to(results[key], size, 0, offset)

        effective = tuple(n / s for n, s in zip(size, shape))
        previous = results.get('scale_factor')
        if previous is not None and len(previous) == len(effective):
            effective = tuple(p * e for p, e in zip(previous, effective))
        results['scale_factor'] = effective
        results['img_shape'] = size
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(size={self.size}, '
                f'order={self.order})')
