"""tools/analysis_tools/loss_scale.py: each loss term's value and gradient
norm on the student, with the schedules at a chosen iteration."""
import json

import pytest
import torch

from tool_runner import assert_ok, load_tool, run_tool, tiny_version

loss_scale = load_tool('analysis_tools/loss_scale.py')


def _run(config, tmp_path, *args):
    out = tmp_path / f'scale_{len(list(tmp_path.iterdir()))}.json'
    loss_scale.main([str(config), *map(str, args), '--batches', '2',
                     '--data-root', str(tmp_path / 'data'), '--out',
                     str(out)])
    return json.loads(out.read_text())


def test_gradient_norm_matches_hand_computation():
    w = torch.tensor([3.0, -4.0], requires_grad=True)
    b = torch.tensor([1.0], requires_grad=True)
    loss = (w * w).sum() / 2 + 5 * b.sum()  # gradients w and 5
    assert loss_scale.gradient_norm(loss, [w, b]) == pytest.approx(
        (9 + 16 + 25)**0.5)


def test_mean_teacher_terms_and_the_iteration_option(tmp_path):
    config = tiny_version('configs/mean_teacher/mt_unet_synthetic2d_8label.py',
                          tmp_path, 'tiny_2d.py')
    # The ramp spans the 600 iterations of the real config.
    options = ('--cfg-options', 'train_cfg.max_iters=600')
    last = _run(config, tmp_path, *options)
    first = _run(config, tmp_path, '--iter', '0', *options)
    assert last['iteration'] == 599 and first['iteration'] == 0
    terms = last['terms']
    assert list(terms) == ['loss_ce', 'loss_dice', 'supervised (sum)',
                           'loss_consistency']
    assert terms['loss_consistency']['unsupervised']
    assert not terms['loss_ce']['unsupervised']
    for entry in terms.values():
        assert entry['value'] > 0 and entry['grad_norm'] > 0
    # Grad norm of a sum is at most the sum of the grad norms.
    assert terms['supervised (sum)']['grad_norm'] <= (
        terms['loss_ce']['grad_norm'] + terms['loss_dice']['grad_norm'] +
        1e-6)
    assert terms['loss_consistency']['grad_norm_vs_supervised'] == (
        pytest.approx(terms['loss_consistency']['grad_norm'] /
                      terms['supervised (sum)']['grad_norm']))
    # Same seed, so same batches, noise and dropout: the consistency term
    # scales with the ramp's weight at the chosen iteration, and the
    # supervised terms do not depend on it.
    ratio = (last['weights']['consistency_weight'] /
             first['weights']['consistency_weight'])
    assert ratio > 100
    for key in ('value', 'grad_norm'):
        assert last['terms']['loss_consistency'][key] == pytest.approx(
            ratio * first['terms']['loss_consistency'][key], rel=1e-4)
        assert last['terms']['loss_ce'][key] == pytest.approx(
            first['terms']['loss_ce'][key], rel=1e-5)


def test_prefixed_supervised_losses_and_a_checkpoint(tmp_path):
    """DTC logs its SDF head's loss as ``sdf.loss_sdf``: supervised. A
    trained checkpoint is measured instead of the fresh model."""
    config = tiny_version('configs/dtc/dtc_unet_synthetic2d_8label.py',
                          tmp_path, 'tiny_2d.py')
    fresh = _run(config, tmp_path)
    assert not fresh['terms']['sdf.loss_sdf']['unsupervised']
    assert fresh['terms']['loss_dual_task']['unsupervised']
    assert 'dual_task_weight' in fresh['weights']

    work_dir = tmp_path / 'work'
    assert_ok(run_tool('train.py', config, '--work-dir', work_dir,
                       '--data-root', tmp_path / 'data'))
    trained = _run(config, tmp_path, work_dir / 'iter_3.pth')
    assert trained['checkpoint'].endswith('iter_3.pth')
    assert (trained['terms']['loss_ce']['value'] !=
            fresh['terms']['loss_ce']['value'])


def test_bad_arguments_fail_clearly(tmp_path):
    config = tiny_version('configs/mean_teacher/mt_unet_synthetic2d_8label.py',
                          tmp_path, 'tiny_2d.py')
    with pytest.raises(SystemExit, match=r'--iter must be in \[0, 3\)'):
        _run(config, tmp_path, '--iter', '3')
    missing = tmp_path / 'missing.pth'
    with pytest.raises(Exception, match='missing.pth'):
        _run(config, tmp_path, missing)
