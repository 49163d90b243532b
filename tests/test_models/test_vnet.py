import pytest
import torch
import torch.nn as nn

import mmssl.models  # noqa: F401  (registers the models)
from mmssl.models import VNet
from mmssl.registry import MODELS


def count_params(module):
    return sum(p.numel() for p in module.parameters())


def test_parameter_count_matches_reference():
    backbone = VNet(in_channels=1, base_channels=16, norm='batchnorm')
    # Reference VNet(n_channels=1, n_classes=2, batchnorm): 9,448,866
    # parameters, of which 16 * 2 + 2 belong to the 1x1x1 output conv.
    head = nn.Conv3d(16, 2, 1)
    assert count_params(backbone) + count_params(head) == 9_448_866
    # Two 1-channel heads (e.g. seg + sdf) cost the same.
    assert count_params(backbone) + 2 * count_params(nn.Conv3d(16, 1, 1)) \
        == 9_448_866


def test_registered_and_output_shape():
    backbone = MODELS.build(dict(type='VNet', base_channels=4))
    x = torch.randn(2, 1, 16, 32, 16)
    out = backbone(x)
    assert out.shape == (2, 4, 16, 32, 16)
    assert backbone.out_channels == 4


class _RefBlock(nn.Module):
    """Conv(s) + BN + ReLU, written from the reference's description."""

    def __init__(self, kind, n, cin, cout):
        super().__init__()
        ops = []
        for i in range(n):
            if kind == 'conv':
                ops.append(nn.Conv3d(cin if i == 0 else cout, cout, 3,
                                     padding=1))
            elif kind == 'down':
                ops.append(nn.Conv3d(cin, cout, 2, stride=2, padding=0))
            else:
                ops.append(nn.ConvTranspose3d(cin, cout, 2, stride=2))
            ops += [nn.BatchNorm3d(cout), nn.ReLU(inplace=True)]
        self.conv = nn.Sequential(*ops)

    def forward(self, x):
        return self.conv(x)


class _ReferenceVNet(nn.Module):
    """Literal reference wiring (block_one ... block_nine), no out conv."""

    def __init__(self, c):
        super().__init__()
        self.block_one = _RefBlock('conv', 1, 1, c)
        self.block_one_dw = _RefBlock('down', 1, c, 2 * c)
        self.block_two = _RefBlock('conv', 2, 2 * c, 2 * c)
        self.block_two_dw = _RefBlock('down', 1, 2 * c, 4 * c)
        self.block_three = _RefBlock('conv', 3, 4 * c, 4 * c)
        self.block_three_dw = _RefBlock('down', 1, 4 * c, 8 * c)
        self.block_four = _RefBlock('conv', 3, 8 * c, 8 * c)
        self.block_four_dw = _RefBlock('down', 1, 8 * c, 16 * c)
        self.block_five = _RefBlock('conv', 3, 16 * c, 16 * c)
        self.block_five_up = _RefBlock('up', 1, 16 * c, 8 * c)
        self.block_six = _RefBlock('conv', 3, 8 * c, 8 * c)
        self.block_six_up = _RefBlock('up', 1, 8 * c, 4 * c)
        self.block_seven = _RefBlock('conv', 3, 4 * c, 4 * c)
        self.block_seven_up = _RefBlock('up', 1, 4 * c, 2 * c)
        self.block_eight = _RefBlock('conv', 2, 2 * c, 2 * c)
        self.block_eight_up = _RefBlock('up', 1, 2 * c, c)
        self.block_nine = _RefBlock('conv', 1, c, c)

    def forward(self, x):
        x1 = self.block_one(x)
        x2 = self.block_two(self.block_one_dw(x1))
        x3 = self.block_three(self.block_two_dw(x2))
        x4 = self.block_four(self.block_three_dw(x3))
        x5 = self.block_five(self.block_four_dw(x4))
        x6 = self.block_six(self.block_five_up(x5) + x4)
        x7 = self.block_seven(self.block_six_up(x6) + x3)
        x8 = self.block_eight(self.block_seven_up(x7) + x2)
        return self.block_nine(self.block_eight_up(x8) + x1)


