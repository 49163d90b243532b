"""Semi-supervised segmentor with a discriminator trained alongside (SASSNet).
"""
from typing import Callable, Dict, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapperDict

from mmssl.registry import MODELS
from .semi_segmentor import SemiSegmentor


@MODELS.register_module()
class AdversarialSemiSegmentor(SemiSegmentor):
    """:class:`SemiSegmentor` plus a discriminator with its own optimizer.

    One training iteration is two updates, as in SASSNet's script:

    1. **Student**: the usual supervised + unsupervised losses, with the
       discriminator in eval mode and frozen, handed to the terms as
       ``batch.discriminator`` (e.g. ``AdversarialShapeTerm``); stepped by
       ``optim_wrapper['student']``.
    2. **Discriminator**: the updated student, in eval mode and without
       gradients, gives its ``discriminator_input`` head output on the whole
       batch; the discriminator, in train mode, is trained with
       cross-entropy to tell labeled cases (class 1) from unlabeled ones
       (class 0); stepped by ``optim_wrapper['discriminator']``. Logged as
       ``loss_discriminator`` (not part of the student's ``loss``) and
       ``discriminator_acc``.

    The config's ``optim_wrapper`` therefore names two wrappers (see
    ``SubmoduleOptimWrapperConstructor``); their states are saved in and
    resumed from checkpoints by MMEngine. Each update's forward is a mode of
    ``forward`` ('loss', then 'discriminator_loss'), so that under
    ``StagewiseDistributedDataParallel`` both pass through DDP and both
    updates average their gradients over the ranks.

    Args:
        discriminator: Config of the discriminator, called as
            ``D(map, image)`` and returning (N, 2) logits.
        discriminator_input: Student head whose output D judges.
        **kwargs: Arguments of :class:`SemiSegmentor`.
    """

    own_submodules = SemiSegmentor.own_submodules + ('discriminator', )
    optimizer_names = ('student', 'discriminator')

    def __init__(self,
                 discriminator: dict,
                 discriminator_input: str = 'sdf',
                 **kwargs):
        super().__init__(**kwargs)
        self.discriminator = MODELS.build(discriminator)
        if discriminator_input not in self.student.heads:
            raise KeyError(f'discriminator_input {discriminator_input!r} is '
                           f'not a head of the student: '
                           f'{list(self.student.heads)}')
        self.discriminator_input = discriminator_input

    def make_semi_batch(self, *args, **kwargs):
        batch = super().make_semi_batch(*args, **kwargs)
        batch.discriminator = self.discriminator
        return batch

    def forward(self,
                inputs: torch.Tensor,
                data_samples=None,
                mode: str = 'tensor'):
        if mode == 'discriminator_loss':
            return self.discriminator_step_losses(inputs, data_samples)
        return super().forward(inputs, data_samples, mode)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapperDict,
                   forward: Optional[Callable] = None
                   ) -> Dict[str, torch.Tensor]:
        """Both updates of one iteration.

        Args:
            data: The batch from the dataloader.
            optim_wrapper: One wrapper per name in ``optimizer_names``.
            forward: What each update's forward pass is called through: the
                model itself (default) or, in distributed training, the DDP
                wrapper (``StagewiseDistributedDataParallel`` passes itself).
        """
        missing = [name for name in self.optimizer_names
                   if name not in getattr(optim_wrapper, 'optim_wrappers',
                                          {})]
        if not isinstance(optim_wrapper, OptimWrapperDict) or missing:
            raise TypeError(
                f'{type(self).__name__} trains two modules and needs an '
                f'optim_wrapper with one wrapper each for '
                f'{self.optimizer_names} (constructor='
                f'"SubmoduleOptimWrapperConstructor"); missing: {missing}')
        forward = self if forward is None else forward
        student_wrapper = optim_wrapper['student']
        disc_wrapper = optim_wrapper['discriminator']

        # 1. Student update; D judges but is neither trained nor in train
        # mode (SASSNet: D.eval()).
        self.discriminator.eval()
        self.discriminator.requires_grad_(False)
        try:
            with student_wrapper.optim_context(forward):
                data = self.data_preprocessor(data, True)
                losses = forward(**data, mode='loss')
            parsed, log_vars = self.parse_losses(losses)
            student_wrapper.update_params(parsed)
        finally:
            self.discriminator.requires_grad_(True)

        # 2. Discriminator update on the updated student's outputs.
        with disc_wrapper.optim_context(forward):
            disc_losses = forward(data['inputs'], data['data_samples'],
                                  mode='discriminator_loss')
        disc_loss, disc_log_vars = self.parse_losses(disc_losses)
        disc_wrapper.update_params(disc_loss)
        disc_log_vars.pop('loss')
        log_vars.update(disc_log_vars)
        return log_vars

    def discriminator_step_losses(self, inputs: torch.Tensor,
                                  data_samples) -> Dict[str, torch.Tensor]:
        """The discriminator's losses on the student's current outputs: the
        student in eval mode and without gradients, D in train mode."""
        self.student.eval()
        try:
            with torch.no_grad():
                maps = self.student.head_outputs(inputs)[
                    self.discriminator_input]
        finally:
            self.train(True)
        self.discriminator.train()
        return self.discriminator_loss(maps, inputs, data_samples)

    def discriminator_loss(self, maps: torch.Tensor, inputs: torch.Tensor,
                           data_samples) -> Dict[str, torch.Tensor]:
        """CE of D on every case: labeled -> 1, unlabeled -> 0."""
        target = torch.tensor([int(s.is_labeled) for s in data_samples],
                              dtype=torch.long, device=inputs.device)
        logits = self.discriminator(maps.detach(), inputs).float()
        accuracy = (logits.argmax(dim=1) == target).float().mean()
        return dict(loss_discriminator=F.cross_entropy(logits, target),
                    discriminator_acc=accuracy.detach())
