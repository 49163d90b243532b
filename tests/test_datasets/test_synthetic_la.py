import json
import multiprocessing
import os
import os.path as osp

import h5py
import numpy as np
import pytest
from scipy import ndimage

import mmssl.datasets.synthetic as synthetic
from mmssl.datasets import (DatasetFormatError, LAHeartDataset,
                            SyntheticLAHeartDataset, generate_synthetic_la,
                            synthesize_la_case)
from mmssl.registry import DATASETS

# Small volumes keep the tests fast.
SMALL = dict(num_train=3, num_test=2,
             shape_range=((24, 28), (24, 28), (16, 18)))


def read_case(root, name):
    path = osp.join(root, '2018LA_Seg_Training Set', name, 'mri_norm2.h5')
    with h5py.File(path, 'r') as f:
        assert f['image'].compression == 'gzip'
        assert f['label'].compression == 'gzip'
        return f['image'][()], f['label'][()]


def test_layout_read_by_la_dataset(tmp_path):
    root = generate_synthetic_la(str(tmp_path / 'syn'), **SMALL)
    for name in ('train.list', 'test.list', 'synthetic_la.json'):
        assert osp.isfile(osp.join(root, name))
    train = LAHeartDataset(root, split='train', num_labeled=1)
    test = LAHeartDataset(root, split='test')
    assert len(train) == 3 and len(test) == 2
    assert not train.get_data_info(2)['labeled']
    for index in range(2):
        results = test[index]
        img, label = results['img'][0], results['gt_seg_map']
        assert img.dtype == np.float32 and label.dtype == np.uint8
        assert 24 <= img.shape[0] <= 28 and 16 <= img.shape[2] <= 18
        assert abs(img.mean()) < 1e-3 and abs(img.std() - 1) < 1e-3
        assert set(np.unique(label)) == {0, 1}
    # Nothing but the root is left next to it (no temporary folders).
    assert os.listdir(tmp_path) == ['syn']


def test_deterministic_by_seed(tmp_path):
    first = generate_synthetic_la(str(tmp_path / 'a'), **SMALL)
    second = generate_synthetic_la(str(tmp_path / 'b'), **SMALL)
    other = generate_synthetic_la(str(tmp_path / 'c'), seed=1, **SMALL)
    for name in ('synth_train_000', 'synth_train_002', 'synth_test_001'):
        image_a, label_a = read_case(first, name)
        image_b, label_b = read_case(second, name)
        assert image_a.tobytes() == image_b.tobytes()
        assert label_a.tobytes() == label_b.tobytes()
        image_c, _ = read_case(other, name)
        assert image_a.tobytes() != image_c.tobytes()


def test_content_is_learnable_but_not_thresholdable():
    rng = np.random.default_rng(0)
    image, label = synthesize_la_case(rng, (48, 48, 32))
    foreground = label.astype(bool)
    assert 0.01 < foreground.mean() < 0.3
    # Brighter on average than the background ...
    assert image[foreground].mean() > image[~foreground].mean() + 1
    # ... but distractors of the same brightness lie outside the label: the
    # best global threshold of the denoised image misses by a lot.
    smooth = ndimage.gaussian_filter(image, 1)
    best_dice = max(
        2 * (p & foreground).sum() / (p.sum() + foreground.sum())
        for p in (smooth > t for t in np.linspace(-1, 3, 41)))
    assert best_dice < 0.9
    # The foreground is one main connected blob.
    _, count = ndimage.label(foreground)
    sizes = ndimage.sum(foreground, ndimage.label(foreground)[0],
                        range(1, count + 1))
    assert sizes.max() > 0.8 * foreground.sum()


