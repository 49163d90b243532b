"""Exact resume after a hard kill, determinism, the NaN guard and
checkpoint errors, through tools/train.py as a user runs it."""
import json
import os
import os.path as osp

import pytest
import torch

from tool_runner import REPO, assert_ok, run_tool, tiny_version

PLUGINS = osp.join(REPO, 'tests', 'data', 'plugins')
UAMT = 'configs/uamt/uamt_vnet_synthetic_2label.py'


def plugin_env():
    path = os.environ.get('PYTHONPATH')
    return dict(PYTHONPATH=PLUGINS + (os.pathsep + path if path else ''))


EMA_HOOK = "dict(type='EMATeacherHook', decay=0.99, warmup='uamt')"


def method_with_hooks(tmp_path, name, *hooks, config=UAMT,
                      tiny='tiny_semi.py', own_hooks=(EMA_HOOK, )):
    """Tiny UA-MT (BatchNorm, MC dropout, teacher noise: every source of
    randomness), or another method ``config``, with test hooks after the
    method's own hooks."""
    hook_list = ', '.join(list(own_hooks) + list(hooks))
    extra = ("\ncustom_imports = dict(imports=['mmssl_test_hooks'], "
             "allow_failed_imports=False)\n"
             f'custom_hooks = [{hook_list}]\n'
             'train_cfg = dict(max_iters=6)\n'
             'default_hooks = dict(checkpoint=dict(interval=2, '
             'max_keep_ckpts=5))\n')
    folder = tmp_path / name
    folder.mkdir()
    return tiny_version(config, folder, tiny, extra=extra)


def read_losses(folder, rank=0):
    with open(osp.join(folder, f'losses_rank{rank}.jsonl')) as f:
        return [json.loads(line) for line in f]


# SASSNet: two optimizers (SGD + Adam) and a discriminator with dropout.
METHODS = {
    'uamt': dict(),
    'sassnet': dict(config='configs/sassnet/sassnet_vnet_synthetic_2label.py',
                    tiny='tiny_shape.py', own_hooks=()),
}


@pytest.mark.parametrize('method', sorted(METHODS))
def test_kill_and_resume_repeats_the_uninterrupted_losses(method, tmp_path):
    options = METHODS[method]
    data = tmp_path / 'data'
    full_log, killed_log, resumed_log = (tmp_path / n for n in (
        'full_log', 'killed_log', 'resumed_log'))
    full = method_with_hooks(tmp_path, 'full',
                             f"dict(type='RecordLossesHook', "
                             f"out_dir={str(full_log)!r})", **options)
    assert_ok(run_tool('train.py', full, '--work-dir', tmp_path / 'w_full',
                       '--data-root', data, '--deterministic',
                       env=plugin_env()))

    # Killed (SIGKILL) after iteration 5; its last checkpoint is iter_4.
    killed = method_with_hooks(tmp_path, 'killed',
                               f"dict(type='RecordLossesHook', "
                               f"out_dir={str(killed_log)!r})",
                               "dict(type='KillAtIterHook', at=5)",
                               **options)
    work = tmp_path / 'w_killed'
    result = run_tool('train.py', killed, '--work-dir', work, '--data-root',
                      data, '--deterministic', env=plugin_env())
    assert result.returncode == -9, result.stderr[-2000:]
    assert (work / 'iter_4.pth').is_file()
    assert not (work / 'iter_6.pth').exists()
    assert not list(work.glob('.*.partial'))

    resumed = method_with_hooks(tmp_path, 'resumed',
                                f"dict(type='RecordLossesHook', "
                                f"out_dir={str(resumed_log)!r})", **options)
    result = run_tool('train.py', resumed, '--work-dir', work, '--resume',
                      '--data-root', data, '--deterministic',
                      env=plugin_env())
    assert_ok(result)
    log = result.stdout + result.stderr
    assert 'Resuming the sample stream at step 4' in log

    reference = read_losses(full_log)
    assert [r['iter'] for r in reference] == [1, 2, 3, 4, 5, 6]
    assert read_losses(killed_log) == reference[:5]
    # Iterations 5 and 6 again after the resume: identical, to the bit.
    assert read_losses(resumed_log) == reference[4:]
    full_state = torch.load(full_log / 'state_rank0.pth', weights_only=True)
    resumed_state = torch.load(resumed_log / 'state_rank0.pth',
                               weights_only=True)
    for key, value in full_state.items():
        assert torch.equal(value, resumed_state[key]), key


