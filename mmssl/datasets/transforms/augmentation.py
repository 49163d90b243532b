"""Spatial augmentations for volumes and 2-D images.

Each follows the data loaders of UA-MT (Yu et al., MICCAI 2019), which most
semi-supervised LA papers reuse, so that crops and flips draw the same random
numbers in the same order. Randomness comes from NumPy's global generator,
which MMEngine seeds per process and per dataloader worker.
"""
from typing import Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform
from scipy import ndimage

from mmssl.registry import TRANSFORMS
from .utils import (get_spatial_shape, seg_field_keys, spatial_axes_offset,
                    to_per_axis)


@TRANSFORMS.register_module()
class RandomRotFlip(BaseTransform):
    """Rotate by a random multiple of 90 degrees in the (H, W) plane, then
    flip along H or W.

    As UA-MT's ``RandomRotFlip``: ``k = randint(0, 4)`` quarter turns, then
    ``axis = randint(0, 2)`` picks the flipped axis (H or W); the flip always
    happens. ``img`` and every map in ``seg_fields`` get the same operation.

    Modified keys: img, seg_fields, img_shape.
    """

    def transform(self, results: dict) -> dict:
        num_spatial = len(get_spatial_shape(results))
        k = np.random.randint(0, 4)
        flip_axis = np.random.randint(0, 2)

        def rot_flip(array, offset):
            array = np.rot90(array, k, axes=(offset, offset + 1))
            # copy: negative strides would break torch.from_numpy later
            return np.flip(array, axis=offset + flip_axis).copy()

        results['img'] = rot_flip(results['img'], 1)
        for key in seg_field_keys(results):
            offset = spatial_axes_offset(results[key], num_spatial, key)
            results[key] = rot_flip(results[key], offset)
        results['img_shape'] = tuple(results['img'].shape[1:])
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}()'


@TRANSFORMS.register_module()
class RandomRotate(BaseTransform):
    """Rotate by a random whole-degree angle in the (H, W) plane.

    As SSL4MIS's ``random_rotate``: ``angle = randint(low, high)`` (high
    excluded), ``scipy.ndimage.rotate(..., reshape=False)`` so the shape is
    kept, with spline order ``order`` for the image (SSL4MIS: 0) and nearest
    neighbour for label maps; outside the input counts as 0.

    Args:
        angle_range (tuple[int, int]): ``(low, high)`` in degrees.
        order (int): Spline order for the image.

    Modified keys: img, seg_fields.
    """

    def __init__(self, angle_range: Sequence[int] = (-20, 20),
                 order: int = 0):
        if (len(angle_range) != 2
                or any(int(a) != a for a in angle_range)
                or angle_range[0] >= angle_range[1]):
            raise ValueError(f'angle_range must be two integers (low, high) '
                             f'with low < high, got {angle_range!r}')
        low, high = (int(a) for a in angle_range)
        if order not in range(6):
            raise ValueError(f'order must be a spline order 0..5, got '
                             f'{order}')
        self.angle_range = (low, high)
        self.order = order

    def transform(self, results: dict) -> dict:
        num_spatial = len(get_spatial_shape(results))
        angle = int(np.random.randint(*self.angle_range))

        def rotate(array, offset, order):
            return ndimage.rotate(
                array, angle, axes=(offset, offset + 1), reshape=False,
                order=order, mode='constant', cval=0)

        img = results['img']
        rotated = rotate(img, 1, self.order)
        results['img'] = rotated.astype(img.dtype, copy=False)
        for key in seg_field_keys(results):
            offset = spatial_axes_offset(results[key], num_spatial, key)
            results[key] = rotate(results[key], offset, 0)
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(angle_range={self.angle_range}, '
                f'order={self.order})')


