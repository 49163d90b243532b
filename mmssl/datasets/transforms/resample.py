"""Resampling of volumes and 2-D images by a scale factor."""
from numbers import Number
from typing import Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform
from scipy import ndimage

from mmssl.registry import TRANSFORMS
from .utils import (get_spatial_shape, seg_field_keys, spatial_axes_offset,
                    to_per_axis)


@TRANSFORMS.register_module()
class Resample(BaseTransform):
    """Resample ``img`` and ``seg_fields`` by a per-axis or scalar factor.

    Uses ``scipy.ndimage.zoom``: spline order ``order`` for the image, nearest
    neighbour (order 0) for label maps. The new size of an axis is
    ``round(size * factor)``.

    ``spacing`` is left unchanged on purpose: it describes the original grid,
    on which predictions are evaluated after being resampled back.

    Args:
        scale_factor (float | sequence[float]): New size / old size, one per
            spatial axis or one for all.
        keep_gt (bool): Leave ``gt_seg_map`` at the original resolution, for
            evaluation on the original grid. Other seg_fields are still
            resampled. Defaults to False.
        order (int): Spline order for the image. Defaults to 1 (linear).

    Modified keys: img, seg_fields (gt_seg_map unless keep_gt), img_shape.
    Added keys: scale_factor (per-axis effective factor new/old, multiplied
    into an existing one).
    """

    def __init__(self,
                 scale_factor: Union[float, Sequence[float]],
                 keep_gt: bool = False,
                 order: int = 1):
        factors = ((scale_factor, ) if isinstance(scale_factor, Number) else
                   tuple(scale_factor))
        if not factors or any(f <= 0 for f in factors):
            raise ValueError(
                f'scale_factor must be positive, got {scale_factor}')
        self.scale_factor = scale_factor
        self.keep_gt = keep_gt
        self.order = order

    def transform(self, results: dict) -> dict:
        shape = get_spatial_shape(results)
        factors = to_per_axis(self.scale_factor, len(shape), 'scale_factor')
        new_shape = tuple(int(round(s * f)) for s, f in zip(shape, factors))
        if any(s < 1 for s in new_shape):
            raise ValueError(f'scale_factor {self.scale_factor} turns shape '
                             f'{shape} into {new_shape}')

        def zoom(array, offset, order):
            if offset:
                return np.stack(
                    [zoom(channel, 0, order) for channel in array])
            # Pass the exact factors so zoom lands on new_shape.
            exact = [n / s for n, s in zip(new_shape, shape)]
            out = ndimage.zoom(array, exact, order=order, mode='nearest')
            assert out.shape == new_shape, (out.shape, new_shape)
            return out

        img = results['img']
        results['img'] = zoom(img, 1, self.order).astype(img.dtype,
                                                         copy=False)
        for key in seg_field_keys(results):
            if self.keep_gt and key == 'gt_seg_map':
                continue
            offset = spatial_axes_offset(results[key], len(shape), key)
            results[key] = zoom(results[key], offset, 0)

        effective = tuple(n / s for n, s in zip(new_shape, shape))
        previous = results.get('scale_factor')
        if previous is not None and len(previous) == len(effective):
            effective = tuple(p * e for p, e in zip(previous, effective))
        results['scale_factor'] = effective
        results['img_shape'] = new_shape
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(scale_factor={self.scale_factor}, '
                f'keep_gt={self.keep_gt}, order={self.order})')
