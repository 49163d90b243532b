import math

import pytest
import torch
import torch.nn as nn

from mmssl.models.semi.semi_batch import SemiBatch
from mmssl.models.uncertainty import (TEACHER_MODULE_KEY, EntropyUncertainty,
                                      InputNoiseUncertainty,
                                      MCDropoutUncertainty, entropy_map)
from mmssl.registry import MODELS


def binary_entropy(p):
    return -(p * math.log(p + 1e-6) + (1 - p) * math.log(1 - p + 1e-6))


def two_class_logits(fg_probs):
    """(1, 2, *spatial) logits with softmax foreground ``fg_probs``."""
    fg = torch.tensor(fg_probs)
    return torch.stack([torch.zeros_like(fg), torch.log(fg / (1 - fg))])[None]


class RecordingTeacher:
    """A fake ``teacher_forward``: logits ``[0, x]`` per voxel (so the
    foreground probability is sigmoid(x)); records the batch sizes."""

    def __init__(self, module=None):
        self.batch_sizes = []
        self.dropout_modes = []
        self.module = module

    def __call__(self, x):
        self.batch_sizes.append(x.shape[0])
        if self.module is not None:
            self.dropout_modes.append(self.module.dropout.training)
        return dict(seg=torch.cat([torch.zeros_like(x), x], dim=1))


def make_batch(unlabeled_values, teacher_forward=None, cache=None, **kw):
    """One labeled case (index 0) and unlabeled cases of constant inputs, on
    a (1, 3) image."""
    values = [0.0] + list(unlabeled_values)
    inputs = torch.stack([torch.full((1, 1, 3), v) for v in values])
    n = len(values)
    return SemiBatch(
        inputs=inputs,
        data_samples=[None] * n,
        labeled=torch.tensor([0]),
        unlabeled=torch.arange(1, n),
        student_outputs=dict(seg=torch.zeros(n, 2, 1, 3)),
        teacher_forward=teacher_forward,
        cache={} if cache is None else cache,
        **kw)


def test_entropy_map_hand_computed():
    logits = two_class_logits([[0.5, 0.9, 0.99]])
    probs = torch.softmax(logits, dim=1)
    expected = [binary_entropy(p) for p in (0.5, 0.9, 0.99)]
    result = entropy_map(probs)
    assert result.shape == (1, 1, 1, 3)
    assert result.flatten().tolist() == pytest.approx(expected, abs=1e-6)
    assert expected[0] == pytest.approx(math.log(2), abs=1e-5)


def test_mc_dropout_pass_count_and_batch_duplication():
    teacher = RecordingTeacher()
    perturbed = []

    def perturb(x):
        perturbed.append(x.shape[0])
        return x

    batch = make_batch([0.0, 2.0], teacher_forward=teacher, perturb=perturb)
    estimator = MCDropoutUncertainty(passes=8, batch_repeat=2,
                                     force_dropout=False)
    uncertainty = estimator(batch)
    # T / batch_repeat = 4 passes over the doubled unlabeled batch (2 -> 4).
    assert teacher.batch_sizes == [4, 4, 4, 4]
    assert perturbed == [4, 4, 4, 4]
    assert uncertainty.shape == (2, 1, 1, 3)
    # Cases are not mixed by the tiling: case 1 has p = 0.5, case 2 has
    # p = sigmoid(2) everywhere.
    p2 = 1 / (1 + math.exp(-2))
    assert uncertainty[0].flatten().tolist() == pytest.approx(
        [binary_entropy(0.5)] * 3, abs=1e-6)
    assert uncertainty[1].flatten().tolist() == pytest.approx(
        [binary_entropy(p2)] * 3, abs=1e-6)


