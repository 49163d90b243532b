import warnings

import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper

import mmssl.models  # noqa: F401
from mmssl.models import VolumeSegmentor
from mmssl.registry import MODELS
from mmssl.structures import SegVolumeSample

SHAPE = (16, 16, 16)


def build_model(num_classes=2, losses=None, extra_heads=None, **kwargs):
    if losses is None:
        losses = [dict(type='CrossEntropyLoss', loss_weight=0.5),
                  dict(type='DiceLoss', loss_weight=0.5)]
    heads = dict(seg=dict(type='SegHead', in_channels=4,
                          num_classes=num_classes, losses=losses))
    heads.update(extra_heads or {})
    torch.manual_seed(0)
    return MODELS.build(
        dict(type='VolumeSegmentor',
             backbone=dict(type='VNet', base_channels=4,
                           has_dropout=kwargs.pop('has_dropout', True)),
             heads=heads, **kwargs))


def make_batch(count=2, shape=SHAPE, labeled=None, with_labels=True):
    labeled = labeled or [True] * count
    samples = []
    for i in range(count):
        sample = SegVolumeSample(
            metainfo=dict(case_name=f'case{i}', labeled=labeled[i]))
        if with_labels and labeled[i]:
            sample.gt_label = (torch.rand(shape) > 0.5).to(torch.uint8)
        samples.append(sample)
    inputs = [torch.randn((1, ) + tuple(shape)) for _ in range(count)]
    return dict(inputs=inputs, data_samples=samples)


def test_build_and_default_preprocessor():
    model = build_model()
    assert isinstance(model, VolumeSegmentor)
    assert type(model.data_preprocessor).__name__ == 'VolumeDataPreprocessor'
    assert set(model.heads) == {'seg'}
    assert model.test_cfg['mode'] == 'whole'
    with pytest.raises(KeyError, match="'main' is not one of the heads"):
        build_model(seg_head='main')
    with pytest.raises(ValueError, match="test_cfg\\['mode'\\]"):
        build_model(test_cfg=dict(mode='tiles'))
    with pytest.raises(KeyError, match='strides'):
        build_model(test_cfg=dict(mode='slide', patch_size=SHAPE))


def test_tensor_mode_returns_head_outputs():
    model = build_model(extra_heads=dict(
        sdf=dict(type='SegHead', in_channels=4, num_classes=1, losses=[])))
    outputs = model(torch.randn(2, 1, *SHAPE), mode='tensor')
    assert set(outputs) == {'seg', 'sdf'}
    assert outputs['seg'].shape == (2, 2) + SHAPE
    assert outputs['sdf'].shape == (2, 1) + SHAPE


def test_train_step_updates_weights():
    torch.manual_seed(0)
    model = build_model()
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    before = model.heads['seg'].conv_seg.weight.detach().clone()
    log_vars = model.train_step(make_batch(), optim)
    assert set(log_vars) == {'loss', 'loss_ce', 'loss_dice'}
    assert log_vars['loss'].item() == pytest.approx(
        log_vars['loss_ce'].item() + log_vars['loss_dice'].item(), rel=1e-5)
    assert not torch.equal(before, model.heads['seg'].conv_seg.weight)


def test_loss_is_the_weighted_sum_of_ce_and_dice():
    model = build_model(has_dropout=False).eval()
    data = model.data_preprocessor(make_batch())
    losses = model(**data, mode='loss')
    logits = model(data['inputs'], mode='tensor')['seg']
    labels = torch.stack([s.gt_label for s in data['data_samples']]).long()
    probs = logits.softmax(1)[:, 1]
    dice = 1 - (2 * (probs * labels).sum() + 1e-5) / (
        (probs * probs).sum() + labels.sum() + 1e-5)
    torch.testing.assert_close(losses['loss_ce'],
                               0.5 * F.cross_entropy(logits, labels))
    torch.testing.assert_close(losses['loss_dice'], 0.5 * dice)


def test_only_labeled_cases_contribute():
    model = build_model(has_dropout=False)
    batch = make_batch(3, labeled=[True, False, True])
    data = model.data_preprocessor(batch)
    mixed = model(**data, mode='loss')
    labeled_only = model(data['inputs'][[0, 2]],
                         [data['data_samples'][i] for i in (0, 2)],
                         mode='loss')
    for key in ('loss_ce', 'loss_dice'):
        torch.testing.assert_close(mixed[key], labeled_only[key])


def test_unlabeled_only_batch_is_an_error():
    model = build_model()
    data = model.data_preprocessor(make_batch(2, labeled=[False, False]))
    with pytest.raises(ValueError, match='no labeled case'):
        model(**data, mode='loss')


def test_labeled_case_without_gt_label_is_an_error():
    model = build_model()
    data = model.data_preprocessor(make_batch(1, with_labels=False))
    with pytest.raises(KeyError, match='case0 has no gt_label'):
        model(**data, mode='loss')


def test_extra_heads_add_prefixed_losses():
    model = build_model(extra_heads=dict(
        aux=dict(type='SegHead', in_channels=4, num_classes=2,
                 losses=[dict(type='DiceLoss', loss_weight=0.3)]),
        feat=dict(type='SegHead', in_channels=4, num_classes=1, losses=[])))
    data = model.data_preprocessor(make_batch())
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_ce', 'loss_dice', 'aux.loss_dice'}


