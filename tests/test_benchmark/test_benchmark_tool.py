"""tools/benchmark.py end to end on a tiny suite (2 methods x 1 budget x
2 seeds, 4 iterations): it trains and tests every run, a rerun skips them,
an interrupted run is resumed from its checkpoint, and the selection modes
work and are recorded."""
import json
import os
import os.path as osp

import pytest
import bench_fixtures  # noqa: F401  (puts tool_runner on the path)
from tool_runner import assert_ok, run_tool, tiny_version

METHODS = {
    'sup': 'configs/supervised/unet_synthetic2d_8label.py',
    'mt': 'configs/mean_teacher/mt_unet_synthetic2d_8label.py',
}


@pytest.fixture(scope='module')
def suite(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('bench')
    configs = {name: tiny_version(config, tmp_path, 'tiny_2d.py')
               for name, config in METHODS.items()}
    methods = ',\n'.join(
        f'    dict(name={name!r}, config={str(path)!r})'
        for name, path in configs.items())
    path = tmp_path / 'tiny_suite.py'
    path.write_text(f"""
methods = [
{methods},
]
seeds = [0, 1]
budgets = [2]
data_root = {str(tmp_path / 'data')!r}
work_dir = {str(tmp_path / 'work')!r}
# Checkpoints at 2 and 4, both kept, so that a run can be cut back to 2.
cfg_options = {{'train_cfg.max_iters': 4,
                'default_hooks.checkpoint.interval': 2,
                'default_hooks.checkpoint.max_keep_ckpts': 2}}
""")
    result = run_tool('benchmark.py', path)
    assert_ok(result)
    return path, tmp_path / 'work', result.stdout


def run_dir(work, method, seed, mode='last'):
    return work / method / '2' / mode / f'seed{seed}'


def test_every_run_trains_tests_and_is_reported(suite):
    _, work, stdout = suite
    for method in METHODS:
        for seed in (0, 1):
            folder = run_dir(work, method, seed)
            result = json.loads((folder / 'result.json').read_text())
            assert result['switches'] == dict(
                checkpoint='last iteration', test_set_selection=False,
                largest_component=False, empty_pred='reference',
                iterations=4, seed=seed)
            assert result['checkpoint'].endswith('iter_4.pth')
            assert 0 <= result['metrics']['metrics']['dice']['mean'] <= 1
            assert result['commit'] and 'warning' not in result
            assert (folder / 'train.log').is_file()
            assert (folder / 'test_eval' / 'per_case.csv').is_file()
    for name in ('leaderboard.md', 'leaderboard.csv', 'runs.csv',
                 'dice.png', 'loss_curves.png'):
        assert (work / name).is_file(), name
    leaderboard = (work / 'leaderboard.md').read_text()
    assert '| sup | 2 | 2/2 |' in leaderboard
    assert '| mt | 2 | 2/2 |' in leaderboard
    assert 'Runs without a result' not in leaderboard
    assert stdout.count('-> train') == 4


def test_rerun_skips_finished_and_resumes_interrupted(suite):
    path, work, _ = suite
    finished = run_dir(work, 'sup', 0)
    stamp = os.stat(finished / 'result.json').st_mtime_ns
    # Cut one run back to its iteration-2 checkpoint, as a kill would.
    cut = run_dir(work, 'mt', 1)
    os.remove(cut / 'result.json')
    os.remove(cut / 'iter_4.pth')
    (cut / 'last_checkpoint').write_text(str(cut / 'iter_2.pth'))
    result = run_tool('benchmark.py', path)
    assert_ok(result)
    assert result.stdout.count('skip (finished)') == 3
    assert f'{osp.join(str(work), "mt", "2", "last", "seed1")}: ' \
        'interrupted -> resume' in result.stdout
    assert os.stat(finished / 'result.json').st_mtime_ns == stamp
    log = (cut / 'train.log').read_text()
    assert '--resume' in log and 'resumed' in log.lower()
    assert json.loads((cut / 'result.json').read_text())[
        'checkpoint'].endswith('iter_4.pth')


def test_selection_modes(suite):
    path, work, _ = suite
    refused = run_tool('benchmark.py', path, '--select', 'test-best')
    assert refused.returncode == 2
    assert '--i-know-this-uses-the-test-set' in refused.stderr
    assert not (work / 'sup' / '2' / 'test-best').exists()

    result = run_tool('benchmark.py', path, '--select', 'test-best',
                      '--i-know-this-uses-the-test-set', '--only', 'sup',
                      '--seeds', '0', '--val-interval', '2')
    assert_ok(result)
    assert 'WARNING: CHECKPOINT CHOSEN ON THE TEST SET' in result.stdout
    record = json.loads(
        (run_dir(work, 'sup', 0, 'test-best') / 'result.json').read_text())
    assert record['switches']['test_set_selection'] is True
    assert 'TEST SET' in record['warning']
    assert osp.basename(record['checkpoint']).startswith('best_dice_iter_')
    assert '**WARNING' in (work / 'leaderboard_test-best.md').read_text()

    result = run_tool('benchmark.py', path, '--select', 'val',
                      '--val-holdout', '2', '--only', 'mt', '--seeds', '0',
                      '--val-interval', '2')
    assert_ok(result)
    folder = run_dir(work, 'mt', 0, 'val')
    record = json.loads((folder / 'result.json').read_text())
    assert record['switches']['checkpoint'] == \
        'best Dice on 2 held-out training cases'
    assert osp.basename(record['checkpoint']).startswith('best_dice_iter_')
    assert (work / 'val_dice_val.png').is_file()


def test_a_crashing_run_is_reported_not_fatal(suite):
    path, work, _ = suite
    # The same suite plus a method whose model cannot be built.
    broken = path.parent / 'with_broken.py'
    broken.write_text(path.read_text() + """
methods.append(dict(name='broken', config=methods[0]['config'],
                    cfg_options={'model.type': 'NoSuchSegmentor'}))
""")
    result = run_tool('benchmark.py', broken, '--seeds', '0')
    assert result.returncode == 1
    assert result.stdout.count('skip (finished)') == 2
    log = run_dir(work, 'broken', 0) / 'train.log'
    assert 'NoSuchSegmentor' in log.read_text()
    failure = json.loads(
        (run_dir(work, 'broken', 0) / 'failed.json').read_text())
    assert failure['step'] == 'train' and failure['log'] == str(log)
    leaderboard = (work / 'leaderboard.md').read_text()
    assert f'broken / 2 / seed 0: **failed** (train exited with 1, see ' \
        f'{log})' in leaderboard
    assert '| broken | 2 | 0/2 | — |' in leaderboard  # seed 1 pending
