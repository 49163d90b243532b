"""Write PNG overlays of test predictions for a quick visual check."""
import os
import os.path as osp

import cv2
import numpy as np
from mmengine.hooks import Hook

from mmssl.registry import HOOKS

# BGR, as cv2 writes them.
GT_COLOR = (0, 255, 0)  # green
PRED_COLOR = (0, 0, 255)  # red


def to_grey_uint8(image, low=0.5, high=99.5):
    """Intensities to 0-255 between two percentiles of ``image``.

    Percentiles rather than min/max so that a few outliers (common in CT
    and MRI) do not leave the rest of the image nearly black. Pass the whole
    volume so every slice of a case gets the same scale.
    """
    image = np.asarray(image, dtype=np.float32)
    lo, hi = np.percentile(image, [low, high])
    if hi - lo < 1e-8:
        return np.zeros(image.shape, np.uint8)
    scaled = (np.clip(image, lo, hi) - lo) / (hi - lo) * 255
    return np.round(scaled).astype(np.uint8)


def slice_positions(depth, num_slices=3):
    """``num_slices`` evenly spaced indices inside ``range(depth)``, end
    slices left out (they are mostly padding or background)."""
    positions = np.linspace(0, depth - 1, num_slices + 2)[1:-1]
    return sorted({int(round(p)) for p in positions})


def upscale_factor(shape, min_size=256):
    """Integer factor that makes the shorter side at least ``min_size``:
    contours one pixel wide hide a small image otherwise."""
    return max(1, int(np.ceil(min_size / max(1, min(shape)))))


def _resize(array, factor, interpolation):
    if factor == 1:
        return array
    height, width = array.shape[:2]
    return cv2.resize(array, (width * factor, height * factor),
                      interpolation=interpolation)


def overlay_slice(grey, masks, alpha=0.35, factor=1):
    """A BGR image of one slice with each mask filled semi-transparently and
    outlined in its colour.

    Args:
        grey (np.ndarray): uint8 ``(H, W)`` slice.
        masks (list[tuple]): ``(bool mask (H, W), BGR colour)`` pairs,
            drawn in order (later ones on top).
        alpha (float): Opacity of the fills.
        factor (int): Upscaling factor (nearest neighbour for masks).
    """
    grey = _resize(grey, factor, cv2.INTER_LINEAR)
    canvas = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR).astype(np.float32)
    outlines = []
    for mask, color in masks:
        mask = _resize(mask.astype(np.uint8), factor, cv2.INTER_NEAREST)
        if not mask.any():
            continue
        fill = mask.astype(bool)
        canvas[fill] = (1 - alpha) * canvas[fill] + alpha * np.array(
            color, np.float32)
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST,
                                       cv2.CHAIN_APPROX_NONE)
        outlines.append((contours, color))
    canvas = np.round(canvas).astype(np.uint8)
    # Outlines last and opaque so that an overlapping fill cannot hide them.
    for contours, color in outlines:
        cv2.drawContours(canvas, contours, -1, color, 1)
    return canvas


def _as_numpy(value):
    if value is None:
        return None
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def write_case_overlays(out_dir, name, image, gt=None, pred=None,
                        num_slices=3):
    """Write ``<out_dir>/<name>_slice<k>.png`` and return the paths.

    ``image`` is ``(C, *spatial)``; only the first channel is drawn. 3-D
    cases give ``num_slices`` slices along the last axis (k is the slice
    index), 2-D ones a single ``_slice0`` image. Labels are drawn
    as foreground (any class > 0): GT green, prediction red.
    """
    image = _as_numpy(image)[0]  # packed inputs are (C, *spatial)
    spatial = next((_as_numpy(field).shape for field in (gt, pred)
                    if field is not None), image.shape)
    if image.shape != spatial:
        # E.g. a test pipeline that resizes: the labels cannot be placed on
        # this image, so draw them on black.
        image = np.zeros(spatial, np.float32)
    grey = to_grey_uint8(image)
    masks = [(_as_numpy(field) > 0, color)
             for field, color in ((gt, GT_COLOR), (pred, PRED_COLOR))
             if field is not None]
    if grey.ndim == 2:
        slices = [(0, (Ellipsis, ))]
    elif grey.ndim == 3:
        slices = [(k, (Ellipsis, k))
                  for k in slice_positions(grey.shape[-1], num_slices)]
    else:
        raise ValueError(f'cannot draw a {grey.ndim}-D image of {name}')
    factor = upscale_factor(grey.shape[:2])
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for k, index in slices:
        picture = overlay_slice(grey[index],
                                [(m[index], c) for m, c in masks],
                                factor=factor)
        path = osp.join(out_dir, f'{name}_slice{k}.png')
        if not cv2.imwrite(path, picture):
            raise OSError(f'could not write {path}')
        paths.append(path)
    return paths


@HOOKS.register_module()
class SaveOverlaysHook(Hook):
    """After each test batch, write PNG slices of every case with its
    ground truth (green) and prediction (red) on the image.

    Files are ``<out_dir>/<case_name>_slice<k>.png``; every rank writes its
    own cases.

    Args:
        out_dir (str): Folder for the PNG files.
        num_slices (int): Slices per 3-D case, evenly spaced along the last
            axis.
    """

    priority = 'LOW'

    def __init__(self, out_dir, num_slices=3):
        self.out_dir = out_dir
        self.num_slices = num_slices

    def before_test(self, runner):
        os.makedirs(self.out_dir, exist_ok=True)

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None):
        # The test loop hands over the collated batch before the data
        # preprocessor: inputs are still the pipeline's (C, *spatial) ones.
        inputs = (data_batch or {}).get('inputs')
        batch_samples = (data_batch or {}).get('data_samples') or []
        for index, sample in enumerate(outputs or []):
            name = sample.metainfo.get('case_name') or \
                f'case_{batch_idx:05d}_{index}'
            gt = sample.get('gt_label')
            if gt is None and index < len(batch_samples):
                gt = batch_samples[index].get('gt_label')
            image = inputs[index] if inputs is not None else None
            if image is None:
                raise KeyError(f'SaveOverlaysHook: no input image in the '
                               f'test batch for case {name}')
            write_case_overlays(self.out_dir, name, image, gt,
                                sample.get('pred_label'), self.num_slices)
