"""tools/dataset_converters/la_heart.py: raw LA NRRD cases to the UA-MT h5
layout, on small synthetic NRRD files."""
import os
import os.path as osp

import h5py
import nrrd
import numpy as np
import pytest
from tool_runner import assert_ok, run_tool

from mmssl.datasets import LAHeartDataset
from mmssl.datasets.converters.la_heart import (MARGIN_RANGE, MIN_XY_SIZE,
                                                LAConversionError,
                                                convert_la, seeded_split,
                                                write_la_h5)

TOOL = osp.join('dataset_converters', 'la_heart.py')
IMAGE_DIR = '2018LA_Seg_Training Set'

# name: (shape, label box per axis, image dtype)
CASES = {
    # Margins clipped by the volume on most sides; padded on x and y.
    'case_small': ((40, 36, 12), ((14, 26), (12, 24), (3, 9)), np.uint8),
    # Room for every margin; padded.
    'case_roomy': ((80, 72, 10), ((30, 50), (25, 45), (2, 8)), np.int16),
    # x crop >= 95 + 20 voxels: not padded on x.
    'case_wide': ((160, 48, 8), ((30, 125), (20, 30), (1, 7)), np.float32),
    # Label touching the volume border.
    'case_edge': ((44, 40, 12), ((0, 12), (28, 40), (0, 12)), np.float32),
    'case_five': ((40, 36, 12), ((5, 20), (6, 30), (4, 10)), np.uint8),
}
NUM_TEST = 2


def make_case(name, index):
    shape, box, dtype = CASES[name]
    rng = np.random.default_rng(index)
    window = tuple(slice(a, b) for a, b in box)
    mask = np.zeros(shape, np.uint8)
    mask[window] = 255
    image = rng.normal(80, 20, shape)
    image[window] += 60
    image = np.clip(image, 0, 255).astype(dtype)
    return image, mask


def write_raw_case(raw_root, name, image=None, mask=None):
    folder = osp.join(raw_root, name)
    os.makedirs(folder, exist_ok=True)
    if image is not None:
        nrrd.write(osp.join(folder, 'lgemri.nrrd'), image)
    if mask is not None:
        nrrd.write(osp.join(folder, 'laendo.nrrd'), mask)


def h5_path(out_root, name):
    return osp.join(str(out_root), IMAGE_DIR, name, 'mri_norm2.h5')


def read_list(path):
    with open(path) as f:
        return f.read().split()


def quiet(line):
    pass


@pytest.fixture(scope='module')
def raw(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('raw'))
    arrays = {}
    for index, name in enumerate(CASES):
        arrays[name] = make_case(name, index)
        write_raw_case(root, name, *arrays[name])
    return root, arrays


@pytest.fixture(scope='module')
def converted(raw, tmp_path_factory):
    """The CLI run once with the default seed."""
    out = tmp_path_factory.mktemp('converted') / 'LA'
    result = run_tool(TOOL, raw[0], out, '--num-test', NUM_TEST)
    assert_ok(result)
    return str(out), result


def test_cli_layout_lists_and_progress(converted):
    out, result = converted
    lines = result.stdout.splitlines()
    assert sum(line.startswith('[') for line in lines) == len(CASES)
    assert lines[-1].startswith(f'Converted {len(CASES)} cases')

    train = read_list(osp.join(out, 'train.list'))
    test = read_list(osp.join(out, 'test.list'))
    # The seeded split of the sorted names, written in the order used.
    assert (train, test) == seeded_split(sorted(CASES), NUM_TEST, 1337)
    assert len(test) == NUM_TEST and sorted(train + test) == sorted(CASES)

    for name in CASES:
        with h5py.File(h5_path(out, name), 'r') as f:
            assert set(f.keys()) == {'image', 'label'}
            assert f['image'].dtype == np.float32
            assert f['label'].dtype == np.uint8
            assert f['image'].compression == 'gzip'
            assert f['label'].compression == 'gzip'
            assert f['image'].ndim == 3
            assert f['image'].shape == f['label'].shape
    leftovers = [n for _, _, files in os.walk(out) for n in files
                 if n.endswith('.tmp')]
    assert leftovers == []