def test_a_kill_during_a_save_leaves_the_previous_checkpoint(tmp_path):
    data, work = tmp_path / 'data', tmp_path / 'work'
    config = method_with_hooks(tmp_path, 'killed',
                               "dict(type='KillDuringSaveHook', at=4)")
    result = run_tool('train.py', config, '--work-dir', work, '--data-root',
                      data, env=plugin_env())
    assert result.returncode == -9, result.stderr[-2000:]
    # The half-written file never got the checkpoint's name.
    assert not (work / 'iter_4.pth').exists()
    assert (work / '.iter_4.pth.partial').is_file()
    assert (work / 'last_checkpoint').read_text().endswith('iter_2.pth')
    torch.load(work / 'iter_2.pth', weights_only=True)
    resumed = method_with_hooks(tmp_path, 'resumed')
    result = run_tool('train.py', resumed, '--work-dir', work, '--resume',
                      '--data-root', data, env=plugin_env())
    assert_ok(result)
    assert 'resumed epoch: 0, iter: 2' in result.stdout + result.stderr
    assert (work / 'iter_6.pth').is_file()


def test_deterministic_runs_repeat_and_seeds_differ(tmp_path):
    data = tmp_path / 'data'
    runs = {}
    for name, seed in (('a', 3), ('b', 3), ('c', 4)):
        log = tmp_path / f'log_{name}'
        config = method_with_hooks(
            tmp_path, name,
            f"dict(type='RecordLossesHook', out_dir={str(log)!r})")
        assert_ok(run_tool('train.py', config, '--work-dir',
                           tmp_path / f'w_{name}', '--data-root', data,
                           '--deterministic', '--seed', str(seed),
                           '--cfg-options', 'train_cfg.max_iters=3',
                           env=plugin_env()))
        runs[name] = read_losses(log)
    assert runs['a'] == runs['b']
    assert runs['a'] != runs['c']


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    config = tiny_version('configs/mean_teacher/mt_vnet_synthetic_2label.py',
                          tmp_path)
    work = tmp_path / 'work'
    result = run_tool('train.py', config, '--work-dir', work, '--data-root',
                      tmp_path / 'data', '--cfg-options',
                      'train_cfg.max_iters=20',
                      'optim_wrapper.optimizer.lr=1e12',
                      'default_hooks.checkpoint.interval=1',
                      'default_hooks.checkpoint.max_keep_ckpts=30')
    assert result.returncode != 0
    assert 'NonFiniteLossError' in result.stderr
    message = next(line for line in result.stderr.splitlines()
                   if 'non-finite values' in line)
    bad_iter = int(message.split('Iteration ')[1].split(':')[0])
    saved = sorted(int(p.stem.split('_')[1]) for p in work.glob('iter_*.pth'))
    assert saved == list(range(1, bad_iter))
    if saved:
        assert f'iter_{saved[-1]}.pth' in message
        state = torch.load(work / f'iter_{saved[-1]}.pth',
                           weights_only=True)['state_dict']
        assert all(torch.isfinite(v).all() for v in state.values()
                   if v.is_floating_point())


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('ckpt')
    config = tiny_version('configs/mean_teacher/mt_vnet_synthetic_2label.py',
                          tmp_path)
    assert_ok(run_tool('train.py', config, '--work-dir', tmp_path / 'work',
                       '--data-root', tmp_path / 'data'))
    return config, tmp_path


def test_truncated_checkpoint_fails_clearly(trained, tmp_path):
    config, root = trained
    good = (root / 'work' / 'iter_3.pth').read_bytes()
    broken = tmp_path / 'broken.pth'
    broken.write_bytes(good[:len(good) // 2])
    result = run_tool('train.py', config, '--work-dir', tmp_path / 'w',
                      '--data-root', root / 'data', '--resume', broken)
    assert result.returncode != 0
    assert f'{broken} is not a readable PyTorch checkpoint' in result.stderr


def test_unsafe_foreign_checkpoints_fail_clearly(trained, tmp_path):
    config, root = trained
    pickled = tmp_path / 'pickled.pth'
    torch.save({'state_dict': {}, 'extra': torch.nn.ReLU()}, pickled)
    result = run_tool('train.py', config, '--work-dir', tmp_path / 'w',
                      '--data-root', root / 'data', '--cfg-options',
                      f'load_from={pickled}')
    assert result.returncode != 0
    assert f'{pickled} holds objects other than tensors' in result.stderr

    other_net = tmp_path / 'other.pth'
    torch.save({'state_dict': {'encoder.fc.weight': torch.zeros(3)}},
               other_net)
    result = run_tool('train.py', config, '--work-dir', tmp_path / 'w',
                      '--data-root', root / 'data', '--cfg-options',
                      f'load_from={other_net}')
    assert result.returncode != 0
    assert f'None of the weights in {other_net}' in result.stderr

    weights_only = tmp_path / 'weights.pth'
    state = torch.load(root / 'work' / 'iter_3.pth', weights_only=True)
    torch.save({'state_dict': state['state_dict']}, weights_only)
    result = run_tool('train.py', config, '--work-dir', tmp_path / 'w',
                      '--data-root', root / 'data', '--resume', weights_only)
    assert result.returncode != 0
    assert f'{weights_only} is not a training checkpoint' in result.stderr
    # The same file is fine as pretrained weights.
    assert_ok(run_tool('train.py', config, '--work-dir', tmp_path / 'w2',
                       '--data-root', root / 'data', '--cfg-options',
                       f'load_from={weights_only}', 'train_cfg.max_iters=1'))
