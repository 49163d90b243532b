"""Signed distance maps of the labels (DTC, Luo et al., AAAI 2021).

``compute_sdf`` follows DTC's ``compute_sdf`` for one binary mask::

    sdf = norm(edt(~mask)) - norm(edt(mask)),  sdf[inner boundary] = 0
    norm(d) = (d - min d) / (max d - min d)

so the map is negative inside, 0 on the inner boundary, positive outside and
lies in [-1, 1].

Inner boundary: DTC uses ``skimage.segmentation.find_boundaries(mask,
mode='inner')``, whose defaults are ``connectivity=1`` (footprint
``generate_binary_structure(ndim, 1)``: the 6 face neighbours in 3-D, 4 in
2-D) and ``dilation != erosion`` with skimage's ``'reflect'`` border, so a
voxel outside the array counts as equal to its edge voxel, not as background.
Here that is ``mask & ~binary_erosion(mask, face structure,
border_value=1)``: foreground voxels with a background face neighbour inside
the array.

Degenerate masks (no NaN): an empty mask gives all zeros (as DTC). A
normalisation with ``max == min`` is defined as 0, and with no background
(full mask) the inside distance is undefined and also taken as 0, so a full
mask gives all zeros too. A single voxel is its own boundary (0), the rest is
``norm(edt(~mask))`` in (0, 1].
"""
import numpy as np
from mmcv.transforms import BaseTransform
from scipy import ndimage as ndi

from mmssl.registry import TRANSFORMS


def _normalise(dist: np.ndarray) -> np.ndarray:
    """``(d - min) / (max - min)``, or zeros when ``max == min``."""
    low, high = dist.min(), dist.max()
    if high <= low:
        return np.zeros_like(dist)
    return (dist - low) / (high - low)


def inner_boundary(mask: np.ndarray) -> np.ndarray:
    """Foreground voxels with a background face neighbour (skimage's
    ``find_boundaries(mask, mode='inner')`` with its defaults)."""
    mask = np.asarray(mask, dtype=bool)
    structure = ndi.generate_binary_structure(mask.ndim, 1)
    eroded = ndi.binary_erosion(mask, structure=structure, border_value=1)
    return mask & ~eroded


def compute_sdf(mask: np.ndarray) -> np.ndarray:
    """Normalised signed distance map of a binary spatial mask (float32).

    See the module docstring for the definition and the degenerate cases.
    """
    posmask = np.asarray(mask).astype(bool)
    sdf = np.zeros(posmask.shape, dtype=np.float64)
    if not posmask.any():
        return sdf.astype(np.float32)
    negmask = ~posmask
    if negmask.any():
        posdis = ndi.distance_transform_edt(posmask)
        negdis = ndi.distance_transform_edt(negmask)
    else:
        # No background: both distances undefined / zero, the map is zero.
        posdis = np.zeros_like(sdf)
        negdis = np.zeros_like(sdf)
    sdf = _normalise(negdis) - _normalise(posdis)
    sdf[inner_boundary(posmask)] = 0
    return sdf.astype(np.float32)


@TRANSFORMS.register_module()
class GenerateSDF(BaseTransform):
    """Add ``gt_sdf``, the normalised signed distance map of the labels.

    One map per foreground class ``c`` in ``1 .. num_classes - 1`` (mask
    ``gt_seg_map == c``), stacked to ``(num_classes - 1, *spatial)``, float32;
    a binary task gives ``(1, *spatial)``. Results without ``gt_seg_map``
    (unlabeled cases) are returned unchanged. Place it after the spatial
    augmentations (the map is not resampled by them) and before
    ``PackSegVolumeInputs``, which packs ``gt_sdf`` into the data sample.

    Args:
        num_classes (int): Number of classes including the background (>= 2).
    """

    def __init__(self, num_classes: int = 2):
        if int(num_classes) != num_classes or num_classes < 2:
            raise ValueError('GenerateSDF: num_classes must be an integer '
                             f'>= 2, got {num_classes!r}')
        self.num_classes = int(num_classes)

    def transform(self, results: dict) -> dict:
        if results.get('gt_seg_map') is None:
            return results
        gt = np.asarray(results['gt_seg_map'])
        results['gt_sdf'] = np.stack(
            [compute_sdf(gt == c) for c in range(1, self.num_classes)],
            axis=0).astype(np.float32)
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(num_classes={self.num_classes})'
