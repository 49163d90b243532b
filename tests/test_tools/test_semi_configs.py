"""A few iterations of each semi-supervised synthetic config, end to end."""
import pytest
import torch

from tool_runner import assert_ok, run_tool, tiny_version


@pytest.mark.parametrize('config', [
    'configs/mean_teacher/mt_vnet_synthetic_2label.py',
    'configs/uamt/uamt_vnet_synthetic_2label.py',
])
def test_semi_config_trains_tests_and_saves_the_teacher(config, tmp_path):
    work_dir = tmp_path / 'work'
    result = run_tool('train.py', tiny_version(config, tmp_path), '--work-dir',
                      work_dir, '--data-root', tmp_path / 'data', '--test')
    assert_ok(result)
    log = result.stdout + result.stderr
    assert 'loss_consistency:' in log and 'consistency_weight:' in log
    assert 'num_cases=1' in result.stdout
    state = torch.load(work_dir / 'iter_3.pth', weights_only=True)
    weights = state['state_dict']
    assert any(k.startswith('teacher.') for k in weights)
    # EMA after 3 steps: the teacher follows the student but differs.
    name = 'backbone.encoder_stages.0.0.weight'
    assert not torch.equal(weights[f'teacher.{name}'],
                           weights[f'student.{name}'])


def test_semi_config_resumes_with_its_teacher(tmp_path):
    config = tiny_version('configs/uamt/uamt_vnet_synthetic_2label.py',
                          tmp_path)
    work_dir, data = tmp_path / 'work', tmp_path / 'data'
    assert_ok(run_tool('train.py', config, '--work-dir', work_dir,
                       '--data-root', data))
    saved = torch.load(work_dir / 'iter_3.pth', weights_only=True)
    result = run_tool('train.py', config, '--work-dir', work_dir,
                      '--data-root', data, '--resume', '--cfg-options',
                      'train_cfg.max_iters=4')
    assert_ok(result)
    log = result.stdout + result.stderr
    assert 'resumed epoch: 0, iter: 3' in log
    assert 'Iter(train) [4/4]' in log
    final = torch.load(work_dir / 'iter_4.pth', weights_only=True)
    name = 'teacher.backbone.encoder_stages.0.0.weight'
    # One more EMA step from the saved teacher: close to it, not equal.
    assert not torch.equal(final['state_dict'][name],
                           saved['state_dict'][name])
    assert torch.allclose(final['state_dict'][name],
                          saved['state_dict'][name], atol=0.05)
