"""Benchmark suites: a matrix of method configs x labeled budgets x seeds.

A suite is an MMEngine-style Python file (see configs/benchmarks/ and the
"Benchmark suites" section of docs/benchmarks.md)::

    seeds = [0, 1, 2]
    budgets = [16, 8]                  # labeled budgets, in the dataset's unit
    budget_option = 'train_dataloader.dataset.num_labeled'
    selection = 'last'                 # or dict(mode='val', val_holdout=8)
    methods = [
        dict(name='dtc', label='DTC', published='LA/dtc',
             configs={16: 'configs/dtc/dtc_vnet_la_16label.py',
                      8: 'configs/dtc/dtc_vnet_la_8label.py'}),
        dict(name='mt', label='Mean Teacher',
             config='configs/mean_teacher/mt_vnet_la_16label.py'),
    ]

A method gives either one config per budget (``configs``) or one
``config`` whose budget is set through ``budget_option`` (a dotted config
key, as ``--cfg-options`` takes). Names starting with ``_`` are helper
variables and ignored.
"""
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from mmengine.config import Config

from .published import METRIC_KEYS, published_figures
from .selection import SELECTION_MODES, check_selection

SUITE_KEYS = ('name', 'work_dir', 'seeds', 'budgets', 'budget_option',
              'methods', 'cfg_options', 'selection', 'data_root')
METHOD_KEYS = ('name', 'label', 'config', 'configs', 'budgets', 'cfg_options',
               'budget_cfg_options', 'published')
DEFAULT_BUDGET_OPTION = 'train_dataloader.dataset.num_labeled'
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.+-]*$')


class SuiteError(ValueError):
    """A suite file is malformed; the message names the file and the key."""


@dataclass
class Method:
    name: str
    label: str
    configs: Dict[str, str]          # budget -> config path
    cfg_options: dict
    budget_cfg_options: Dict[str, dict]
    published: Dict[str, dict]       # budget -> {'dice': ..., ...}
    published_key: Optional[str] = None
    # One config for every budget, the budget set through budget_option.
    budget_by_option: bool = False


@dataclass
class Suite:
    name: str
    path: str
    work_dir: str
    seeds: List[int]
    budgets: List[str]
    budget_option: Optional[str]
    methods: List[Method]
    cfg_options: dict
    selection: dict
    data_root: Optional[str] = None


@dataclass
class Run:
    """One cell of the matrix: a method at a budget with a seed."""
    suite: Suite
    method: Method
    budget: str
    seed: int
    config: str
    cfg_options: dict = field(default_factory=dict)

    @property
    def key(self):
        return (self.method.name, self.budget, self.seed)

    @property
    def run_dir(self):
        return osp.join(self.suite.work_dir, self.method.name, self.budget,
                        self.suite.selection['mode'], f'seed{self.seed}')


def _fail(path, message):
    raise SuiteError(f'{path}: {message}')


def _check_keys(path, where, mapping, allowed):
    unknown = sorted(k for k in mapping
                     if k not in allowed and not str(k).startswith('_'))
    if unknown:
        _fail(path, f'{where}: unknown key(s) {unknown}; allowed: '
              f'{list(allowed)}')


def _budget_name(path, value):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        _fail(path, f'a budget must be an int or a name, got {value!r}')
    if isinstance(value, int) and value < 0:
        _fail(path, f'a budget must be >= 0, got {value}')
    name = str(value)
    if not _NAME.match(name):
        _fail(path, f'budget {value!r}: use letters, digits and _.+- only')
    return name


def resolve_config_path(config, suite_path):
    """A method config path as given, else relative to the repository."""
    for candidate in (config, osp.join(REPO_ROOT, config)):
        if osp.isfile(candidate):
            return candidate
    _fail(suite_path, f'config file {config!r} not found (looked in the '
          f'current directory and in {REPO_ROOT})')


def _dict_option(path, where, value):
    value = {} if value is None else value
    if not isinstance(value, dict):
        _fail(path, f'{where} must be a dict of config keys to values, got '
              f'{value!r}')
    return dict(value)


