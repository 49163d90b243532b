"""NiftiDataset: NIfTI folder pairs and MSD dataset.json tasks."""
import json
import os
import pickle
import re

import nibabel as nib
import numpy as np
import pytest
import torch

from mmssl.datasets import DatasetFormatError, NiftiDataset
from mmssl.registry import DATASETS

SHAPE = (10, 12, 6)
ZOOMS = (0.625, 0.625, 2.5)
# Flipped x axis and an offset: the affine must come back as written,
# not as the identity or a plain diagonal.
AFFINE = np.array([[-0.625, 0, 0, 40.0], [0, 0.625, 0, -12.5],
                   [0, 0, 2.5, 7.0], [0, 0, 0, 1]])
TRAIN = ['case_a', 'case_b', 'case_c', 'case_d', 'case_e']
WITH_LABEL = TRAIN[:4]  # case_e has only an image: always unlabeled
TEST = ['case_t1', 'case_t2']


def case_arrays(index, shape=SHAPE, channels=None):
    rng = np.random.default_rng(index)
    image_shape = shape if channels is None else shape + (channels, )
    image = (rng.standard_normal(image_shape) * 50 + 300).astype(np.float32)
    label = (rng.random(shape) > 0.7).astype(np.uint8)
    return image, label


def write_nifti(path, array, affine=AFFINE):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    nib.save(nib.Nifti1Image(np.asarray(array), affine), str(path))
    return str(path)


def write_lines(path, names):
    with open(path, 'w') as f:
        f.write('\n'.join(names) + '\n')
    return str(path)


def names_of(dataset):
    return [dataset.get_data_info(i)['case_name'] for i in range(len(dataset))]


def flags_of(dataset):
    return [dataset.get_data_info(i)['labeled'] for i in range(len(dataset))]


@pytest.fixture
def folder(tmp_path):
    """imagesTr (5 cases, 4 labeled) and imagesTs/labelsTs (2 cases)."""
    root = tmp_path / 'nifti'
    for index, name in enumerate(TRAIN + TEST):
        image, label = case_arrays(index)
        part = 'Ts' if name in TEST else 'Tr'
        write_nifti(root / f'images{part}' / f'{name}.nii.gz', image)
        if name != 'case_e':
            write_nifti(root / f'labels{part}' / f'{name}.nii.gz', label)
    # A macOS resource fork as found in the MSD tar files: not an image.
    (root / 'imagesTr' / '._case_a.nii.gz').write_bytes(b'\0\5\26\7')
    return str(root)


@pytest.fixture
def msd(tmp_path):
    """An MSD task: 4 training cases, 2 test images, dataset.json."""
    root = tmp_path / 'Task02_Heart'
    training = []
    for index, name in enumerate(WITH_LABEL):
        image, label = case_arrays(index)
        write_nifti(root / 'imagesTr' / f'{name}.nii.gz', image)
        write_nifti(root / 'labelsTr' / f'{name}.nii.gz', label)
        training.append(dict(image=f'./imagesTr/{name}.nii.gz',
                             label=f'./labelsTr/{name}.nii.gz'))
    for index, name in enumerate(TEST):
        write_nifti(root / 'imagesTs' / f'{name}.nii.gz',
                    case_arrays(10 + index)[0])
    write_description(root, training,
                      [f'./imagesTs/{name}.nii.gz' for name in TEST])
    return str(root)


def write_description(root, training, test=(), modality=None, labels=None):
    description = dict(
        name='Heart', modality=modality or {'0': 'MRI'},
        labels=labels or {'0': 'background', '1': 'left atrium'},
        numTraining=len(training), numTest=len(test),
        training=list(training), test=list(test))
    with open(os.path.join(str(root), 'dataset.json'), 'w') as f:
        json.dump(description, f)


# ------------------------------------------------------------ folder mode


