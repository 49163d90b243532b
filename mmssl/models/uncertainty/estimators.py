"""Estimators of the teacher's voxel-wise uncertainty on the unlabeled cases.

Each estimator is called as ``estimator(batch, head) -> U`` with ``batch`` a
:class:`~mmssl.models.semi.semi_batch.SemiBatch`, and returns the predictive
entropy ``U`` of shape ``(n_unlabeled, 1, *spatial)`` (natural log, so at
most ``ln(num_classes)``). The result is cached in ``batch.cache``: two terms
that use the same estimator on the same head share one computation.

How forced dropout reaches the teacher
--------------------------------------
``batch.teacher_forward`` is a closure, so the estimators cannot see the
teacher module through it. An estimator that has to switch dropout on (MC
dropout) or off (input noise only) looks the teacher up in
``batch.cache['teacher_module']`` (:data:`TEACHER_MODULE_KEY`); the
semi-supervised wrapper puts its teacher there when it builds the batch.
During the passes every dropout module of the teacher (all subclasses of
``nn.modules.dropout._DropoutNd``: ``Dropout``, ``Dropout1d/2d/3d``,
``AlphaDropout``, ...) is set to the wanted mode, and each is restored to its
own previous mode afterwards, even on error. Only dropout modules change:
normalisation layers keep the teacher's configured mode. ``teacher_forward``
must therefore not reset the teacher's mode itself (set it once per step).

If the teacher module is missing but a mode has to be forced, the estimator
raises instead of silently running a deterministic teacher. With
``force_dropout=False`` nothing is needed: the passes then use the teacher in
whatever mode the wrapper runs it (in UA-MT's released code the teacher is in
train mode throughout, so dropout is on anyway).
"""
import math
from contextlib import contextmanager
from typing import Optional

import torch
import torch.nn as nn
from mmengine.logging import print_log

from mmssl.models.losses.utils import logits_to_probs
from mmssl.registry import MODELS

#: Key of ``SemiBatch.cache`` under which the wrapper stores its teacher.
TEACHER_MODULE_KEY = 'teacher_module'

_ENTROPY_EPS = 1e-6  # inside the log, as in the UA-MT code


def class_probabilities(logits: torch.Tensor) -> torch.Tensor:
    """Class probabilities with at least two channels.

    Softmax for C > 1 channels; a single-channel (sigmoid) head gives the
    two-class probabilities ``[1 - p, p]``.
    """
    probs = logits_to_probs(logits.float())
    if probs.shape[1] == 1:
        probs = torch.cat([1.0 - probs, probs], dim=1)
    return probs


def entropy_map(probs: torch.Tensor, eps: float = _ENTROPY_EPS):
    """``-sum_c p log(p + eps)`` over the channel axis, keeping it."""
    return -(probs * torch.log(probs + eps)).sum(dim=1, keepdim=True)


def max_entropy(num_channels: int) -> float:
    """``ln(num_classes)``; a one-channel sigmoid head has two classes."""
    return math.log(max(num_channels, 2))


@contextmanager
def dropout_mode(module: nn.Module, enabled: bool):
    """Set every dropout module of ``module`` to ``enabled`` and restore each
    one's previous mode on exit. Yields the number of dropout modules."""
    dropouts = [m for m in module.modules()
                if isinstance(m, nn.modules.dropout._DropoutNd)]
    previous = [m.training for m in dropouts]
    try:
        for m in dropouts:
            m.train(enabled)
        yield len(dropouts)
    finally:
        for m, mode in zip(dropouts, previous):
            m.train(mode)


def _teacher_module(batch, estimator_name: str) -> nn.Module:
    teacher = batch.cache.get(TEACHER_MODULE_KEY)
    if not isinstance(teacher, nn.Module):
        raise RuntimeError(
            f'{estimator_name} has to switch the teacher\'s dropout modules, '
            f'but batch.cache[{TEACHER_MODULE_KEY!r}] holds no nn.Module '
            f'(got {type(teacher).__name__}). The semi-supervised wrapper '
            'must put its teacher there, or configure the estimator to leave '
            'dropout as the teacher\'s mode has it (force_dropout=False / '
            'disable_dropout=False).')
    return teacher


def _empty_uncertainty(batch, head: str) -> torch.Tensor:
    """(0, 1, *spatial) for a batch without unlabeled cases."""
    reference = batch.student_outputs[head]
    return reference.new_zeros((0, 1) + tuple(reference.shape[2:]))