def test_existing_root_is_reused_and_checked(tmp_path):
    root = generate_synthetic_la(str(tmp_path / 'syn'), **SMALL)
    case = osp.join(root, '2018LA_Seg_Training Set', 'synth_train_000',
                    'mri_norm2.h5')
    stamp = os.stat(case).st_mtime_ns
    assert generate_synthetic_la(root, **SMALL) == root
    assert os.stat(case).st_mtime_ns == stamp  # nothing rewritten

    with pytest.raises(DatasetFormatError) as error:
        generate_synthetic_la(root, seed=5, **SMALL)
    assert 'seed: 0 there, 5 asked' in str(error.value)
    assert 'synthetic_la.json' in str(error.value)

    # A folder not made by the generator is refused, an empty one is used.
    (tmp_path / 'other').mkdir()
    (tmp_path / 'other' / 'file.txt').write_text('x')
    with pytest.raises(DatasetFormatError, match='not made by'):
        generate_synthetic_la(str(tmp_path / 'other'), **SMALL)
    (tmp_path / 'empty').mkdir()
    generate_synthetic_la(str(tmp_path / 'empty'), **SMALL)
    assert len(LAHeartDataset(str(tmp_path / 'empty'))) == 3


def _race(monkeypatch, root, winner_params):
    """Make another 'process' finish ``root`` while this one writes."""
    real_write = synthetic._write_cases

    def write_and_lose(tmp_dir, params):
        real_write(tmp_dir, params)
        monkeypatch.setattr(synthetic, '_write_cases', real_write)
        generate_synthetic_la(root, **winner_params)  # the winner

    monkeypatch.setattr(synthetic, '_write_cases', write_and_lose)


def test_concurrent_generation_loser_uses_winner(tmp_path, monkeypatch):
    root = str(tmp_path / 'syn')
    _race(monkeypatch, root, SMALL)
    assert generate_synthetic_la(root, **SMALL) == root
    assert sorted(os.listdir(tmp_path)) == ['syn']  # loser's temp removed
    with open(osp.join(root, 'synthetic_la.json')) as f:
        assert json.load(f)['params']['num_train'] == 3

    other = str(tmp_path / 'syn2')
    _race(monkeypatch, other, dict(SMALL, seed=7))
    with pytest.raises(DatasetFormatError, match='seed: 7 there, 0 asked'):
        generate_synthetic_la(other, **SMALL)
    assert sorted(os.listdir(tmp_path)) == ['syn', 'syn2']


def _generate_small(root):
    generate_synthetic_la(root, **SMALL)


@pytest.mark.skipif('fork' not in multiprocessing.get_all_start_methods(),
                    reason='needs fork')
def test_concurrent_generation_in_processes(tmp_path):
    root = str(tmp_path / 'syn')
    context = multiprocessing.get_context('fork')
    workers = [context.Process(target=_generate_small, args=(root, ))
               for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    assert os.listdir(tmp_path) == ['syn']
    assert len(LAHeartDataset(root)) == 3


def test_synthetic_dataset_generates_on_first_use(tmp_path):
    root = str(tmp_path / 'nested' / 'syn')
    dataset = DATASETS.build(
        dict(
            type='SyntheticLAHeartDataset',
            data_root=root,
            synthetic=SMALL,
            split='train_unlabeled',
            num_labeled=1))
    assert isinstance(dataset, SyntheticLAHeartDataset)
    assert len(dataset) == 2
    assert 'gt_seg_map' not in dataset[0]
    # Second build reuses the data; other parameters are refused.
    assert len(SyntheticLAHeartDataset(root, synthetic=SMALL)) == 3
    with pytest.raises(DatasetFormatError, match='num_test'):
        SyntheticLAHeartDataset(root, synthetic=dict(SMALL, num_test=4))


def test_bad_generator_arguments(tmp_path):
    with pytest.raises(ValueError, match='shape_range'):
        generate_synthetic_la(str(tmp_path / 'x'),
                              shape_range=((24, 20), (24, 28), (16, 18)))
    with pytest.raises(ValueError, match='num_train'):
        generate_synthetic_la(str(tmp_path / 'x'), num_train=0)
    assert not osp.exists(tmp_path / 'x')