def test_folder_labeled_split_by_count(folder):
    train = NiftiDataset(folder, split='train', num_labeled=2)
    assert names_of(train) == TRAIN
    assert flags_of(train) == [True, True, False, False, False]
    assert names_of(NiftiDataset(folder, split='train_labeled',
                                 num_labeled=2)) == TRAIN[:2]
    assert names_of(NiftiDataset(folder, split='train_unlabeled',
                                 num_labeled=2)) == TRAIN[2:]
    # None: every case with a label; the image-only case stays unlabeled.
    assert flags_of(NiftiDataset(folder)) == [True] * 4 + [False]
    # 'random' draws among the cases with a label only.
    drawn = NiftiDataset(folder, split='train_labeled', num_labeled=2,
                         labeled_selection='random', labeled_seed=1)
    assert len(drawn) == 2 and set(names_of(drawn)) <= set(WITH_LABEL)
    with pytest.raises(ValueError, match='num_labeled=5.*4 training cases '
                       'with a label'):
        NiftiDataset(folder, num_labeled=5)


def test_folder_labeled_split_by_list(folder, tmp_path):
    listed = write_lines(tmp_path / 'labeled.txt', ['case_c', 'case_a'])
    train = NiftiDataset(folder, labeled_list=listed)
    assert flags_of(train) == [True, False, True, False, False]

    no_label = write_lines(tmp_path / 'no_label.txt', ['case_e'])
    with pytest.raises(FileNotFoundError,
                       match=re.escape(os.path.join(folder, 'labelsTr',
                                                    'case_e.nii.gz'))):
        NiftiDataset(folder, labeled_list=no_label)
    unknown = write_lines(tmp_path / 'unknown.txt', ['case_a', 'case_zz'])
    with pytest.raises(DatasetFormatError,
                       match=r"unknown\.txt names 1 case.*'case_zz'"):
        NiftiDataset(folder, labeled_list=unknown)


def test_sample_contents_spacing_and_affine(folder):
    dataset = NiftiDataset(folder, split='train', num_labeled=1)
    results = dataset[0]
    image, label = case_arrays(0)
    assert results['img'].shape == (1, ) + SHAPE
    assert results['img'].dtype == np.float32
    # Default z-scoring, per volume.
    assert abs(results['img'].mean()) < 1e-4
    assert abs(results['img'].std() - 1) < 1e-4
    np.testing.assert_allclose(results['img'][0],
                               (image - image.mean()) / image.std(),
                               atol=1e-4)
    assert results['gt_seg_map'].dtype == np.uint8
    np.testing.assert_array_equal(results['gt_seg_map'], label)
    assert results['seg_fields'] == ['gt_seg_map']
    assert results['case_name'] == 'case_a' and results['labeled'] is True
    assert results['img_path'] == os.path.join(folder, 'imagesTr',
                                               'case_a.nii.gz')
    assert results['spacing'] == ZOOMS
    np.testing.assert_allclose(results['affine'], AFFINE)
    assert results['ori_shape'] == results['img_shape'] == SHAPE
    assert dataset.metainfo['classes'] == ('background', 'foreground')

    # Unlabeled: no label in the sample.
    unlabeled = dataset[1]
    assert unlabeled['labeled'] is False and 'gt_seg_map' not in unlabeled
    assert unlabeled['seg_fields'] == []

    raw = NiftiDataset(folder, split='test', img_dir='imagesTs',
                       ann_dir='labelsTs', normalize=None)[1]
    np.testing.assert_array_equal(raw['img'][0], case_arrays(6)[0])


