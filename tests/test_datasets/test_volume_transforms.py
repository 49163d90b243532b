import numpy as np
import pytest
import torch

from mmssl.datasets.transforms import (CenterCrop, PackSegVolumeInputs,
                                       RandomCrop, RandomRotFlip, Resample)
from mmssl.registry import TRANSFORMS
from mmssl.structures import SegVolumeSample


def make_results(shape, labeled=True, channels=1):
    """img holds unique values; the label is a function of them, so any
    misalignment between the two shows."""
    size = int(np.prod(shape))
    img = np.arange(size * channels, dtype=np.float32).reshape(
        (channels, ) + tuple(shape))
    results = dict(
        img=img,
        case_name='c',
        img_shape=tuple(shape),
        ori_shape=tuple(shape),
        labeled=labeled,
        seg_fields=[])
    if labeled:
        results['gt_seg_map'] = (img[0].astype(np.int64) % 7).astype(np.uint8)
        results['seg_fields'].append('gt_seg_map')
    return results


def assert_aligned(results):
    np.testing.assert_array_equal(results['gt_seg_map'],
                                  results['img'][0].astype(np.int64) % 7)


def reference_rot_flip(image, seed):
    """UA-MT's RandomRotFlip on a (H, W[, D]) array."""
    np.random.seed(seed)
    k = np.random.randint(0, 4)
    image = np.rot90(image, k)
    axis = np.random.randint(0, 2)
    return np.flip(image, axis=axis).copy()


@pytest.mark.parametrize('shape', [(6, 5, 4), (6, 5)])
def test_random_rot_flip_matches_reference(shape):
    outputs = set()
    for seed in range(24):
        results = make_results(shape)
        original = results['img'][0].copy()
        np.random.seed(seed)
        out = RandomRotFlip()(results)
        expected = reference_rot_flip(original, seed)
        np.testing.assert_array_equal(out['img'][0], expected)
        assert_aligned(out)
        assert out['img_shape'] == expected.shape
        # A rotation followed by a flip is never the identity.
        assert out['img'][0].shape != original.shape or not np.array_equal(
            out['img'][0], original)
        outputs.add((out['img'][0].shape, out['img'][0].tobytes()))
    # The 8 (k, axis) draws give the 4 reflections of the square: like the
    # reference, the output is always mirrored, never just rotated.
    assert len(outputs) == 4


def test_random_rot_flip_multichannel_and_channel_seg_field():
    results = make_results((4, 4, 3), channels=2)
    results['gt_sdf'] = results['img'].copy()  # (C, *spatial) field
    results['seg_fields'].append('gt_sdf')
    np.random.seed(3)
    out = RandomRotFlip()(results)
    np.testing.assert_array_equal(out['gt_sdf'], out['img'])
    np.testing.assert_array_equal(out['img'][1] - out['img'][0],
                                  np.full((4, 4, 3), 48))
    assert out['img'].flags['C_CONTIGUOUS']
    assert repr(RandomRotFlip()) == 'RandomRotFlip()'


def test_random_crop_padding_and_bookkeeping():
    # D (6) <= crop (8) triggers UA-MT padding on every axis:
    # max((8 - s) // 2 + 3, 0) -> H: 2, W: 0, D: 4.
    shape, crop = (10, 20, 6), (8, 8, 8)
    for seed in range(10):
        results = make_results(shape)
        padded = np.pad(results['img'][0], ((2, 2), (0, 0), (4, 4)))
        np.random.seed(seed)
        expected_starts = [np.random.randint(0, s - c) for s, c in
                           zip(padded.shape, crop)]
        np.random.seed(seed)
        out = RandomCrop(crop)(results)
        assert out['pad_width'] == ((2, 2), (0, 0), (4, 4))
        assert [b[0] for b in out['crop_bbox']] == expected_starts
        assert out['img'].shape == (1, 8, 8, 8)
        assert out['gt_seg_map'].shape == (8, 8, 8)
        assert out['img_shape'] == crop
        sl = tuple(slice(a, b) for a, b in out['crop_bbox'])
        np.testing.assert_array_equal(out['img'][0], padded[sl])
        assert_aligned(out)  # padding is 0 in both img and label


