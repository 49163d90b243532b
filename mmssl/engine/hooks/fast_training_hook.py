"""Channels-last memory format and ``torch.compile`` for training.

Both act in ``before_train``, after the weights are initialized or loaded,
so they compose with ``--resume`` and ``load_from``, and with mixed
precision (``--amp``).
"""
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmssl.models.utils.fast_inference import (convert_to_channels_last,
                                               to_channels_last)
from mmssl.registry import HOOKS


def _unwrap(model):
    return model.module if is_model_wrapper(model) else model


def _channels_last_inputs(module, args, output):
    """Forward hook of a data preprocessor: its ``inputs`` in channels-last
    layout (what the model's forward receives)."""
    if isinstance(output, dict) and hasattr(output.get('inputs'), 'dim'):
        output = dict(output, inputs=to_channels_last(output['inputs']))
    return output


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Train in channels-last memory format (``channels_last_3d`` for 5-D,
    ``channels_last`` for 4-D tensors).

    Converts every 4-D/5-D parameter and buffer of the model (student,
    teacher, discriminator alike) in place, and the batches the data
    preprocessor hands to the model. Values are unchanged; convolutions pick
    their channels-last kernels. Under DDP the model is already wrapped when
    hooks run, so gradients are copied into DDP's buckets instead of viewed
    (PyTorch warns once; the result is the same).
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = _unwrap(runner.model)
        convert_to_channels_last(model)
        preprocessor = getattr(model, 'data_preprocessor', None)
        if preprocessor is not None and not getattr(
                preprocessor, '_mmssl_channels_last', False):
            preprocessor.register_forward_hook(_channels_last_inputs)
            preprocessor._mmssl_channels_last = True


@HOOKS.register_module()
class CompileHook(Hook):
    """``torch.compile`` the named submodules, wherever they occur.

    MMEngine's own ``compile`` config key compiles the whole ``train_step``
    (data preprocessing, Python-side bookkeeping, the optimizer); here only
    the pure tensor code is compiled, with ``nn.Module.compile``, which
    keeps parameter names (checkpoints are those of the uncompiled model).

    Args:
        module_names: Last components of the submodule names to compile;
            the default ``('backbone', )`` compiles the student's and the
            teacher's backbone of a semi-supervised model, or the single
            backbone of a supervised one.
        **compile_kwargs: Passed to ``torch.compile`` (``mode``,
            ``backend``, ``dynamic``, ...).
    """

    priority = 'LOW'  # after ChannelsLastHook and weight loading

    def __init__(self, module_names: Sequence[str] = ('backbone', ),
                 **compile_kwargs):
        if isinstance(module_names, str):
            module_names = (module_names, )
        if not module_names:
            raise ValueError('CompileHook needs at least one module name')
        self.module_names = tuple(module_names)
        self.compile_kwargs = compile_kwargs
        self.compiled: Optional[list] = None

    def before_train(self, runner) -> None:
        model = _unwrap(runner.model)
        targets = [(name, module) for name, module in model.named_modules()
                   if name.rsplit('.', 1)[-1] in self.module_names]
        if not targets:
            raise ValueError(
                f'CompileHook: the model {type(model).__name__} has no '
                f'submodule named {list(self.module_names)}')
        for _, module in targets:
            module.compile(**self.compile_kwargs)
        self.compiled = [name for name, _ in targets]
        runner.logger.info(f'torch.compile: {self.compiled} (the first '
                           'iterations compile and are slow)')