def test_folder_test_split_and_lists(folder, tmp_path):
    test = NiftiDataset(folder, split='test', img_dir='imagesTs',
                        ann_dir='labelsTs', num_labeled=0)
    assert names_of(test) == TEST and all(flags_of(test))

    # Held-out cases of imagesTr: a test list alone takes them out of train.
    test_list = write_lines(tmp_path / 'test.txt', ['case_d', 'case_b'])
    held_out = NiftiDataset(folder, split='test', test_list=test_list)
    assert names_of(held_out) == ['case_d', 'case_b']
    assert names_of(NiftiDataset(folder, test_list=test_list)) == [
        'case_a', 'case_c', 'case_e']
    train_list = write_lines(tmp_path / 'train.txt', ['case_c', 'case_a'])
    assert names_of(NiftiDataset(folder, train_list=train_list,
                                 num_labeled=1, split='train_labeled')) == [
                                     'case_c']

    splits = tmp_path / 'splits.json'
    splits.write_text(json.dumps([
        dict(train=['case_a', 'case_b'], val=['case_c']),
        dict(train=['case_c', 'case_d'], val=['case_a']),
    ]))
    val = NiftiDataset(folder, split='val', split_file=str(splits), fold=1)
    assert names_of(val) == ['case_a']
    assert names_of(NiftiDataset(folder, split_file=str(splits))) == [
        'case_a', 'case_b']
    with pytest.raises(ValueError, match='exclude each other'):
        NiftiDataset(folder, split_file=str(splits), test_list=test_list)
    splits.write_text(json.dumps(dict(train=['case_a', 'case_b'],
                                      test=['case_b'])))
    with pytest.raises(DatasetFormatError,
                       match=r"splits\.json.*\['case_b'\] as train and test"):
        NiftiDataset(folder, split='test', split_file=str(splits))


def test_unlabeled_label_is_never_read(folder):
    # Broken, but unlabeled: neither validation nor loading opens it.
    with open(os.path.join(folder, 'labelsTr', 'case_d.nii.gz'), 'wb') as f:
        f.write(b'not a nifti file')
    dataset = NiftiDataset(folder, split='train_unlabeled', num_labeled=1)
    assert names_of(dataset) == ['case_b', 'case_c', 'case_d', 'case_e']
    assert 'gt_seg_map' not in dataset[2]
    with pytest.raises(DatasetFormatError, match='case_d.nii.gz'):
        NiftiDataset(folder, split='train_labeled')


def test_cache_and_pickle(folder, tmp_path):
    dataset = NiftiDataset(folder, split='test', img_dir='imagesTs',
                           ann_dir='labelsTs')
    first = dataset[0]
    path = dataset.get_data_info(0)['img_path']
    os.replace(path, str(tmp_path / 'moved.nii.gz'))
    first['img'][...] = 123  # must not reach the cache
    second = dataset[0]
    assert abs(second['img'].mean()) < 1e-4
    clone = pickle.loads(pickle.dumps(dataset))
    assert clone._array_cache == {} and len(clone) == 2
    with pytest.raises(FileNotFoundError, match=re.escape(path)):
        clone[0]


def test_build_with_pipeline_keeps_spacing_and_affine(folder):
    dataset = DATASETS.build(
        dict(
            type='NiftiDataset',
            data_root=folder,
            split='train_labeled',
            num_labeled=2,
            pipeline=[
                dict(type='RandomCrop', crop_size=(8, 8, 4)),
                dict(type='PackSegVolumeInputs',
                     meta_keys=('case_name', 'spacing', 'affine',
                                'labeled')),
            ]))
    packed = dataset[1]
    assert packed['inputs'].shape == (1, 8, 8, 4)
    assert packed['inputs'].dtype == torch.float32
    sample = packed['data_samples']
    assert sample.case_name == 'case_b' and sample.is_labeled
    assert sample.spacing == ZOOMS
    np.testing.assert_allclose(sample.affine, AFFINE)


# --------------------------------------------------------------- MSD mode