def test_val_step_whole_mode_batch():
    model = build_model().eval()
    batch = make_batch(2)
    results = model.val_step(batch)
    assert len(results) == 2
    for sample in results:
        assert sample.seg_logits.shape == (2, ) + SHAPE
        assert sample.pred_label.shape == SHAPE
        assert sample.pred_label.dtype == torch.long
        torch.testing.assert_close(sample.seg_logits.sum(0),
                                   torch.ones(SHAPE))
        assert torch.equal(sample.pred_label, sample.seg_logits.argmax(0))
    # The two cases are predicted separately, not mixed up.
    single = model.val_step(dict(inputs=batch['inputs'][1:],
                                 data_samples=[SegVolumeSample()]))
    torch.testing.assert_close(single[0].seg_logits, results[1].seg_logits)


def test_slide_mode_resizes_to_ori_shape():
    model = build_model(test_cfg=dict(mode='slide', patch_size=SHAPE,
                                      strides=(8, 8, 8), batch_windows=2))
    model.eval()
    image = torch.randn(1, 24, 16, 20)
    plain = model.test_step(dict(inputs=[image],
                                 data_samples=[SegVolumeSample()]))[0]
    assert plain.seg_logits.shape == (2, 24, 16, 20)
    ori_shape = (30, 12, 25)
    resized = model.test_step(dict(
        inputs=[image],
        data_samples=[SegVolumeSample(metainfo=dict(ori_shape=ori_shape))]))
    sample = resized[0]
    assert sample.seg_logits.shape == (2, ) + ori_shape
    assert sample.pred_label.shape == ori_shape
    expected = F.interpolate(plain.seg_logits[None], size=ori_shape,
                             mode='trilinear', align_corners=False)[0]
    torch.testing.assert_close(sample.seg_logits, expected)
    assert torch.equal(sample.pred_label, expected.argmax(0))
    with pytest.raises(ValueError, match='one value per spatial axis'):
        model.test_step(dict(inputs=[image], data_samples=[
            SegVolumeSample(metainfo=dict(ori_shape=(1, 24, 16, 20)))]))


def test_slide_equals_whole_when_one_window_covers_the_image():
    whole = build_model().eval()
    slide = build_model(test_cfg=dict(mode='slide', patch_size=SHAPE,
                                      strides=(4, 4, 4))).eval()
    inputs = torch.randn(1, 1, *SHAPE)
    torch.testing.assert_close(whole.inference(inputs),
                               slide.inference(inputs))


def test_single_channel_sigmoid_head():
    model = build_model(
        num_classes=1,
        losses=[dict(type='BCEWithLogitsLoss', loss_weight=0.5),
                dict(type='DiceLoss', loss_weight=0.5)])
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    log_vars = model.train_step(make_batch(), optim)
    assert set(log_vars) == {'loss', 'loss_bce', 'loss_dice'}
    model.eval()
    sample = model.val_step(make_batch(1))[0]
    assert sample.seg_logits.shape == (1, ) + SHAPE
    assert torch.equal(sample.pred_label,
                       (sample.seg_logits[0] > 0.5).long())


def test_mmseg_backbone_across_scopes():
    unet = dict(type='mmseg.UNet', in_channels=1, base_channels=4,
                num_stages=3, strides=(1, 1, 1), enc_num_convs=(1, 1, 1),
                dec_num_convs=(1, 1), downsamples=(True, True),
                enc_dilations=(1, 1, 1), dec_dilations=(1, 1),
                norm_cfg=dict(type='BN'))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # mmcv-lite's missing-ops notice
        model = MODELS.build(dict(
            type='VolumeSegmentor', backbone=unet,
            heads=dict(seg=dict(type='SegHead', in_channels=4, num_classes=2,
                                ndim=2))))
        # The same backbone built directly needs the mmseg scope while it is
        # built (its InterpConv upsampling is looked up by name).
        direct = MODELS.build(dict(unet, type='UNet', _scope_='mmseg'))
    assert type(model.backbone).__module__.startswith('mmseg.')
    assert type(direct) is type(model.backbone)
    outputs = model(torch.randn(2, 1, 16, 16), mode='tensor')
    assert outputs['seg'].shape == (2, 2, 16, 16)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    batch = make_batch(2, shape=(16, 16))
    assert set(model.train_step(batch, optim)) == {
        'loss', 'loss_ce', 'loss_dice'}
    model.eval()
    sample = model.val_step(make_batch(1, shape=(16, 16)))[0]
    assert sample.pred_label.shape == (16, 16)


def test_head_order_of_the_config_does_not_change_the_network():
    """MMEngine dumps configs with sorted keys; the dumped copy must build
    (and initialise) the same network as the config it came from."""
    backbone = dict(type='VNet', in_channels=1, base_channels=4)
    seg = dict(type='SegHead', in_channels=4, num_classes=2)
    sdf = dict(type='SDFHead', in_channels=4, num_classes=1)
    states = []
    for heads in (dict(seg=seg, sdf=sdf), dict(sdf=sdf, seg=seg)):
        torch.manual_seed(0)
        model = VolumeSegmentor(backbone=backbone, heads=heads)
        states.append(model.state_dict())
    assert list(states[0]) == list(states[1])
    for key in states[0]:
        assert torch.equal(states[0][key], states[1][key]), key
