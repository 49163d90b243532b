import pytest
import torch

from mmssl.models.losses.shape import (DualTaskConsistency, LevelSet,
                                       SDFRegressionLoss, level_set)
from mmssl.models.semi.semi_batch import SemiBatch
from mmssl.registry import MODELS


def test_level_set_values():
    sdf = torch.tensor([0.0, 0.01, -0.01, 1.0, -1.0])
    out = level_set(sdf)
    assert out[0] == 0.5
    assert out[1] < 1e-6 and out[3] == 0
    assert out[2] > 1 - 1e-6 and out[4] == 1
    assert level_set(torch.tensor([0.001]), k=1000)[0] == pytest.approx(
        torch.sigmoid(torch.tensor(-1.0)).item())


def test_level_set_component():
    transform = MODELS.build(dict(type='LevelSet'))
    assert transform.k == 1500
    sdf = torch.linspace(-0.01, 0.01, 11)
    assert torch.equal(transform(sdf), torch.sigmoid(-1500 * sdf))
    # Monotone decreasing in the distance, 0.5 on the boundary.
    assert (transform(sdf).diff() < 0).all()
    assert LevelSet(k=10)(torch.zeros(1)).item() == 0.5
    with pytest.raises(ValueError):
        LevelSet(k=0)


def make_batch(seg, sdf, labeled=(0, ), unlabeled=(1, 2)):
    n = seg.shape[0]
    return SemiBatch(inputs=torch.zeros((n, 1) + tuple(seg.shape[2:])),
                     data_samples=[None] * n,
                     labeled=torch.tensor(labeled, dtype=torch.long),
                     unlabeled=torch.tensor(unlabeled, dtype=torch.long),
                     student_outputs=dict(seg=seg, sdf=sdf),
                     iteration=3, max_iters=10)


def test_dual_task_matches_hand_computation_on_all_cases():
    torch.manual_seed(0)
    seg = torch.randn(3, 1, 2, 3, 2, requires_grad=True)
    sdf = (torch.randn(3, 1, 2, 3, 2) * 0.002).requires_grad_()
    term = MODELS.build(dict(type='DualTaskConsistency', weight=0.5))
    assert term.name == 'dual_task' and term.level_set.k == 1500
    out = term(make_batch(seg, sdf))
    # The SDF head's output is already through tanh.
    expected = ((torch.sigmoid(-1500 * sdf) -
                 torch.sigmoid(seg)) ** 2).mean()
    assert out['loss_dual_task'].item() == pytest.approx(
        0.5 * expected.item(), rel=1e-5)
    assert out['dual_task_weight'].item() == 0.5
    # The labeled case counts: changing it changes the value.
    seg2 = seg.detach().clone()
    seg2[0] += 3
    out2 = term(make_batch(seg2, sdf.detach()))
    assert out2['loss_dual_task'].item() != pytest.approx(
        out['loss_dual_task'].item())
    out['loss_dual_task'].backward()
    assert seg.grad[0].abs().sum() > 0 and sdf.grad[0].abs().sum() > 0


def test_dual_task_softmax_head_and_errors():
    seg = torch.randn(2, 3, 4, 4)
    sdf = torch.randn(2, 2, 4, 4) * 0.01
    term = DualTaskConsistency(level_set=dict(type='LevelSet', k=100))
    value = term(make_batch(seg, sdf, (0, ), (1, )))['loss_dual_task']
    probs = torch.softmax(seg, dim=1)[:, 1:]
    expected = ((torch.sigmoid(-100 * sdf) - probs) ** 2).mean()
    assert value.item() == pytest.approx(expected.item(), rel=1e-5)
    with pytest.raises(ValueError):
        term(make_batch(seg, sdf[:, :1], (0, ), (1, )))
    with pytest.raises(KeyError):
        DualTaskConsistency(sdf_head='tanh')(make_batch(seg, sdf, (0, ),
                                                        (1, )))
    # No unlabeled case: the base returns a zero loss.
    out = term(make_batch(seg, sdf, (0, 1), ()))
    assert out['loss_dual_task'].item() == 0


def test_sdf_regression_loss():
    pred = torch.randn(2, 1, 3, 3)
    target = torch.rand(2, 1, 3, 3) * 2 - 1
    loss = MODELS.build(dict(type='SDFRegressionLoss'))
    assert loss.loss_name == 'loss_sdf'
    expected = 0.3 * ((pred - target) ** 2).mean()
    assert loss(pred, target).item() == pytest.approx(expected.item())
    with pytest.raises(ValueError):
        SDFRegressionLoss()(pred, target[:, :, :2])
