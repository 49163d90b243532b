"""The NIfTI-folder Mean Teacher config, end to end on a tiny folder."""
import os.path as osp

import nibabel as nib
import numpy as np

from tool_runner import REPO, assert_ok, run_tool

TINY_NIFTI = osp.join(REPO, 'tests', 'data', 'configs', 'tiny_nifti.py')
# Anisotropic voxels and an offset, as in a real scan.
AFFINE = np.array([[0.625, 0, 0, -11.0], [0, 0.625, 0, 4.0],
                   [0, 0, 2.5, 30.0], [0, 0, 0, 1]])


def write_case(root, part, name, seed, with_label=True):
    """A bright ellipsoid blob in noise; its mask is the label."""
    rng = np.random.default_rng(seed)
    shape = (36 + seed % 3, 36, 20)
    center = rng.uniform(0.4, 0.6, 3) * shape
    grid = np.stack(np.meshgrid(*map(np.arange, shape), indexing='ij'))
    radii = np.array([8.0, 7.0, 4.0]).reshape(3, 1, 1, 1)
    blob = (((grid - center.reshape(3, 1, 1, 1)) / radii)**2).sum(0) < 1
    image = 100 + 50 * blob + rng.normal(0, 10, shape)
    nib.save(nib.Nifti1Image(image.astype(np.int16), AFFINE),
             str(root / f'images{part}' / f'{name}.nii.gz'))
    if with_label:
        nib.save(nib.Nifti1Image(blob.astype(np.uint8), AFFINE),
                 str(root / f'labels{part}' / f'{name}.nii.gz'))


def test_mean_teacher_trains_and_tests_on_a_nifti_folder(tmp_path):
    data = tmp_path / 'nifti'
    for folder in ('imagesTr', 'labelsTr', 'imagesTs', 'labelsTs'):
        (data / folder).mkdir(parents=True)
    for index in range(6):
        # Two cases have no label file at all: unlabeled.
        write_case(data, 'Tr', f'heart_{index:03d}', index,
                   with_label=index < 4)
    for index in range(2):
        write_case(data, 'Ts', f'heart_{10 + index:03d}', 10 + index)

    result = run_tool('train.py', TINY_NIFTI, '--work-dir', tmp_path / 'work',
                      '--data-root', data, '--test')
    assert_ok(result)
    log = result.stdout + result.stderr
    assert 'loss_consistency:' in log
    assert 'Test results (tiny_nifti.py):' in result.stdout
    assert 'num_cases=2' in result.stdout
    assert 'hd95=' in result.stdout
