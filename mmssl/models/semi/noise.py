"""Input perturbations for the teacher."""
from typing import Optional

import torch
import torch.nn as nn

from mmssl.registry import MODELS


@MODELS.register_module()
class ClampedGaussianNoise(nn.Module):
    """``x + clamp(std * N(0, 1), -clip, clip)``, fresh noise on every call.

    The defaults (0.1, 0.2) are the teacher input noise of the Mean Teacher
    and UA-MT released code. ``std=0`` is the identity; ``clip=None`` leaves
    the noise unclamped. It has no parameters, so it adds nothing to
    checkpoints, and it is applied in train and eval mode alike: the caller
    decides when to perturb.
    """

    def __init__(self, std: float = 0.1, clip: Optional[float] = 0.2):
        super().__init__()
        if std < 0:
            raise ValueError(f'ClampedGaussianNoise: std must be >= 0, got '
                             f'{std}')
        if clip is not None and clip <= 0:
            raise ValueError(f'ClampedGaussianNoise: clip must be > 0 or '
                             f'None, got {clip}')
        self.std = float(std)
        self.clip = None if clip is None else float(clip)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.std == 0:
            return inputs
        noise = torch.randn_like(inputs) * self.std
        if self.clip is not None:
            noise = noise.clamp(-self.clip, self.clip)
        return inputs + noise

    def extra_repr(self) -> str:
        return f'std={self.std}, clip={self.clip}'
