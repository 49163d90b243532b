"""The synthetic 2-D cardiac-like dataset: generation, splits, samples."""
import os
import os.path as osp
import threading

import h5py
import numpy as np
import pytest

from mmssl.datasets import Synthetic2DDataset, generate_synthetic_2d
from mmssl.datasets import synthetic2d as synthetic2d_module
from mmssl.datasets.la_heart import DatasetFormatError
from mmssl.datasets.samplers import TwoStreamSampler
from mmssl.datasets.seeding import SeededIndex

SMALL = dict(num_train=6, num_test=2, size=(48, 40), seed=0)


def read(root, name):
    with h5py.File(osp.join(root, 'slices', f'{name}.h5')) as f:
        return f['image'][()], f['label'][()]


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    return generate_synthetic_2d(
        str(tmp_path_factory.mktemp('s2d') / 'data'), **SMALL)


def test_layout_and_content(root):
    names = open(osp.join(root, 'train.list')).read().split()
    assert names == [f'synth2d_train_{i:04d}' for i in range(6)]
    assert len(open(osp.join(root, 'test.list')).read().split()) == 2
    for name in names:
        image, label = read(root, name)
        assert image.dtype == np.float32 and image.shape == (48, 40)
        assert image.min() == 0 and image.max() == pytest.approx(1)
        assert label.dtype == np.uint8 and label.shape == (48, 40)
        # Every image holds RV, myocardium and LV.
        assert set(np.unique(label)) == {0, 1, 2, 3}


def test_deterministic_and_independent_of_counts(root, tmp_path):
    again = generate_synthetic_2d(str(tmp_path / 'again'), **SMALL)
    fewer = generate_synthetic_2d(
        str(tmp_path / 'fewer'), **dict(SMALL, num_train=3, num_test=1))
    other = generate_synthetic_2d(
        str(tmp_path / 'other'), **dict(SMALL, seed=1))
    for name in ('synth2d_train_0002', 'synth2d_test_0000'):
        for copy in (again, fewer):
            for a, b in zip(read(root, name), read(copy, name)):
                assert np.array_equal(a, b)
        assert not np.array_equal(read(root, name)[0], read(other, name)[0])
    # Train and test images come from different streams.
    assert not np.array_equal(read(root, 'synth2d_train_0000')[1],
                              read(root, 'synth2d_test_0000')[1])


def test_existing_root_is_reused_or_refused(root, tmp_path):
    mtime = os.path.getmtime(osp.join(root, 'synthetic2d.json'))
    assert generate_synthetic_2d(root, **SMALL) == root
    assert os.path.getmtime(osp.join(root, 'synthetic2d.json')) == mtime
    with pytest.raises(DatasetFormatError, match='num_train: 6 there, 7'):
        generate_synthetic_2d(root, **dict(SMALL, num_train=7))
    foreign = tmp_path / 'foreign'
    foreign.mkdir()
    (foreign / 'notes.txt').write_text('mine')
    with pytest.raises(DatasetFormatError, match='not made by'):
        generate_synthetic_2d(str(foreign), **SMALL)
    with pytest.raises(ValueError, match='size'):
        generate_synthetic_2d(str(tmp_path / 'bad'), size=(8, 8))


def test_generation_is_atomic(tmp_path, monkeypatch):
    """A reader never sees a partial root: while one caller writes, the root
    does not exist; a caller that loses the race uses the winner's data;
    no temporary folder is left behind."""
    target = str(tmp_path / 'data')
    real_write = synthetic2d_module._write_images
    seen_during_write = []

    def write_while_another_wins(tmp_root, params):
        real_write(tmp_root, params)
        seen_during_write.append(osp.exists(target))
        if len(seen_during_write) == 1:
            # Another process finishes first (nested call, not patched
            # again: it writes and renames normally).
            monkeypatch.setattr(synthetic2d_module, '_write_images',
                                real_write)
            generate_synthetic_2d(target, **SMALL)

    monkeypatch.setattr(synthetic2d_module, '_write_images',
                        write_while_another_wins)
    assert generate_synthetic_2d(target, **SMALL) == target
    assert seen_during_write == [False]
    assert sorted(os.listdir(tmp_path)) == ['data']
    assert len(os.listdir(osp.join(target, 'slices'))) == 8


