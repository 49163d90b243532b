"""The NIfTI-folder configs (supervised, Mean Teacher, UA-MT), end to end
on a tiny folder."""
import nibabel as nib
import numpy as np
import pytest

from tool_runner import assert_ok, run_tool, tiny_version

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


# The narrow network of tiny_nifti.py, for a plain and a wrapped segmentor.
NARROW = """
model = dict(backbone=dict(base_channels=base_channels),
             heads=dict(seg=dict(in_channels=base_channels)),
             test_cfg=dict(patch_size=patch_size, strides=(8, 8, 4)))
"""
NARROW_SEMI = NARROW.replace('model = dict(', 'model = dict(segmentor=dict(')
NARROW_SEMI = NARROW_SEMI.rstrip() + ')\n'


def tiny_nifti_config(tmp_path, config='mean_teacher/mt_vnet_nifti_folder.py'):
    """A NIfTI-folder config with tiny_nifti.py and the narrow network."""
    narrow = NARROW if config.startswith('supervised') else NARROW_SEMI
    return tiny_version(f'configs/{config}', tmp_path, tiny='tiny_nifti.py',
                        extra=narrow)


CONFIGS = ['supervised/vnet_nifti_folder.py',
           'mean_teacher/mt_vnet_nifti_folder.py',
           'uamt/uamt_vnet_nifti_folder.py']


@pytest.mark.parametrize('config', CONFIGS,
                         ids=[c.split('/')[0] for c in CONFIGS])
def test_config_trains_and_tests_on_a_nifti_folder(tmp_path, config):
    data = tmp_path / 'nifti'
    for folder in ('imagesTr', 'labelsTr', 'imagesTs', 'labelsTs'):
        (data / folder).mkdir(parents=True)
    for index in range(6):
        # Two cases have no label file at all: unlabeled.
        write_case(data, 'Tr', f'heart_{index:03d}', index,
                   with_label=index < 4)
    for index in range(2):
        write_case(data, 'Ts', f'heart_{10 + index:03d}', 10 + index)

    path = tiny_nifti_config(tmp_path, config)
    result = run_tool('train.py', path, '--work-dir', tmp_path / 'work',
                      '--data-root', data, '--test')
    assert_ok(result)
    log = result.stdout + result.stderr
    semi = not config.startswith('supervised')
    assert ('loss_consistency:' in log) == semi
    if config.startswith('uamt'):
        assert 'consistency_mask_ratio:' in log
    assert f'Test results ({path.name}):' in result.stdout
    # No validation in these configs: the last iteration is tested.
    assert 'Testing the model of the last iteration' in result.stdout
    assert 'num_cases=2' in result.stdout
    assert 'hd95=' in result.stdout
