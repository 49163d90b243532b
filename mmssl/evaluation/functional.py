"""Binary-mask segmentation metrics, numerically equal to medpy 0.5.2.

``dice``, ``jaccard``, ``hd95`` and ``asd`` reproduce
``medpy.metric.binary.dc, jc, hd95, asd`` (to floating-point round-off; in
practice bit for bit) on every pair of non-empty masks. Differences are
confined to empty masks, where medpy either raises or divides by zero; our
behaviour there is fixed and documented below.

Conventions shared by all functions:

* Masks are numpy arrays or torch tensors of any dtype and of 1 or more
  dimensions; every non-zero element is foreground (as in medpy).
* Distances are in voxels unless ``spacing`` is given, then in the units of
  the spacing (usually mm). ``spacing`` is one positive number per array
  axis, in array-axis order, or a single number for all axes.
* The surface of a mask is its foreground voxels that have at least one
  background face-neighbour (connectivity 1); outside the array counts as
  background, so voxels on the array border are surface voxels.

Empty-mask policy (medpy raises for hd95/asd and returns NaN for dc when
both masks are empty):

==============  =====  =======  =========
pred / gt       dice   jaccard  hd95, asd
==============  =====  =======  =========
empty / full    0      0        NaN
full / empty    0      0        NaN
empty / empty   1      1        NaN
==============  =====  =======  =========

("full" meaning "has foreground".) Two empty masks agree perfectly, hence
Dice 1; a surface distance between no surfaces is undefined, hence NaN.
"""
from numbers import Number
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
from scipy import ndimage

METRIC_NAMES = ('dice', 'jaccard', 'hd95', 'asd')

SpacingType = Optional[Union[float, Sequence[float]]]


def _to_bool_array(mask, name: str) -> np.ndarray:
    """Any array-like to a boolean numpy array (non-zero is foreground)."""
    if hasattr(mask, 'detach'):  # torch.Tensor, without importing torch
        mask = mask.detach().cpu().numpy()
    mask = np.asarray(mask)
    if mask.ndim == 0:
        raise ValueError(f'{name} must have at least one dimension, got a '
                         f'scalar')
    if mask.dtype == bool:
        return mask
    return mask != 0


def _mask_pair(pred, gt) -> Tuple[np.ndarray, np.ndarray]:
    pred = _to_bool_array(pred, 'pred')
    gt = _to_bool_array(gt, 'gt')
    if pred.shape != gt.shape:
        raise ValueError(f'pred and gt must have the same shape, got '
                         f'{tuple(pred.shape)} and {tuple(gt.shape)}')
    return pred, gt


def _normalize_spacing(spacing: SpacingType,
                       ndim: int) -> Optional[np.ndarray]:
    """Validate ``spacing``; ``None`` stays ``None`` (unit voxels)."""
    if spacing is None:
        return None
    if hasattr(spacing, 'detach'):
        spacing = spacing.detach().cpu().numpy()
    if isinstance(spacing, Number):
        spacing = [spacing] * ndim
    values = np.asarray(spacing, dtype=np.float64).reshape(-1)
    if values.size != ndim:
        raise ValueError(f'spacing must have one value per mask axis '
                         f'({ndim}), got {len(values)}: {spacing!r}')
    if not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise ValueError(f'spacing values must be positive and finite, '
                         f'got {spacing!r}')
    return np.ascontiguousarray(values)


def _check_metric_names(metrics: Union[str, Sequence[str]]) -> Tuple[str]:
    if isinstance(metrics, str):
        metrics = (metrics, )
    metrics = tuple(metrics)
    if not metrics:
        raise ValueError('metrics must name at least one metric out of '
                         f'{METRIC_NAMES}')
    unknown = [m for m in metrics if m not in METRIC_NAMES]
    if unknown:
        raise ValueError(f'unknown metric name(s) {unknown}; choose from '
                         f'{METRIC_NAMES}')
    if len(set(metrics)) != len(metrics):
        raise ValueError(f'metrics contains duplicates: {metrics}')
    return metrics


# --------------------------------------------------------------- overlap --
def _dice_from_masks(pred: np.ndarray, gt: np.ndarray) -> float:
    intersection = np.count_nonzero(pred & gt)
    total = np.count_nonzero(pred) + np.count_nonzero(gt)
    if total == 0:
        return 1.0
    # Same operation order as medpy, so the float result is identical.
    return float(2.0 * intersection / float(total))


