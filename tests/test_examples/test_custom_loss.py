"""docs/adding_a_method.md, step by step: a user's module outside mmssl."""
import os
import os.path as osp
import subprocess
import sys

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
EXAMPLE = osp.join(REPO, 'examples', 'custom_loss')


def test_tversky_loss_values():
    sys.path.insert(0, EXAMPLE)
    try:
        from tversky_loss import TverskyLoss
    finally:
        sys.path.remove(EXAMPLE)
    target = torch.tensor([[[1, 1, 0, 0]]])
    # Logits (N=1, C=2, 1, 4): background channel, then foreground.
    background, foreground = [[-20., -20., 20., 20.]], [[20., 20., -20., -20.]]
    perfect = torch.tensor([[background, foreground]])
    loss = TverskyLoss()
    assert loss(perfect, target).item() < 1e-4
    # Predict all foreground: TP 2, FP 2, FN 0 -> 1 - 2 / (2 + 0.3 * 2).
    all_fg = torch.tensor([[[[-20.] * 4], [[20.] * 4]]])
    assert abs(loss(all_fg, target).item() - (1 - 2 / 2.6)) < 1e-4


def test_tutorial_config_trains_with_the_custom_loss(tmp_path):
    # The tutorial's config with the integration tests' tiny settings on top:
    # tiny_synthetic.py with its base swapped for the tutorial config.
    tiny = open(osp.join(REPO, 'tests/data/configs/tiny_synthetic.py')).read()
    base_line = next(line for line in tiny.splitlines()
                     if line.startswith('_base_'))
    tutorial = osp.join(EXAMPLE, 'vnet_synthetic_tversky.py')
    config = tmp_path / 'tiny_tversky.py'
    config.write_text(
        tiny.replace(base_line, f'_base_ = [{tutorial!r}]') +
        '\ntrain_cfg = dict(max_iters=2)\n')
    env = dict(os.environ, PYTHONPATH=EXAMPLE, OMP_NUM_THREADS='1')
    result = subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'train.py'), str(config),
         '--work-dir', str(tmp_path / 'work'), '--data-root',
         str(tmp_path / 'data')],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-5000:]
    log = result.stdout + result.stderr
    assert 'loss_tversky:' in log and 'loss_ce:' in log
    assert 'loss_dice:' not in log