def test_msd_json(msd, tmp_path):
    train = NiftiDataset(msd, ann_file='dataset.json', num_labeled=2)
    assert names_of(train) == WITH_LABEL
    assert flags_of(train) == [True, True, False, False]
    assert train.metainfo['classes'] == ('background', 'left atrium')
    assert train.num_classes == 2
    np.testing.assert_array_equal(train[1]['gt_seg_map'], case_arrays(1)[1])
    assert train[0]['spacing'] == ZOOMS

    # MSD's test images have no labels: inference only.
    test = NiftiDataset(msd, ann_file='dataset.json', split='test')
    assert names_of(test) == TEST and not any(flags_of(test))
    assert 'gt_seg_map' not in test[0]
    assert test[0]['img_path'].endswith(os.path.join('imagesTs',
                                                     'case_t1.nii.gz'))

    # Held-out labeled cases instead.
    test_list = write_lines(tmp_path / 'test.txt', ['case_c'])
    held_out = NiftiDataset(msd, ann_file='dataset.json', split='test',
                            test_list=test_list)
    assert names_of(held_out) == ['case_c'] and all(flags_of(held_out))
    assert names_of(NiftiDataset(msd, ann_file='dataset.json',
                                 test_list=test_list)) == [
                                     'case_a', 'case_b', 'case_d']
    with pytest.raises(ValueError, match='val_list'):
        NiftiDataset(msd, ann_file='dataset.json', split='val')
    with pytest.raises(ValueError, match='num_classes=3.*2 labels'):
        NiftiDataset(msd, ann_file='dataset.json', num_classes=3)


def test_msd_multichannel_4d_images(tmp_path):
    root = tmp_path / 'Task05_Prostate'
    training = []
    for index, name in enumerate(['p_1', 'p_2']):
        image, label = case_arrays(index, channels=2)
        image[..., 1] *= 10  # channels on other scales
        write_nifti(root / 'imagesTr' / f'{name}.nii.gz', image)
        write_nifti(root / 'labelsTr' / f'{name}.nii.gz', label * 2)
        training.append(dict(image=f'./imagesTr/{name}.nii.gz',
                             label=f'./labelsTr/{name}.nii.gz'))
    write_description(root, training, modality={'0': 'T2', '1': 'ADC'},
                      labels={'0': 'background', '1': 'PZ', '2': 'TZ'})
    dataset = NiftiDataset(str(root), ann_file='dataset.json')
    assert dataset.num_classes == 3
    results = dataset[0]
    image, label = case_arrays(0, channels=2)
    image[..., 1] *= 10
    assert results['img'].shape == (2, ) + SHAPE  # channels first
    for channel in range(2):  # z-scored each on its own
        expected = image[..., channel]
        np.testing.assert_allclose(
            results['img'][channel],
            (expected - expected.mean()) / expected.std(), atol=1e-4)
    np.testing.assert_array_equal(results['gt_seg_map'], label * 2)
    assert results['spacing'] == ZOOMS

    with pytest.raises(ValueError, match='num_channels=1.*2 modalities'):
        NiftiDataset(str(root), ann_file='dataset.json', num_channels=1)
    # The modality count is checked against the files.
    write_description(root, training, modality={'0': 'T2'},
                      labels={'0': 'background', '1': 'PZ', '2': 'TZ'})
    with pytest.raises(DatasetFormatError,
                       match=r'p_1\.nii\.gz: 2 channel.*"modality"'):
        NiftiDataset(str(root), ann_file='dataset.json')


