"""One optimizer wrapper per submodule, from a config (e.g. SASSNet's SGD for
the segmentor and Adam for the discriminator)."""
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict

from mmssl.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class SubmoduleOptimWrapperConstructor:
    """Builds an ``OptimWrapperDict`` with one wrapper per named submodule::

        optim_wrapper = dict(
            constructor='SubmoduleOptimWrapperConstructor',
            student=dict(type='OptimWrapper',
                         optimizer=dict(type='SGD', lr=0.01, momentum=0.9)),
            discriminator=dict(type='OptimWrapper',
                               optimizer=dict(type='Adam', lr=1e-4)))

    Each key is an attribute of the model; its value is an ordinary
    single-optimizer wrapper config (``paramwise_cfg`` allowed), built by
    MMEngine's default constructor over that submodule's parameters. Every
    trainable parameter of the model must belong to exactly one of them, so
    nothing is silently left untrained. Schedulers may then be given per
    wrapper: ``param_scheduler = dict(student=[...], discriminator=[])``.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None):
        if not isinstance(optim_wrapper_cfg, dict) or not optim_wrapper_cfg:
            raise TypeError('SubmoduleOptimWrapperConstructor needs a dict '
                            'of submodule name -> optim wrapper config')
        if paramwise_cfg is not None:
            raise ValueError('SubmoduleOptimWrapperConstructor: give '
                             'paramwise_cfg inside each submodule\'s config')
        self.constructors = {}
        for name, cfg in optim_wrapper_cfg.items():
            if not isinstance(cfg, dict) or 'optimizer' not in cfg:
                raise TypeError(
                    f'optim_wrapper.{name} must be an optim wrapper config '
                    f'with an "optimizer", got {cfg!r}')
            cfg = dict(cfg)
            paramwise = cfg.pop('paramwise_cfg', None)
            self.constructors[name] = DefaultOptimWrapperConstructor(
                cfg, paramwise)

    def __call__(self, model) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        wrappers = {}
        covered = set()
        for name, constructor in self.constructors.items():
            submodule = getattr(model, name, None)
            if submodule is None:
                raise AttributeError(
                    f'optim_wrapper names {name!r}, but the model '
                    f'{type(model).__name__} has no such submodule')
            wrappers[name] = constructor(submodule)
            covered.update(id(p) for p in submodule.parameters())
        left = [n for n, p in model.named_parameters()
                if p.requires_grad and id(p) not in covered]
        if left:
            raise ValueError(
                'SubmoduleOptimWrapperConstructor: trainable parameters '
                f'outside {list(self.constructors)} would never be updated: '
                f'{left[:5]}{" ..." if len(left) > 5 else ""}')
        return OptimWrapperDict(**wrappers)
