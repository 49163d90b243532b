import os
import os.path as osp
import pickle
import re

import numpy as np
import pytest
import torch
from la_fixtures import (IMAGE_DIR, TEST_NAMES, TRAIN_NAMES, case_arrays,
                         case_path, write_case, write_list)

from mmssl.datasets import DatasetFormatError, LAHeartDataset
from mmssl.registry import DATASETS
from mmssl.structures import SegVolumeSample


def names_of(dataset):
    return [dataset.get_data_info(i)['case_name'] for i in range(len(dataset))]


def test_splits_and_num_labeled(la_root):
    train = LAHeartDataset(la_root, split='train', num_labeled=2)
    assert names_of(train) == TRAIN_NAMES
    assert [train.get_data_info(i)['labeled'] for i in range(5)] == [
        True, True, False, False, False
    ]

    labeled = LAHeartDataset(la_root, split='train_labeled', num_labeled=2)
    assert names_of(labeled) == TRAIN_NAMES[:2]
    unlabeled = LAHeartDataset(
        la_root, split='train_unlabeled', num_labeled=2)
    assert names_of(unlabeled) == TRAIN_NAMES[2:]
    assert not any(
        unlabeled.get_data_info(i)['labeled'] for i in range(len(unlabeled)))

    # num_labeled=None: everything labeled; test ignores num_labeled.
    all_labeled = LAHeartDataset(la_root, split='train')
    assert all(all_labeled.get_data_info(i)['labeled'] for i in range(5))
    test = LAHeartDataset(la_root, split='test', num_labeled=1)
    assert names_of(test) == TEST_NAMES
    assert all(test.get_data_info(i)['labeled'] for i in range(2))
    assert test.metainfo['classes'] == ('background', 'left atrium')


def test_sample_contents(la_root):
    dataset = LAHeartDataset(la_root, split='train', num_labeled=1)
    results = dataset[0]
    image, label = case_arrays(0)
    assert results['img'].shape == (1, ) + image.shape
    assert results['img'].dtype == np.float32
    np.testing.assert_array_equal(results['img'][0], image)
    assert results['gt_seg_map'].dtype == np.uint8
    np.testing.assert_array_equal(results['gt_seg_map'], label)
    assert results['seg_fields'] == ['gt_seg_map']
    assert results['case_name'] == 'case_a'
    assert results['img_path'] == case_path(la_root, 'case_a')
    assert results['spacing'] == (1.0, 1.0, 1.0)
    assert results['ori_shape'] == results['img_shape'] == image.shape
    assert results['labeled'] is True

    # Unlabeled: no label in results at all.
    unlabeled = dataset[1]
    assert unlabeled['labeled'] is False
    assert 'gt_seg_map' not in unlabeled
    assert unlabeled['seg_fields'] == []


def test_unlabeled_case_label_is_never_read(la_root):
    # An unlabeled case may lack its label entirely.
    image, _ = case_arrays(2)
    write_case(case_path(la_root, 'case_c'), image=image)
    dataset = LAHeartDataset(la_root, split='train_unlabeled', num_labeled=2)
    assert 'gt_seg_map' not in dataset[0]
    # ... but a labeled one may not.
    with pytest.raises(DatasetFormatError, match="case_c.*'label'"):
        LAHeartDataset(la_root, split='train', num_labeled=3)


def test_list_inside_image_folder_and_root_preferred(la_root):
    for name in ('train.list', 'test.list'):
        os.replace(osp.join(la_root, name), osp.join(la_root, IMAGE_DIR,
                                                     name))
    assert names_of(LAHeartDataset(la_root)) == TRAIN_NAMES
    assert names_of(LAHeartDataset(la_root, split='test')) == TEST_NAMES
    # Both present: the root wins.
    write_list(osp.join(la_root, 'train.list'), TRAIN_NAMES[:3])
    assert names_of(LAHeartDataset(la_root)) == TRAIN_NAMES[:3]


def test_explicit_ann_file(la_root):
    write_list(osp.join(la_root, 'my.list'), ['case_e', 'case_a'])
    dataset = LAHeartDataset(
        la_root, split='train_labeled', ann_file='my.list', num_labeled=1)
    assert names_of(dataset) == ['case_e']
    with pytest.raises(FileNotFoundError, match='nope.list'):
        LAHeartDataset(la_root, ann_file='nope.list')


def test_cache_avoids_second_read(la_root, tmp_path):
    dataset = LAHeartDataset(la_root, split='test')
    uncached = LAHeartDataset(la_root, split='test', cache=False)
    first = dataset[0]
    uncached[0]
    path = case_path(la_root, TEST_NAMES[0])
    os.replace(path, str(tmp_path / 'moved.h5'))
    first['img'][...] = 123  # must not reach the cache
    second = dataset[0]
    np.testing.assert_array_equal(second['img'][0], case_arrays(5)[0])

    with pytest.raises(FileNotFoundError, match=re.escape(path)):
        uncached[0]


def test_pickle_drops_cache(la_root):
    dataset = LAHeartDataset(la_root, split='test')
    dataset[0]
    assert len(dataset._array_cache) == 1
    clone = pickle.loads(pickle.dumps(dataset))
    assert clone._array_cache == {}
    assert len(clone) == 2