def test_nnunet_channel_files(tmp_path):
    root = tmp_path / 'nnunet'
    training = []
    for index, name in enumerate(['b_1', 'b_2', 'b_3']):
        image, label = case_arrays(index, channels=3)
        for channel in range(3):
            write_nifti(root / 'imagesTr' / f'{name}_{channel:04d}.nii.gz',
                        image[..., channel])
        if name != 'b_3':
            write_nifti(root / 'labelsTr' / f'{name}.nii.gz', label)
        training.append(dict(image=f'./imagesTr/{name}.nii.gz',
                             label=f'./labelsTr/{name}.nii.gz'))
    dataset = NiftiDataset(str(root), normalize=None)
    assert names_of(dataset) == ['b_1', 'b_2', 'b_3']
    assert flags_of(dataset) == [True, True, False]
    results = dataset[1]
    image = case_arrays(1, channels=3)[0]
    # Stacked in channel order.
    np.testing.assert_array_equal(results['img'],
                                  np.moveaxis(image, -1, 0))
    assert results['img_paths'][2].endswith('b_2_0002.nii.gz')
    assert results['img_path'].endswith('b_2_0000.nii.gz')

    # nnU-Net v1's dataset.json names x.nii.gz for x_0000.nii.gz, ...
    write_description(root, training[:2],
                      modality={'0': 'a', '1': 'b', '2': 'c'})
    from_json = NiftiDataset(str(root), ann_file='dataset.json')
    assert from_json[0]['img'].shape == (3, ) + SHAPE

    os.remove(root / 'imagesTr' / 'b_2_0001.nii.gz')
    with pytest.raises(DatasetFormatError,
                       match=r"case 'b_2'.*\['_0001'\] missing"):
        NiftiDataset(str(root))
    # A per-case layout asked for explicitly: then b_1_0000 is a case,
    # whose label is missing; the labels b_1, b_2 have no image.
    with pytest.raises(DatasetFormatError,
                       match=r"label file\(s\) in .*labelsTr have no image"):
        NiftiDataset(str(root), channel_files=False)


# -------------------------------------------------------------- bad input


def test_missing_root_and_folders(tmp_path, folder):
    missing = str(tmp_path / 'nowhere')
    with pytest.raises(FileNotFoundError, match=re.escape(missing)):
        NiftiDataset(missing)
    with pytest.raises(FileNotFoundError,
                       match=re.escape(os.path.join(folder, 'imagesXx'))):
        NiftiDataset(folder, img_dir='imagesXx')
    # A test case without its label.
    os.remove(os.path.join(folder, 'labelsTs', 'case_t2.nii.gz'))
    with pytest.raises(FileNotFoundError, match=re.escape(
            os.path.join(folder, 'labelsTs', 'case_t2.nii.gz'))):
        NiftiDataset(folder, split='test', img_dir='imagesTs',
                     ann_dir='labelsTs')


def test_msd_missing_image_and_label(msd):
    os.remove(os.path.join(msd, 'labelsTr', 'case_b.nii.gz'))
    # Unlabeled cases do not need their label file.
    assert len(NiftiDataset(msd, ann_file='dataset.json', num_labeled=1,
                            split='train_unlabeled')) == 3
    with pytest.raises(FileNotFoundError, match=r'labelsTr/case_b\.nii\.gz'):
        NiftiDataset(msd, ann_file='dataset.json', split='train_labeled')
    os.remove(os.path.join(msd, 'imagesTr', 'case_d.nii.gz'))
    with pytest.raises(FileNotFoundError, match=r'imagesTr/case_d\.nii\.gz'):
        NiftiDataset(msd, ann_file='dataset.json', num_labeled=1)
    with pytest.raises(FileNotFoundError, match='nope.json'):
        NiftiDataset(msd, ann_file='nope.json')


@pytest.mark.parametrize('label_shape, pattern', [
    ((10, 12, 5), r'label shape \(10, 12, 5\) differs .* \(10, 12, 6\)'),
    ((10, 12, 6, 1), r'label has shape \(10, 12, 6, 1\) \(4-D\); expected '
     '3-D'),
])
def test_bad_label_shape_fails_at_construction(folder, label_shape, pattern):
    path = write_nifti(os.path.join(folder, 'labelsTr', 'case_b.nii.gz'),
                       np.zeros(label_shape, np.uint8))
    with pytest.raises(DatasetFormatError,
                       match=re.escape(path) + '.*' + pattern):
        NiftiDataset(folder)
    # validate=False defers the check to loading.
    dataset = NiftiDataset(folder, validate=False)
    with pytest.raises(DatasetFormatError, match=re.escape(path)):
        dataset[1]