def _published(path, where, value, budgets):
    if value is None:
        return {}, None
    if isinstance(value, str):
        try:
            return {str(k): v for k, v in published_figures(value).items()
                    }, value
        except KeyError as error:
            _fail(path, f'{where}.published: {error.args[0]}')
    if not isinstance(value, dict):
        _fail(path, f'{where}.published must be a key of '
              'mmssl.benchmark.published.PUBLISHED or a dict '
              '{budget: dict(dice=..., ...)}')
    figures = {}
    for budget, row in value.items():
        budget = _budget_name(path, budget)
        if not isinstance(row, dict) or not set(row) <= set(
                METRIC_KEYS + ('source', )):
            _fail(path, f'{where}.published[{budget!r}] must be a dict with '
                  f'keys among {METRIC_KEYS} (and source)')
        figures[budget] = dict(row)
    return figures, None


def _method(path, index, spec, suite_budgets):
    where = f'methods[{index}]'
    if not isinstance(spec, dict):
        _fail(path, f'{where} must be a dict, got {spec!r}')
    _check_keys(path, where, spec, METHOD_KEYS)
    name = spec.get('name')
    if not isinstance(name, str) or not _NAME.match(name):
        _fail(path, f'{where}: name must be a short id (letters, digits, '
              f'_.+-; it names the work dir), got {name!r}')
    where = f'method {name!r}'
    if ('config' in spec) == ('configs' in spec):
        _fail(path, f'{where}: give exactly one of config (budget set by '
              'budget_option) and configs ({budget: config})')
    if 'configs' in spec:
        if not isinstance(spec['configs'], dict) or not spec['configs']:
            _fail(path, f'{where}: configs must be a non-empty dict '
                  '{budget: config path}')
        configs = {_budget_name(path, b): c
                   for b, c in spec['configs'].items()}
        unknown = [b for b in configs if b not in suite_budgets]
        if unknown:
            _fail(path, f'{where}: configs for budgets {unknown}, which are '
                  f"not among the suite's budgets {suite_budgets}")
        default_budgets = [b for b in suite_budgets if b in configs]
    else:
        configs = None
        default_budgets = list(suite_budgets)
    budgets = ([_budget_name(path, b) for b in spec['budgets']]
               if spec.get('budgets') is not None else default_budgets)
    unknown = [b for b in budgets if b not in suite_budgets]
    if not budgets:
        _fail(path, f'{where}: runs no budget')
    if unknown:
        _fail(path, f'{where}: budgets {unknown} are not among the '
              f"suite's budgets {suite_budgets}")
    if configs is not None:
        missing = [b for b in budgets if b not in configs]
        if missing:
            _fail(path, f'{where}: no config for budget(s) {missing}')
        configs = {b: configs[b] for b in budgets}
    else:
        configs = {b: spec['config'] for b in budgets}
    for budget, config in configs.items():
        if not isinstance(config, str):
            _fail(path, f'{where}: config of budget {budget} must be a path, '
                  f'got {config!r}')
        configs[budget] = resolve_config_path(config, path)
    budget_cfg_options = {}
    for budget, options in (spec.get('budget_cfg_options') or {}).items():
        budget = _budget_name(path, budget)
        if budget not in budgets:
            _fail(path, f'{where}: budget_cfg_options for budget {budget}, '
                  f'which the method does not run ({budgets})')
        budget_cfg_options[budget] = _dict_option(
            path, f'{where}.budget_cfg_options[{budget!r}]', options)
    published, published_key = _published(path, where, spec.get('published'),
                                          budgets)
    label = spec.get('label', name)
    if not isinstance(label, str):
        _fail(path, f'{where}: label must be a string, got {label!r}')
    return Method(
        name=name,
        label=label,
        configs=configs,
        cfg_options=_dict_option(path, f'{where}.cfg_options',
                                 spec.get('cfg_options')),
        budget_cfg_options=budget_cfg_options,
        published=published,
        published_key=published_key,
        budget_by_option='config' in spec)