@pytest.mark.parametrize('name', list(CASES))
def test_case_content(converted, raw, name):
    out, _ = converted
    image, mask = raw[1][name]
    with h5py.File(h5_path(out, name), 'r') as f:
        out_image, out_label = f['image'][()], f['label'][()]
        start, stop = f.attrs['crop_start'], f.attrs['crop_stop']
        before, after = f.attrs['pad_before'], f.attrs['pad_after']
        assert tuple(f.attrs['raw_shape']) == image.shape

    # z untouched; x and y padded to >= 112, symmetrically.
    assert (start[2], stop[2]) == (0, image.shape[2])
    assert out_image.shape[2] == image.shape[2]
    assert tuple(before[2:]) == tuple(after[2:]) == (0, )
    for axis in range(2):
        cropped = stop[axis] - start[axis]
        assert out_image.shape[axis] == max(cropped, MIN_XY_SIZE)
        assert before[axis] == (out_image.shape[axis] - cropped) // 2
        assert before[axis] + after[axis] + cropped == out_image.shape[axis]

    # Margins 10-20 per side, less only where the volume ends.
    low, high = MARGIN_RANGE
    for axis, (box_start, box_stop) in enumerate(CASES[name][1][:2]):
        margin_before = box_start - start[axis]
        margin_after = stop[axis] - box_stop
        assert margin_before <= high and margin_after <= high
        assert margin_before >= low or start[axis] == 0
        assert margin_after >= low or stop[axis] == image.shape[axis]

    # Label and image are the cropped raw volumes; padding is zero.
    inner = tuple(slice(b, s - a) for b, a, s in
                  zip(before, after, out_image.shape))
    window = tuple(slice(a, b) for a, b in zip(start, stop))
    expected_label = (mask[window] == 255).astype(np.uint8)
    np.testing.assert_array_equal(out_label[inner], expected_label)
    assert out_label.sum() == expected_label.sum() == (mask == 255).sum()
    raw64 = image.astype(np.float64)
    zscored = (raw64 - raw64.mean()) / raw64.std()
    np.testing.assert_allclose(out_image[inner], zscored[window], atol=1e-5)
    assert abs(zscored.mean()) < 1e-9 and abs(zscored.std() - 1) < 1e-9
    padding = np.ones(out_image.shape, bool)
    padding[inner] = False
    assert not out_image[padding].any() and not out_label[padding].any()


def test_roomy_case_gets_full_margins(converted):
    out, _ = converted
    with h5py.File(h5_path(out, 'case_roomy'), 'r') as f:
        start, stop = f.attrs['crop_start'], f.attrs['crop_stop']
    margins = [30 - start[0], stop[0] - 50, 25 - start[1], stop[1] - 45]
    assert all(10 <= m <= 20 for m in margins)
    with h5py.File(h5_path(out, 'case_wide'), 'r') as f:
        assert tuple(f.attrs['pad_before'])[0] == 0  # wide enough on x


def test_la_dataset_reads_the_output(converted):
    out, _ = converted
    train = LAHeartDataset(data_root=out, split='train')
    test = LAHeartDataset(
        data_root=out, split='test',
        pipeline=[dict(type='PackSegVolumeInputs')])
    assert len(train) == len(CASES) - NUM_TEST and len(test) == NUM_TEST
    item = train[0]
    name = item['case_name']
    with h5py.File(h5_path(out, name), 'r') as f:
        np.testing.assert_array_equal(item['img'][0], f['image'][()])
        np.testing.assert_array_equal(item['gt_seg_map'], f['label'][()])
    packed = test[0]
    assert packed['inputs'].ndim == 4 and packed['inputs'].shape[0] == 1
    assert packed['data_samples'].gt_label.shape == packed['inputs'].shape[1:]


def test_same_seed_identical_other_seed_differs(converted, raw, tmp_path):
    out, _ = converted
    again = tmp_path / 'again'
    convert_la(raw[0], str(again), num_test=NUM_TEST, log=quiet)
    for name in CASES:
        with open(h5_path(out, name), 'rb') as a, \
                open(h5_path(again, name), 'rb') as b:
            assert a.read() == b.read(), name
    for list_name in ('train.list', 'test.list'):
        assert (read_list(osp.join(out, list_name)) ==
                read_list(again / list_name))

    other = convert_la(raw[0], str(tmp_path / 'other'), seed=7,
                       num_test=NUM_TEST, log=quiet)
    crops = []
    for name in CASES:
        with h5py.File(h5_path(out, name), 'r') as f:
            crops.append(tuple(f.attrs['crop_start']) +
                         tuple(f.attrs['crop_stop']))
    other_crops = [other['cases'][name]['crop_start'] +
                   other['cases'][name]['crop_stop'] for name in CASES]
    assert crops != other_crops


