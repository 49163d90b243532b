"""docs/adding_a_method.md: a new unsupervised term from a user's module."""
import math
import os.path as osp
import sys

import torch
from mmengine.config import Config

from mmssl.models.semi import SemiBatch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
EXAMPLE = osp.join(REPO, 'examples', 'entropy_minimization')
sys.path.insert(0, osp.join(REPO, 'tests', 'test_tools'))
from tool_runner import assert_ok, run_tool  # noqa: E402


def _term():
    sys.path.insert(0, EXAMPLE)
    try:
        from entropy_minimization import EntropyMinimization
    finally:
        sys.path.remove(EXAMPLE)
    return EntropyMinimization(weight=0.5)


def _batch(logits):
    return SemiBatch(
        inputs=torch.zeros(len(logits), 1, 2, 2, 2), data_samples=[],
        labeled=torch.tensor([0]), unlabeled=torch.tensor([1]),
        student_outputs=dict(seg=logits))


def test_entropy_values_and_gradient():
    term = _term()
    uncertain = torch.zeros(2, 2, 2, 2, 2, requires_grad=True)
    losses = term(_batch(uncertain))
    # Uniform two-class prediction: entropy ln 2 (up to the 1e-6 in log).
    assert math.isclose(losses['loss_entropy'].item(), 0.5 * math.log(2),
                        rel_tol=1e-5)
    assert losses['entropy_weight'].item() == 0.5
    confident = torch.zeros(2, 2, 2, 2, 2)
    confident[:, 1] = 20.0
    assert term(_batch(confident))['loss_entropy'].item() < 1e-5
    # The gradient reaches the unlabeled case only.
    logits = torch.randn(2, 2, 2, 2, 2, requires_grad=True)
    term(_batch(logits))['loss_entropy'].backward()
    assert logits.grad[0].abs().sum() == 0
    assert logits.grad[1].abs().sum() > 0


def test_tutorial_config_trains(tmp_path):
    tutorial = osp.join(EXAMPLE, 'em_vnet_synthetic_2label.py')
    tiny = open(osp.join(REPO, 'tests/data/configs/tiny_semi.py')).read()
    base_line = next(line for line in tiny.splitlines()
                     if line.startswith('_base_'))
    config = tmp_path / 'tiny_em.py'
    config.write_text(tiny.replace(base_line, f'_base_ = [{tutorial!r}]'))
    cfg = Config.fromfile(str(config))
    assert cfg.model.teacher is None and cfg.custom_hooks == []
    result = run_tool('train.py', config, '--work-dir', tmp_path / 'work',
                      '--data-root', tmp_path / 'data', '--test',
                      env=dict(PYTHONPATH=EXAMPLE))
    assert_ok(result)
    log = result.stdout + result.stderr
    assert 'loss_entropy:' in log and 'entropy_weight:' in log
    assert 'loss_consistency' not in log
    assert 'Test results' in result.stdout