def test_build_from_registry_with_pipeline(la_root):
    dataset = DATASETS.build(
        dict(
            type='LAHeartDataset',
            data_root=la_root,
            split='train_labeled',
            num_labeled=2,
            pipeline=[
                dict(type='RandomCrop', crop_size=(8, 8, 6)),
                dict(type='RandomRotFlip'),
                dict(type='PackSegVolumeInputs')
            ]))
    packed = dataset[1]
    assert packed['inputs'].shape == (1, 8, 8, 6)
    assert packed['inputs'].dtype == torch.float32
    sample = packed['data_samples']
    assert isinstance(sample, SegVolumeSample)
    assert sample.gt_label.shape == (8, 8, 6)
    assert sample.case_name == 'case_b' and sample.is_labeled


# ---------------------------------------------------------------- bad input


def test_missing_root_and_image_folder(tmp_path):
    missing = str(tmp_path / 'nowhere')
    with pytest.raises(FileNotFoundError, match=re.escape(missing)):
        LAHeartDataset(missing)
    # Even with lazy_init the root is checked at once.
    with pytest.raises(FileNotFoundError, match=re.escape(missing)):
        LAHeartDataset(missing, lazy_init=True)
    with pytest.raises(FileNotFoundError, match=IMAGE_DIR):
        LAHeartDataset(str(tmp_path))


def test_missing_list_file_names_both_places(la_root):
    os.remove(osp.join(la_root, 'test.list'))
    with pytest.raises(FileNotFoundError) as error:
        LAHeartDataset(la_root, split='test')
    assert osp.join(la_root, 'test.list') in str(error.value)
    assert osp.join(la_root, IMAGE_DIR, 'test.list') in str(error.value)


def test_missing_case_file_fails_at_construction(la_root):
    path = case_path(la_root, 'case_d')
    os.remove(path)
    with pytest.raises(FileNotFoundError, match=re.escape(path)):
        LAHeartDataset(la_root, validate=False)


@pytest.mark.parametrize('datasets, pattern', [
    (dict(img=np.zeros((4, 4, 4), np.float32),
          label=np.zeros((4, 4, 4), np.uint8)),
     r"no 'image' dataset; keys present: \['img', 'label'\]"),
    (dict(image=np.zeros((4, 4, 4), np.float32),
          seg=np.zeros((4, 4, 4), np.uint8)),
     r"no 'label' dataset; keys present: \['image', 'seg'\]"),
    (dict(image=np.zeros((4, 4, 4), np.float32),
          label=np.zeros((4, 4, 5), np.uint8)),
     r'image shape \(4, 4, 4\) and label shape \(4, 4, 5\) differ'),
    (dict(image=np.zeros((4, 4), np.float32),
          label=np.zeros((4, 4), np.uint8)),
     r'image must be 3-D'),
])
def test_bad_h5_layout_fails_at_construction(la_root, datasets, pattern):
    path = case_path(la_root, 'case_b')
    write_case(path, **datasets)
    with pytest.raises(DatasetFormatError) as error:
        LAHeartDataset(la_root)
    assert path in str(error.value)
    assert re.search(pattern, str(error.value)), str(error.value)
    # Without validation the same error comes on load instead.
    dataset = LAHeartDataset(la_root, validate=False)
    with pytest.raises(DatasetFormatError, match=pattern):
        dataset[1]


def test_not_an_h5_file(la_root):
    path = case_path(la_root, 'case_a')
    with open(path, 'wb') as f:
        f.write(b'not hdf5 at all')
    with pytest.raises(DatasetFormatError, match=re.escape(path)):
        LAHeartDataset(la_root)


def test_label_values_out_of_range_fail_on_load(la_root):
    image, label = case_arrays(1)
    label[0, 0, 0] = 2
    path = case_path(la_root, 'case_b')
    write_case(path, image=image, label=label)
    dataset = LAHeartDataset(la_root)  # metadata alone cannot see this
    dataset[0]
    with pytest.raises(DatasetFormatError) as error:
        dataset[1]
    assert path in str(error.value) and '[2]' in str(error.value)
    # Fine with three classes.
    assert LAHeartDataset(la_root, num_classes=3)[1]['gt_seg_map'].max() == 2


@pytest.mark.parametrize('bad_value', [np.nan, np.inf])
def test_non_finite_image_fails_on_load(la_root, bad_value):
    image, label = case_arrays(2)
    image[1, 2, 3] = bad_value
    path = case_path(la_root, 'case_c')
    write_case(path, image=image, label=label)
    dataset = LAHeartDataset(la_root)
    with pytest.raises(DatasetFormatError, match=re.escape(path)):
        dataset[2]


def test_bad_arguments(la_root):
    with pytest.raises(ValueError, match='split'):
        LAHeartDataset(la_root, split='val')
    with pytest.raises(ValueError, match='num_labeled=9.*train.list'):
        LAHeartDataset(la_root, num_labeled=9)
    with pytest.raises(ValueError, match='selects no case'):
        LAHeartDataset(la_root, split='train_unlabeled')
    write_list(osp.join(la_root, 'test.list'), [])
    with pytest.raises(DatasetFormatError, match='lists no cases'):
        LAHeartDataset(la_root, split='test')
    write_list(osp.join(la_root, 'test.list'), ['case_t1', 'case_t1'])
    with pytest.raises(DatasetFormatError, match='more than once'):
        LAHeartDataset(la_root, split='test')