def test_random_crop_without_padding_2d_and_unlabeled():
    results = make_results((20, 30), labeled=False)
    original = results['img'][0].copy()
    np.random.seed(0)
    out = RandomCrop(8)(results)
    assert out['img'].shape == (1, 8, 8)
    assert out['pad_width'] == ((0, 0), (0, 0))
    (h0, h1), (w0, w1) = out['crop_bbox']
    assert 0 <= h0 < 12 and 0 <= w0 < 22 and h1 - h0 == 8 and w1 - w0 == 8
    np.testing.assert_array_equal(out['img'][0],
                                  original[h0:h1, w0:w1])
    assert 'gt_seg_map' not in out

    # 2-D padding: W (5) deficient -> pad (8 - 5) // 2 + 3 = 4; H 12 -> 1.
    out = RandomCrop((8, 8))(make_results((12, 5)))
    assert out['pad_width'] == ((1, 1), (4, 4))
    assert out['img'].shape == (1, 8, 8)
    assert_aligned(out)
    with pytest.raises(ValueError, match='crop_size'):
        RandomCrop((8, 8))(make_results((12, 12, 12)))


def test_center_crop():
    # Padding (1, 0, 4) -> padded (13, 20, 14); starts round((s - c) / 2).
    out = CenterCrop((8, 8, 8))(make_results((11, 20, 6)))
    assert out['pad_width'] == ((1, 1), (0, 0), (4, 4))
    assert out['crop_bbox'] == ((2, 10), (6, 14), (3, 11))
    padded = np.pad(make_results((11, 20, 6))['img'][0],
                    ((1, 1), (0, 0), (4, 4)))
    np.testing.assert_array_equal(out['img'][0], padded[2:10, 6:14, 3:11])
    assert_aligned(out)

    out = CenterCrop((4, 6))(make_results((10, 16)))
    assert out['crop_bbox'] == ((3, 7), (5, 11))
    assert out['img_shape'] == (4, 6)
    assert 'CenterCrop(crop_size=(4, 6)' in repr(CenterCrop((4, 6)))


def test_resample_3d_and_keep_gt():
    results = make_results((10, 20, 8))
    results['img'] = np.full((1, 10, 20, 8), 2.5, np.float32)
    out = Resample(0.5)(results)
    assert out['img'].shape == (1, 5, 10, 4)
    assert out['img'].dtype == np.float32
    np.testing.assert_allclose(out['img'], 2.5, rtol=1e-6)
    assert out['gt_seg_map'].shape == (5, 10, 4)
    assert out['gt_seg_map'].dtype == np.uint8
    assert set(np.unique(out['gt_seg_map'])) <= set(range(7))
    assert out['img_shape'] == (5, 10, 4)
    assert out['scale_factor'] == (0.5, 0.5, 0.5)

    kept = Resample((0.5, 1, 2), keep_gt=True)(make_results((10, 20, 8)))
    assert kept['img'].shape == (1, 5, 20, 16)
    assert kept['gt_seg_map'].shape == (10, 20, 8)
    assert kept['scale_factor'] == (0.5, 1.0, 2.0)


def test_resample_2d_labels_nearest():
    results = make_results((4, 6))
    label = np.zeros((4, 6), np.uint8)
    label[:, 3:] = 1
    results['gt_seg_map'] = label
    out = Resample((2, 2))(results)
    assert out['img'].shape == (1, 8, 12)
    assert out['gt_seg_map'].shape == (8, 12)
    assert set(np.unique(out['gt_seg_map'])) == {0, 1}
    assert out['gt_seg_map'][:, :5].max() == 0
    assert out['gt_seg_map'][:, 7:].min() == 1
    # Linear interpolation keeps the monotone ramp of img.
    assert np.all(np.diff(out['img'][0], axis=1) >= 0)
    with pytest.raises(ValueError):
        Resample(0)
    assert 'keep_gt=False' in repr(Resample(2))