def _jaccard_from_masks(pred: np.ndarray, gt: np.ndarray) -> float:
    intersection = np.count_nonzero(pred & gt)
    union = np.count_nonzero(pred | gt)
    if union == 0:
        return 1.0
    return float(intersection) / float(union)


def dice(pred, gt) -> float:
    """Dice coefficient ``2|P&G| / (|P|+|G|)`` as a fraction in [0, 1].

    Equals ``medpy.metric.binary.dc(pred, gt)``; 1.0 when both masks are
    empty (medpy: NaN).
    """
    return _dice_from_masks(*_mask_pair(pred, gt))


def jaccard(pred, gt) -> float:
    """Jaccard index (IoU) ``|P&G| / |P|G|`` as a fraction in [0, 1].

    Equals ``medpy.metric.binary.jc(pred, gt)``, including 1.0 when both
    masks are empty.
    """
    return _jaccard_from_masks(*_mask_pair(pred, gt))


# ------------------------------------------------------ surface distances --
def _union_bounding_box(pred: np.ndarray,
                        gt: np.ndarray) -> Tuple[slice, ...]:
    """Bounding box of ``pred | gt`` grown by one voxel, clipped to the array.

    Why cropping leaves every value unchanged:

    * Erosion: a foreground voxel's face-neighbours all lie in the grown box.
      Inside the volume the margin is background, and where the box is
      clipped at the volume border scipy's ``border_value=0`` treats the
      outside as background exactly as medpy's full-volume erosion does. So
      the surface voxels are the same.
    * Distance transform: scipy's EDT is exact, and every surface voxel of
      both masks lies in the box, so the nearest surface voxel (and the
      index difference the distance is computed from) is the same.
    * Order: C-order traversal of a sub-box keeps the relative C order of
      the full array, so even the summation order of the mean is the same.
    """
    union = pred | gt
    # find_objects needs integers; a uint8 view of a bool array is free.
    box = ndimage.find_objects(union.view(np.uint8))[0]
    return tuple(
        slice(max(axis_slice.start - 1, 0), min(axis_slice.stop + 1, size))
        for axis_slice, size in zip(box, union.shape))


def _surface(mask: np.ndarray, structure: np.ndarray) -> np.ndarray:
    """Foreground voxels with a background face-neighbour (medpy's border)."""
    return mask ^ ndimage.binary_erosion(
        mask, structure=structure, iterations=1)


def _distances_to_surface(from_surface: np.ndarray, to_surface: np.ndarray,
                          spacing: Optional[np.ndarray]) -> np.ndarray:
    """Distance from each ``from_surface`` voxel to the nearest
    ``to_surface`` voxel (the EDT measures distance to the nearest zero)."""
    distance_map = ndimage.distance_transform_edt(
        ~to_surface, sampling=spacing)
    return distance_map[from_surface]


def _surface_distances(pred: np.ndarray,
                       gt: np.ndarray,
                       spacing: Optional[np.ndarray],
                       both_directions: bool = True):
    """Directed surface distances on the cropped region.

    Both masks must be non-empty. Returns ``(pred_to_gt, gt_to_pred)``;
    ``gt_to_pred`` is ``None`` unless ``both_directions``.
    """
    box = _union_bounding_box(pred, gt)
    pred, gt = pred[box], gt[box]
    # Connectivity 1 (faces only), as medpy's default.
    structure = ndimage.generate_binary_structure(pred.ndim, 1)
    pred_surface = _surface(pred, structure)
    gt_surface = _surface(gt, structure)
    pred_to_gt = _distances_to_surface(pred_surface, gt_surface, spacing)
    gt_to_pred = None
    if both_directions:
        gt_to_pred = _distances_to_surface(gt_surface, pred_surface, spacing)
    return pred_to_gt, gt_to_pred


def surface_distances(pred, gt, spacing: SpacingType = None
                      ) -> Tuple[np.ndarray, np.ndarray]:
    """Directed surface distances ``(pred_to_gt, gt_to_pred)``.

    ``pred_to_gt[i]`` is the distance from the i-th surface voxel of
    ``pred`` (C order) to the nearest surface voxel of ``gt``; the same as
    medpy's private ``__surface_distances(pred, gt)``.

    Raises:
        ValueError: if either mask has no foreground.
    """
    pred, gt = _mask_pair(pred, gt)
    spacing = _normalize_spacing(spacing, pred.ndim)
    if not pred.any() or not gt.any():
        raise ValueError('surface distances need foreground in both masks; '
                         f'pred has {np.count_nonzero(pred)} and gt has '
                         f'{np.count_nonzero(gt)} foreground voxels')
    return _surface_distances(pred, gt, spacing)


