"""mmssl.evaluation.functional against medpy 0.5.2 (the reference)."""
import math
import time

import numpy as np
import pytest
import torch
from medpy.metric import binary
from scipy import ndimage

from mmssl.evaluation import (asd, compute_case_metrics, dice, hd95, jaccard,
                              largest_connected_component, surface_distances)

TOLERANCE = 1e-6


def medpy_metrics(pred, gt, spacing=None):
    return dict(
        dice=binary.dc(pred, gt),
        jaccard=binary.jc(pred, gt),
        hd95=binary.hd95(pred, gt, voxelspacing=spacing),
        asd=binary.asd(pred, gt, voxelspacing=spacing))


def assert_matches_medpy(pred, gt, spacing=None):
    expected = medpy_metrics(pred, gt, spacing)
    combined = compute_case_metrics(pred, gt, spacing)
    single = dict(
        dice=dice(pred, gt),
        jaccard=jaccard(pred, gt),
        hd95=hd95(pred, gt, spacing),
        asd=asd(pred, gt, spacing))
    for name, value in expected.items():
        assert abs(combined[name] - value) <= TOLERANCE, (name, combined,
                                                          expected)
        assert abs(single[name] - value) <= TOLERANCE, (name, single,
                                                        expected)


def random_blob(rng, shape, sigma=2.0, threshold=0.5):
    """Smooth random shapes: thresholded Gaussian-filtered noise."""
    mask = ndimage.gaussian_filter(rng.random(shape), sigma) > threshold
    if not mask.any():  # keep the pair usable for medpy
        mask[tuple(s // 2 for s in shape)] = True
    return mask


def random_spacing(rng, ndim):
    return tuple(float(v) for v in rng.uniform(0.3, 3.0, size=ndim))


@pytest.mark.parametrize('seed', range(12))
def test_random_blobs_3d(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(int(v) for v in rng.integers(6, 28, size=3))
    pred = random_blob(rng, shape, threshold=rng.uniform(0.47, 0.53))
    gt = random_blob(rng, shape, threshold=rng.uniform(0.47, 0.53))
    assert_matches_medpy(pred, gt)
    assert_matches_medpy(pred, gt, random_spacing(rng, 3))
    # Anisotropic like CT/MR volumes.
    assert_matches_medpy(pred, gt, (0.625, 0.625, 2.5))


@pytest.mark.parametrize('seed', range(6))
def test_noise_masks(seed):
    rng = np.random.default_rng(100 + seed)
    shape = (15, 12, 9)
    pred = rng.random(shape) > rng.uniform(0.3, 0.95)
    gt = rng.random(shape) > rng.uniform(0.3, 0.95)
    pred[0, 0, 0] = gt[-1, -1, -1] = True
    assert_matches_medpy(pred, gt)
    assert_matches_medpy(pred, gt, random_spacing(rng, 3))


@pytest.mark.parametrize('seed', range(6))
def test_small_objects_far_from_border(seed):
    """The crop is much smaller than the volume here."""
    rng = np.random.default_rng(200 + seed)
    pred = np.zeros((40, 36, 30), dtype=bool)
    gt = np.zeros_like(pred)
    low = rng.integers(5, 15, size=3)
    pred[tuple(slice(a, a + int(rng.integers(2, 10))) for a in low)] = True
    low = low + rng.integers(-3, 4, size=3)
    gt[tuple(slice(a, a + int(rng.integers(2, 10))) for a in low)] = True
    assert_matches_medpy(pred, gt)
    assert_matches_medpy(pred, gt, random_spacing(rng, 3))


def test_masks_touching_the_border():
    """Outside the volume is background: border voxels are surface."""
    rng = np.random.default_rng(7)
    shape = (14, 16, 10)
    gt = random_blob(rng, shape)
    gt[0, :, :] = True  # a whole face of the volume
    gt[:, -1, 3:7] = True
    pred = random_blob(rng, shape)
    pred[:, :, 0] = True
    pred[-1, :, -1] = True
    assert_matches_medpy(pred, gt)
    assert_matches_medpy(pred, gt, (0.7, 1.3, 3.0))
    # Only one mask on the border, the other deep inside.
    inner = np.zeros(shape, dtype=bool)
    inner[5:9, 6:10, 4:6] = True
    assert_matches_medpy(pred, inner)
    assert_matches_medpy(inner, pred, (2.0, 1.0, 0.5))


@pytest.mark.parametrize('seed', range(5))
def test_2d_masks(seed):
    rng = np.random.default_rng(300 + seed)
    shape = tuple(int(v) for v in rng.integers(8, 64, size=2))
    pred = random_blob(rng, shape, sigma=3.0)
    gt = random_blob(rng, shape, sigma=3.0)
    pred[0, :] |= seed % 2 == 0  # border contact in half the cases
    assert_matches_medpy(pred, gt)
    assert_matches_medpy(pred, gt, random_spacing(rng, 2))


def test_degenerate_nonempty_masks():
    shape = (7, 8, 9)
    one = np.zeros(shape, dtype=bool)
    one[3, 4, 5] = True
    other = np.zeros(shape, dtype=bool)
    other[0, 0, 8] = True
    full = np.ones(shape, dtype=bool)
    for pred, gt in [(one, one), (one, other), (other, one), (full, full),
                     (full, one), (one, full)]:
        assert_matches_medpy(pred, gt)
        assert_matches_medpy(pred, gt, (0.5, 1.0, 2.0))
    assert hd95(one, one) == 0.0 and asd(one, one) == 0.0
    assert dice(full, full) == 1.0


def test_full_volume_single_voxel_axis():
    """Arrays one voxel thick: every foreground voxel is surface."""
    pred = np.ones((1, 5, 6), dtype=bool)
    gt = np.zeros((1, 5, 6), dtype=bool)
    gt[0, 1:3, 2:5] = True
    assert_matches_medpy(pred, gt)
    assert_matches_medpy(pred, gt, (3.0, 1.0, 1.0))


def test_non_boolean_inputs_and_tensors():
    """Any non-zero value is foreground, as in medpy."""
    rng = np.random.default_rng(11)
    pred = random_blob(rng, (12, 12, 12)).astype(np.int64) * 2
    gt = random_blob(rng, (12, 12, 12)).astype(np.float32) * 0.5
    expected = medpy_metrics(pred, gt, (1.0, 1.0, 2.0))
    result = compute_case_metrics(
        torch.from_numpy(pred), torch.from_numpy(gt),
        spacing=torch.tensor([1.0, 1.0, 2.0]))
    for name, value in expected.items():
        assert abs(result[name] - value) <= TOLERANCE
        assert isinstance(result[name], float)


def test_scalar_spacing_and_directed_surface_distances():
    rng = np.random.default_rng(12)
    pred = random_blob(rng, (10, 11, 12))
    gt = random_blob(rng, (10, 11, 12))
    assert hd95(pred, gt, 2.0) == pytest.approx(
        binary.hd95(pred, gt, voxelspacing=2.0), abs=TOLERANCE)
    pred_to_gt, gt_to_pred = surface_distances(pred, gt, (1.0, 2.0, 0.5))
    assert pred_to_gt.mean() == pytest.approx(
        binary.asd(pred, gt, (1.0, 2.0, 0.5)), abs=TOLERANCE)
    assert gt_to_pred.mean() == pytest.approx(
        binary.asd(gt, pred, (1.0, 2.0, 0.5)), abs=TOLERANCE)
    # asd is directed: swapping the arguments changes it.
    assert asd(pred, gt) == pytest.approx(binary.asd(pred, gt))
    assert asd(gt, pred) == pytest.approx(binary.asd(gt, pred))


def test_subset_of_metrics():
    rng = np.random.default_rng(13)
    pred = random_blob(rng, (10, 10, 10))
    gt = random_blob(rng, (10, 10, 10))
    result = compute_case_metrics(pred, gt, metrics=('asd', 'dice'))
    assert list(result) == ['asd', 'dice']
    assert result['asd'] == pytest.approx(binary.asd(pred, gt))
    assert compute_case_metrics(pred, gt, metrics='hd95') == {
        'hd95': pytest.approx(binary.hd95(pred, gt))
    }


class TestEmptyMasks:
    """Documented policy; medpy raises (hd95/asd) or returns NaN (dc)."""

    shape = (6, 7, 8)

    def masks(self):
        empty = np.zeros(self.shape, dtype=bool)
        nonempty = np.zeros(self.shape, dtype=bool)
        nonempty[2:4, 2:5, 3:6] = True
        return empty, nonempty

    def test_empty_pred(self):
        empty, nonempty = self.masks()
        result = compute_case_metrics(empty, nonempty)
        assert result['dice'] == 0.0 and result['jaccard'] == 0.0
        assert math.isnan(result['hd95']) and math.isnan(result['asd'])
        assert math.isnan(hd95(empty, nonempty))
        assert math.isnan(asd(empty, nonempty))
        assert dice(empty, nonempty) == binary.dc(empty, nonempty) == 0.0
        with pytest.raises(RuntimeError):
            binary.hd95(empty, nonempty)

    def test_empty_gt(self):
        empty, nonempty = self.masks()
        result = compute_case_metrics(nonempty, empty, spacing=(1, 2, 3))
        assert result['dice'] == 0.0 and result['jaccard'] == 0.0
        assert math.isnan(result['hd95']) and math.isnan(result['asd'])

    def test_both_empty(self):
        empty, _ = self.masks()
        result = compute_case_metrics(empty, empty)
        # Perfect agreement; medpy: dc NaN (0/0), jc 1.
        assert result['dice'] == 1.0 and result['jaccard'] == 1.0
        assert binary.jc(empty, empty) == 1.0
        assert math.isnan(result['hd95']) and math.isnan(result['asd'])

    def test_surface_distances_raise(self):
        empty, nonempty = self.masks()
        with pytest.raises(ValueError, match='foreground in both masks'):
            surface_distances(nonempty, empty)


def test_bad_input_errors():
    mask = np.ones((4, 4, 4), dtype=bool)
    with pytest.raises(ValueError, match='same shape'):
        dice(mask, np.ones((4, 4, 5)))
    with pytest.raises(ValueError, match='same shape'):
        compute_case_metrics(mask, np.ones((4, 4)))
    with pytest.raises(ValueError, match='one value per mask axis'):
        hd95(mask, mask, spacing=(1.0, 1.0))
    with pytest.raises(ValueError, match='positive'):
        asd(mask, mask, spacing=(1.0, 0.0, 1.0))
    with pytest.raises(ValueError, match='unknown metric'):
        compute_case_metrics(mask, mask, metrics=('dice', 'hd'))
    with pytest.raises(ValueError, match='at least one dimension'):
        dice(np.array(1), np.array(1))


class TestLargestConnectedComponent:

    def test_keeps_largest(self):
        mask = np.zeros((10, 10, 10), dtype=np.uint8)
        mask[0:2, 0:2, 0:2] = 1  # 8 voxels
        mask[5:8, 5:8, 5:8] = 1  # 27 voxels
        mask[9, 0, 9] = 1  # 1 voxel
        largest = largest_connected_component(mask)
        assert largest.dtype == bool and largest.shape == mask.shape
        expected = np.zeros_like(largest)
        expected[5:8, 5:8, 5:8] = True
        np.testing.assert_array_equal(largest, expected)

    def test_diagonal_voxels_are_connected(self):
        """Full (26-) connectivity, like skimage.measure.label's default."""
        mask = np.zeros((8, 8, 8), dtype=bool)
        for i in range(4):  # corner-touching chain of 4 voxels
            mask[i, i, i] = True
        mask[6, 0, 0:3] = True  # face-connected line of 3 voxels
        largest = largest_connected_component(mask)
        assert largest.sum() == 4
        assert all(largest[i, i, i] for i in range(4))
        # Edge-only contact counts too.
        edge = np.zeros((5, 5, 5), dtype=bool)
        edge[0, 0, 0] = edge[1, 1, 0] = edge[2, 2, 0] = True
        edge[4, 4, 2:4] = True
        assert largest_connected_component(edge).sum() == 3

    def test_2d_diagonal(self):
        mask = np.array([[1, 0, 0, 0, 1],
                         [0, 1, 0, 0, 1],
                         [0, 0, 1, 0, 0]])
        largest = largest_connected_component(mask)
        np.testing.assert_array_equal(largest, np.eye(3, 5, dtype=bool))

    def test_tie_keeps_first_in_raster_order(self):
        mask = np.zeros((6, 6, 6), dtype=bool)
        mask[4, 4, 4:6] = True
        mask[0, 0, 0:2] = True
        largest = largest_connected_component(mask)
        assert largest[0, 0, 0] and not largest[4, 4, 4]

    def test_empty_and_single_component(self):
        empty = np.zeros((3, 4, 5), dtype=bool)
        result = largest_connected_component(empty)
        assert not result.any() and result.shape == empty.shape
        single = np.zeros((3, 4, 5), dtype=bool)
        single[1, 1:3, 2] = True
        np.testing.assert_array_equal(
            largest_connected_component(torch.from_numpy(single)), single)


def test_speed_against_medpy_112x112x80():
    """Timing only (printed with -s); the cropped version must agree."""
    z, y, x = np.ogrid[:112, :112, :80]
    gt = ((z - 56)**2 / 30**2 + (y - 50)**2 / 25**2 +
          (x - 40)**2 / 20**2) <= 1
    pred = ((z - 58)**2 / 29**2 + (y - 53)**2 / 26**2 +
            (x - 41)**2 / 19**2) <= 1
    pred[70:75, 20:24, 10:14] = True  # a stray false positive
    spacing = (0.625, 0.625, 0.625)

    start = time.perf_counter()
    expected = medpy_metrics(pred, gt, spacing)
    medpy_seconds = time.perf_counter() - start

    start = time.perf_counter()
    result = compute_case_metrics(pred, gt, spacing)
    ours_seconds = time.perf_counter() - start

    for name, value in expected.items():
        assert abs(result[name] - value) <= TOLERANCE
    print(f'\n112x112x80 dc+jc+hd95+asd: medpy {medpy_seconds:.3f} s, '
          f'mmssl {ours_seconds:.3f} s '
          f'({medpy_seconds / max(ours_seconds, 1e-9):.1f}x)')
