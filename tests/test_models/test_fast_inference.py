"""Channels-last and autocast options of the segmentors' test_cfg."""
import copy

import numpy as np
import pytest
import torch

import mmssl.models  # noqa: F401
from mmssl.models import VolumeSegmentor
from mmssl.models.semi import SemiSegmentor
from mmssl.models.utils.fast_inference import (convert_to_channels_last,
                                               fold_batchnorm, inference_copy,
                                               is_channels_last,
                                               to_channels_last)
from mmssl.structures import SegVolumeSample

SEGMENTOR_3D = dict(
    type='VolumeSegmentor',
    backbone=dict(type='VNet', base_channels=4),
    heads=dict(seg=dict(type='SegHead', in_channels=4, num_classes=2)))
SLIDE = dict(mode='slide', patch_size=(16, 16, 16), strides=(8, 8, 8),
             batch_windows=3)


def _segmentor_3d(**test_cfg):
    torch.manual_seed(0)
    cfg = dict(copy.deepcopy(SEGMENTOR_3D), test_cfg=test_cfg)
    cfg.pop('type')
    return VolumeSegmentor(**cfg).eval()


def _segmentor_2d(**test_cfg):
    torch.manual_seed(0)
    return VolumeSegmentor(
        backbone=dict(type='VNet', base_channels=4, ndim=2),
        heads=dict(seg=dict(type='SegHead', in_channels=4, num_classes=3,
                            ndim=2)),
        test_cfg=test_cfg).eval()


def _probs(model, inputs):
    return model.predict(inputs)[0].seg_logits


CASES = [
    # (model factory, test_cfg, input shape)
    (_segmentor_3d, SLIDE, (1, 1, 20, 24, 18)),
    (_segmentor_3d, dict(mode='whole'), (1, 1, 16, 16, 16)),
    (_segmentor_2d, dict(mode='whole'), (1, 1, 32, 16)),
    (_segmentor_2d, dict(mode='slide', patch_size=(16, 16), strides=(8, 8)),
     (1, 1, 24, 20)),
    (_segmentor_2d, dict(mode='slice', slice_size=(16, 16), batch_slices=2),
     (1, 1, 3, 20, 24)),
]


def _with_running_stats(model):
    """Non-trivial BatchNorm statistics, so that folding them matters."""
    generator = torch.Generator().manual_seed(2)
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            size = module.running_mean.shape
            module.running_mean.copy_(torch.randn(size, generator=generator))
            module.running_var.copy_(
                torch.rand(size, generator=generator) + 0.5)
            module.weight.data.copy_(torch.randn(size, generator=generator))
            module.bias.data.copy_(torch.randn(size, generator=generator))
    return model


@pytest.mark.parametrize('fast_cfg', [
    dict(channels_last=True), dict(fold_bn=True),
    dict(channels_last=True, fold_bn=True)])
@pytest.mark.parametrize('factory,test_cfg,shape', CASES)
def test_fast_fp32_equals_plain_path(factory, test_cfg, shape, fast_cfg):
    torch.manual_seed(1)
    inputs = torch.rand(shape)
    plain = _with_running_stats(factory(**test_cfg))
    fast = _with_running_stats(factory(**test_cfg, **fast_cfg))
    before = {k: v.clone() for k, v in fast.state_dict().items()}
    expected = _probs(plain, inputs)
    got = _probs(fast, inputs)
    assert got.dtype == torch.float32 and got.shape == expected.shape
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=2e-6)
    # The work happened on a copy: the model keeps its weights and layout.
    after = fast.state_dict()
    assert list(after) == list(before)
    for key, value in before.items():
        assert torch.equal(after[key], value)
        assert after[key].is_contiguous(), key


