import itertools

import numpy as np
import pytest
from scipy import ndimage as ndi

from mmssl.datasets.transforms import GenerateSDF, PackSegVolumeInputs
from mmssl.datasets.transforms.sdf import compute_sdf, inner_boundary
from mmssl.registry import TRANSFORMS


def reference_boundary(mask):
    """Foreground voxels with a background face neighbour inside the array
    (skimage find_boundaries(mode='inner') defaults), by an explicit loop."""
    out = np.zeros(mask.shape, dtype=bool)
    for idx in zip(*np.nonzero(mask)):
        for axis, step in itertools.product(range(mask.ndim), (-1, 1)):
            nb = list(idx)
            nb[axis] += step
            if 0 <= nb[axis] < mask.shape[axis] and not mask[tuple(nb)]:
                out[idx] = True
    return out


def reference_sdf(mask):
    """DTC's formula, for masks with both foreground and background."""
    posdis = ndi.distance_transform_edt(mask)
    negdis = ndi.distance_transform_edt(~mask)
    sdf = ((negdis - negdis.min()) / (negdis.max() - negdis.min()) -
           (posdis - posdis.min()) / (posdis.max() - posdis.min()))
    sdf[reference_boundary(mask)] = 0
    return sdf


@pytest.mark.parametrize('shape', [(7, 9), (5, 6, 7)])
def test_matches_reference_on_random_masks(shape):
    rng = np.random.default_rng(0)
    for _ in range(5):
        mask = ndi.binary_opening(rng.random(shape) < 0.5) | (
            rng.random(shape) < 0.1)
        mask[0, 0] = True
        mask.flat[-1] = False
        np.testing.assert_array_equal(inner_boundary(mask),
                                      reference_boundary(mask))
        sdf = compute_sdf(mask)
        assert sdf.dtype == np.float32 and sdf.shape == shape
        np.testing.assert_allclose(sdf, reference_sdf(mask), atol=1e-6)
        assert sdf.min() >= -1 and sdf.max() <= 1
        assert (sdf[~mask] > 0).all()
        inside = mask & ~reference_boundary(mask)
        assert (sdf[inside] < 0).all()
        assert (sdf[reference_boundary(mask)] == 0).all()


def test_boundary_is_face_connected_and_border_is_not_background():
    mask = np.ones((5, 5), dtype=bool)
    mask[0, 0] = False
    sdf = compute_sdf(mask)
    # (1, 1) touches the background only diagonally: inside, not boundary.
    assert sdf[1, 1] < 0
    # Foreground on the array border is not a boundary by itself.
    assert sdf[4, 4] == -1 and sdf[2, 0] < 0
    assert sdf[0, 1] == 0 and sdf[1, 0] == 0
    assert sdf[0, 0] == 1


@pytest.mark.parametrize('shape', [(4, 5), (3, 4, 5)])
def test_degenerate_masks(shape):
    np.testing.assert_array_equal(compute_sdf(np.zeros(shape)), 0)
    full = compute_sdf(np.ones(shape))
    assert not np.isnan(full).any()
    np.testing.assert_array_equal(full, 0)
    one = np.zeros(shape, dtype=bool)
    one[(1, ) * len(shape)] = True
    sdf = compute_sdf(one)
    assert not np.isnan(sdf).any()
    assert sdf[one] == 0
    assert (sdf[~one] > 0).all() and sdf.max() == pytest.approx(1)
    np.testing.assert_allclose(sdf, reference_sdf(one), atol=1e-6)


def test_sign_convention_on_a_ball():
    grid = np.indices((11, 11, 11)) - 5
    mask = (grid ** 2).sum(0) <= 9
    sdf = compute_sdf(mask)
    assert sdf[5, 5, 5] == -1
    assert sdf[0, 0, 0] == 1
    assert sdf[5, 5, 8] == 0  # inner boundary
    assert sdf[5, 5, 9] > 0


def test_generate_sdf_binary_and_pack():
    gt = np.zeros((6, 7, 8), dtype=np.int64)
    gt[1:5, 2:6, 2:7] = 1
    transform = TRANSFORMS.build(dict(type='GenerateSDF'))
    results = transform(dict(img=np.zeros((1, 6, 7, 8), np.float32),
                             gt_seg_map=gt, seg_fields=['gt_seg_map']))
    assert results['gt_sdf'].shape == (1, 6, 7, 8)
    assert results['gt_sdf'].dtype == np.float32
    np.testing.assert_array_equal(results['gt_sdf'][0], compute_sdf(gt == 1))
    packed = PackSegVolumeInputs()(results)
    assert tuple(packed['data_samples'].gt_sdf.shape) == (1, 6, 7, 8)


def test_generate_sdf_multiclass_and_unlabeled():
    gt = np.zeros((8, 9), dtype=np.int64)
    gt[1:4, 1:4] = 1
    gt[5:7, 5:8] = 2
    results = GenerateSDF(num_classes=4)(dict(gt_seg_map=gt))
    sdf = results['gt_sdf']
    assert sdf.shape == (3, 8, 9)
    for c in (1, 2):
        np.testing.assert_array_equal(sdf[c - 1], compute_sdf(gt == c))
    np.testing.assert_array_equal(sdf[2], 0)  # absent class 3
    unlabeled = GenerateSDF()(dict(img=np.zeros((1, 4, 4))))
    assert 'gt_sdf' not in unlabeled
    with pytest.raises(ValueError):
        GenerateSDF(num_classes=1)
