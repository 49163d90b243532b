"""MMEngine's runner with the fixes mmssl needs on current PyTorch and CPUs.

* Safe checkpoints: torch >= 2.6 loads with ``weights_only=True`` and refuses
  the ``HistoryBuffer`` and numpy objects MMEngine writes into checkpoints,
  which breaks resume. The runner writes them as plain tensors and dicts
  (``mmssl.engine.checkpoint``), so resume, ``load_from`` and pretrained
  weights all go through the safe loader.
* Distributed on CPU: MMEngine's start calls ``torch.cuda.set_device`` and
  gives DDP ``device_ids=[rank]``; both fail without a GPU. On CPU we start a
  gloo process group ourselves and wrap the model without device ids.
"""
import os
from datetime import timedelta

import torch
import torch.distributed as torch_dist
from mmengine.dist import is_distributed
from mmengine.model import is_model_wrapper, revert_sync_batchnorm
from mmengine.runner import Runner

from mmssl.registry import MODEL_WRAPPERS, RUNNERS
from .checkpoint import decode_after_safe_loading, encode_for_safe_loading


def init_cpu_process_group(timeout_s=1800):
    """Start a gloo process group from torchrun's environment variables."""
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo', timeout=timedelta(seconds=timeout_s))


@RUNNERS.register_module()
class MMSSLRunner(Runner):
    """The runner of every mmssl config (``runner_type='MMSSLRunner'``)."""

    def call_hook(self, fn_name, **kwargs):
        checkpoint = kwargs.get('checkpoint')
        if fn_name == 'after_load_checkpoint' and checkpoint is not None:
            _convert_non_weights(checkpoint, decode_after_safe_loading)
        super().call_hook(fn_name, **kwargs)
        if fn_name == 'before_save_checkpoint' and checkpoint is not None:
            _convert_non_weights(checkpoint, encode_for_safe_loading)

    def setup_env(self, env_cfg):
        if (self.distributed and not is_distributed()
                and not torch.cuda.is_available()):
            if self.launcher != 'pytorch':
                raise RuntimeError(
                    f'launcher={self.launcher!r} needs GPUs; on CPU use '
                    '`torchrun ... tools/train.py --launcher pytorch`.')
            dist_cfg = env_cfg.get('dist_cfg', {})
            init_cpu_process_group(dist_cfg.get('timeout', 1800))
        super().setup_env(env_cfg)

    def wrap_model(self, model_wrapper_cfg, model):
        if (not self.distributed or torch.cuda.is_available()
                or is_model_wrapper(model)):
            return super().wrap_model(model_wrapper_cfg, model)
        # CPU DDP: no device ids, and SyncBN cannot run on gloo/CPU.
        model = revert_sync_batchnorm(model)
        cfg = dict(model_wrapper_cfg or {})
        cfg.setdefault('type', 'MMDistributedDataParallel')
        cfg.setdefault('broadcast_buffers', False)
        cfg.setdefault('find_unused_parameters',
                       self.cfg.get('find_unused_parameters', False))
        cfg.pop('device_ids', None)
        return MODEL_WRAPPERS.build(
            cfg, default_args=dict(module=model, device_ids=None))

    def resume(self, filename, *args, **kwargs):
        if not os.path.isfile(filename):
            raise FileNotFoundError(
                f'Checkpoint to resume from not found: {filename}')
        super().resume(filename, *args, **kwargs)


def _convert_non_weights(checkpoint, convert):
    """Convert everything but model weights, in place (hooks share the dict).

    Weights are left as they are: they are tensors already, and their
    OrderedDicts carry ``_metadata`` that a rebuild would drop.
    """
    for key in list(checkpoint):
        if not key.endswith('state_dict'):
            checkpoint[key] = convert(checkpoint[key])
