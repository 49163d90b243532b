"""ACDCDataset on a tiny copy of the SSL4MIS layout, and ResizeTo."""
import h5py
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmssl.datasets import ACDCDataset, DatasetFormatError, TwoStreamSampler
from mmssl.datasets.acdc import acdc_patient
from mmssl.datasets.seeding import SeededIndex
from mmssl.datasets.transforms import ResizeTo

PATIENTS = ['patient001', 'patient002', 'patient003', 'patient004']
FRAMES = ['frame01', 'frame12']
SLICES_PER_FRAME = 3
SHAPE = (20, 24)
VAL = ['patient091_frame01', 'patient091_frame10']
TEST = ['patient095_frame01', 'patient096_frame05']


def heart_label(shape, shift):
    """LV disc (3) in a myocardium ring (2), RV (1) beside it."""
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    cy, cx = shape[0] / 2 + shift, shape[1] / 2 + shift
    radius = np.hypot(yy - cy, xx - cx)
    label = np.zeros(shape, np.uint8)
    label[np.hypot(yy - cy, xx - cx - 7) < 4] = 1
    label[radius < 6] = 2
    label[radius < 4] = 3
    return label


def slice_arrays(seed):
    rng = np.random.default_rng(seed)
    label = heart_label(SHAPE, seed % 3 - 1)
    image = np.clip(label / 4 + rng.normal(0, 0.05, SHAPE), 0, 1)
    return image.astype(np.float32), label


def write_h5(path, **arrays):
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, 'w') as h5_file:
        for key, value in arrays.items():
            h5_file.create_dataset(key, data=value)


def slice_names():
    return [f'{p}_{f}_slice_{k}' for p in PATIENTS for f in FRAMES
            for k in range(SLICES_PER_FRAME)]


def write_acdc(root):
    """4 patients x 2 frames x 3 slices of 20 x 24; 2 val and 2 test
    volumes of 3 x 20 x 24. Returns the root as str."""
    names = slice_names()
    for index, name in enumerate(names):
        image, label = slice_arrays(index)
        write_h5(root / 'data' / 'slices' / f'{name}.h5', image=image,
                 label=label)
    for index, name in enumerate(VAL + TEST):
        pairs = [slice_arrays(100 + 3 * index + k) for k in range(3)]
        write_h5(root / 'data' / f'{name}.h5',
                 image=np.stack([p[0] for p in pairs]),
                 label=np.stack([p[1] for p in pairs]))
    for list_name, entries in (('train_slices.list', names),
                               ('val.list', VAL), ('test.list', TEST)):
        (root / list_name).write_text('\n'.join(entries) + '\n')
    return str(root)


@pytest.fixture
def acdc_root(tmp_path):
    return write_acdc(tmp_path / 'ACDC')


def test_patient_names():
    assert acdc_patient('patient001_frame01_slice_10') == 'patient001'
    assert acdc_patient('patient091_frame12') == 'patient091'
    assert acdc_patient('case7_slice_2') == 'case7'


def test_train_split_flags_the_first_patients(acdc_root):
    dataset = ACDCDataset(acdc_root, split='train', labeled_patients=1)
    assert len(dataset) == 24
    flags = [dataset.get_data_info(i)['labeled'] for i in range(24)]
    # All 6 slices (2 frames x 3) of the first patient, nothing else.
    assert flags == [True] * 6 + [False] * 18
    assert dataset.num_labeled_slices == 6
    info = dataset.get_data_info(7)
    assert info['patient'] == 'patient002'
    assert info['case_name'] == 'patient002_frame01_slice_1'
    assert info['spacing'] == (1.0, 1.0)


def test_labeled_and_unlabeled_splits(acdc_root):
    labeled = ACDCDataset(acdc_root, split='train_labeled',
                          labeled_patients=2)
    unlabeled = ACDCDataset(acdc_root, split='train_unlabeled',
                            labeled_patients=2)
    assert len(labeled) == 12 and len(unlabeled) == 12
    assert {labeled.get_data_info(i)['patient'] for i in range(12)} == set(
        PATIENTS[:2])
    assert {unlabeled.get_data_info(i)['patient'] for i in range(12)} == set(
        PATIENTS[2:])
    # None: every slice labeled.
    everything = ACDCDataset(acdc_root, split='train_labeled')
    assert len(everything) == 24


