"""SASSNet's adversarial shape term (Li et al., MICCAI 2020)."""
import torch
import torch.nn.functional as F

from mmssl.models.losses.unsupervised import UnsupervisedTerm
from mmssl.registry import MODELS


@MODELS.register_module()
class AdversarialShapeTerm(UnsupervisedTerm):
    """Generator side of SASSNet: ``CE(D(map_u, x_u), target)`` on the
    unlabeled cases, i.e. the student is rewarded when the discriminator
    takes its unlabeled SDF maps for labeled ones (``target=1``).

    ``D`` is ``batch.discriminator`` (set by ``AdversarialSemiSegmentor``,
    which also trains it); the student's ``map_head`` output (the tanh SDF
    head) and the unlabeled images are its inputs. SASSNet: weight 0.01
    (16 labels) or 0.015 (8 labels) on the consistency ramp.

    Args:
        map_head: Head whose output the discriminator judges.
        target: Class the student wants its unlabeled maps assigned to.
        **kwargs: ``weight``, ``schedule``, ``name`` (default
            ``'adversarial'``) of :class:`UnsupervisedTerm`.
    """

    def __init__(self, map_head: str = 'sdf', target: int = 1,
                 name: str = 'adversarial', **kwargs):
        super().__init__(name=name, **kwargs)
        if target not in (0, 1):
            raise ValueError(f'AdversarialShapeTerm: target must be 0 or 1, '
                             f'got {target!r}')
        self.map_head = map_head
        self.target = int(target)

    def compute(self, batch):
        if batch.discriminator is None:
            raise RuntimeError(
                'AdversarialShapeTerm needs a discriminator: use it in an '
                'AdversarialSemiSegmentor (model type) with a discriminator '
                'config')
        if self.map_head not in batch.student_outputs:
            raise KeyError(f'AdversarialShapeTerm: no output of head '
                           f'{self.map_head!r}; heads: '
                           f'{sorted(batch.student_outputs)}')
        maps = batch.student_unlabeled(self.map_head)
        logits = batch.discriminator(maps, batch.unlabeled_inputs).float()
        target = torch.full((logits.shape[0], ), self.target,
                            dtype=torch.long, device=logits.device)
        return F.cross_entropy(logits, target)

    def extra_repr(self) -> str:
        return super().extra_repr() + (f', map_head={self.map_head!r}, '
                                       f'target={self.target}')