def _hd95_from_distances(pred_to_gt, gt_to_pred) -> float:
    return float(np.percentile(np.hstack((pred_to_gt, gt_to_pred)), 95))


def hd95(pred, gt, spacing: SpacingType = None) -> float:
    """95th percentile of the symmetric surface distance (95HD).

    Percentile (numpy's default linear interpolation) of the pooled
    distances pred->gt and gt->pred, as ``medpy.metric.binary.hd95``.
    NaN when either mask is empty (medpy raises).
    """
    pred, gt = _mask_pair(pred, gt)
    spacing = _normalize_spacing(spacing, pred.ndim)
    if not pred.any() or not gt.any():
        return float('nan')
    return _hd95_from_distances(*_surface_distances(pred, gt, spacing))


def asd(pred, gt, spacing: SpacingType = None) -> float:
    """Average surface distance from ``pred`` to ``gt`` (one direction).

    Mean over the surface voxels of ``pred`` of the distance to the nearest
    surface voxel of ``gt``, exactly ``medpy.metric.binary.asd(pred, gt)``.
    It is NOT symmetric (medpy's symmetric version is ``assd``); the
    released UA-MT/DTC results use this directed one. NaN when either mask
    is empty (medpy raises).
    """
    pred, gt = _mask_pair(pred, gt)
    spacing = _normalize_spacing(spacing, pred.ndim)
    if not pred.any() or not gt.any():
        return float('nan')
    pred_to_gt, _ = _surface_distances(
        pred, gt, spacing, both_directions=False)
    return float(pred_to_gt.mean())


def compute_case_metrics(
        pred,
        gt,
        spacing: SpacingType = None,
        metrics: Union[str, Sequence[str]] = METRIC_NAMES
) -> Dict[str, float]:
    """Several metrics of one mask pair, sharing the surface computation.

    Args:
        pred, gt: masks of equal shape; non-zero is foreground.
        spacing: voxel size per axis for physical distances, or ``None``
            for voxel units.
        metrics: names out of ``('dice', 'jaccard', 'hd95', 'asd')``.

    Returns:
        ``{name: value}`` in the order of ``metrics``; values follow the
        single-metric functions, including the empty-mask policy.
    """
    metrics = _check_metric_names(metrics)
    pred, gt = _mask_pair(pred, gt)
    spacing = _normalize_spacing(spacing, pred.ndim)

    results = {}
    needs_distances = 'hd95' in metrics or 'asd' in metrics
    pred_to_gt = gt_to_pred = None
    if needs_distances and pred.any() and gt.any():
        # Only hd95 needs the gt->pred direction.
        pred_to_gt, gt_to_pred = _surface_distances(
            pred, gt, spacing, both_directions='hd95' in metrics)
    for name in metrics:
        if name == 'dice':
            results[name] = _dice_from_masks(pred, gt)
        elif name == 'jaccard':
            results[name] = _jaccard_from_masks(pred, gt)
        elif pred_to_gt is None:  # a distance with an empty mask
            results[name] = float('nan')
        elif name == 'hd95':
            results[name] = _hd95_from_distances(pred_to_gt, gt_to_pred)
        else:  # asd
            results[name] = float(pred_to_gt.mean())
    return results


# ------------------------------------------------- connected components --
def largest_connected_component(mask) -> np.ndarray:
    """Keep only the largest foreground component of a binary mask.

    Components use full connectivity (3x3x3 in 3-D, 3x3 in 2-D: faces,
    edges and corners), the default of ``skimage.measure.label`` used by
    the reference DTC ``getLargestCC``. Ties go to the component whose
    first voxel comes first in C (raster) order, as ``np.argmax`` over
    skimage's raster-ordered labels does. An empty mask gives an empty
    mask (the reference asserts instead).

    Returns:
        A boolean numpy array with the shape of ``mask``.
    """
    mask = _to_bool_array(mask, 'mask')
    structure = np.ones((3, ) * mask.ndim, dtype=bool)
    labels, num_components = ndimage.label(mask, structure=structure)
    if num_components <= 1:
        return mask.copy()
    sizes = np.bincount(labels.ravel())
    largest_label = int(np.argmax(sizes[1:])) + 1
    return labels == largest_label