def test_other_bad_files_fail_at_construction(folder, tmp_path):
    images = os.path.join(folder, 'imagesTr')
    unknown = write_lines(tmp_path / 'train.txt', ['case_a', 'case_q'])
    with pytest.raises(DatasetFormatError,
                       match=r"train\.txt names 1 case.*'case_q'"):
        NiftiDataset(folder, train_list=unknown)

    broken = os.path.join(images, 'case_b.nii.gz')
    with open(broken, 'wb') as f:
        f.write(b'not a nifti file')
    with pytest.raises(DatasetFormatError,
                       match=re.escape(broken) + '.*as NIfTI'):
        NiftiDataset(folder)
    write_nifti(broken, case_arrays(1)[0])

    write_nifti(os.path.join(images, 'case_c.nii'), case_arrays(2)[0])
    with pytest.raises(DatasetFormatError,
                       match=r'case_c\.nii and case_c\.nii\.gz'):
        NiftiDataset(folder)
    os.remove(os.path.join(images, 'case_c.nii'))

    two_d = write_nifti(os.path.join(images, 'case_c.nii.gz'),
                        np.zeros((10, 12), np.float32))
    with pytest.raises(DatasetFormatError,
                       match=re.escape(two_d) + '.*not a volume'):
        NiftiDataset(folder)
    write_nifti(two_d, case_arrays(2)[0])

    write_nifti(os.path.join(folder, 'labelsTr', 'case_x.nii.gz'),
                case_arrays(0)[1])
    with pytest.raises(DatasetFormatError, match=r"have no image.*case_x"):
        NiftiDataset(folder)


def test_other_grid_warns(folder):
    shifted = AFFINE.copy()
    shifted[0, 3] += 5
    write_nifti(os.path.join(folder, 'labelsTr', 'case_c.nii.gz'),
                case_arrays(2)[1], shifted)
    with pytest.warns(UserWarning, match=r'labelsTr/case_c\.nii\.gz: affine'):
        NiftiDataset(folder)


@pytest.mark.parametrize('value, pattern', [
    (0.5, r'non-integer values \[0\.5\]'),
    (2, r'values \[2\.0\] outside the class ids 0\.\.1'),
])
def test_bad_label_values_fail_on_load(folder, value, pattern):
    label = case_arrays(0)[1].astype(np.float32)
    label[1, 2, 3] = value
    path = write_nifti(os.path.join(folder, 'labelsTr', 'case_a.nii.gz'),
                       label)
    dataset = NiftiDataset(folder)  # headers are fine
    with pytest.raises(DatasetFormatError,
                       match=re.escape(path) + '.*' + pattern):
        dataset[0]
    # Three classes allow 2.
    if value == 2:
        assert NiftiDataset(folder, num_classes=3)[0]['gt_seg_map'].max() == 2


def test_nan_image_fails_on_load(folder):
    image = case_arrays(1)[0]
    image[0, 0, 0] = np.nan
    path = write_nifti(os.path.join(folder, 'imagesTr', 'case_b.nii.gz'),
                       image)
    dataset = NiftiDataset(folder)
    with pytest.raises(DatasetFormatError,
                       match=re.escape(path) + '.*1 NaN or inf'):
        dataset[1]


def test_bad_arguments(folder):
    with pytest.raises(ValueError, match='split must be one of'):
        NiftiDataset(folder, split='training')
    with pytest.raises(ValueError, match='normalize'):
        NiftiDataset(folder, normalize='minmax')
    with pytest.raises(ValueError, match='num_labeled'):
        NiftiDataset(folder, num_labeled=-1)
    with pytest.raises(DatasetFormatError,
                       match=r'case_a\.nii\.gz: 1 channel.*num_channels = 2'):
        NiftiDataset(folder, num_channels=2)