def test_pack_labeled_and_unlabeled():
    results = make_results((6, 5, 4))
    np.random.seed(1)
    results = RandomCrop((4, 4, 4))(RandomRotFlip()(results))
    results['spacing'] = (1.0, 1.0, 1.0)
    packed = PackSegVolumeInputs()(results)
    inputs, sample = packed['inputs'], packed['data_samples']
    assert isinstance(inputs, torch.Tensor) and inputs.dtype == torch.float32
    assert inputs.shape == (1, 4, 4, 4)
    assert isinstance(sample, SegVolumeSample)
    assert sample.gt_label.dtype == torch.int64
    assert sample.gt_label.shape == (4, 4, 4)
    np.testing.assert_array_equal(sample.gt_label.numpy(),
                                  results['gt_seg_map'])
    meta = sample.metainfo
    assert meta['case_name'] == 'c' and meta['labeled'] is True
    assert meta['img_shape'] == (4, 4, 4) and meta['spacing'] == (1, 1, 1)
    assert 'crop_bbox' in meta and 'pad_width' in meta
    assert 'img' not in meta and 'seg_fields' not in meta

    unlabeled = make_results((5, 6), labeled=False)
    del unlabeled['labeled']
    packed = PackSegVolumeInputs(meta_keys=('case_name', ))(unlabeled)
    sample = packed['data_samples']
    assert 'gt_label' not in sample
    assert sample.is_labeled is False
    assert packed['inputs'].shape == (1, 5, 6)
    assert set(sample.metainfo) == {'case_name', 'labeled'}


@pytest.mark.parametrize('cfg, cls', [
    (dict(type='RandomRotFlip'), RandomRotFlip),
    (dict(type='RandomCrop', crop_size=(4, 4, 4)), RandomCrop),
    (dict(type='CenterCrop', crop_size=4), CenterCrop),
    (dict(type='Resample', scale_factor=0.5), Resample),
    (dict(type='PackSegVolumeInputs'), PackSegVolumeInputs),
])
def test_registered(cfg, cls):
    assert type(TRANSFORMS.build(cfg)) is cls


def test_random_rotate_matches_scipy_and_keeps_labels_discrete():
    from scipy import ndimage

    from mmssl.datasets.transforms import RandomRotate
    rng = np.random.default_rng(0)
    image = rng.random((1, 12, 10)).astype(np.float32)
    label = np.zeros((12, 10), np.uint8)
    label[3:9, 2:6] = 3
    label[5:7, 6:9] = 1
    angles = set()
    for seed in range(6):
        results = dict(img=image.copy(), gt_seg_map=label.copy(),
                       seg_fields=['gt_seg_map'], img_shape=(12, 10))
        np.random.seed(seed)
        angle = np.random.randint(-20, 20)
        np.random.seed(seed)
        out = RandomRotate(angle_range=(-20, 20), order=0)(results)
        angles.add(angle)
        np.testing.assert_array_equal(
            out['img'][0],
            ndimage.rotate(image[0], angle, reshape=False, order=0))
        np.testing.assert_array_equal(
            out['gt_seg_map'],
            ndimage.rotate(label, angle, reshape=False, order=0))
        assert out['img'].dtype == np.float32
        assert out['img'].shape == (1, 12, 10)
        assert set(np.unique(out['gt_seg_map'])) <= {0, 1, 3}
    assert len(angles) > 1
    for bad in [(20, -20), (0, 0), (-20.5, 20), (1, 2, 3)]:
        with pytest.raises(ValueError, match='angle_range'):
            RandomRotate(angle_range=bad)
