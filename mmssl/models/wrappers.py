"""Distributed wrappers for models whose training step has several stages."""
from typing import Dict, Union

import torch
from mmengine.model import MMDistributedDataParallel
from mmengine.optim import OptimWrapperDict

from mmssl.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class StagewiseDistributedDataParallel(MMDistributedDataParallel):
    """DDP for a model whose ``train_step`` runs one forward-backward stage
    per optimizer, e.g. SASSNet: the student, then the discriminator.

    MMEngine's DDP wrapper runs its own single-optimizer ``train_step`` and
    never calls the model's. This one calls
    ``module.train_step(data, optim_wrapper, forward=self)``: each stage
    runs its forward through this wrapper (``forward(..., mode=...)``), so
    DDP averages that stage's gradients over the ranks. A stage leaves the
    other stages' parameters without gradients, so unused parameters are
    always searched for (``find_unused_parameters=True``).

    Use it from a config, with the scope (MMEngine's GPU path looks the
    type up in its root registry)::

        model_wrapper_cfg = dict(
            type='mmssl.StagewiseDistributedDataParallel',
            broadcast_buffers=False)
    """

    def __init__(self, module, find_unused_parameters: bool = True,
                 **kwargs):
        if not find_unused_parameters:
            raise ValueError(
                f'{type(self).__name__} needs find_unused_parameters=True: '
                'each stage of the training step leaves the other stages\' '
                'parameters without gradients')
        super().__init__(module=module, find_unused_parameters=True,
                         **kwargs)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        return self.module.train_step(data, optim_wrapper, forward=self)