def test_fold_batchnorm_folds_conv_and_deconv_pairs():
    model = _with_running_stats(_segmentor_3d(mode='whole'))
    fast = inference_copy(model, fold_bn=True)
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
                   for m in fast.modules())
    inputs = torch.rand(2, 1, 16, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(fast.seg_probs(inputs),
                                   model.seg_probs(inputs), rtol=1e-5,
                                   atol=2e-6)
    # Training-mode BatchNorm uses batch statistics: not folded.
    assert fold_batchnorm(copy.deepcopy(model).train()) == 0


@pytest.mark.parametrize('factory,test_cfg,shape', CASES[:3] + CASES[4:])
def test_bf16_autocast_runs_and_is_close(factory, test_cfg, shape):
    torch.manual_seed(1)
    inputs = torch.rand(shape)
    expected = _probs(factory(**test_cfg), inputs)
    got = _probs(
        factory(**test_cfg, channels_last=True, autocast='bfloat16'), inputs)
    assert got.dtype == torch.float32
    # bf16 keeps 8 bits of mantissa: probabilities agree to about 1e-2.
    assert (got - expected).abs().max() < 0.05
    assert not torch.equal(got, expected)  # it did run in reduced precision


def test_sliding_window_sums_in_fp32():
    seen = []
    model = _segmentor_3d(**SLIDE, autocast='bfloat16')
    original = model.seg_probs

    def record(batch):
        probs = original(batch)
        seen.append(probs.dtype)
        return probs

    model.seg_probs = record
    probs = _probs(model, torch.rand(1, 1, 20, 24, 18))
    assert seen and set(seen) == {torch.bfloat16}
    assert probs.dtype == torch.float32


def test_semi_segmentor_predicts_with_the_options():
    torch.manual_seed(0)
    segmentor = dict(copy.deepcopy(SEGMENTOR_3D),
                     test_cfg=dict(SLIDE, channels_last=True))
    model = SemiSegmentor(segmentor=segmentor, teacher=dict(mode='eval'),
                          predict_with='both').eval()
    inputs = torch.rand(1, 1, 20, 16, 16)
    sample = model.predict(inputs, [SegVolumeSample()])[0]
    for part in (model.student, model.teacher):
        assert part.test_cfg['channels_last']
    plain = _segmentor_3d(**SLIDE)
    plain.load_state_dict(model.student.state_dict())
    torch.testing.assert_close(sample.seg_logits, _probs(plain, inputs),
                               rtol=1e-5, atol=1e-6)


def test_invalid_options_are_clear():
    with pytest.raises(ValueError, match="autocast must be None .* got 'fp8'"):
        _segmentor_3d(mode='whole', autocast='fp8')
    with pytest.raises(TypeError, match='channels_last must be True or False'):
        _segmentor_3d(mode='whole', channels_last='yes')
    with pytest.raises(TypeError, match='fold_bn must be True or False'):
        _segmentor_3d(mode='whole', fold_bn=1)


def test_memory_format_helpers():
    assert is_channels_last(to_channels_last(torch.rand(2, 3, 4, 5, 6)))
    assert is_channels_last(to_channels_last(torch.rand(2, 3, 4, 5)))
    flat = torch.rand(2, 3, 4)
    assert to_channels_last(flat) is flat  # no channels-last layout in 3-D
    conv = torch.nn.Conv3d(2, 3, 3)
    weight = conv.weight
    convert_to_channels_last(conv)
    assert conv.weight is weight and is_channels_last(conv.weight)


def test_eval_speed_reference_metrics_equal_ours():
    """The reference scorer of eval_speed.py (medpy, skimage) and ours give
    the same values on masks with several components."""
    import importlib.util
    import os.path as osp
    path = osp.join(osp.dirname(__file__), '..', '..', 'tools',
                    'analysis_tools', 'eval_speed.py')
    spec = importlib.util.spec_from_file_location('eval_speed', path)
    eval_speed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(eval_speed)

    rng = np.random.default_rng(0)
    gt = np.zeros((30, 28, 20), np.uint8)
    gt[5:20, 6:22, 4:15] = 1
    pred = gt.copy()
    pred[rng.random(gt.shape) < 0.05] ^= 1  # noise and stray voxels
    pred[24:27, 2:5, 2:5] = 1
    for largest in (False, True):
        ours = eval_speed.score(pred, gt, 2, False, largest)
        ref = eval_speed.score(pred, gt, 2, True, largest)
        assert ours[0] == pytest.approx(ref[0], rel=1e-12, abs=1e-12)
