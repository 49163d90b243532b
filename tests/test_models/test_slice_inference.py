"""Slice-by-slice inference against a literal per-slice loop."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmssl.models.segmentors import VolumeSegmentor
from mmssl.models.utils.slice_inference import slice_inference
from mmssl.structures import SegVolumeSample

NUM_CLASSES = 4


def make_net(seed=0):
    """A fixed 2-D net returning softmax probabilities of 4 classes."""
    torch.manual_seed(seed)
    conv = nn.Conv2d(1, NUM_CLASSES, 3, padding=1)

    def predict(batch):
        return conv(batch).softmax(dim=1)

    return predict


def literal_loop(volumes, net, size, axis=0, mode='bilinear',
                 align_corners=True):
    """One slice at a time, written out: resize, predict, resize back."""
    kwargs = {} if mode == 'nearest' else dict(align_corners=align_corners)
    cases = []
    for volume in volumes:
        slices = []
        for index in range(volume.shape[1 + axis]):
            image = volume.select(1 + axis, index)[None]  # (1, C, h, w)
            plane = tuple(image.shape[2:])
            small = F.interpolate(image, size=size, mode=mode, **kwargs)
            probs = net(small)
            slices.append(F.interpolate(probs, size=plane, mode=mode,
                                        **kwargs)[0])
        cases.append(torch.stack(slices, dim=1 + axis))
    return torch.stack(cases)


@pytest.fixture
def volumes():
    torch.manual_seed(1)
    return torch.rand(2, 1, 5, 12, 14)


def test_equals_the_literal_loop(volumes):
    net = make_net()
    with torch.no_grad():
        out = slice_inference(volumes, net, slice_size=(16, 16),
                              batch_slices=3, num_out_channels=NUM_CLASSES)
        expected = literal_loop(volumes, net, (16, 16))
    assert out.shape == (2, NUM_CLASSES, 5, 12, 14)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)
    # Bilinear resizing of probabilities keeps them probabilities.
    torch.testing.assert_close(out.sum(1), torch.ones(2, 5, 12, 14))


@pytest.mark.parametrize('axis', [1, 2, -1])
def test_other_slice_axes(volumes, axis):
    net = make_net()
    with torch.no_grad():
        out = slice_inference(volumes, net, slice_size=(8, 8),
                              slice_axis=axis, batch_slices=4)
        expected = literal_loop(volumes, net, (8, 8), axis=axis % 3)
    assert out.shape == (2, NUM_CLASSES, 5, 12, 14)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)


def test_batched_equals_unbatched(volumes):
    net = make_net()
    with torch.no_grad():
        one = slice_inference(volumes, net, (16, 16), batch_slices=1)
        for batch_slices in (2, 5, 64):
            many = slice_inference(volumes, net, (16, 16),
                                   batch_slices=batch_slices)
            torch.testing.assert_close(many, one, rtol=1e-5, atol=1e-6)


def test_nearest_and_no_resize(volumes):
    net = make_net()
    with torch.no_grad():
        nearest = slice_inference(volumes, net, (16, 16),
                                  resize_mode='nearest')
        torch.testing.assert_close(
            nearest, literal_loop(volumes, net, (16, 16), mode='nearest'))
        # Without slice_size every slice is predicted at its own size.
        plain = slice_inference(volumes, net, None)
        expected = torch.stack(
            [net(volumes[:, :, d]) for d in range(5)], dim=2)
        torch.testing.assert_close(plain, expected)


def test_bad_arguments(volumes):
    net = make_net()
    with pytest.raises(ValueError, match=r'\(N, C, D, H, W\)'):
        slice_inference(volumes[:, :, 0], net, (16, 16))
    with pytest.raises(ValueError, match='slice_size'):
        slice_inference(volumes, net, (16, 16, 16))
    with pytest.raises(ValueError, match='batch_slices'):
        slice_inference(volumes, net, (16, 16), batch_slices=0)
    with pytest.raises(ValueError, match='slice_axis'):
        slice_inference(volumes, net, (16, 16), slice_axis=3)
    with pytest.raises(ValueError, match='resize_mode'):
        slice_inference(volumes, net, (16, 16), resize_mode='area')
    with pytest.raises(ValueError, match='predict_fn must return'):
        slice_inference(volumes, net, (16, 16), num_out_channels=2)
    with pytest.raises(ValueError, match='predict_fn must return'):
        slice_inference(volumes, lambda x: x[:, :, :4], (16, 16))


def two_d_segmentor(**test_cfg):
    return VolumeSegmentor(
        backbone=dict(type='VNet', in_channels=1, base_channels=4, ndim=2),
        heads=dict(seg=dict(type='SegHead', in_channels=4,
                            num_classes=NUM_CLASSES, ndim=2)),
        test_cfg=dict(mode='slice', **test_cfg))


def test_segmentor_slice_mode():
    model = two_d_segmentor(slice_size=(16, 16), batch_slices=2).eval()
    assert model.test_cfg == dict(
        mode='slice', slice_size=(16, 16), slice_axis=0, batch_slices=2,
        resize_mode='bilinear', align_corners=True)
    torch.manual_seed(0)
    inputs = torch.rand(1, 1, 3, 20, 24)
    sample = SegVolumeSample(metainfo=dict(ori_shape=(3, 20, 24)))
    out = model.predict(inputs, [sample])[0]
    assert out.seg_logits.shape == (NUM_CLASSES, 3, 20, 24)
    assert out.pred_label.shape == (3, 20, 24)
    with torch.no_grad():
        expected = literal_loop(inputs, model.seg_probs, (16, 16))[0]
    torch.testing.assert_close(out.seg_logits, expected, rtol=1e-5,
                               atol=1e-6)
    torch.testing.assert_close(out.pred_label, expected.argmax(0))


def test_segmentor_slice_cfg_errors():
    with pytest.raises(ValueError, match='slice_size must be'):
        two_d_segmentor(slice_size=(16, 16, 16))
    with pytest.raises(ValueError, match="test_cfg\\['mode'\\]"):
        VolumeSegmentor(
            backbone=dict(type='VNet', ndim=2, base_channels=4),
            heads=dict(seg=dict(type='SegHead', in_channels=4,
                                num_classes=2, ndim=2)),
            test_cfg=dict(mode='slices'))
