"""Which checkpoint is tested: the papers' last iteration, the best on a
validation split carved from the training cases, or the best on the test
set itself (which some newer papers report, and which flatters the result:
allowed only when asked for explicitly, and labelled wherever it is used).
"""
import copy
import inspect

from mmssl.registry import DATASETS

SELECTION_MODES = ('last', 'val', 'test-best')
SELECTION_KEYS = ('mode', 'val_holdout', 'val_interval')
TEST_SET_WARNING = ('CHECKPOINT CHOSEN ON THE TEST SET: this result is '
                    'optimistic and not comparable with last-iteration or '
                    'validation-selected results')


class TestSetSelectionRefused(ValueError):
    """'test-best' without the explicit permission."""
    __test__ = False  # not a pytest test class despite its name


def check_selection(selection):
    """Normalise ``'val'`` or ``dict(mode='val', ...)`` to a full dict."""
    if isinstance(selection, str):
        selection = dict(mode=selection)
    if not isinstance(selection, dict):
        raise ValueError(f'expected a mode {SELECTION_MODES} or a dict, got '
                         f'{selection!r}')
    unknown = sorted(set(selection) - set(SELECTION_KEYS))
    if unknown:
        raise ValueError(f'unknown key(s) {unknown}; allowed: '
                         f'{list(SELECTION_KEYS)}')
    mode = selection.get('mode', 'last')
    if mode not in SELECTION_MODES:
        raise ValueError(f'mode must be one of {SELECTION_MODES}, got '
                         f'{mode!r}')
    holdout = selection.get('val_holdout')
    interval = selection.get('val_interval')
    for key, value in (('val_holdout', holdout), ('val_interval', interval)):
        if value is not None and (isinstance(value, bool)
                                  or not isinstance(value, int) or value < 1):
            raise ValueError(f'{key} must be a positive int or None, got '
                             f'{value!r}')
    if mode != 'val' and holdout is not None:
        raise ValueError(f'val_holdout is for mode "val", not {mode!r}')
    if mode == 'last' and interval is not None:
        raise ValueError('val_interval is for modes "val" and "test-best"')
    return dict(mode=mode, val_holdout=holdout, val_interval=interval)


def describe_selection(selection):
    """Short text for tables and plot titles."""
    mode = selection['mode']
    if mode == 'last':
        return 'last iteration'
    if mode == 'val':
        source = (f'{selection["val_holdout"]} held-out training cases'
                  if selection.get('val_holdout') else "the dataset's val "
                  'split')
        return f'best Dice on {source}'
    return 'BEST ON TEST SET (!)'


def _accepts(dataset_cfg, argument):
    """Whether the dataset class (or a base its ``**kwargs`` reach) takes
    ``argument``."""
    dataset_cls = DATASETS.get(dataset_cfg.get('type'))
    for cls in inspect.getmro(dataset_cls) if dataset_cls else ():
        if '__init__' not in vars(cls):
            continue
        parameters = inspect.signature(cls.__init__).parameters
        if argument in parameters:
            return True
        if not any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
            return False
    return False


def apply_selection(cfg, selection, allow_test_set=False):
    """Make ``cfg`` (an MMEngine Config, changed in place) validate during
    training and keep the best-Dice checkpoint, as ``selection`` asks.

    * ``'last'``: nothing changes (the config's own schedule; the papers).
    * ``'val'``: validation on a split of the training data. With
      ``val_holdout=K`` the last K training cases are held out (the datasets'
      ``val_holdout`` option: training, labeled and unlabeled, excludes
      them); without, the config's own validation (a config that already
      validates, e.g. ACDC's on val.list, keeps its loader, evaluator and
      interval) or else the test dataset with ``split='val'``.
    * ``'test-best'``: validation on the test set; refused unless
      ``allow_test_set``.

    Validation uses a copy of the test evaluator (same post-processing)
    every ``val_interval`` iterations (default: a tenth of the run), and
    the checkpoint hook keeps ``best_dice_iter_<N>.pth``.
    """
    selection = check_selection(selection)
    mode = selection['mode']
    if mode == 'last':
        return cfg
    max_iters = cfg.train_cfg['max_iters']
    interval = selection['val_interval'] or max(1, max_iters // 10)
    if (mode == 'val' and not selection['val_holdout']
            and cfg.get('val_dataloader') and cfg.get('val_cfg')):
        # The config's own validation protocol.
        if selection['val_interval']:
            cfg.train_cfg['val_interval'] = interval
        cfg.default_hooks.checkpoint.update(
            dict(save_best='dice', rule='greater'))
        return cfg
    if mode == 'test-best' and not allow_test_set:
        raise TestSetSelectionRefused(
            'selection "test-best" picks the checkpoint on the test set; '
            'pass --i-know-this-uses-the-test-set to allow it')
    val_loader = copy.deepcopy(cfg.test_dataloader)
    val_dataset = val_loader.get('dataset')
    if not isinstance(val_dataset, dict) or 'type' not in val_dataset:
        raise ValueError('selection needs test_dataloader.dataset to be one '
                         'dataset dict with a type')
    if mode == 'val':
        holdout = selection['val_holdout']
        if holdout:
            train_dataset = cfg.train_dataloader.get('dataset', {})
            for name, dataset in (('train', train_dataset),
                                  ('test', val_dataset)):
                if not _accepts(dataset, 'val_holdout'):
                    raise ValueError(
                        f'the {name} dataset ({dataset.get("type")}) has no '
                        'val_holdout option; use a dataset with its own val '
                        'split and leave val_holdout unset')
            train_dataset['val_holdout'] = holdout
            val_dataset['val_holdout'] = holdout
        val_dataset['split'] = 'val'
    evaluator = copy.deepcopy(cfg.test_evaluator)
    for metric in evaluator if isinstance(evaluator, list) else [evaluator]:
        metric.pop('output_dir', None)
    cfg.val_dataloader = val_loader
    cfg.val_evaluator = evaluator
    cfg.val_cfg = dict(type='ValLoop')
    cfg.train_cfg['val_interval'] = interval
    cfg.default_hooks.checkpoint.update(
        dict(save_best='dice', rule='greater'))
    return cfg
