"""UNet2D against a literal re-implementation of SSL4MIS's UNet, dropout
behaviour, and MMSegmentation's UNet built from a config."""
import os.path as osp
import warnings

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.optim import OptimWrapper

from mmssl.models.backbones import UNet2D
from mmssl.models.uncertainty.estimators import dropout_mode
from mmssl.registry import MODELS
from mmssl.structures import SegVolumeSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


# --- Literal reference, written from SSL4MIS's description of its UNet -----
class RefConvBlock(nn.Module):

    def __init__(self, in_channels, out_channels, dropout_p):
        super().__init__()
        self.conv_conv = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
            nn.BatchNorm2d(out_channels), nn.LeakyReLU(),
            nn.Dropout(dropout_p),
            nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1),
            nn.BatchNorm2d(out_channels), nn.LeakyReLU())

    def forward(self, x):
        return self.conv_conv(x)


class RefDownBlock(nn.Module):

    def __init__(self, in_channels, out_channels, dropout_p):
        super().__init__()
        self.maxpool_conv = nn.Sequential(
            nn.MaxPool2d(2), RefConvBlock(in_channels, out_channels,
                                          dropout_p))

    def forward(self, x):
        return self.maxpool_conv(x)


class RefUpBlock(nn.Module):

    def __init__(self, in_channels1, in_channels2, out_channels, dropout_p):
        super().__init__()
        self.conv1x1 = nn.Conv2d(in_channels1, in_channels2, kernel_size=1)
        self.up = nn.Upsample(
            scale_factor=2, mode='bilinear', align_corners=True)
        self.conv = RefConvBlock(in_channels2 * 2, out_channels, dropout_p)

    def forward(self, x1, x2):
        x1 = self.up(self.conv1x1(x1))
        return self.conv(torch.cat([x2, x1], dim=1))


class RefUNet(nn.Module):
    """Encoder (in_conv + 4 down blocks), decoder (4 up blocks) and a 3x3
    output conv; returns the output and the last decoder feature."""

    def __init__(self, in_chns=1, class_num=4,
                 ft=(16, 32, 64, 128, 256),
                 dropout=(0.05, 0.1, 0.2, 0.3, 0.5)):
        super().__init__()
        self.in_conv = RefConvBlock(in_chns, ft[0], dropout[0])
        self.down1 = RefDownBlock(ft[0], ft[1], dropout[1])
        self.down2 = RefDownBlock(ft[1], ft[2], dropout[2])
        self.down3 = RefDownBlock(ft[2], ft[3], dropout[3])
        self.down4 = RefDownBlock(ft[3], ft[4], dropout[4])
        self.up1 = RefUpBlock(ft[4], ft[3], ft[3], dropout_p=0.0)
        self.up2 = RefUpBlock(ft[3], ft[2], ft[2], dropout_p=0.0)
        self.up3 = RefUpBlock(ft[2], ft[1], ft[1], dropout_p=0.0)
        self.up4 = RefUpBlock(ft[1], ft[0], ft[0], dropout_p=0.0)
        self.out_conv = nn.Conv2d(ft[0], class_num, kernel_size=3, padding=1)

    def forward(self, x):
        x0 = self.in_conv(x)
        x1 = self.down1(x0)
        x2 = self.down2(x1)
        x3 = self.down3(x2)
        x4 = self.down4(x3)
        x = self.up1(x4, x3)
        x = self.up2(x, x2)
        x = self.up3(x, x1)
        feat = self.up4(x, x0)
        return self.out_conv(feat), feat


def num_params(module):
    return sum(p.numel() for p in module.parameters())


def copy_reference_weights(ours, ref):
    """Load the reference's parameters and buffers (all but out_conv) into
    ours, matched by registration order; both must line up in shape."""
    ref_state = [(k, v) for k, v in ref.state_dict().items()
                 if not k.startswith('out_conv.')]
    our_keys = list(ours.state_dict())
    assert len(our_keys) == len(ref_state)
    for key, (ref_key, value) in zip(our_keys, ref_state):
        assert ours.state_dict()[key].shape == value.shape, (key, ref_key)
    ours.load_state_dict(
        {key: value for key, (_, value) in zip(our_keys, ref_state)})


def test_parameter_count_matches_ssl4mis():
    ours, ref = UNet2D(), RefUNet()
    out_conv = num_params(ref.out_conv)
    assert out_conv == 16 * 4 * 9 + 4
    assert num_params(ours) == num_params(ref) - out_conv == 1_813_184
    # With mmssl's 1x1 SegHead instead of the 3x3 out_conv.
    head = MODELS.build(dict(type='SegHead', in_channels=16, num_classes=4,
                             ndim=2))
    assert num_params(ours) + num_params(head) == (
        num_params(ref) - out_conv + 16 * 4 + 4)


def test_same_function_as_the_reference():
    torch.manual_seed(0)
    ours, ref = UNet2D(), RefUNet()
    copy_reference_weights(ours, ref)
    ours.eval()
    ref.eval()
    x = torch.randn(2, 1, 32, 48)
    with torch.no_grad():
        _, ref_feat = ref(x)
        assert torch.allclose(ours(x), ref_feat, atol=1e-5)


