"""Shape-aware losses of DTC (dual-task consistency, Luo et al., AAAI 2021).

The network has a segmentation head and an SDF head
(:class:`~mmssl.models.heads.SDFHead`), whose ``tanh`` output is a signed
distance map in (-1, 1), negative inside. It is regressed on the labeled
cases (:class:`SDFRegressionLoss`) and turned into a soft mask by the
level-set transform ``sigmoid(-k * sdf)`` (:class:`LevelSet`) to be compared
with the segmentation probabilities on all cases
(:class:`DualTaskConsistency`).
"""
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmssl.models.losses.unsupervised import UnsupervisedTerm
from mmssl.models.losses.utils import logits_to_probs
from mmssl.registry import MODELS


def level_set(sdf: torch.Tensor, k: float = 1500.0) -> torch.Tensor:
    """DTC's smooth Heaviside of a signed distance map: ``sigmoid(-k * sdf)``
    (0.5 on the boundary, -> 1 inside where sdf < 0, -> 0 outside)."""
    return torch.sigmoid(-float(k) * sdf)


@MODELS.register_module()
class LevelSet(nn.Module):
    """The level-set transform as a component: ``sigmoid(-k * sdf)``.

    Args:
        k: Sharpness; DTC uses 1500 (a distance of 1/1500 of the normalised
            range already gives sigmoid(-1) = 0.27).
    """

    def __init__(self, k: float = 1500.0):
        super().__init__()
        if not k > 0:
            raise ValueError(f'LevelSet: k must be > 0, got {k!r}')
        self.k = float(k)

    def forward(self, sdf: torch.Tensor) -> torch.Tensor:
        return level_set(sdf.float(), self.k)

    def extra_repr(self) -> str:
        return f'k={self.k}'


def _fg_probs(seg_logits: torch.Tensor) -> torch.Tensor:
    """Foreground probabilities: sigmoid of a one-channel head, else the
    softmax channels 1..C-1 (one per foreground class, like ``gt_sdf``)."""
    probs = logits_to_probs(seg_logits.float())
    return probs if seg_logits.shape[1] == 1 else probs[:, 1:]


@MODELS.register_module()
class SDFRegressionLoss(nn.Module):
    """``loss_weight * mean((pred - target)^2)``.

    ``pred`` is the SDF head's output (N, K, *spatial), already through
    ``tanh``, of the labeled cases and ``target`` their ``gt_sdf`` stacked to
    the same shape (K = number of foreground classes). DTC and SASSNet use
    ``loss_weight=0.3``.
    """

    def __init__(self, loss_weight: float = 0.3,
                 loss_name: str = 'loss_sdf'):
        super().__init__()
        if 'loss' not in loss_name:
            raise ValueError(f'SDFRegressionLoss: loss_name {loss_name!r} '
                             'must contain "loss"')
        self.loss_weight = float(loss_weight)
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(self, pred: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        target = target.to(device=pred.device, dtype=torch.float32)
        if target.shape != pred.shape:
            raise ValueError(f'SDFRegressionLoss: prediction '
                             f'{tuple(pred.shape)} and target '
                             f'{tuple(target.shape)} differ in shape')
        return self.loss_weight * F.mse_loss(pred.float(), target)


@MODELS.register_module()
class DualTaskConsistency(UnsupervisedTerm):
    """DTC's dual-task consistency on ALL cases of the batch::

        mean((level_set(sdf) - p_seg)^2)

    over every case (labeled and unlabeled), channel and voxel, where
    ``sdf`` is the output of ``sdf_head`` (already through ``tanh``),
    ``level_set`` a :class:`LevelSet` (k = 1500 by default) and ``p_seg`` the
    foreground probability of the segmentation head (``head``, default the
    batch's seg head): sigmoid of a one-channel head as in DTC, else softmax
    channels 1..C-1, which must match the SDF head's channel count. Both
    branches get gradients (nothing is detached), as in DTC.

    Note: the base :meth:`UnsupervisedTerm.forward` returns a zero loss when
    the batch has no unlabeled case, so such a batch gets no consistency even
    on its labeled cases; DTC batches always hold unlabeled cases.

    Args:
        sdf_head: Name of the SDF head in ``batch.student_outputs``.
        level_set: The transform from SDF to soft mask: a config (default
            ``dict(type='LevelSet', k=1500)``) or a module.
        **kwargs: ``weight``, ``schedule``, ``name`` (default
            ``'dual_task'``), ``head`` of :class:`UnsupervisedTerm`.
    """

    def __init__(self,
                 sdf_head: str = 'sdf',
                 level_set: Union[dict, nn.Module, None] = None,
                 name: str = 'dual_task',
                 head: Optional[str] = None,
                 **kwargs):
        super().__init__(name=name, head=head, **kwargs)
        self.sdf_head = sdf_head
        if level_set is None:
            level_set = dict(type='LevelSet', k=1500.0)
        self.level_set = (MODELS.build(level_set)
                          if isinstance(level_set, dict) else level_set)

    def compute(self, batch):
        seg_head = self.head or batch.seg_head
        if self.sdf_head not in batch.student_outputs:
            raise KeyError(f'DualTaskConsistency: no output of the SDF head '
                           f'{self.sdf_head!r}; heads: '
                           f'{sorted(batch.student_outputs)}')
        probs = _fg_probs(batch.student_outputs[seg_head])
        sdf = batch.student_outputs[self.sdf_head].float()
        if sdf.shape != probs.shape:
            raise ValueError(
                f'DualTaskConsistency: SDF output {tuple(sdf.shape)} does not '
                f'match the foreground probabilities {tuple(probs.shape)} of '
                f'head {seg_head!r}')
        return (self.level_set(sdf) - probs).pow(2).mean()

    def extra_repr(self) -> str:
        return super().extra_repr() + f', sdf_head={self.sdf_head!r}'
