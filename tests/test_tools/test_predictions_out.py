"""What tools/test.py writes for people to look at: NIfTI predictions on
the input's grid (--out) and PNG overlays (--show-dir)."""
import os
import os.path as osp

import cv2
import nibabel as nib
import numpy as np
from test_nifti_configs import AFFINE, tiny_nifti_config, write_case
from tool_runner import REPO, assert_ok, run_tool

from mmssl.engine.hooks import save_label_nifti
from mmssl.engine.hooks.save_overlays_hook import write_case_overlays

TINY = osp.join(REPO, 'tests', 'data', 'configs', 'tiny_synthetic.py')
# BGR colours of the overlays' outlines.
GREEN, RED = (0, 255, 0), (0, 0, 255)


def test_save_label_nifti_uses_the_affine_else_the_spacing(tmp_path):
    label = np.zeros((4, 5, 6), np.int64)
    label[1:3, 2:4, 1:5] = 1
    save_label_nifti(label, str(tmp_path / 'a.nii.gz'), affine=AFFINE)
    saved = nib.load(str(tmp_path / 'a.nii.gz'))
    np.testing.assert_allclose(saved.affine, AFFINE)
    np.testing.assert_allclose(saved.header.get_zooms(), (0.625, 0.625, 2.5))
    np.testing.assert_array_equal(np.asarray(saved.dataobj), label)
    # No affine (h5 and synthetic data): the diagonal of the spacing.
    save_label_nifti(label, str(tmp_path / 'b.nii.gz'), (0.5, 0.5, 1.0))
    saved = nib.load(str(tmp_path / 'b.nii.gz'))
    np.testing.assert_allclose(saved.affine, np.diag([0.5, 0.5, 1.0, 1.0]))


def test_overlays_of_a_2d_case(tmp_path):
    image = np.random.default_rng(0).normal(size=(1, 40, 30))
    gt = np.zeros((40, 30), np.uint8)
    gt[5:20, 5:20] = 1
    pred = np.zeros_like(gt)
    pred[22:35, 10:25] = 1
    paths = write_case_overlays(str(tmp_path), 'case', image, gt, pred)
    assert [osp.basename(p) for p in paths] == ['case_slice0.png']
    picture = cv2.imread(paths[0])
    assert picture.ndim == 3 and min(picture.shape[:2]) >= 256
    for color in (GREEN, RED):
        assert (picture == color).all(-1).any()


def test_nifti_predictions_keep_the_input_affine_and_shape(tmp_path):
    data = tmp_path / 'nifti'
    for folder in ('imagesTr', 'labelsTr', 'imagesTs', 'labelsTs'):
        (data / folder).mkdir(parents=True)
    for index in range(4):
        write_case(data, 'Tr', f'heart_{index:03d}', index)
    # Seeds 10 and 11 give two different test shapes (37 and 38 along x).
    for index in range(2):
        write_case(data, 'Ts', f'heart_{10 + index:03d}', 10 + index)
    work_dir = tmp_path / 'work'
    tiny_nifti = tiny_nifti_config(tmp_path)
    assert_ok(run_tool('train.py', tiny_nifti, '--work-dir', work_dir,
                       '--data-root', data, '--cfg-options',
                       'train_cfg.max_iters=2'))

    out = tmp_path / 'out'
    assert_ok(run_tool('test.py', tiny_nifti, work_dir / 'iter_2.pth',
                       '--out', out, '--data-root', data, '--work-dir',
                       tmp_path / 'test_work'))
    saved = sorted(os.listdir(out / 'predictions'))
    assert saved == ['heart_010.nii.gz', 'heart_011.nii.gz']
    for name in saved:
        source = nib.load(str(data / 'imagesTs' / name))
        prediction = nib.load(str(out / 'predictions' / name))
        np.testing.assert_allclose(prediction.affine, source.affine,
                                   atol=1e-5)
        np.testing.assert_allclose(prediction.affine, AFFINE, atol=1e-5)
        np.testing.assert_allclose(prediction.header.get_zooms(),
                                   (0.625, 0.625, 2.5), atol=1e-5)
        assert prediction.shape == source.shape
        assert prediction.get_data_dtype() == np.uint8
        values = np.unique(np.asarray(prediction.dataobj))
        assert set(values.tolist()) <= {0, 1}


def test_show_dir_writes_overlays_of_gt_and_prediction(tmp_path):
    work_dir, data_root = tmp_path / 'work', tmp_path / 'synthetic'
    assert_ok(run_tool('train.py', TINY, '--work-dir', work_dir,
                       '--data-root', data_root, '--cfg-options',
                       'train_cfg.max_iters=1'))
    show = tmp_path / 'show'
    # --out too: the saved predictions tell where red must show up (after
    # one iteration the model may predict little or nothing).
    result = run_tool('test.py', TINY, work_dir / 'iter_1.pth', '--show-dir',
                      show, '--out', tmp_path / 'out', '--data-root',
                      data_root, '--work-dir', tmp_path / 'test_work')
    assert_ok(result)
    assert f'Overlay images written to {show}' in result.stdout
    names = sorted(n[:-len('.nii.gz')]
                   for n in os.listdir(tmp_path / 'out' / 'predictions'))
    assert len(names) == 2
    pngs = sorted(os.listdir(show))
    assert len(pngs) == 3 * len(names)
    for name in names:
        files = [p for p in pngs if p.startswith(f'{name}_slice')]
        assert len(files) == 3
        saved = tmp_path / 'out' / 'predictions' / f'{name}.nii.gz'
        prediction = np.asarray(nib.load(str(saved)).dataobj)
        any_green = False
        for file in files:
            picture = cv2.imread(str(show / file))
            assert picture is not None and picture.ndim == 3
            assert picture.shape[2] == 3
            any_green |= bool((picture == GREEN).all(-1).any())
            k = int(file[len(f'{name}_slice'):-len('.png')])
            red = bool((picture == RED).all(-1).any())
            assert red == bool(prediction[..., k].any()), file
        # The synthetic blob (the ground truth) lies in the middle slices.
        assert any_green, name