def test_concurrent_first_use(tmp_path):
    target = str(tmp_path / 'data')
    errors = []

    def generate():
        try:
            generate_synthetic_2d(target, **SMALL)
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=generate) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(os.listdir(tmp_path)) == ['data']


@pytest.mark.parametrize('split,names,labeled', [
    ('train', range(6), [True, True, False, False, False, False]),
    ('train_labeled', range(2), [True, True]),
    ('train_unlabeled', range(2, 6), [False] * 4),
])
def test_training_splits(root, split, names, labeled):
    dataset = Synthetic2DDataset(root, synthetic=SMALL, split=split,
                                 num_labeled=2)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [info['case_name'] for info in infos] == [
        f'synth2d_train_{i:04d}' for i in names]
    assert [info['labeled'] for info in infos] == labeled


def test_samples(root):
    dataset = Synthetic2DDataset(root, synthetic=SMALL, num_labeled=1)
    labeled, unlabeled = dataset[0], dataset[1]
    assert labeled['img'].shape == (1, 48, 40)
    assert labeled['img'].dtype == np.float32
    assert labeled['gt_seg_map'].shape == (48, 40)
    assert labeled['seg_fields'] == ['gt_seg_map']
    assert labeled['case_name'] == 'synth2d_train_0000'
    assert labeled['ori_shape'] == (48, 40)
    assert 'gt_seg_map' not in unlabeled and not unlabeled['labeled']
    # The cache hands out copies.
    labeled['img'][:] = -1
    assert dataset[0]['img'].min() == 0

    test = Synthetic2DDataset(root, synthetic=SMALL, split='test')
    assert len(test) == 2 and all(test.get_data_info(i)['labeled']
                                  for i in range(2))
    assert test.metainfo['classes'] == ('background', 'RV', 'Myo', 'LV')


def test_packed_samples_and_seeded_keys(root):
    pipeline = [
        dict(type='RandomRotFlip'),
        dict(type='RandomCrop', crop_size=(32, 32)),
        dict(type='GenerateSDF', num_classes=4),
        dict(type='PackSegVolumeInputs'),
    ]
    dataset = Synthetic2DDataset(root, synthetic=SMALL, num_labeled=2,
                                 pipeline=pipeline)
    first = dataset[SeededIndex(0, 7)]
    again = dataset[SeededIndex(0, 7)]
    other = dataset[SeededIndex(0, 8)]
    assert first['inputs'].shape == (1, 32, 32)
    sample = first['data_samples']
    assert sample.gt_label.shape == (32, 32)
    assert sample.gt_sdf.shape == (3, 32, 32)
    assert sample.metainfo['case_name'] == 'synth2d_train_0000'
    assert sample.is_labeled
    assert (again['inputs'] == first['inputs']).all()
    assert not (other['inputs'] == first['inputs']).all()
    assert not dataset[SeededIndex(3, 7)]['data_samples'].is_labeled


def test_two_stream_sampler_reads_the_flags(root):
    dataset = Synthetic2DDataset(root, synthetic=SMALL, num_labeled=2)
    sampler = TwoStreamSampler(dataset, batch_size=4, labeled_per_batch=2,
                               seed=0)
    keys = [key for key, _ in zip(iter(sampler), range(8))]
    indices = [getattr(key, 'index', key) for key in keys]
    for start in (0, 4):
        assert set(indices[start:start + 2]) <= {0, 1}
        assert set(indices[start + 2:start + 4]) <= {2, 3, 4, 5}


def test_bad_arguments(root):
    with pytest.raises(ValueError, match='split'):
        Synthetic2DDataset(root, synthetic=SMALL, split='val')
    with pytest.raises(ValueError, match='num_labeled'):
        Synthetic2DDataset(root, synthetic=SMALL, num_labeled=-1)
    with pytest.raises(ValueError, match='selects no image'):
        Synthetic2DDataset(root, synthetic=SMALL, split='train_unlabeled')