def test_patient_budget_follows_list_order_not_names(acdc_root, tmp_path):
    # Patients in another order in the list: the first listed are labeled.
    names = slice_names()
    reordered = names[12:] + names[:12]
    list_file = tmp_path / 'reordered.list'
    list_file.write_text('\n'.join(reordered))
    dataset = ACDCDataset(acdc_root, split='train_labeled',
                          ann_file=str(list_file), labeled_patients=1)
    assert {dataset.get_data_info(i)['patient']
            for i in range(len(dataset))} == {'patient003'}


def test_warns_when_the_budget_differs_from_ssl4mis(acdc_root, tmp_path,
                                                    monkeypatch):
    import mmssl.datasets.acdc as acdc_module
    messages = []
    monkeypatch.setattr(acdc_module, 'print_log',
                        lambda message, **kwargs: messages.append(message))
    # Pretend the fixture is the full list and SSL4MIS labels 5 slices.
    monkeypatch.setattr(acdc_module, 'SSL4MIS_NUM_TRAIN_SLICES', 24)
    monkeypatch.setattr(acdc_module, 'SSL4MIS_LABELED_SLICES', {1: 5})
    ACDCDataset(acdc_root, labeled_patients=1)
    assert len(messages) == 1 and 'SSL4MIS labels 5' in messages[0]
    # Patients interleaved: the labeled slices are not the first lines.
    names = slice_names()
    interleaved = [n for pair in zip(names[:12], names[12:]) for n in pair]
    list_file = tmp_path / 'interleaved.list'
    list_file.write_text('\n'.join(interleaved))
    messages.clear()
    monkeypatch.setattr(acdc_module, 'SSL4MIS_LABELED_SLICES', {})
    ACDCDataset(acdc_root, ann_file=str(list_file), labeled_patients=1)
    assert len(messages) == 1 and 'not the first 6 lines' in messages[0]


def test_budget_errors(acdc_root):
    with pytest.raises(ValueError, match='only 4 patients'):
        ACDCDataset(acdc_root, labeled_patients=5)
    with pytest.raises(ValueError, match='labeled_patients'):
        ACDCDataset(acdc_root, labeled_patients=True)
    with pytest.raises(ValueError, match='labeled_patients'):
        ACDCDataset(acdc_root, labeled_patients=-1)
    with pytest.raises(ValueError, match='selects none'):
        ACDCDataset(acdc_root, split='train_labeled', labeled_patients=0)
    with pytest.raises(ValueError, match='split must be one of'):
        ACDCDataset(acdc_root, split='training')


def test_slice_items(acdc_root):
    dataset = ACDCDataset(acdc_root, split='train', labeled_patients=1)
    item = dataset[0]
    image, label = slice_arrays(0)
    assert item['img'].shape == (1, ) + SHAPE
    assert item['img'].dtype == np.float32
    np.testing.assert_array_equal(item['img'][0], image)
    np.testing.assert_array_equal(item['gt_seg_map'], label)
    assert item['gt_seg_map'].dtype == np.uint8
    assert item['seg_fields'] == ['gt_seg_map']
    assert item['labeled'] is True
    assert item['ori_shape'] == SHAPE
    assert item['case_name'] == 'patient001_frame01_slice_0'
    assert item['patient'] == 'patient001'
    unlabeled = dataset[6]
    assert unlabeled['labeled'] is False
    assert 'gt_seg_map' not in unlabeled and unlabeled['seg_fields'] == []


def test_unlabeled_labels_are_never_read(acdc_root):
    path = f'{acdc_root}/data/slices/patient004_frame12_slice_2.h5'
    with h5py.File(path, 'r+') as h5_file:
        h5_file['label'][0, 0] = 9
    dataset = ACDCDataset(acdc_root, split='train', labeled_patients=3)
    assert dataset[23]['labeled'] is False
    labeled = ACDCDataset(acdc_root, split='train')
    with pytest.raises(DatasetFormatError,
                       match='patient004_frame12_slice_2.h5.*0..3'):
        labeled[23]