class _SampledUncertainty:
    """Entropy of the mean class probabilities over T stochastic passes.

    The unlabeled batch is tiled ``batch_repeat`` times along the batch axis
    and ``passes // batch_repeat`` teacher passes are run over the tiled
    batch, each on a fresh ``batch.perturb`` of it. This is UA-MT's trick of
    running T = 8 samples as 4 passes over a doubled batch.

    Args:
        passes: Number of stochastic samples T.
        batch_repeat: Copies of the unlabeled batch per forward pass; must
            divide ``passes``.
        dropout: True forces the teacher's dropout on during the passes,
            False forces it off, None leaves the teacher's mode.
    """

    def __init__(self, passes: int, batch_repeat: int,
                 dropout: Optional[bool]):
        name = type(self).__name__
        if int(passes) != passes or passes < 1:
            raise ValueError(f'{name}: passes must be a positive integer, '
                             f'got {passes}')
        if int(batch_repeat) != batch_repeat or batch_repeat < 1:
            raise ValueError(f'{name}: batch_repeat must be a positive '
                             f'integer, got {batch_repeat}')
        if passes % batch_repeat:
            raise ValueError(f'{name}: batch_repeat ({batch_repeat}) must '
                             f'divide passes ({passes})')
        self.passes = int(passes)
        self.batch_repeat = int(batch_repeat)
        self.dropout = dropout
        self._warned_no_dropout = False

    def cache_key(self, head: str) -> tuple:
        return ('uncertainty', type(self).__name__, head, self.passes,
                self.batch_repeat, self.dropout)

    def __call__(self, batch, head: Optional[str] = None) -> torch.Tensor:
        head = head or batch.seg_head
        key = self.cache_key(head)
        if key not in batch.cache:
            batch.cache[key] = self._estimate(batch, head)
        return batch.cache[key]

    def _estimate(self, batch, head: str) -> torch.Tensor:
        if batch.teacher_forward is None:
            raise RuntimeError(f'{type(self).__name__} needs a teacher, but '
                               'the method has none (set teacher=... in the '
                               'model)')
        if batch.unlabeled.numel() == 0:
            return _empty_uncertainty(batch, head)
        if self.dropout is None:
            return self._mean_entropy(batch, head)
        teacher = _teacher_module(batch, type(self).__name__)
        with dropout_mode(teacher, self.dropout) as num_dropouts:
            if num_dropouts == 0 and self.dropout and \
                    not self._warned_no_dropout:
                print_log(
                    f'{type(self).__name__}: the teacher has no dropout '
                    'module, so the passes differ only by input noise',
                    logger='current', level='WARNING')
                self._warned_no_dropout = True
            return self._mean_entropy(batch, head)

    @torch.no_grad()
    def _mean_entropy(self, batch, head: str) -> torch.Tensor:
        inputs = batch.unlabeled_inputs
        num_unlabeled = inputs.shape[0]
        tiled = inputs.repeat(self.batch_repeat,
                              *([1] * (inputs.dim() - 1)))
        probs = []
        for _ in range(self.passes // self.batch_repeat):
            logits = batch.teacher_forward(batch.perturb(tiled))[head]
            probs.append(class_probabilities(logits.detach()))
        # Pass p, copy r of case i sits at row (p * repeat + r) * n + i.
        probs = torch.cat(probs, dim=0)
        probs = probs.reshape((self.passes, num_unlabeled) +
                              tuple(probs.shape[1:]))
        return entropy_map(probs.mean(dim=0))


@MODELS.register_module()
class MCDropoutUncertainty(_SampledUncertainty):
    """UA-MT's Monte Carlo dropout uncertainty.

    T = ``passes`` stochastic teacher passes, each on freshly noised inputs
    (``batch.perturb``) with dropout on; softmax; mean over T; entropy.

    Args:
        passes: T, 8 in UA-MT.
        batch_repeat: Copies of the unlabeled batch per pass, 2 in UA-MT
            (so 4 forward passes over a doubled batch).
        force_dropout: Switch the teacher's dropout modules on during the
            passes (needs ``batch.cache['teacher_module']``, see the module
            docstring). False relies on the teacher's own mode.
    """

    def __init__(self,
                 passes: int = 8,
                 batch_repeat: int = 2,
                 force_dropout: bool = True):
        super().__init__(passes, batch_repeat,
                         dropout=True if force_dropout else None)


@MODELS.register_module()
class InputNoiseUncertainty(_SampledUncertainty):
    """Uncertainty from input noise alone: T passes on fresh
    ``batch.perturb`` noise (configure a perturbation, else all passes are
    equal and U is the plain entropy).

    Args:
        passes: Number of samples T.
        batch_repeat: Copies of the unlabeled batch per pass.
        disable_dropout: Switch the teacher's dropout off during the passes
            (needs ``batch.cache['teacher_module']``), so that only the
            input noise varies even when the teacher runs in train mode.
            False leaves the teacher's mode.
    """

    def __init__(self,
                 passes: int = 8,
                 batch_repeat: int = 1,
                 disable_dropout: bool = True):
        super().__init__(passes, batch_repeat,
                         dropout=False if disable_dropout else None)


@MODELS.register_module()
class EntropyUncertainty:
    """Entropy of the teacher's ordinary prediction,
    ``batch.teacher_outputs`` (one pass, no extra forward)."""

    def cache_key(self, head: str) -> tuple:
        return ('uncertainty', type(self).__name__, head)

    def __call__(self, batch, head: Optional[str] = None) -> torch.Tensor:
        head = head or batch.seg_head
        key = self.cache_key(head)
        if key not in batch.cache:
            if batch.unlabeled.numel() == 0:
                batch.cache[key] = _empty_uncertainty(batch, head)
            else:
                logits = batch.teacher_unlabeled(head).detach()
                batch.cache[key] = entropy_map(class_probabilities(logits))
        return batch.cache[key]
