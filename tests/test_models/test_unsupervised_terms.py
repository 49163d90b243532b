import math

import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel

from mmssl.models.losses.unsupervised import (KLConsistency,
                                              SoftmaxMSEConsistency,
                                              UncertaintyMaskedConsistency)
from mmssl.models.semi.semi_batch import SemiBatch
from mmssl.models.uncertainty import TEACHER_MODULE_KEY
from mmssl.registry import MODELS

LN2 = math.log(2)


def logits_from_fg(fg_probs):
    """(N, 2, *spatial) softmax logits with foreground ``fg_probs``."""
    fg = torch.tensor(fg_probs, dtype=torch.float64)
    return torch.stack([torch.zeros_like(fg), torch.log(fg / (1 - fg))],
                       dim=1).float()


def make_batch(student_fg, teacher_fg, iteration=0, max_iters=6000, **kw):
    """Case 0 labeled (its student output is junk that must not count), the
    other cases unlabeled; probabilities given per case and voxel."""
    student = logits_from_fg(student_fg).requires_grad_()
    teacher = logits_from_fg(teacher_fg)
    n = student.shape[0]
    return SemiBatch(
        inputs=torch.zeros((n, 1) + tuple(student.shape[2:])),
        data_samples=[None] * n,
        labeled=torch.tensor([0]),
        unlabeled=torch.arange(1, n),
        student_outputs=dict(seg=student),
        iteration=iteration,
        max_iters=max_iters,
        teacher_outputs=dict(seg=teacher),
        **kw)


class _Parser(BaseModel):

    def forward(self, *args, **kwargs):
        pass


def test_mean_teacher_mse_hand_computed():
    # Unlabeled fg probs: student .8 .3, teacher .6 .3; both channels differ
    # by the same amount: squares .04 .04 0 0 over 4 elements -> 0.02.
    batch = make_batch([[0.01, 0.99], [0.8, 0.3]], [[0.6, 0.3]])
    term = SoftmaxMSEConsistency()
    assert term.compute(batch).item() == pytest.approx(0.02, abs=1e-6)


def test_loss_and_weight_keys_with_uamt_ramp():
    batch = make_batch([[0.01, 0.99], [0.8, 0.3]], [[0.6, 0.3]],
                       iteration=150 * 20)
    term = MODELS.build(
        dict(type='SoftmaxMSEConsistency', weight=0.1, name='consistency',
             schedule=dict(type='SigmoidRampUp', length=40, step_size=150)))
    outputs = term(batch)
    weight = 0.1 * math.exp(-5 * 0.25)
    assert set(outputs) == {'loss_consistency', 'consistency_weight'}
    assert outputs['loss_consistency'].item() == pytest.approx(
        weight * 0.02, rel=1e-5)
    assert outputs['consistency_weight'].item() == pytest.approx(weight)
    assert not outputs['consistency_weight'].requires_grad
    assert outputs['consistency_weight'].dtype == torch.float32
    # MMEngine sums only keys containing 'loss'.
    total, log_vars = _Parser().parse_losses(outputs)
    assert total.item() == pytest.approx(weight * 0.02, rel=1e-5)
    assert 'consistency_weight' in log_vars
    # Gradients reach the unlabeled student output only.
    total.backward()
    grad = batch.student_outputs['seg'].grad
    assert grad[0].abs().sum() == 0 and grad[1].abs().sum() > 0


def test_name_with_loss_is_rejected():
    with pytest.raises(ValueError, match='loss'):
        SoftmaxMSEConsistency(name='consistency_loss')


def test_kl_consistency():
    identical = make_batch([[0.5, 0.5], [0.7, 0.2]], [[0.7, 0.2]])
    assert KLConsistency().compute(identical).item() == pytest.approx(
        0.0, abs=1e-6)
    batch = make_batch([[0.5, 0.5], [0.8, 0.2]], [[0.6, 0.2]])
    # Per voxel KL(teacher || student), averaged over the 2 voxels.
    kl_first = 0.6 * math.log(0.6 / 0.8) + 0.4 * math.log(0.4 / 0.2)
    expected = (kl_first + 0.0) / 2
    value = KLConsistency().compute(batch)
    assert value.item() == pytest.approx(expected, abs=1e-6)
    # A one-channel sigmoid head gives the same two-class KL.
    sig_student = batch.student_outputs['seg'][:, 1:] - \
        batch.student_outputs['seg'][:, :1]
    sig_teacher = batch.teacher_outputs['seg'][:, 1:] - \
        batch.teacher_outputs['seg'][:, :1]
    batch.student_outputs = dict(seg=sig_student)
    batch.teacher_outputs = dict(seg=sig_teacher)
    assert KLConsistency().compute(batch).item() == pytest.approx(
        expected, abs=1e-6)


def fixed_uncertainty(values):
    u = torch.tensor(values).reshape(1, 1, -1)
    return lambda batch, head: u


UAMT_BATCH = dict(student_fg=[[0.5] * 4, [0.9, 0.8, 0.4, 0.6]],
                  teacher_fg=[[0.6, 0.5, 0.1, 0.6]])
# Squared difference per channel (both channels alike): .09 .09 .09 0.
SQUARED = [0.09, 0.09, 0.09, 0.0]


