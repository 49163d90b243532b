"""tools/analysis_tools/browse_dataset.py on the DTC synthetic config,
whose training pipeline makes SDF maps."""
import os
import os.path as osp

import cv2
from tool_runner import REPO, assert_ok, run_tool

DTC = osp.join(REPO, 'configs', 'dtc', 'dtc_vnet_synthetic_2label.py')


def test_browse_dataset_writes_image_label_and_sdf_slices(tmp_path):
    out = tmp_path / 'browse'
    # 4 small training cases instead of 16 (generated on first use); the
    # config labels the first 2, so samples 0-1 have a label and an SDF.
    result = run_tool(
        osp.join('analysis_tools', 'browse_dataset.py'), DTC, '--num', 3,
        '--out-dir', out, '--data-root', tmp_path / 'synthetic',
        '--cfg-options', 'train_dataloader.dataset.synthetic.num_train=4',
        'train_dataloader.dataset.synthetic.num_test=1',
        'train_dataloader.dataset.synthetic.shape_range='
        '((64,68),(64,68),(32,36))')
    assert_ok(result)
    files = sorted(os.listdir(out))
    assert f'images of 3 train samples written to {out}' in result.stdout
    for kind in ('image', 'label', 'sdf'):
        for sample in ('000', '001'):
            matching = [f for f in files
                        if f.startswith(f'{sample}_synth_train_')
                        and f'_{kind}_slice' in f]
            assert len(matching) == 3, (kind, sample, files)
    # The unlabeled third sample has an image only.
    unlabeled = [f for f in files if f.startswith('002_')]
    assert len(unlabeled) == 3
    assert all('_image_slice' in f for f in unlabeled)
    pictures = {f: cv2.imread(str(out / f)) for f in files}
    for file, picture in pictures.items():
        assert picture is not None and picture.ndim == 3, file
        assert picture.shape[2] == 3, file
    # Some slice shows the green outline of the label.
    assert any((picture == (0, 255, 0)).all(-1).any()
               for file, picture in pictures.items() if '_label_' in file)
    # The SDF is not grey: its colour map uses the channels differently.
    sdf = next(p for f, p in pictures.items() if '_sdf_' in f)
    assert (sdf[..., 0] != sdf[..., 2]).any()