def test_given_lists_and_case_subset(converted, raw, tmp_path):
    out, _ = converted
    train_file, test_file = tmp_path / 'tr.list', tmp_path / 'te.list'
    train_file.write_text('case_wide\ncase_five\n\ncase_small\n')
    test_file.write_text('  case_roomy \ncase_edge\n')
    full = convert_la(raw[0], str(tmp_path / 'full'), train_list=train_file,
                      test_list=test_file, log=quiet)
    assert full['train'] == ['case_wide', 'case_five', 'case_small']
    assert read_list(tmp_path / 'full' / 'train.list') == full['train']
    assert read_list(tmp_path / 'full' / 'test.list') == [
        'case_roomy', 'case_edge']

    subset_root = tmp_path / 'subset'
    convert_la(raw[0], str(subset_root), train_list=train_file,
               test_list=test_file, cases=['case_small', 'case_roomy'],
               log=quiet)
    assert read_list(subset_root / 'train.list') == ['case_small']
    assert read_list(subset_root / 'test.list') == ['case_roomy']
    assert not osp.exists(h5_path(subset_root, 'case_wide'))
    # A case's crop depends on the seed and its name only.
    with open(h5_path(out, 'case_small'), 'rb') as a, \
            open(h5_path(subset_root, 'case_small'), 'rb') as b:
        assert a.read() == b.read()

    with pytest.raises(ValueError, match='case_nope'):
        convert_la(raw[0], str(tmp_path / 'x'), train_list=train_file,
                   test_list=test_file, cases=['case_nope'], log=quiet)
    with pytest.raises(ValueError, match='num_test'):
        convert_la(raw[0], str(tmp_path / 'x'), num_test=5, log=quiet)


def test_refuses_to_overwrite(raw, tmp_path):
    out = str(tmp_path / 'LA')
    cases = ['case_small', 'case_edge']
    convert_la(raw[0], out, num_test=1, cases=cases, log=quiet)
    before = os.stat(h5_path(out, 'case_small')).st_mtime_ns
    with pytest.raises(FileExistsError, match='overwrite'):
        convert_la(raw[0], out, num_test=1, cases=cases, log=quiet)
    assert os.stat(h5_path(out, 'case_small')).st_mtime_ns == before
    convert_la(raw[0], out, num_test=1, cases=cases, overwrite=True,
               log=quiet)


def test_write_is_atomic(tmp_path):
    path = str(tmp_path / 'case' / 'mri_norm2.h5')
    image, label = np.zeros((3, 3, 3), np.float32), np.zeros((3, 3, 3),
                                                             np.uint8)
    write_la_h5(path, image, label)
    with open(path, 'rb') as f:
        good = f.read()
    # h5py cannot store object arrays: the write fails half-way.
    with pytest.raises(TypeError):
        write_la_h5(path, image + 1, np.array([None] * 3, dtype=object))
    with open(path, 'rb') as f:
        assert f.read() == good  # the previous file is intact
    assert os.listdir(tmp_path / 'case') == ['mri_norm2.h5']


def _bad_cases():
    image, mask = make_case('case_small', 0)
    nan_image = image.astype(np.float32)
    nan_image[1, 2, 3] = np.nan
    values = mask.copy()
    values[values == 255] = 1
    return {
        # name: (image, mask, file named, words in the message, headers?)
        'no_image': (None, mask, 'lgemri.nrrd', 'not found', True),
        'no_label': (image, None, 'laendo.nrrd', 'not found', True),
        'mismatch': (image, mask[:, :-1], 'laendo.nrrd', 'differs', True),
        'two_d': (image[:, :, 0], mask[:, :, 0], 'lgemri.nrrd', '3-D', True),
        'values': (image, values, 'laendo.nrrd', 'label values', False),
        'empty': (image, np.zeros_like(mask), 'laendo.nrrd', 'empty', False),
        'nan': (nan_image, mask, 'lgemri.nrrd', 'NaN', False),
    }


@pytest.mark.parametrize('problem', list(_bad_cases()))
def test_bad_input_names_the_file(problem, raw, tmp_path):
    image, mask, bad_file, words, in_headers = _bad_cases()[problem]
    raw_root = str(tmp_path / 'raw')
    write_raw_case(raw_root, 'good', *raw[1]['case_roomy'])
    write_raw_case(raw_root, 'bad', image, mask)
    out = tmp_path / 'LA'
    with pytest.raises(LAConversionError) as info:
        convert_la(raw_root, str(out), num_test=1, log=quiet)
    assert list(info.value.failures) == ['bad']
    message = str(info.value)
    assert osp.join(raw_root, 'bad', bad_file) in message and words in message
    # Never a dataset that looks finished.
    assert not (out / 'train.list').exists()
    assert not (out / 'test.list').exists()
    assert osp.exists(h5_path(out, 'good')) is not in_headers
    assert not osp.exists(h5_path(out, 'bad'))


def test_cli_bad_input_exits_nonzero(raw, tmp_path):
    raw_root = str(tmp_path / 'raw')
    image, mask = raw[1]['case_small']
    write_raw_case(raw_root, 'good', image, mask)
    write_raw_case(raw_root, 'bad', image, np.zeros_like(mask))
    out = tmp_path / 'LA'
    result = run_tool(TOOL, raw_root, out, '--num-test', 1)
    assert result.returncode == 1
    assert osp.join(raw_root, 'bad', 'laendo.nrrd') in result.stderr
    assert 'list files not written' in result.stderr
    assert not (out / 'train.list').exists()
