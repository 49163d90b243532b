"""Write test predictions as NIfTI files named after their cases."""
import os
import os.path as osp

import nibabel as nib
import numpy as np
from mmengine.hooks import Hook

from mmssl.registry import HOOKS


def save_label_nifti(label, path, spacing=None, affine=None):
    """Save an integer label volume.

    With ``affine`` (the 4x4 voxel-to-world matrix of the input, as NIfTI
    datasets keep in their metainfo) the prediction lands on the input's
    grid and overlays it in any viewer; the header zooms are taken from
    ``spacing`` or, without it, from the affine. Otherwise the affine is
    the diagonal of ``spacing`` (1 per axis when that is missing too).
    """
    label = np.asarray(label)
    if label.ndim not in (2, 3):
        raise ValueError(f'Cannot save a {label.ndim}-D prediction to {path}')
    if affine is not None:
        affine = np.asarray(affine, dtype=np.float64)
        if affine.shape != (4, 4):
            raise ValueError(f'affine for {path} must be 4x4, got shape '
                             f'{affine.shape}')
        if spacing is None:
            # Voxel sizes are the lengths of the affine's axis columns.
            spacing = np.sqrt((affine[:3, :3]**2).sum(0))
    spacing = tuple(spacing) if spacing is not None else (1.0, ) * label.ndim
    if affine is None:
        affine = np.diag(list(spacing[:3]) + [1.0] * (4 - len(spacing[:3])))
    image = nib.Nifti1Image(label.astype(np.uint8), affine)
    image.header.set_zooms(tuple(float(s) for s in spacing[:label.ndim]))
    nib.save(image, path)


@HOOKS.register_module()
class SavePredictionsHook(Hook):
    """After each test batch, save every case's ``pred_label``.

    Files are ``<out_dir>/<case_name>.nii.gz``, on the input's grid when
    the metainfo has an ``affine`` (NIfTI inputs), else with a diagonal
    affine from ``spacing``; every rank writes its own cases.
    """

    priority = 'LOW'

    def __init__(self, out_dir, suffix='.nii.gz'):
        self.out_dir = out_dir
        self.suffix = suffix

    def before_test(self, runner):
        os.makedirs(self.out_dir, exist_ok=True)

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None):
        for index, sample in enumerate(outputs or []):
            name = sample.metainfo.get('case_name') or \
                f'case_{batch_idx:05d}_{index}'
            if 'pred_label' not in sample:
                raise KeyError(f'SavePredictionsHook: the model returned no '
                               f'pred_label for case {name}')
            path = osp.join(self.out_dir, f'{name}{self.suffix}')
            save_label_nifti(sample.pred_label.cpu().numpy(), path,
                             sample.metainfo.get('spacing'),
                             sample.metainfo.get('affine'))
