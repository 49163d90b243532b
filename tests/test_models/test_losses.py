import math

import pytest
import torch
import torch.nn.functional as F

import mmssl.models  # noqa: F401
from mmssl.models import (BCEWithLogitsLoss, CrossEntropyLoss, DiceLoss,
                          soft_dice_loss)
from mmssl.registry import MODELS


def logit(p):
    return math.log(p / (1 - p))


def two_channel_logits(fg_probs):
    """Softmax logits whose channel-1 probability equals ``fg_probs``."""
    fg = torch.tensor(fg_probs, dtype=torch.float64)
    return torch.stack([torch.zeros_like(fg), torch.log(fg / (1 - fg))],
                       dim=1)


def test_dice_hand_computed_softmax():
    # One case, four voxels (1, 2, 2): p = .8 .2 / .6 .4, y = 1 0 / 1 0.
    logits = two_channel_logits([[[0.8, 0.2], [0.6, 0.4]]])
    target = torch.tensor([[[1, 0], [1, 0]]])
    # sum(p y) = 1.4, sum(p^2) = 1.2, sum(y^2) = 2.
    expected = 1 - (2 * 1.4 + 1e-5) / (1.2 + 2 + 1e-5)
    loss = DiceLoss()(logits, target)
    assert loss.item() == pytest.approx(expected, abs=1e-9)
    assert loss.item() == pytest.approx(0.125, abs=1e-5)


def test_dice_sums_over_the_whole_batch():
    # The same voxels split into two cases give the same (global) Dice; a
    # per-case mean would give (0.0476 + 0.2105) / 2 = 0.129 instead.
    logits = two_channel_logits([[0.8, 0.2], [0.6, 0.4]])
    target = torch.tensor([[1, 0], [1, 0]])
    expected = 1 - (2 * 1.4 + 1e-5) / (1.2 + 2 + 1e-5)
    assert DiceLoss()(logits, target).item() == pytest.approx(expected,
                                                              abs=1e-9)


def test_dice_sigmoid_single_channel():
    p = torch.tensor([[[0.8, 0.2], [0.6, 0.4]]], dtype=torch.float64)
    logits = torch.log(p / (1 - p))[:, None]  # (1, 1, 2, 2)
    target = torch.tensor([[[1, 0], [1, 0]]])
    expected = 1 - (2 * 1.4 + 1e-5) / (1.2 + 2 + 1e-5)
    assert DiceLoss()(logits, target).item() == pytest.approx(expected,
                                                              abs=1e-9)


def test_dice_multiclass_averages_foreground_classes():
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 4, 4, 4, dtype=torch.float64)
    target = torch.randint(0, 3, (2, 4, 4, 4))
    probs = logits.softmax(1)
    per_class = [soft_dice_loss(probs[:, c], target == c) for c in range(3)]
    fg = DiceLoss()(logits, target)
    assert fg.item() == pytest.approx(((per_class[1] + per_class[2]) /
                                       2).item())
    with_bg = DiceLoss(include_background=True)(logits, target)
    assert with_bg.item() == pytest.approx((sum(per_class) / 3).item())


def test_dice_weight_name_and_ignore_index():
    logits = two_channel_logits([[0.8, 0.2, 0.9]])
    target = torch.tensor([[1, 0, 255]])
    loss = MODELS.build(
        dict(type='DiceLoss', loss_weight=0.5, loss_name='loss_d',
             ignore_index=255))
    assert loss.loss_name == 'loss_d'
    expected = 1 - (2 * 0.8 + 1e-5) / (0.68 + 1 + 1e-5)
    assert loss(logits, target).item() == pytest.approx(0.5 * expected,
                                                        abs=1e-9)


def test_dice_gradient_flows():
    logits = torch.randn(1, 2, 4, 4, 4, requires_grad=True)
    DiceLoss()(logits, torch.randint(0, 2, (1, 4, 4, 4))).backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0


def test_cross_entropy_softmax_matches_torch():
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 4, 4, 4)
    target = torch.randint(0, 3, (2, 4, 4, 4))
    loss = CrossEntropyLoss(loss_weight=0.5)
    assert loss.loss_name == 'loss_ce'
    torch.testing.assert_close(loss(logits, target),
                               0.5 * F.cross_entropy(logits, target))
    # (N, 1, *spatial) targets are accepted too.
    torch.testing.assert_close(loss(logits, target[:, None]),
                               0.5 * F.cross_entropy(logits, target))


def test_cross_entropy_ignore_index():
    torch.manual_seed(0)
    logits = torch.randn(1, 2, 8)
    target = torch.randint(0, 2, (1, 8))
    target[0, :3] = 255
    loss = CrossEntropyLoss(ignore_index=255)(logits, target)
    expected = F.cross_entropy(logits[..., 3:], target[..., 3:])
    torch.testing.assert_close(loss, expected)


def test_single_channel_uses_bce_on_foreground():
    torch.manual_seed(0)
    logits = torch.randn(2, 1, 4, 4, 4)
    target = torch.randint(0, 2, (2, 4, 4, 4))
    expected = F.binary_cross_entropy_with_logits(logits[:, 0],
                                                  target.float())
    torch.testing.assert_close(CrossEntropyLoss()(logits, target), expected)
    bce = BCEWithLogitsLoss(loss_weight=2.0)
    assert bce.loss_name == 'loss_bce'
    torch.testing.assert_close(bce(logits, target), 2 * expected)
    with pytest.raises(ValueError, match='1-channel'):
        bce(torch.randn(2, 2, 4, 4, 4), target)


def test_bad_target_shapes_are_reported():
    logits = torch.randn(2, 2, 4, 4, 4)
    with pytest.raises(ValueError, match=r'\(2, 4, 4, 4\).*got \(2, 4, 4\)'):
        DiceLoss()(logits, torch.zeros(2, 4, 4, dtype=torch.long))
    with pytest.raises(ValueError, match='CrossEntropyLoss'):
        CrossEntropyLoss()(logits, torch.zeros(1, 4, 4, 4, dtype=torch.long))
    with pytest.raises(TypeError, match='integer labels'):
        DiceLoss()(logits, torch.zeros(2, 4, 4, 4))