@pytest.mark.parametrize('split, names', [('val', VAL), ('test', TEST)])
def test_volume_items(acdc_root, split, names):
    dataset = ACDCDataset(acdc_root, split=split, labeled_patients=1)
    assert len(dataset) == 2
    item = dataset[1]
    assert item['img'].shape == (1, 3) + SHAPE
    assert item['gt_seg_map'].shape == (3, ) + SHAPE
    assert item['labeled'] is True
    assert item['case_name'] == names[1]
    assert item['spacing'] == (1.0, 1.0, 1.0)
    assert set(np.unique(item['gt_seg_map'])) == {0, 1, 2, 3}


def test_cache_returns_unaliased_copies(acdc_root):
    dataset = ACDCDataset(acdc_root, split='test', cache=True)
    first = dataset[0]
    first['img'][:] = -1
    again = dataset[0]
    assert again['img'].min() >= 0


def test_pipeline_packs_two_d_slices(acdc_root):
    pipeline = [
        dict(type='RandomRotFlip'),
        dict(type='ResizeTo', size=(32, 32)),
        dict(type='PackSegVolumeInputs'),
    ]
    dataset = ACDCDataset(acdc_root, split='train', labeled_patients=1,
                          pipeline=pipeline)
    packed = dataset[SeededIndex(2, 7)]
    assert packed['inputs'].shape == (1, 32, 32)
    sample = packed['data_samples']
    assert sample.gt_label.shape == (32, 32)
    assert set(sample.gt_label.unique().tolist()) <= {0, 1, 2, 3}
    assert sample.metainfo['labeled'] is True
    assert sample.metainfo['case_name'] == 'patient001_frame01_slice_2'
    # Same seed, same augmentation.
    again = dataset[SeededIndex(2, 7)]
    assert torch.equal(packed['inputs'], again['inputs'])
    assert dataset[6]['data_samples'].metainfo['labeled'] is False


def test_two_stream_sampler_reads_the_flags(acdc_root):
    dataset = ACDCDataset(acdc_root, split='train', labeled_patients=1)
    sampler = TwoStreamSampler(dataset, batch_size=4, labeled_per_batch=2,
                               seed=0, seed_samples=False, rank=0,
                               world_size=1)
    stream = iter(sampler)
    batches = [[next(stream) for _ in range(4)] for _ in range(5)]
    for batch in batches:
        assert all(index < 6 for index in batch[:2])
        assert all(index >= 6 for index in batch[2:])


# ----------------------------------------------------------- bad input --
def test_missing_root_list_and_files(acdc_root, tmp_path):
    with pytest.raises(FileNotFoundError, match='ACDC data root'):
        ACDCDataset(str(tmp_path / 'nowhere'))
    (tmp_path / 'ACDC' / 'val.list').unlink()
    with pytest.raises(FileNotFoundError, match='val.list'):
        ACDCDataset(acdc_root, split='val')
    (tmp_path / 'ACDC' / 'data' / f'{TEST[1]}.h5').unlink()
    with pytest.raises(FileNotFoundError, match=f'{TEST[1]}.h5'):
        ACDCDataset(acdc_root, split='test')


def test_empty_and_duplicated_lists(acdc_root, tmp_path):
    (tmp_path / 'ACDC' / 'test.list').write_text('\n\n')
    with pytest.raises(DatasetFormatError, match='test.list lists no'):
        ACDCDataset(acdc_root, split='test')
    (tmp_path / 'ACDC' / 'test.list').write_text(f'{TEST[0]}\n{TEST[0]}\n')
    with pytest.raises(DatasetFormatError, match='more than once'):
        ACDCDataset(acdc_root, split='test')


def _replace(root, relative, **arrays):
    path = root / relative
    path.unlink()
    write_h5(path, **arrays)
    return str(path)


