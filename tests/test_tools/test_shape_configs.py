"""A few iterations of DTC, SASSNet and the mixed configs, end to end."""
import pytest
import torch

from tool_runner import assert_ok, run_tool, tiny_version


@pytest.mark.parametrize('config,log_keys', [
    ('configs/dtc/dtc_vnet_synthetic_2label.py',
     ['loss_dice:', 'sdf.loss_sdf:', 'loss_dual_task:', 'dual_task_weight:']),
    ('configs/sassnet/sassnet_vnet_synthetic_2label.py',
     ['loss_dice:', 'sdf.loss_sdf:', 'loss_adversarial:',
      'loss_discriminator:', 'discriminator_acc:', 'discriminator.lr:']),
    ('configs/mix/uamt_dtc_vnet_synthetic_2label.py',
     ['loss_ce:', 'sdf.loss_sdf:', 'loss_consistency:',
      'consistency_mask_ratio:', 'loss_dual_task:']),
    ('configs/mix/mt_sdf_vnet_synthetic_2label.py',
     ['loss_ce:', 'sdf.loss_sdf:', 'loss_consistency:']),
])
def test_shape_config_trains_and_tests(config, log_keys, tmp_path):
    work_dir = tmp_path / 'work'
    config_path = tiny_version(config, tmp_path, 'tiny_shape.py')
    result = run_tool('train.py', config_path, '--work-dir', work_dir,
                      '--data-root', tmp_path / 'data', '--test')
    assert_ok(result)
    log = result.stdout + result.stderr
    for key in log_keys:
        assert key in log, key
    assert 'loss: nan' not in log
    assert 'num_cases=1' in result.stdout
    largest_component = config.startswith('configs/dtc/')
    assert ('largest connected component' in result.stdout) == (
        largest_component)
    weights = torch.load(work_dir / 'iter_3.pth',
                         weights_only=True)['state_dict']
    assert any(k.startswith('student.heads.sdf.') for k in weights)


def test_sassnet_resumes_both_optimizers(tmp_path):
    config = tiny_version('configs/sassnet/sassnet_vnet_synthetic_2label.py',
                          tmp_path, 'tiny_shape.py')
    work_dir, data = tmp_path / 'work', tmp_path / 'data'
    assert_ok(run_tool('train.py', config, '--work-dir', work_dir,
                       '--data-root', data))
    saved = torch.load(work_dir / 'iter_3.pth', weights_only=True)
    assert set(saved['optimizer']) == {'student', 'discriminator'}
    result = run_tool('train.py', config, '--work-dir', work_dir,
                      '--data-root', data, '--resume', '--cfg-options',
                      'train_cfg.max_iters=4',
                      'default_hooks.checkpoint.interval=1')
    assert_ok(result)
    log = result.stdout + result.stderr
    assert 'resumed epoch: 0, iter: 3' in log
    final = torch.load(work_dir / 'iter_4.pth', weights_only=True)
    # Adam continued from its saved state: 4 steps, not 1.
    adam = final['optimizer']['discriminator']['state']
    assert {float(s['step']) for s in adam.values()} == {4.0}
    saved_adam = saved['optimizer']['discriminator']['state']
    assert {float(s['step']) for s in saved_adam.values()} == {3.0}
    # SGD kept its momentum buffers and its lr.
    sgd = final['optimizer']['student']
    assert all('momentum_buffer' in s for s in sgd['state'].values())
    assert sgd['param_groups'][0]['lr'] == pytest.approx(0.01)
    name = 'discriminator.classifier.weight'
    assert not torch.equal(final['state_dict'][name],
                           saved['state_dict'][name])
