"""Checkpoint selection: last (unchanged config), best on held-out training
cases, best on the test set only with the explicit permission."""
import pytest
from bench_fixtures import REPO, TINY_2D
from mmengine.config import Config

from mmssl.benchmark import (TEST_SET_WARNING, TestSetSelectionRefused,
                             apply_selection, check_selection,
                             describe_selection)
from mmssl.benchmark.runs import switches_of


def load():
    return Config.fromfile(TINY_2D)


def test_last_changes_nothing():
    cfg = load()
    before = cfg.to_dict()
    apply_selection(cfg, 'last')
    assert cfg.to_dict() == before
    assert describe_selection(check_selection('last')) == 'last iteration'


def test_val_holds_out_training_cases():
    cfg = load()
    apply_selection(cfg, dict(mode='val', val_holdout=2, val_interval=1))
    assert cfg.train_dataloader.dataset.val_holdout == 2
    val = cfg.val_dataloader.dataset
    assert (val.split, val.val_holdout) == ('val', 2)
    assert cfg.test_dataloader.dataset.split == 'test'
    assert cfg.val_cfg == dict(type='ValLoop')
    assert cfg.train_cfg.val_interval == 1
    assert cfg.default_hooks.checkpoint.save_best == 'dice'
    assert cfg.default_hooks.checkpoint.rule == 'greater'
    # Same post-processing as the test, no output files.
    assert cfg.val_evaluator.type == cfg.test_evaluator.type
    assert 'output_dir' not in cfg.val_evaluator
    selection = check_selection(dict(mode='val', val_holdout=2))
    assert describe_selection(selection) == \
        'best Dice on 2 held-out training cases'
    # Default interval: a tenth of the run.
    cfg = load()
    cfg.train_cfg.max_iters = 50
    apply_selection(cfg, dict(mode='val', val_holdout=2))
    assert cfg.train_cfg.val_interval == 5


def test_val_holdout_reaches_a_subclass_through_kwargs():
    # SyntheticLAHeartDataset passes val_holdout on to LAHeartDataset.
    cfg = Config.fromfile(
        f'{REPO}/configs/mean_teacher/mt_vnet_synthetic_2label.py')
    apply_selection(cfg, dict(mode='val', val_holdout=4))
    assert cfg.train_dataloader.dataset.val_holdout == 4
    assert cfg.val_dataloader.dataset.type == 'SyntheticLAHeartDataset'


def test_val_keeps_a_configs_own_validation():
    cfg = load()
    own = dict(type='DefaultSampler', marker=1)
    cfg.val_dataloader = dict(dataset=dict(type='X', split='val'),
                              sampler=own)
    cfg.val_evaluator = dict(type='VolumeSegMetric', metric_names=['dice'])
    cfg.val_cfg = dict(type='ValLoop')
    cfg.train_cfg.val_interval = 7
    apply_selection(cfg, 'val')
    assert cfg.val_dataloader.sampler.marker == 1
    assert cfg.val_evaluator.metric_names == ['dice']
    assert cfg.train_cfg.val_interval == 7
    assert cfg.default_hooks.checkpoint.save_best == 'dice'


def test_val_holdout_needs_a_dataset_with_the_option():
    cfg = load()
    cfg.train_dataloader.dataset.type = 'ACDCDataset'
    with pytest.raises(ValueError, match='ACDCDataset.*no val_holdout'):
        apply_selection(cfg, dict(mode='val', val_holdout=2))


def test_test_best_needs_the_explicit_permission():
    cfg = load()
    with pytest.raises(TestSetSelectionRefused,
                       match='--i-know-this-uses-the-test-set'):
        apply_selection(cfg, 'test-best')
    apply_selection(cfg, 'test-best', allow_test_set=True)
    assert cfg.val_dataloader.dataset.split == 'test'
    selection = check_selection('test-best')
    switches = switches_of(cfg, selection, seed=3)
    assert switches['test_set_selection'] is True
    assert 'TEST SET' in switches['checkpoint']
    assert switches['seed'] == 3
    assert switches['iterations'] == 3
    assert 'TEST SET' in TEST_SET_WARNING


@pytest.mark.parametrize('bad,message', [
    ('best', 'mode must be one of'),
    (dict(mode='val', val_holdout=0), 'val_holdout must be a positive'),
    (dict(mode='val', every=3), r"unknown key\(s\) \['every'\]"),
    (dict(mode='test-best', val_holdout=2), 'val_holdout is for'),
    (dict(mode='last', val_interval=2), 'val_interval is for'),
    (3, 'expected a mode'),
])
def test_bad_selections(bad, message):
    with pytest.raises(ValueError, match=message):
        check_selection(bad)