@pytest.mark.parametrize('kwargs,shape,out_channels', [
    (dict(), (2, 1, 64, 64), 16),
    (dict(base_channels=8), (1, 1, 32, 80), 8),
    (dict(channels=(4, 8, 16), dropout=0.1), (3, 1, 12, 20), 4),
    (dict(in_channels=2, norm='none', upsample='deconv'), (1, 2, 16, 16),
     16),
])
def test_output_shape(kwargs, shape, out_channels):
    model = UNet2D(**kwargs)
    assert model.out_channels == out_channels
    out = model(torch.randn(*shape))
    assert out.shape == (shape[0], out_channels) + shape[2:]


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match='one per level'):
        UNet2D(dropout=(0.1, 0.2))
    with pytest.raises(ValueError, match='unknown norm'):
        UNet2D(norm='layernorm')
    with pytest.raises(ValueError, match='upsample'):
        UNet2D(upsample='nearest')
    with pytest.raises(ValueError, match=r'\[0, 1\)'):
        UNet2D(dropout=1.0)
    model = UNet2D(channels=(4, 8, 16), dropout=0.1)
    with pytest.raises(ValueError, match='divisible by 4'):
        model(torch.randn(1, 1, 12, 10))
    with pytest.raises(ValueError, match=r'\(N, 1, H, W\)'):
        model(torch.randn(1, 1, 8, 8, 8))


def test_dropout_active_in_train_mode_only():
    torch.manual_seed(0)
    model = UNet2D(channels=(4, 8, 16, 32), dropout=(0.05, 0.1, 0.2, 0.3))
    x = torch.randn(2, 1, 16, 16)
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(x), model(x))
    model.train()
    with torch.no_grad():
        assert not torch.equal(model(x), model(x))
    # UA-MT's MC dropout switches exactly these modules: one per ConvBlock
    # (4 encoder levels + 3 decoder blocks), element-wise as in SSL4MIS.
    model.eval()
    with dropout_mode(model, True) as count:
        assert count == 7
        with torch.no_grad():
            assert not torch.equal(model(x), model(x))
    assert all(not m.training for m in model.modules())
    probs = [m.p for m in model.modules() if isinstance(m, nn.Dropout)]
    assert probs[:4] == [0.05, 0.1, 0.2, 0.3]


def _samples(num, shape, num_classes=4):
    samples = []
    for i in range(num):
        sample = SegVolumeSample(metainfo=dict(case_name=f'c{i}',
                                               labeled=True))
        sample.gt_label = torch.randint(0, num_classes, shape)
        samples.append(sample)
    return samples


def _build_model_config(name):
    cfg = Config.fromfile(osp.join(REPO, 'configs', '_base_', 'models', name))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # mmcv-lite's missing-ops notice
        return cfg, MODELS.build(cfg.model)


def _train_and_predict(model, size=(32, 32)):
    batch = dict(inputs=[torch.rand(1, *size) for _ in range(2)],
                 data_samples=_samples(2, size))
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    log_vars = model.train_step(batch, optim)
    model.eval()
    test = dict(inputs=[torch.rand(1, *size)], data_samples=_samples(1, size))
    sample = model.test_step(test)[0]
    assert sample.seg_logits.shape == (4, ) + size
    assert sample.pred_label.shape == size
    return log_vars


def test_unet2d_config():
    cfg, model = _build_model_config('unet2d.py')
    assert isinstance(model.backbone, UNet2D)
    assert num_params(model) == 1_813_184 + 16 * 4 + 4
    loss_types = [type(m).__name__ for m in model.seg_head.losses]
    assert loss_types == ['CrossEntropyLoss', 'DiceLoss']
    assert model.seg_head.losses[1].include_background
    assert set(_train_and_predict(model)) == {'loss', 'loss_ce', 'loss_dice'}


def test_unet2d_sdf_config():
    _, model = _build_model_config('unet2d_sdf.py')
    outputs = model(torch.rand(2, 1, 32, 32), mode='tensor')
    assert outputs['seg'].shape == (2, 4, 32, 32)
    assert outputs['sdf'].shape == (2, 3, 32, 32)


def test_mmseg_unet_from_config():
    cfg, model = _build_model_config('unet2d_mmseg.py')
    assert cfg.model.backbone.type == 'mmseg.UNet'
    assert type(model.backbone).__module__.startswith('mmseg.')
    # The backbone returns every decoder stage; the head takes the last.
    feats = model.backbone(torch.rand(1, 1, 32, 32))
    assert [f.shape[1] for f in feats] == [256, 128, 64, 32, 16]
    assert model.extract_feat(torch.rand(1, 1, 32, 32)).shape == (1, 16, 32,
                                                                  32)
    assert set(_train_and_predict(model)) == {'loss', 'loss_ce', 'loss_dice'}