def test_same_function_as_reference_wiring():
    ref = _ReferenceVNet(4)
    ours = VNet(base_channels=4, has_dropout=False)
    names = {
        'block_one': 'encoder_stages.0', 'block_two': 'encoder_stages.1',
        'block_three': 'encoder_stages.2', 'block_four': 'encoder_stages.3',
        'block_five': 'encoder_stages.4', 'block_one_dw': 'down_blocks.0',
        'block_two_dw': 'down_blocks.1', 'block_three_dw': 'down_blocks.2',
        'block_four_dw': 'down_blocks.3', 'block_five_up': 'up_blocks.0',
        'block_six_up': 'up_blocks.1', 'block_seven_up': 'up_blocks.2',
        'block_eight_up': 'up_blocks.3', 'block_six': 'decoder_stages.0',
        'block_seven': 'decoder_stages.1', 'block_eight': 'decoder_stages.2',
        'block_nine': 'decoder_stages.3'
    }
    state = {}
    for key, value in ref.state_dict().items():
        block, _, rest = key.partition('.conv.')
        state[f'{names[block]}.{rest}'] = value
    ours.load_state_dict(state)  # strict: same parameters and buffers
    ref.eval()
    ours.eval()
    x = torch.randn(1, 1, 16, 16, 32)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), ref(x))


def _dropout_calls(backbone, x):
    calls = []
    handle = backbone.dropout.register_forward_hook(
        lambda module, inp, out: calls.append(tuple(out.shape)))
    backbone(x)
    handle.remove()
    return calls


def test_dropout_only_in_train_mode():
    torch.manual_seed(0)
    backbone = VNet(base_channels=4, dropout_ratio=0.5)
    # Two cases: train-mode BN needs more than one value at the 1^3 bottleneck.
    x = torch.randn(2, 1, 16, 16, 16)
    backbone.train()
    assert not torch.equal(backbone(x), backbone(x))
    backbone.eval()
    assert torch.equal(backbone(x), backbone(x))
    # Without dropout even train mode is deterministic (BN uses the batch).
    no_drop = VNet(base_channels=4, has_dropout=False).train()
    assert torch.equal(no_drop(x), no_drop(x))


def test_dropout_stages_are_configurable():
    x = torch.randn(2, 1, 16, 16, 16)
    both = VNet(base_channels=4).train()
    assert _dropout_calls(both, x) == [(2, 64, 1, 1, 1), (2, 4, 16, 16, 16)]
    last = VNet(base_channels=4, dropout_stages=('last', )).train()
    assert _dropout_calls(last, x) == [(2, 4, 16, 16, 16)]
    bottleneck = VNet(base_channels=4, dropout_stages='bottleneck').train()
    assert _dropout_calls(bottleneck, x) == [(2, 64, 1, 1, 1)]
    off = VNet(base_channels=4, has_dropout=False).train()
    assert _dropout_calls(off, x) == []
    with pytest.raises(ValueError, match='dropout_stages'):
        VNet(dropout_stages=('middle', ))


def test_input_size_must_be_divisible_by_16():
    backbone = VNet(base_channels=4)
    with pytest.raises(ValueError, match=r'divisible by 16'):
        backbone(torch.randn(1, 1, 16, 20, 16))
    with pytest.raises(ValueError, match='input channels'):
        backbone(torch.randn(1, 2, 16, 16, 16))
    with pytest.raises(ValueError, match='expects input of shape'):
        backbone(torch.randn(1, 16, 16, 16))


@pytest.mark.parametrize('norm,norm_type', [
    ('batchnorm', nn.BatchNorm3d),
    ('groupnorm', nn.GroupNorm),
    ('instancenorm', nn.InstanceNorm3d),
    ('none', None),
    (dict(type='GN', num_groups=4), nn.GroupNorm),
])
def test_norm_options(norm, norm_type):
    backbone = VNet(base_channels=16, norm=norm, has_dropout=False).eval()
    norms = [m for m in backbone.modules()
             if isinstance(m, (nn.BatchNorm3d, nn.GroupNorm,
                               nn.InstanceNorm3d))]
    if norm_type is None:
        assert norms == []
    else:
        # One norm after each of the 21 + 4 + 4 (transposed) convolutions.
        assert len(norms) == 29
        assert all(isinstance(m, norm_type) for m in norms)
    if norm == 'groupnorm':
        assert all(m.num_groups == 16 for m in norms)
    # 32 along D: instance norm needs > 1 voxel at the bottleneck.
    out = backbone(torch.randn(1, 1, 16, 16, 32))
    assert out.shape == (1, 16, 16, 16, 32)


def test_unknown_norm_is_rejected():
    with pytest.raises(ValueError, match='Unknown norm'):
        VNet(norm='layernorm')


def test_2d_variant():
    backbone = VNet(in_channels=3, base_channels=4, ndim=2)
    assert isinstance(backbone.dropout, nn.Dropout2d)
    out = backbone(torch.randn(2, 3, 32, 48))
    assert out.shape == (2, 4, 32, 48)