def test_mc_mean_over_stochastic_passes():
    # Passes alternate between p = sigmoid(+a) and sigmoid(-a): the mean is
    # 0.5 everywhere, so U = ln 2, though each pass alone is confident.
    calls = []

    def teacher_forward(x):
        sign = 1.0 if len(calls) % 2 == 0 else -1.0
        calls.append(x.shape[0])
        logit = torch.full_like(x, 4.0 * sign)
        return dict(seg=torch.cat([torch.zeros_like(x), logit], dim=1))

    batch = make_batch([1.0], teacher_forward=teacher_forward)
    uncertainty = MCDropoutUncertainty(
        passes=4, batch_repeat=1, force_dropout=False)(batch)
    assert len(calls) == 4
    assert uncertainty.flatten().tolist() == pytest.approx(
        [binary_entropy(0.5)] * 3, abs=1e-6)


def test_cache_shared_between_terms_and_keyed_by_config():
    teacher = RecordingTeacher()
    batch = make_batch([1.0], teacher_forward=teacher)
    first = MCDropoutUncertainty(force_dropout=False)
    second = MODELS.build(dict(type='MCDropoutUncertainty',
                               force_dropout=False))
    u1 = first(batch)
    u2 = second(batch)
    assert u1 is u2
    assert len(teacher.batch_sizes) == 4
    MCDropoutUncertainty(passes=4, force_dropout=False)(batch)
    assert len(teacher.batch_sizes) == 6  # another config recomputes


class DropoutTeacher(nn.Module):

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 1)
        self.dropout = nn.Dropout(0.5)


def test_force_dropout_through_teacher_module_and_restore():
    module = DropoutTeacher().eval()
    teacher = RecordingTeacher(module)
    batch = make_batch([1.0], teacher_forward=teacher,
                       cache={TEACHER_MODULE_KEY: module})
    MCDropoutUncertainty(passes=2)(batch)
    assert teacher.dropout_modes == [True]
    assert not module.dropout.training and not module.training


def test_input_noise_disables_dropout_and_restores():
    module = DropoutTeacher().train()
    teacher = RecordingTeacher(module)
    batch = make_batch([1.0], teacher_forward=teacher,
                       cache={TEACHER_MODULE_KEY: module})
    InputNoiseUncertainty(passes=3)(batch)
    assert teacher.dropout_modes == [False, False, False]
    assert module.dropout.training


def test_missing_teacher_module_is_a_clear_error():
    batch = make_batch([1.0], teacher_forward=RecordingTeacher())
    with pytest.raises(RuntimeError, match='teacher_module'):
        MCDropoutUncertainty()(batch)
    batch = make_batch([1.0], teacher_forward=None)
    with pytest.raises(RuntimeError, match='needs a teacher'):
        MCDropoutUncertainty(force_dropout=False)(batch)


def test_invalid_pass_counts():
    with pytest.raises(ValueError, match='divide'):
        MCDropoutUncertainty(passes=8, batch_repeat=3)
    with pytest.raises(ValueError):
        InputNoiseUncertainty(passes=0)


def test_entropy_uncertainty_of_teacher_outputs():
    softmax_batch = make_batch(
        [1.0], teacher_outputs=dict(seg=two_class_logits([[0.5, 0.9,
                                                           0.99]])))
    expected = [binary_entropy(p) for p in (0.5, 0.9, 0.99)]
    u = EntropyUncertainty()(softmax_batch)
    assert u.shape == (1, 1, 1, 3)
    assert u.flatten().tolist() == pytest.approx(expected, abs=1e-6)
    assert EntropyUncertainty()(softmax_batch) is u  # cached
    # A one-channel sigmoid head: two classes [1 - p, p].
    logits = torch.log(torch.tensor([0.5, 0.9, 0.99]) /
                       torch.tensor([0.5, 0.1, 0.01])).reshape(1, 1, 1, 3)
    sigmoid_batch = make_batch([1.0], teacher_outputs=dict(seg=logits))
    u = EntropyUncertainty()(sigmoid_batch)
    assert u.shape == (1, 1, 1, 3)
    assert u.flatten().tolist() == pytest.approx(expected, abs=1e-6)
