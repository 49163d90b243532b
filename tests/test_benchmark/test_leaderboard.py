"""Run states on disk, the leaderboard's numbers (checked by hand against
fixture results) and the plots."""
import csv
import json
import os

import matplotlib.image
import pytest
from bench_fixtures import TINY_2D

from mmssl.benchmark import (FAILED, FINISHED, INTERRUPTED, PENDING, STALE,
                             aggregate, expand_runs, load_suite, mean_std,
                             read_scalars, report, run_state)
from mmssl.benchmark.runs import RunState

SUITE = f"""
seeds = [0, 1, 2]
budgets = [8]
methods = [
    dict(name='a', label='A', config={TINY_2D!r},
         published=dict({{8: dict(dice=80.5, jaccard=70.25,
                                  source='Paper A, Table 1')}})),
    dict(name='b', label='B', config={TINY_2D!r},
         cfg_options={{'test_evaluator.largest_component': True}}),
]
"""


def result(seed, dice, hd95, lcc=False, mode='last'):
    return dict(
        seed=seed,
        checkpoint='iter_3.pth',
        switches=dict(checkpoint='last iteration' if mode == 'last' else
                      'BEST ON TEST SET (!)',
                      test_set_selection=mode == 'test-best',
                      largest_component=lcc, empty_pred='reference',
                      iterations=3, seed=seed),
        metrics=dict(metrics=dict(
            dice=dict(mean=dice), jaccard=dict(mean=dice / 2),
            hd95=dict(mean=hd95), asd=dict(mean=None))))


@pytest.fixture
def suite(write_suite, tmp_path):
    return load_suite(write_suite(SUITE), work_dir=str(tmp_path / 'work'))


def test_mean_std_is_population_and_skips_nan():
    assert mean_std([1.0, 3.0]) == (2.0, 1.0)
    mean, std = mean_std([float('nan'), 2.0, None])
    assert (mean, std) == (2.0, 0.0)
    assert all(v != v for v in mean_std([]))


def test_run_states_on_disk(suite):
    run = expand_runs(suite)[0]
    assert run_state(run).state == PENDING
    os.makedirs(run.run_dir)
    assert run_state(run).state == PENDING
    with open(os.path.join(run.run_dir, 'run.json'), 'w') as f:
        json.dump(dict(config_hash='abc'), f)
    open(os.path.join(run.run_dir, 'iter_2.pth'), 'w').close()
    assert run_state(run, 'abc').state == INTERRUPTED
    with open(os.path.join(run.run_dir, 'failed.json'), 'w') as f:
        json.dump(dict(step='train', returncode=1, log='x/train.log'), f)
    state = run_state(run, 'abc')
    assert state.state == FAILED and 'x/train.log' in state.detail
    with open(os.path.join(run.run_dir, 'result.json'), 'w') as f:
        json.dump(result(0, 0.5, 1.0), f)
    assert run_state(run, 'abc').state == FINISHED
    # Made from another config than the suite gives now.
    state = run_state(run, 'def')
    assert state.state == STALE and 'delete the folder' in state.detail