def load_suite(path, work_dir=None, selection=None, data_root=None):
    """Read and check a suite file; config files must exist.

    ``work_dir``, ``selection`` and ``data_root`` replace the file's.
    """
    if not osp.isfile(path):
        raise SuiteError(f'suite file {path} not found')
    try:
        raw = Config.fromfile(path).to_dict()
    except Exception as error:  # a syntax error, a bad _base_, ...
        raise SuiteError(f'{path}: cannot be read: {error}') from error
    _check_keys(path, 'suite', raw, SUITE_KEYS)
    for key in ('methods', 'budgets', 'seeds'):
        if not raw.get(key):
            _fail(path, f'{key} must be a non-empty list')
    name = raw.get('name') or osp.splitext(osp.basename(path))[0]
    if not _NAME.match(str(name)):
        _fail(path, f'name {name!r}: use letters, digits and _.+- only')

    seeds = raw['seeds']
    if not isinstance(seeds, (list, tuple)) or any(
            isinstance(s, bool) or not isinstance(s, int) or s < 0
            for s in seeds):
        _fail(path, 'seeds must be a list of non-negative ints, got '
              f'{seeds!r}')
    if len(set(seeds)) != len(seeds):
        _fail(path, f'seeds repeat: {seeds}')
    if not isinstance(raw['budgets'], (list, tuple)):
        _fail(path, f'budgets must be a list, got {raw["budgets"]!r}')
    budgets = [_budget_name(path, b) for b in raw['budgets']]
    if len(set(budgets)) != len(budgets):
        _fail(path, f'budgets repeat: {budgets}')
    budget_option = raw.get('budget_option', DEFAULT_BUDGET_OPTION)

    methods, uses_budget_option = [], False
    for index, spec in enumerate(raw['methods']):
        method = _method(path, index, spec, budgets)
        uses_budget_option |= method.budget_by_option
        methods.append(method)
    names = [m.name for m in methods]
    if len(set(names)) != len(names):
        _fail(path, f'method names repeat: {names}')
    if uses_budget_option:
        if not budget_option:
            _fail(path, 'a method with one config needs budget_option, '
                  'the config key its budget sets')
        bad = [b for b in budgets if not b.isdigit()]
        if bad:
            _fail(path, f'budgets {bad} are not counts, so budget_option '
                  'cannot set them; give those methods configs={...}')

    try:
        selection = check_selection(
            selection if selection is not None else raw.get(
                'selection', 'last'))
    except ValueError as error:
        _fail(path, f'selection: {error}')
    return Suite(
        name=str(name),
        path=path,
        work_dir=work_dir or raw.get('work_dir')
        or osp.join('work_dirs', 'benchmarks', str(name)),
        seeds=list(seeds),
        budgets=budgets,
        budget_option=budget_option,
        methods=methods,
        cfg_options=_dict_option(path, 'cfg_options', raw.get('cfg_options')),
        selection=selection,
        data_root=data_root or raw.get('data_root'))


def expand_runs(suite, only=None, budgets=None, seeds=None):
    """The suite's runs, method by method, budget by budget, seed by seed.

    ``only``, ``budgets`` and ``seeds`` restrict the matrix; asking for a
    method or budget the suite lacks is an error, a seed outside the
    suite's is allowed (it adds runs).
    """
    known = [m.name for m in suite.methods]
    for name in only or ():
        if name not in known:
            raise SuiteError(f'{suite.path}: no method {name!r}; the suite '
                             f'has {known}')
    budgets = [str(b) for b in budgets] if budgets else None
    for budget in budgets or ():
        if budget not in suite.budgets:
            raise SuiteError(f'{suite.path}: no budget {budget!r}; the '
                             f'suite has {suite.budgets}')
    runs = []
    for method in suite.methods:
        if only and method.name not in only:
            continue
        for budget in method.configs:
            if budgets and budget not in budgets:
                continue
            options = dict(suite.cfg_options)
            options.update(method.cfg_options)
            if method.budget_by_option:
                options[suite.budget_option] = int(budget)
            options.update(method.budget_cfg_options.get(budget, {}))
            for seed in (seeds if seeds is not None else suite.seeds):
                runs.append(
                    Run(suite=suite, method=method, budget=budget,
                        seed=int(seed), config=method.configs[budget],
                        cfg_options=options))
    return runs


__all__ = ['SuiteError', 'Suite', 'Method', 'Run', 'load_suite',
           'expand_runs', 'SELECTION_MODES']
