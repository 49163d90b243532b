"""Unsupervised (consistency) terms of the semi-supervised methods.

A term is called with the step's
:class:`~mmssl.models.semi.semi_batch.SemiBatch` and returns a dict for
MMEngine's ``parse_losses``:

* ``loss_{name}``: ``weight * schedule(t, max_iters) * compute(batch)``,
  summed into the total loss;
* ``{name}_weight``: the current effective weight, a detached tensor whose
  key has no ``'loss'`` in it, so it is logged but not added to the total;
* ``{name}_{key}`` for any extra value a term logs (e.g. the mask ratio).

Activations follow the channel count (``logits_to_probs``): softmax over C > 1
channels, sigmoid for a single channel.
"""
from typing import Dict, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmssl.models.losses.utils import logits_to_probs
from mmssl.models.semi.schedules import build_schedule
from mmssl.models.uncertainty.estimators import max_entropy
from mmssl.registry import MODELS


def class_log_probs(logits: torch.Tensor) -> torch.Tensor:
    """Log class probabilities, with ``[log(1 - p), log p]`` for a
    single-channel sigmoid head (computed stably from the logits)."""
    logits = logits.float()
    if logits.shape[1] == 1:
        return torch.cat([F.logsigmoid(-logits), F.logsigmoid(logits)], dim=1)
    return F.log_softmax(logits, dim=1)


class UnsupervisedTerm(nn.Module):
    """Base of the unsupervised terms.

    Subclasses implement :meth:`compute`, the unweighted value. It returns a
    scalar tensor, or a ``(scalar, extras)`` tuple whose ``extras`` dict holds
    values to log under ``{name}_{key}`` (keys listed in ``extra_log_keys``,
    so that a batch without unlabeled cases logs the same keys, as zeros).

    Args:
        weight: Maximum weight of the term (UA-MT / Mean Teacher: 0.1).
        schedule: Config of a schedule from ``mmssl.models.semi.schedules``
            (a factor in [0, 1] of the iteration); None is constant 1.
        name: Names the logged keys; must not contain ``'loss'`` (else the
            weight would be summed into the total loss).
        head: Output head the term uses; None is the segmentation head.
    """

    extra_log_keys = ()

    def __init__(self,
                 weight: float = 1.0,
                 schedule: Union[None, dict, object] = None,
                 name: str = 'consistency',
                 head: Optional[str] = None):
        super().__init__()
        if not isinstance(name, str) or not name:
            raise ValueError(f'{type(self).__name__}: name must be a '
                             f'non-empty string, got {name!r}')
        if 'loss' in name:
            raise ValueError(
                f'{type(self).__name__}: name {name!r} must not contain '
                '"loss": the logged key f"{name}_weight" would then be '
                'summed into the total loss by MMEngine')
        self.weight = float(weight)
        self.schedule = build_schedule(schedule)
        self.name = name
        self.head = head

    def compute(self, batch):
        raise NotImplementedError

    def current_weight(self, batch) -> float:
        """``weight * schedule(iteration, max_iters)``."""
        return self.weight * float(
            self.schedule(batch.iteration, batch.max_iters))

    def forward(self, batch) -> Dict[str, torch.Tensor]:
        head = self.head or batch.seg_head
        if batch.unlabeled.numel() == 0:
            # Nothing to be consistent on; keep the graph and the keys.
            value = batch.student_outputs[head].sum() * 0.0
            extras = {key: 0.0 for key in self.extra_log_keys}
        else:
            result = self.compute(batch)
            value, extras = result if isinstance(result, tuple) else (
                result, {})
        if not isinstance(value, torch.Tensor) or value.dim() != 0:
            raise TypeError(f'{type(self).__name__}.compute must return a '
                            f'scalar tensor, got {type(value).__name__} '
                            f'{tuple(getattr(value, "shape", ()))}')
        weight = self.current_weight(batch)
        outputs = {
            f'loss_{self.name}': value * weight,
            f'{self.name}_weight': torch.tensor(
                weight, dtype=torch.float32, device=value.device),
        }
        for key, extra in extras.items():
            outputs[f'{self.name}_{key}'] = torch.as_tensor(
                extra, dtype=torch.float32, device=value.device).detach()
        return outputs

    def _student_and_teacher(self, batch):
        """Student and teacher logits on the unlabeled cases (float32)."""
        head = self.head or batch.seg_head
        student = batch.student_unlabeled(head).float()
        teacher = batch.teacher_unlabeled(head).detach().float()
        if student.shape != teacher.shape:
            raise ValueError(
                f'{type(self).__name__}: student output {tuple(student.shape)}'
                f' and teacher output {tuple(teacher.shape)} of head '
                f'{head!r} differ in shape')
        return student, teacher

    def extra_repr(self) -> str:
        return (f'name={self.name!r}, weight={self.weight}, '
                f'schedule={self.schedule!r}, head={self.head!r}')


@MODELS.register_module()
class SoftmaxMSEConsistency(UnsupervisedTerm):
    """Mean Teacher: ``mean((p_student - p_teacher)^2)`` over all elements
    (cases, channels, voxels) of the unlabeled cases; ``p`` is the softmax
    (sigmoid for one channel). The reference setting is ``weight=0.1``."""

    def compute(self, batch):
        student, teacher = self._student_and_teacher(batch)
        return (logits_to_probs(student) -
                logits_to_probs(teacher)).pow(2).mean()