def test_aggregation_by_hand(suite):
    runs = expand_runs(suite)
    states = {
        ('a', '8', 0): RunState(FINISHED, result=result(0, 0.80, 4.0)),
        ('a', '8', 1): RunState(FINISHED, result=result(1, 0.90, 6.0)),
        ('a', '8', 2): RunState(FAILED, 'train exited with 1, see '
                                'w/a/8/last/seed2/train.log'),
        ('b', '8', 0): RunState(FINISHED, result=result(0, 0.70, 2.0, True)),
        ('b', '8', 1): RunState(FINISHED, result=result(1, 0.70, 2.0, True)),
        ('b', '8', 2): RunState(FINISHED, result=result(2, 0.76, 5.0, True)),
    }
    rows = aggregate(suite, states)
    a, b = rows
    assert (a['seeds_finished'], a['seeds_total']) == (2, 3)
    assert a['dice_mean'] == pytest.approx(0.85)
    assert a['dice_std'] == pytest.approx(0.05)
    assert a['jaccard_mean'] == pytest.approx(0.425)
    assert a['hd95_mean'] == pytest.approx(5.0)
    assert a['hd95_std'] == pytest.approx(1.0)
    assert a['asd_mean'] != a['asd_mean']  # no value: NaN
    assert b['dice_mean'] == pytest.approx(0.72)
    assert b['dice_std'] == pytest.approx((0.0024 / 3)**0.5)  # 0.0283
    assert b['hd95_mean'] == pytest.approx(3.0)
    assert b['largest_component'] == 'True'
    assert a['largest_component'] == 'False'

    files = report(suite, runs, states)
    names = sorted(os.path.basename(p) for p in files)
    assert names == ['dice.png', 'leaderboard.csv', 'leaderboard.md',
                     'runs.csv']  # no scalar logs: no curves
    text = open(os.path.join(suite.work_dir, 'leaderboard.md')).read()
    assert '| A | 8 | 2/3 | 85.00 ± 5.00 | 42.50 ± 2.50 | 5.00 ± 1.00 | — |' \
        ' 80.50 / 70.25 / — / — | last iteration | False | reference | 3 |' \
        ' 0, 1 |' in text
    assert '| B | 8 | 3/3 | 72.00 ± 2.83 |' in text
    assert '- A (8): Paper A, Table 1' in text
    assert ('a / 8 / seed 2: **failed** (train exited with 1, see '
            'w/a/8/last/seed2/train.log)') in text
    with open(os.path.join(suite.work_dir, 'leaderboard.csv')) as f:
        table = list(csv.DictReader(f))
    assert float(table[0]['dice_mean']) == pytest.approx(0.85)
    assert table[0]['published_dice'] == '80.5'
    assert table[1]['seeds'] == '0 1 2'
    assert 'seed 2: failed' in table[0]['problems']
    image = matplotlib.image.imread(os.path.join(suite.work_dir, 'dice.png'))
    assert image.ndim == 3 and image.shape[0] > 100


def test_test_set_selection_is_marked(write_suite, tmp_path):
    suite = load_suite(write_suite(SUITE), work_dir=str(tmp_path / 'w'),
                       selection='test-best')
    states = {key: RunState(FINISHED, result=result(key[2], 0.8, 1.0,
                                                    mode='test-best'))
              for key in (r.key for r in expand_runs(suite))}
    rows = aggregate(suite, states)
    assert all(row['test_set_selection'] for row in rows)
    files = report(suite, expand_runs(suite), states)
    assert any(p.endswith('leaderboard_test-best.md') for p in files)
    text = open(os.path.join(suite.work_dir,
                             'leaderboard_test-best.md')).read()
    assert '**WARNING: CHECKPOINT CHOSEN ON THE TEST SET' in text
    assert '**BEST ON TEST SET (!)**' in text


def test_scalars_of_a_resumed_run_and_curves(suite):
    runs = expand_runs(suite)
    run = runs[0]
    first = [dict(loss=1.0, step=1), dict(loss=0.9, step=2),
             dict(dice=0.5, step=2)]
    # The resumed start logs iteration 2 again, then goes on.
    resumed = [dict(loss=0.8, step=2), dict(loss=0.7, step=3),
               dict(dice=0.6, step=3)]
    for stamp, lines in (('20260101_000000', first),
                         ('20260101_010000', resumed)):
        folder = os.path.join(run.run_dir, stamp, 'vis_data')
        os.makedirs(folder)
        with open(os.path.join(folder, 'scalars.json'), 'w') as f:
            f.write('\n'.join(json.dumps(line) for line in lines) + '\n{"cut')
    train, val = read_scalars(run.run_dir)
    assert [(e['step'], e['loss']) for e in train] == [(1, 1.0), (2, 0.8),
                                                       (3, 0.7)]
    assert [(e['step'], e['dice']) for e in val] == [(2, 0.5), (3, 0.6)]
    states = {r.key: RunState(FINISHED, result=result(r.seed, 0.8, 1.0))
              for r in runs}
    files = report(suite, runs, states)
    for name in ('loss_curves.png', 'val_dice.png'):
        path = os.path.join(suite.work_dir, name)
        assert path in files
        with open(path, 'rb') as f:
            assert f.read(8) == b'\x89PNG\r\n\x1a\n'
