"""Mixed precision on any device.

MMEngine's ``AmpOptimWrapper`` refuses to start without a GPU. This wrapper
runs the forward pass under ``torch.autocast`` on whatever device the model is
on (bf16 by default, which needs no loss scaling) so ``--amp`` works on CPU.
"""
from contextlib import contextmanager

import torch
from mmengine.device import get_device
from mmengine.optim import OptimWrapper

from mmssl.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """Optimizer wrapper whose forward runs under ``torch.autocast``."""

    def __init__(self, dtype='bfloat16', **kwargs):
        super().__init__(**kwargs)
        self.cast_dtype = getattr(torch, dtype) if isinstance(dtype,
                                                              str) else dtype
        if self.cast_dtype not in (torch.bfloat16, torch.float16):
            raise ValueError(f'AutocastOptimWrapper: dtype must be bfloat16 '
                             f'or float16, got {dtype}')

    @contextmanager
    def optim_context(self, model):
        device_type = get_device().split(':')[0]
        with super().optim_context(model), torch.autocast(
                device_type=device_type, dtype=self.cast_dtype):
            yield