@pytest.mark.parametrize('split, relative, arrays, match', [
    ('train', 'data/slices/patient002_frame01_slice_0.h5',
     dict(image=np.zeros(SHAPE, np.float32)), "no 'label' dataset"),
    ('train', 'data/slices/patient002_frame01_slice_0.h5',
     dict(image=np.zeros(SHAPE, np.float32),
          label=np.zeros((20, 20), np.uint8)), 'label shape'),
    ('train', 'data/slices/patient002_frame01_slice_0.h5',
     dict(image=np.zeros((2, ) + SHAPE, np.float32),
          label=np.zeros((2, ) + SHAPE, np.uint8)), 'must be a 2-D slice'),
    ('test', f'data/{TEST[0]}.h5',
     dict(image=np.zeros(SHAPE, np.float32),
          label=np.zeros(SHAPE, np.uint8)), 'must be a 3-D volume'),
    ('test', f'data/{TEST[0]}.h5',
     dict(label=np.zeros((3, ) + SHAPE, np.uint8)), "no 'image' dataset"),
])
def test_format_errors_at_construction(acdc_root, tmp_path, split,
                                       relative, arrays, match):
    path = _replace(tmp_path / 'ACDC', relative, **arrays)
    with pytest.raises(DatasetFormatError, match=match) as error:
        ACDCDataset(acdc_root, split=split)
    assert path in str(error.value)


def test_not_hdf5(acdc_root, tmp_path):
    path = tmp_path / 'ACDC' / 'data' / f'{VAL[0]}.h5'
    path.write_text('not hdf5')
    with pytest.raises(DatasetFormatError, match=f'cannot read {path}'):
        ACDCDataset(acdc_root, split='val')


@pytest.mark.parametrize('image, label, match', [
    (np.full(SHAPE, np.nan, np.float32), np.zeros(SHAPE, np.uint8),
     'NaN or inf'),
    (np.zeros(SHAPE, np.float32), np.full(SHAPE, 4, np.uint8), r'0\.\.3'),
    (np.zeros(SHAPE, np.float32), np.full(SHAPE, 0.5, np.float32),
     'not the integer class ids'),
])
def test_value_errors_on_first_read(acdc_root, tmp_path, image, label,
                                    match):
    path = _replace(tmp_path / 'ACDC',
                    'data/slices/patient001_frame01_slice_1.h5', image=image,
                    label=label)
    dataset = ACDCDataset(acdc_root, split='train')
    with pytest.raises(DatasetFormatError, match=match) as error:
        dataset[1]
    assert path in str(error.value)


# ------------------------------------------------------------ ResizeTo --
def test_resize_to_matches_bilinear_align_corners():
    rng = np.random.default_rng(0)
    image = rng.random((1, ) + SHAPE).astype(np.float32)
    label = heart_label(SHAPE, 0)
    results = ResizeTo(size=(32, 40))(
        dict(img=image, gt_seg_map=label, seg_fields=['gt_seg_map']))
    assert results['img'].shape == (1, 32, 40)
    assert results['img'].dtype == np.float32
    assert results['img_shape'] == (32, 40)
    assert results['scale_factor'] == (32 / 20, 40 / 24)
    expected = F.interpolate(torch.from_numpy(image)[None], size=(32, 40),
                             mode='bilinear', align_corners=True)[0]
    np.testing.assert_allclose(results['img'], expected.numpy(), atol=1e-5)
    # Labels by nearest neighbour: the same class ids, nothing blended.
    assert results['gt_seg_map'].shape == (32, 40)
    assert set(np.unique(results['gt_seg_map'])) == {0, 1, 2, 3}
    back = ResizeTo(size=SHAPE)(
        dict(img=results['img'], gt_seg_map=results['gt_seg_map'],
             seg_fields=['gt_seg_map']))
    assert (back['gt_seg_map'] == label).mean() > 0.95


def test_resize_to_sizes_and_volumes():
    results = ResizeTo(size=16, order=0)(
        dict(img=np.ones((2, 8, 10, 12), np.float32)))
    assert results['img'].shape == (2, 16, 16, 16)
    np.testing.assert_array_equal(results['img'], 1)
    with pytest.raises(ValueError, match='size'):
        ResizeTo(size=(0, 4))
    with pytest.raises(ValueError, match='order'):
        ResizeTo(size=4, order=7)
    with pytest.raises(ValueError, match='spatial axes'):
        ResizeTo(size=(4, 4, 4))(dict(img=np.ones((1, 5, 5), np.float32)))
