"""Two CPU processes over gloo, started by tools/dist_train.sh as a user
would, against one process on the same global batches."""
import json
import os
import os.path as osp

import pytest
import torch

from tool_runner import (REPO, assert_ok, free_port, run_script, run_tool,
                         tiny_version)

PLUGINS = osp.join(REPO, 'tests', 'data', 'plugins')
MEAN_TEACHER = 'configs/mean_teacher/mt_vnet_synthetic_2label.py'
SASSNET = 'configs/sassnet/sassnet_vnet_synthetic_2label.py'
HALF_BATCH = ('train_dataloader.batch_size=2',
              'train_dataloader.sampler.batch_size=2',
              'train_dataloader.sampler.labeled_per_batch=1')


def env(**extra):
    path = os.environ.get('PYTHONPATH')
    return dict(PYTHONPATH=PLUGINS + (os.pathsep + path if path else ''),
                **extra)


def with_recorder(config, tmp_path, name, log, tiny, teacher=True):
    folder = tmp_path / name
    folder.mkdir()
    ema = ("dict(type='EMATeacherHook', decay=0.99, warmup='uamt'), "
           if teacher else '')
    extra = ("\ncustom_imports = dict(imports=['mmssl_test_hooks'], "
             "allow_failed_imports=False)\n"
             f"custom_hooks = [{ema}dict(type='RecordLossesHook', "
             f"out_dir={str(log)!r})]\n"
             'train_cfg = dict(max_iters=4)\n')
    return tiny_version(config, folder, tiny, extra)


def losses(log, rank):
    with open(osp.join(log, f'losses_rank{rank}.jsonl')) as f:
        return [json.loads(line) for line in f]


def test_two_processes_keep_ranks_identical_and_count_each_case_once(
        tmp_path):
    """BatchNorm, dropout and teacher noise on: every rank ends with the
    same student and teacher, and each test case is scored once."""
    log = tmp_path / 'log'
    config = with_recorder(MEAN_TEACHER, tmp_path, 'cfg', log,
                           ('tiny_semi.py', 'tiny_dist_bn.py'))
    result = run_script('dist_train.sh', config, 2, '--work-dir',
                        tmp_path / 'work', '--data-root', tmp_path / 'data',
                        '--test', '--cfg-options', *HALF_BATCH,
                        env=env(PORT=str(free_port())))
    assert_ok(result)
    # 3 test cases over 2 ranks (one rank gets a padding duplicate).
    assert 'num_cases=3' in result.stdout
    states = [torch.load(log / f'state_rank{r}.pth', weights_only=True)
              for r in range(2)]
    assert any(k.startswith('teacher.') and 'running_mean' in k
               for k in states[0])
    for key, value in states[0].items():
        assert torch.equal(value, states[1][key]), key
    # The ranks saw different data, so their losses differ.
    assert losses(log, 0) != losses(log, 1)
    # tools/dist_test.sh on the checkpoint: the same 3 cases, once each.
    result = run_script('dist_test.sh', config, tmp_path / 'work' /
                        'iter_4.pth', 2, '--data-root', tmp_path / 'data',
                        '--work-dir', tmp_path / 'test_work', '--out',
                        tmp_path / 'out',
                        env=env(PORT=str(free_port())))
    assert_ok(result)
    with open(tmp_path / 'out' / 'per_case.csv') as f:
        rows = [line for line in f.read().splitlines()[1:]
                if line.startswith('synth_test_')]
    assert len(rows) == 3


def test_two_processes_match_one_process_over_the_same_global_batches(
        tmp_path):
    single_log, dist_log = tmp_path / 'single', tmp_path / 'dist'
    single = with_recorder(MEAN_TEACHER, tmp_path, 'single_cfg', single_log,
                           ('tiny_semi.py', 'tiny_dist.py'))
    assert_ok(run_tool('train.py', single, '--work-dir', tmp_path / 'w1',
                       '--data-root', tmp_path / 'data', env=env()))
    dist = with_recorder(MEAN_TEACHER, tmp_path, 'dist_cfg', dist_log,
                         ('tiny_semi.py', 'tiny_dist.py'))
    assert_ok(run_script('dist_train.sh', dist, 2, '--work-dir',
                         tmp_path / 'w2', '--data-root', tmp_path / 'data',
                         '--cfg-options', *HALF_BATCH,
                         env=env(PORT=str(free_port()))))
    reference = losses(single_log, 0)
    ranks = [losses(dist_log, r) for r in range(2)]
    assert len(reference) == 4
    for step, expected in enumerate(reference):
        for key in ('loss', 'loss_ce', 'loss_consistency'):
            mean = (ranks[0][step][key] + ranks[1][step][key]) / 2
            assert mean == pytest.approx(expected[key], rel=1e-4,
                                         abs=1e-7), (step, key)
    one = torch.load(single_log / 'state_rank0.pth', weights_only=True)
    two = torch.load(dist_log / 'state_rank0.pth', weights_only=True)
    for key, value in one.items():
        assert torch.allclose(value, two[key], atol=1e-5), key


def test_sassnet_two_processes_match_one_process(tmp_path):
    """SASSNet's iteration is two updates with two optimizers (network,
    then discriminator); under StagewiseDistributedDataParallel both average
    their gradients over the ranks, so two processes on half batches follow
    one process on the whole batches, the discriminator included."""
    single_log, dist_log = tmp_path / 'single', tmp_path / 'dist'
    tiny = ('tiny_shape.py', 'tiny_dist_sassnet.py')
    single = with_recorder(SASSNET, tmp_path, 'single_cfg', single_log, tiny,
                           teacher=False)
    assert_ok(run_tool('train.py', single, '--work-dir', tmp_path / 'w1',
                       '--data-root', tmp_path / 'data', env=env()))
    dist = with_recorder(SASSNET, tmp_path, 'dist_cfg', dist_log, tiny,
                         teacher=False)
    result = run_script('dist_train.sh', dist, 2, '--work-dir',
                        tmp_path / 'w2', '--data-root', tmp_path / 'data',
                        '--cfg-options', *HALF_BATCH,
                        env=env(PORT=str(free_port())))
    assert_ok(result)
    assert 'StagewiseDistributedDataParallel' in (result.stdout +
                                                  result.stderr)
    reference = losses(single_log, 0)
    ranks = [losses(dist_log, r) for r in range(2)]
    assert len(reference) == 4
    for step, expected in enumerate(reference):
        for key in ('loss_ce', 'sdf.loss_sdf', 'loss_adversarial',
                    'loss_discriminator'):
            mean = (ranks[0][step][key] + ranks[1][step][key]) / 2
            assert mean == pytest.approx(expected[key], rel=1e-4,
                                         abs=1e-7), (step, key)
    one = torch.load(single_log / 'state_rank0.pth', weights_only=True)
    two = [torch.load(dist_log / f'state_rank{r}.pth', weights_only=True)
           for r in range(2)]
    assert any(k.startswith('discriminator.') for k in one)
    for key, value in one.items():
        assert torch.equal(two[0][key], two[1][key]), key
        assert torch.allclose(value, two[0][key], atol=1e-5), key


def test_stagewise_wrapper_refuses_to_skip_unused_parameters():
    from mmssl.models import StagewiseDistributedDataParallel
    with pytest.raises(ValueError, match='find_unused_parameters=True'):
        StagewiseDistributedDataParallel(torch.nn.Linear(2, 2),
                                         find_unused_parameters=False)
