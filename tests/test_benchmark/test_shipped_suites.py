"""Every suite in configs/benchmarks/ loads, expands and builds each run's
config, and each of its cfg_options names a key the method config has (a
typo would otherwise add a new, unused key and the run would silently
train the unchanged config)."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmssl.benchmark import expand_runs, load_suite
from mmssl.benchmark.runs import build_run_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SUITES = sorted(glob.glob(osp.join(REPO, 'configs', 'benchmarks', '*.py')))


def _has_key(cfg, dotted):
    node = cfg
    for part in dotted.split('.'):
        if isinstance(node, (list, tuple)):
            if not part.isdigit() or int(part) >= len(node):
                return False
            node = node[int(part)]
        elif isinstance(node, (dict, Config)) and part in node:
            node = node[part]
        else:
            return False
    return True


def test_has_key():
    cfg = Config(dict(a=dict(b=[dict(c=1)])))
    assert _has_key(cfg, 'a.b.0.c')
    assert not _has_key(cfg, 'a.b.1.c')
    assert not _has_key(cfg, 'a.x')


@pytest.mark.parametrize('suite_path', SUITES,
                         ids=[osp.basename(p) for p in SUITES])
def test_shipped_suite_builds_every_run(suite_path, tmp_path):
    suite = load_suite(suite_path, work_dir=str(tmp_path))
    runs = list(expand_runs(suite))
    assert runs
    sources = {}
    for run in runs:
        if run.config not in sources:
            sources[run.config] = Config.fromfile(run.config)
        unknown = [key for key in run.cfg_options
                   if not _has_key(sources[run.config], key)]
        assert not unknown, (run.method.name, run.budget, unknown)
        cfg, _ = build_run_config(run)
        assert cfg.randomness['seed'] == run.seed


def test_poly_suite_switches_the_schedule(tmp_path):
    suite = load_suite(osp.join(REPO, 'configs', 'benchmarks',
                                'synthetic2d_poly.py'),
                       work_dir=str(tmp_path))
    for run in expand_runs(suite, seeds=[0]):
        cfg, _ = build_run_config(run)
        schedulers = cfg.param_scheduler
        if isinstance(schedulers, dict):  # SASSNet: per optimizer
            schedulers = schedulers['student']
        assert [s['type'] for s in schedulers] == ['PolyLR']
        assert schedulers[0]['end'] == cfg.train_cfg.max_iters == 3000
        assert cfg.test_evaluator.largest_component is False
        if 'unsup_terms' in cfg.model:
            schedule = cfg.model.unsup_terms[0].schedule
            assert schedule.length * schedule.step_size == 3000