class _BaseVolumeCrop(BaseTransform):
    """Pad (UA-MT rule) and crop ``img`` and ``seg_fields`` to ``crop_size``.

    Padding rule of UA-MT's crops: when any spatial axis is not larger than
    the crop, every axis is zero-padded on both sides by
    ``max((crop - size) // 2 + 3, 0)``. An axis up to 5 voxels longer than
    the crop is therefore padded a little too, exactly as the reference does.

    Adds ``pad_width`` (per-axis ``(before, after)``, zeros when nothing was
    padded) and ``crop_bbox`` (per-axis ``(start, stop)`` in the padded
    grid); updates ``img_shape``.
    """

    def __init__(self,
                 crop_size: Union[int, Sequence[int]],
                 pad_value: float = 0,
                 seg_pad_value: int = 0):
        if isinstance(crop_size, int):
            crop_size = (crop_size, )
        crop_size = tuple(int(c) for c in crop_size)
        if not crop_size or any(c <= 0 for c in crop_size):
            raise ValueError(f'crop_size must be positive, got {crop_size}')
        self.crop_size = crop_size
        self.pad_value = pad_value
        self.seg_pad_value = seg_pad_value

    def _crop_shape(self, num_spatial):
        if len(self.crop_size) == 1:
            return self.crop_size * num_spatial
        return to_per_axis(self.crop_size, num_spatial, 'crop_size')

    def _crop_starts(self, padded_shape, crop_shape):
        raise NotImplementedError

    def transform(self, results: dict) -> dict:
        shape = get_spatial_shape(results)
        crop_shape = self._crop_shape(len(shape))

        if any(s <= c for s, c in zip(shape, crop_shape)):
            pads = [max((c - s) // 2 + 3, 0)
                    for s, c in zip(shape, crop_shape)]
        else:
            pads = [0] * len(shape)
        pad_width = tuple((p, p) for p in pads)
        padded_shape = tuple(s + 2 * p for s, p in zip(shape, pads))

        starts = self._crop_starts(padded_shape, crop_shape)
        bbox = tuple((st, st + c) for st, c in zip(starts, crop_shape))
        slices = tuple(slice(st, stop) for st, stop in bbox)

        def pad_crop(array, offset, value):
            if any(pads):
                array = np.pad(
                    array, ((0, 0), ) * offset + pad_width,
                    mode='constant', constant_values=value)
            return np.ascontiguousarray(array[(slice(None), ) * offset +
                                              slices])

        results['img'] = pad_crop(results['img'], 1, self.pad_value)
        for key in seg_field_keys(results):
            offset = spatial_axes_offset(results[key], len(shape), key)
            results[key] = pad_crop(results[key], offset, self.seg_pad_value)
        results['pad_width'] = pad_width
        results['crop_bbox'] = bbox
        results['img_shape'] = tuple(crop_shape)
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(crop_size={self.crop_size}, '
                f'pad_value={self.pad_value}, '
                f'seg_pad_value={self.seg_pad_value})')


@TRANSFORMS.register_module()
class RandomCrop(_BaseVolumeCrop):
    """Random crop of ``crop_size`` after UA-MT's padding rule.

    The start on each axis is ``np.random.randint(0, size - crop)`` (upper
    bound excluded, as in the reference), drawn H, W, (D) in that order.

    Args:
        crop_size (int | sequence[int]): Crop size, one per spatial axis or
            a single int for all of them.
        pad_value (float): Fill value for the image. Defaults to 0.
        seg_pad_value (int): Fill value for the label maps. Defaults to 0.
    """

    def _crop_starts(self, padded_shape, crop_shape):
        return [int(np.random.randint(0, s - c)) if s > c else 0
                for s, c in zip(padded_shape, crop_shape)]


@TRANSFORMS.register_module()
class CenterCrop(_BaseVolumeCrop):
    """Center crop of ``crop_size`` after UA-MT's padding rule.

    The start on each axis is ``int(round((size - crop) / 2))`` as in the
    reference (Python's round: halves go to the even number).

    Args:
        crop_size (int | sequence[int]): Crop size, one per spatial axis or
            a single int for all of them.
        pad_value (float): Fill value for the image. Defaults to 0.
        seg_pad_value (int): Fill value for the label maps. Defaults to 0.
    """

    def _crop_starts(self, padded_shape, crop_shape):
        return [int(round((s - c) / 2.)) for s, c in
                zip(padded_shape, crop_shape)]
