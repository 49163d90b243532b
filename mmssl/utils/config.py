"""Helpers that adjust a loaded config from the command line."""
import os
import os.path as osp

from mmengine.config import Config, DictAction


def _datasets_with_root(node):
    """Yield every dataset dict (nested ones included) that has data_root."""
    if isinstance(node, dict):
        if 'data_root' in node and 'type' in node:
            yield node
        for value in node.values():
            yield from _datasets_with_root(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _datasets_with_root(value)


def set_data_root(cfg, data_root):
    """Point every dataloader's dataset(s) at ``data_root``.

    Base configs interpolate ``data_root`` into the dataset dicts when the
    file is parsed, so overriding the variable afterwards has no effect; this
    rewrites the datasets themselves. Returns the number of datasets changed.
    """
    changed = 0
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(key)
        if not loader:
            continue
        for dataset in _datasets_with_root(loader.get('dataset', {})):
            dataset['data_root'] = data_root
            changed += 1
    if changed == 0:
        raise ValueError('--data-root: the config has no dataset with a '
                         '`data_root` to change')
    cfg.data_root = data_root
    return changed


def enable_autocast(cfg, cuda_available):
    """Turn the config's optimizer wrapper(s) into mixed-precision ones.

    On GPU: MMEngine's AmpOptimWrapper (fp16 with loss scaling, or the dtype
    the config asks for). Elsewhere: AutocastOptimWrapper in bfloat16, which
    needs no loss scaling. A config with one wrapper per submodule
    (``SubmoduleOptimWrapperConstructor``, e.g. SASSNet) has each converted.
    """
    optim_wrapper = cfg.optim_wrapper
    if 'optimizer' not in optim_wrapper and 'constructor' in optim_wrapper:
        wrappers = [v for k, v in optim_wrapper.items()
                    if k != 'constructor' and isinstance(v, dict)]
    else:
        wrappers = [optim_wrapper]
    for wrapper in wrappers:
        _make_mixed_precision(wrapper, cuda_available)


def _make_mixed_precision(optim_wrapper, cuda_available):
    current = optim_wrapper.get('type', 'OptimWrapper')
    if current in ('AmpOptimWrapper', 'AutocastOptimWrapper'):
        return
    if current != 'OptimWrapper':
        raise ValueError(f'--amp supports type=OptimWrapper, the config has '
                         f'{current}')
    if cuda_available:
        optim_wrapper['type'] = 'AmpOptimWrapper'
        optim_wrapper.setdefault('loss_scale', 'dynamic')
    else:
        optim_wrapper['type'] = 'AutocastOptimWrapper'
        optim_wrapper.setdefault('dtype', 'bfloat16')


def _dicts_with_key(node, key):
    """Yield every dict (nested ones included) that has ``key``."""
    if isinstance(node, dict):
        if key in node:
            yield node
        for value in node.values():
            yield from _dicts_with_key(value, key)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _dicts_with_key(value, key)


def set_test_options(cfg, channels_last=None, autocast=None, fold_bn=None):
    """Set the fast-inference options in every segmentor test_cfg of the
    model (a semi-supervised model's lives in ``model.segmentor``; student
    and teacher share it). ``None`` leaves an option as the config has it.
    """
    test_cfgs = [d['test_cfg'] for d in _dicts_with_key(cfg.model, 'test_cfg')
                 if isinstance(d['test_cfg'], dict)]
    if not test_cfgs:
        raise ValueError('the config\'s model has no test_cfg to set '
                         'channels_last / autocast / fold_bn in')
    for test_cfg in test_cfgs:
        if channels_last is not None:
            test_cfg['channels_last'] = bool(channels_last)
        if autocast is not None:
            test_cfg['autocast'] = autocast
        if fold_bn is not None:
            test_cfg['fold_bn'] = bool(fold_bn)
    return len(test_cfgs)


def default_autocast_dtype(cuda_available):
    """fp16 on GPU (fastest there), bf16 on CPU (fp16 is slow there)."""
    return 'float16' if cuda_available else 'bfloat16'


def _add_hook(cfg, hook):
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(h.get('type') == hook['type'] for h in hooks):
        hooks.append(hook)
    cfg.custom_hooks = hooks


def enable_channels_last(cfg):
    """Train and test in channels-last memory format."""
    _add_hook(cfg, dict(type='ChannelsLastHook'))
    set_test_options(cfg, channels_last=True)


def enable_compile(cfg, module_names=('backbone', ), **compile_kwargs):
    """``torch.compile`` the backbone(s) for training (``CompileHook``).

    Not MMEngine's ``compile`` key, which compiles the whole train_step
    (data preprocessing, loss bookkeeping, optimizer) and not only the
    network.
    """
    if cfg.get('compile'):
        raise ValueError('the config sets MMEngine\'s `compile` key; use '
                         'either it or --compile (CompileHook), not both')
    _add_hook(cfg, dict(type='CompileHook', module_names=list(module_names),
                        **compile_kwargs))


def enable_pin_memory(cfg):
    """Page-locked batches, so host-to-GPU copies are faster (GPU only)."""
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(key):
            cfg[key].setdefault('pin_memory', True)


def load_config(config_path, cfg_options=None, data_root=None, work_dir=None,
                launcher='none'):
    """Load a config and apply the options train.py and test.py share."""
    if not osp.isfile(config_path):
        raise FileNotFoundError(f'Config file not found: {config_path}')
    cfg = Config.fromfile(config_path)
    cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if data_root:
        set_data_root(cfg, data_root)
    if work_dir:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs',
                                osp.splitext(osp.basename(config_path))[0])
    cfg.setdefault('runner_type', 'MMSSLRunner')
    return cfg


def format_metrics(metrics):
    """``dice=0.9012, hd95=3.1000, num_cases=20`` for printing."""
    return ', '.join(f'{k}={v:.4f}' if isinstance(v, float) else f'{k}={v}'
                     for k, v in metrics.items())


def add_common_arguments(parser):
    """Arguments shared by tools/train.py, tools/test.py and the like."""
    parser.add_argument('--work-dir', help='where logs (and checkpoints) go '
                        '(default: work_dirs/<config name>)')
    parser.add_argument('--data-root',
                        help='read the datasets from this directory instead '
                        "of the config's data_root")
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. train_cfg.max_iters=100')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_common_arguments(parser, argv=None):
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args