def test_uamt_masked_consistency_hand_computed_at_start():
    # t = 0: threshold (0.75 + 0.25 exp(-5)) ln 2 = 0.5210 -> mask 1 0 1 0.
    threshold = (0.75 + 0.25 * math.exp(-5)) * LN2
    assert threshold == pytest.approx(0.52103, abs=1e-5)
    term = UncertaintyMaskedConsistency(
        estimator=fixed_uncertainty([0.1, 0.6, 0.3, 0.69]))
    batch = make_batch(**UAMT_BATCH, iteration=0, max_iters=6000)
    outputs = term(batch)
    # Sum over both channels of the kept voxels / (2 * sum(mask) + 1e-16).
    expected = 2 * (0.09 + 0.09) / (2 * 2 + 1e-16)
    assert outputs['loss_consistency'].item() == pytest.approx(expected,
                                                               abs=1e-6)
    assert outputs['consistency_mask_ratio'].item() == 0.5
    assert outputs['consistency_threshold'].item() == pytest.approx(
        threshold, abs=1e-6)
    assert outputs['consistency_weight'].item() == 1.0
    total, _ = _Parser().parse_losses(outputs)
    assert total.item() == pytest.approx(expected, abs=1e-6)


def test_uamt_threshold_reaches_ln2_at_the_end():
    term = UncertaintyMaskedConsistency(
        estimator=fixed_uncertainty([0.1, 0.6, 0.3, 0.69]))
    batch = make_batch(**UAMT_BATCH, iteration=6000, max_iters=6000)
    outputs = term(batch)
    expected = 2 * sum(SQUARED) / (2 * 4 + 1e-16)
    assert outputs['loss_consistency'].item() == pytest.approx(expected,
                                                               abs=1e-6)
    assert outputs['consistency_mask_ratio'].item() == 1.0


def test_uamt_channel_divisor_keeps_ssl4mis_constant_two():
    # Four classes: SSL4MIS sums the squared differences of all four and
    # divides by 2 * sum(mask), not 4 * sum(mask).
    unlabeled = torch.tensor([[[2.0, 0.0], [0.0, 1.0], [0.0, 0.0],
                               [0.0, 0.0]]])
    junk = torch.full_like(unlabeled, 5.0)  # the labeled case
    teacher = torch.zeros_like(unlabeled)
    batch = make_batch(student_fg=[[0.5] * 2] * 2, teacher_fg=[[0.5] * 2])
    batch.student_outputs = dict(seg=torch.cat([junk, unlabeled]))
    batch.teacher_outputs = dict(seg=teacher)
    estimator = fixed_uncertainty([0.1, 0.1])
    squared = (unlabeled.softmax(1) - teacher.softmax(1)).pow(2).sum()
    ssl4mis = UncertaintyMaskedConsistency(estimator=estimator,
                                           channel_divisor=2)
    default = UncertaintyMaskedConsistency(estimator=estimator)
    value, _ = ssl4mis.compute(batch)
    assert value.item() == pytest.approx(squared.item() / (2 * 2), abs=1e-6)
    value, _ = default.compute(batch)
    assert value.item() == pytest.approx(squared.item() / (4 * 2), abs=1e-6)
    with pytest.raises(ValueError, match='channel_divisor'):
        UncertaintyMaskedConsistency(estimator=estimator, channel_divisor=0)


def test_uamt_everything_masked_gives_zero_not_nan():
    term = UncertaintyMaskedConsistency(
        estimator=fixed_uncertainty([0.7] * 4))
    value, extras = term.compute(make_batch(**UAMT_BATCH))
    assert value.item() == 0.0 and extras['mask_ratio'].item() == 0.0


def test_uamt_default_mc_estimator_end_to_end():
    # Teacher passes always predict fg 0.5 on voxel 0 (U = ln 2, masked)
    # and 0.99 elsewhere (kept).
    calls = []

    def teacher_forward(x):
        calls.append(x.shape[0])
        fg = torch.tensor([0.5, 0.99, 0.99, 0.99]).reshape(1, 1, 4)
        logit = torch.log(fg / (1 - fg)).expand_as(x)
        return dict(seg=torch.cat([torch.zeros_like(x), logit], dim=1))

    module = nn.Sequential(nn.Dropout(0.1)).eval()
    batch = make_batch(**UAMT_BATCH, teacher_forward=teacher_forward,
                       cache={TEACHER_MODULE_KEY: module})
    term = MODELS.build(
        dict(type='UncertaintyMaskedConsistency', weight=0.1,
             schedule=dict(type='SigmoidRampUp', length=40, step_size=150)))
    outputs = term(batch)
    assert calls == [2, 2, 2, 2]
    expected = 2 * sum(SQUARED[1:]) / (2 * 3 + 1e-16)
    assert outputs['loss_consistency'].item() == pytest.approx(
        0.1 * math.exp(-5) * expected, rel=1e-5)
    assert outputs['consistency_mask_ratio'].item() == 0.75


def test_no_unlabeled_cases_gives_zero_and_same_keys():
    batch = make_batch([[0.5, 0.5]], [[0.5, 0.5]])
    batch.unlabeled = torch.tensor([], dtype=torch.long)
    outputs = UncertaintyMaskedConsistency(
        estimator=fixed_uncertainty([0.0, 0.0]))(batch)
    assert outputs['loss_consistency'].item() == 0.0
    assert set(outputs) == {'loss_consistency', 'consistency_weight',
                            'consistency_mask_ratio', 'consistency_threshold'}