@MODELS.register_module()
class KLConsistency(UnsupervisedTerm):
    """``KL(p_teacher || p_student)``, summed over classes and averaged over
    the voxels of the unlabeled cases (the mean KL per voxel; torch's
    ``kl_div(reduction='mean')`` would also divide by the class count). A
    single-channel sigmoid head is treated as two classes ``[1 - p, p]``.
    """

    def compute(self, batch):
        student, teacher = self._student_and_teacher(batch)
        per_class = F.kl_div(class_log_probs(student),
                             class_log_probs(teacher),
                             reduction='none', log_target=True)
        return per_class.sum(dim=1).mean()


@MODELS.register_module()
class UncertaintyMaskedConsistency(UnsupervisedTerm):
    """UA-MT's uncertainty-masked consistency.

    With ``d = (p_student - p_teacher)^2`` (teacher: its ordinary noisy pass
    ``batch.teacher_outputs``, not the MC mean), ``U`` the estimator's
    uncertainty and ``mask = U < threshold``::

        value = sum(mask * d) / (C * sum(mask) + 1e-16)
        threshold = (start + (end - start) * schedule(t, T)) * ln(K)

    where C is the channel count of the head (or ``channel_divisor``) and K
    the number of classes (K = C, or 2 for a one-channel sigmoid head). For
    UA-MT's two-channel softmax C = 2, the reference's constant denominator
    factor; for a one-channel sigmoid head C = 1 gives the same per-voxel
    average, since both softmax channels carry the same squared difference.
    SSL4MIS's 2-D script keeps the constant 2 with its four classes:
    ``channel_divisor=2`` reproduces it.

    Logs ``{name}_mask_ratio`` (fraction of unlabeled voxels kept) and
    ``{name}_threshold``.

    Args:
        estimator: Config of an uncertainty estimator
            (``mmssl.models.uncertainty``) or a built one.
        threshold_start: Threshold at the start, in units of ``ln(K)``.
        threshold_end: Threshold at the end of the ramp.
        threshold_schedule: Ramp from start to end; the default is UA-MT's
            ``sigmoid_rampup(iter, max_iters)``.
        channel_divisor: C in the denominator; None (default) uses the
            head's channel count.
        **kwargs: ``weight``, ``schedule``, ``name``, ``head`` of
            :class:`UnsupervisedTerm`.
    """

    extra_log_keys = ('mask_ratio', 'threshold')

    def __init__(self,
                 estimator: Union[dict, object] = dict(
                     type='MCDropoutUncertainty', passes=8),
                 threshold_start: float = 0.75,
                 threshold_end: float = 1.0,
                 threshold_schedule: Union[None, dict, object] = dict(
                     type='SigmoidRampUp', length=None),
                 channel_divisor: Optional[int] = None,
                 **kwargs):
        super().__init__(**kwargs)
        if channel_divisor is not None and (
                int(channel_divisor) != channel_divisor
                or channel_divisor < 1):
            raise ValueError('UncertaintyMaskedConsistency: channel_divisor '
                             'must be a positive integer or None, got '
                             f'{channel_divisor!r}')
        self.channel_divisor = (None if channel_divisor is None else
                                int(channel_divisor))
        if isinstance(estimator, dict):
            estimator = MODELS.build(dict(estimator))
        if not callable(estimator):
            raise TypeError('UncertaintyMaskedConsistency: estimator must be '
                            'a config dict or a callable (batch, head) -> U, '
                            f'got {type(estimator)}')
        self.estimator = estimator
        self.threshold_start = float(threshold_start)
        self.threshold_end = float(threshold_end)
        self.threshold_schedule = build_schedule(
            None if threshold_schedule is None else (
                dict(threshold_schedule)
                if isinstance(threshold_schedule, dict)
                else threshold_schedule))

    def current_threshold(self, batch, num_channels: int) -> float:
        ramp = float(
            self.threshold_schedule(batch.iteration, batch.max_iters))
        fraction = self.threshold_start + (
            self.threshold_end - self.threshold_start) * ramp
        return fraction * max_entropy(num_channels)

    def compute(self, batch):
        student, teacher = self._student_and_teacher(batch)
        squared_diff = (logits_to_probs(student) -
                        logits_to_probs(teacher)).pow(2)
        uncertainty = self.estimator(batch, self.head or batch.seg_head)
        expected = (student.shape[0], 1) + tuple(student.shape[2:])
        if tuple(uncertainty.shape) != expected:
            raise ValueError(
                f'UncertaintyMaskedConsistency: the estimator returned shape '
                f'{tuple(uncertainty.shape)}, expected {expected}')
        num_channels = student.shape[1]
        threshold = self.current_threshold(batch, num_channels)
        mask = (uncertainty < threshold).to(squared_diff.dtype)
        divisor = self.channel_divisor or num_channels
        value = (mask * squared_diff).sum() / (divisor * mask.sum() + 1e-16)
        extras = dict(mask_ratio=mask.mean().detach(), threshold=threshold)
        return value, extras

    def extra_repr(self) -> str:
        return (super().extra_repr() +
                f', estimator={type(self.estimator).__name__}, threshold='
                f'[{self.threshold_start}, {self.threshold_end}] x ln K, '
                f'threshold_schedule={self.threshold_schedule!r}')
