import math
import random

import numpy as np
import pytest
import torch
import torch.nn as nn

from mmssl.models.utils import (pad_amounts, sliding_window_inference,
                                window_starts)


def reference_starts(size, patch, stride):
    """The reference test loop for one axis, written out literally."""
    if size < patch:
        pad = patch - size
    else:
        pad = 0
    padded = size + pad
    num = math.ceil((padded - patch) / stride) + 1
    return [min(stride * i, padded - patch) for i in range(0, num)]


def reference_inference(image, net, patch, strides, num_classes):
    """Literal numpy re-implementation of the reference test_single_case."""
    shape = image.shape
    pads = []
    for s, p in zip(shape, patch):
        total = p - s if s < p else 0
        pads.append((total // 2, total - total // 2))
    image = np.pad(image, pads, mode='constant', constant_values=0)
    ww, hh, dd = image.shape
    sx = math.ceil((ww - patch[0]) / strides[0]) + 1
    sy = math.ceil((hh - patch[1]) / strides[1]) + 1
    sz = math.ceil((dd - patch[2]) / strides[2]) + 1
    score = np.zeros((num_classes, ) + image.shape, dtype=np.float32)
    cnt = np.zeros(image.shape, dtype=np.float32)
    for x in range(sx):
        xs = min(strides[0] * x, ww - patch[0])
        for y in range(sy):
            ys = min(strides[1] * y, hh - patch[1])
            for z in range(sz):
                zs = min(strides[2] * z, dd - patch[2])
                window = image[xs:xs + patch[0], ys:ys + patch[1],
                               zs:zs + patch[2]]
                with torch.no_grad():
                    y_prob = net(torch.from_numpy(
                        window[None, None].astype(np.float32))).numpy()[0]
                score[:, xs:xs + patch[0], ys:ys + patch[1],
                      zs:zs + patch[2]] += y_prob
                cnt[xs:xs + patch[0], ys:ys + patch[1],
                    zs:zs + patch[2]] += 1
    score = score / cnt[None]
    crop = tuple(slice(b, b + s) for (b, _), s in zip(pads, shape))
    return score[(slice(None), ) + crop]


def test_la_protocol_starts():
    # A typical LA volume against patch (112, 112, 80), strides (18, 18, 4).
    assert window_starts(144, 112, 18) == [0, 18, 32]
    assert window_starts(88, 80, 4) == [0, 4, 8]
    assert window_starts(100, 112, 18) == [0]  # padded to 112
    assert pad_amounts(100, 112) == (6, 6)
    assert pad_amounts(75, 80) == (2, 3)
    assert pad_amounts(120, 112) == (0, 0)


def test_starts_match_reference_loop():
    rng = random.Random(0)
    for _ in range(2000):
        patch = rng.randint(1, 40)
        stride = rng.randint(1, 40)
        size = rng.randint(1, 120)
        assert window_starts(size, patch, stride) == reference_starts(
            size, patch, stride), (size, patch, stride)


def test_every_voxel_is_covered():
    rng = random.Random(1)
    for _ in range(200):
        patch = [rng.randint(1, 9) for _ in range(3)]
        # Strides up to the patch size (larger ones are rejected).
        strides = [rng.randint(1, p) for p in patch]
        shape = [rng.randint(1, 20) for _ in range(3)]
        covered = np.zeros([max(s, p) for s, p in zip(shape, patch)], bool)
        starts = [window_starts(s, p, t)
                  for s, p, t in zip(shape, patch, strides)]
        for x in starts[0]:
            for y in starts[1]:
                for z in starts[2]:
                    covered[x:x + patch[0], y:y + patch[1],
                            z:z + patch[2]] = True
        assert covered.all(), (shape, patch, strides)


@pytest.mark.parametrize('shape', [(5, 7, 3), (9, 13, 8), (11, 6, 10)])
def test_constant_prediction_averages_to_constant(shape):
    # 0/0 (an uncovered voxel) would give NaN; padding must be cropped away.
    inputs = torch.randn((2, 1) + shape)

    def predict(batch):
        return torch.ones((batch.shape[0], 3) + tuple(batch.shape[2:]))

    out = sliding_window_inference(inputs, predict, (8, 8, 8), (3, 5, 2))
    assert out.shape == (2, 3) + shape
    assert torch.equal(out, torch.ones_like(out))


def _tiny_net():
    torch.manual_seed(0)
    # Zero padding of the conv makes outputs depend on the window placement.
    return nn.Sequential(nn.Conv3d(1, 2, 3, padding=1), nn.Softmax(dim=1))


@pytest.mark.parametrize('shape', [(10, 23, 7), (8, 8, 8), (17, 5, 12)])
def test_matches_literal_reference(shape):
    net = _tiny_net().eval()
    image = torch.randn(shape)
    patch, strides = (8, 8, 6), (3, 3, 2)
    expected = reference_inference(image.numpy(), net, patch, strides, 2)
    with torch.no_grad():
        out = sliding_window_inference(image[None, None], net, patch,
                                       strides, batch_windows=3)
    assert out.shape == (1, 2) + shape
    np.testing.assert_allclose(out[0].numpy(), expected, rtol=1e-5,
                               atol=1e-6)


def test_batched_equals_one_window_at_a_time():
    net = _tiny_net().eval()
    inputs = torch.randn(2, 1, 12, 9, 14)
    with torch.no_grad():
        single = sliding_window_inference(inputs, net, (8, 8, 8), (2, 3, 4),
                                          batch_windows=1)
        batched = sliding_window_inference(inputs, net, (8, 8, 8), (2, 3, 4),
                                           batch_windows=7,
                                           num_out_channels=2)
        # Cases are independent of each other.
        first = sliding_window_inference(inputs[:1], net, (8, 8, 8),
                                         (2, 3, 4), batch_windows=5)
    torch.testing.assert_close(batched, single)
    torch.testing.assert_close(first, single[:1])


def test_window_batches_have_the_requested_size():
    sizes = []

    def predict(batch):
        sizes.append(batch.shape[0])
        return torch.ones((batch.shape[0], 1) + tuple(batch.shape[2:]))

    # 3 x 2 windows, 4 at a time.
    sliding_window_inference(torch.zeros(1, 1, 12, 10), predict, (8, 8),
                             (2, 2), batch_windows=4)
    assert sizes == [4, 2]


def test_bad_arguments():
    inputs = torch.zeros(1, 1, 8, 8, 8)

    def predict(batch):
        return torch.ones((batch.shape[0], 2) + tuple(batch.shape[2:]))

    with pytest.raises(ValueError, match='one value per spatial axis'):
        sliding_window_inference(inputs, predict, (8, 8), (2, 2))
    with pytest.raises(ValueError, match='leave voxels'):
        sliding_window_inference(inputs, predict, (4, 4, 4), (2, 5, 2))
    with pytest.raises(ValueError, match='predict_fn must return'):
        sliding_window_inference(inputs, predict, (4, 4, 4), (2, 2, 2),
                                 num_out_channels=3)
    with pytest.raises(ValueError, match='predict_fn must return'):
        sliding_window_inference(inputs, lambda b: b[:, :, :2], (4, 4, 4),
                                 (2, 2, 2))
