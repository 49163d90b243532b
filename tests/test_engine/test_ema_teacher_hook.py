from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from mmssl.engine import EMATeacherHook
from mmssl.registry import HOOKS


def small_net(seed):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2))
    with torch.no_grad():  # non-trivial buffers
        net[1].running_mean.uniform_()
        net[1].running_var.uniform_(0.5, 2)
        net[1].num_batches_tracked.fill_(seed)
    return net


class TeacherStudent(nn.Module):

    def __init__(self, teacher=None):
        super().__init__()
        self.student = small_net(1)
        self.teacher = small_net(2) if teacher is None else teacher


def snapshot(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def run_iter(hook, model, iteration):
    runner = SimpleNamespace(model=model, iter=iteration)
    hook.after_train_iter(runner, batch_idx=iteration)


def expected_params(teacher, student, keep):
    return {
        name: keep * teacher[name] + (1 - keep) * student[name]
        for name in ('0.weight', '0.bias', '1.weight', '1.bias')
    }


def assert_params(model, expected):
    state = model.teacher.state_dict()
    for name, value in expected.items():
        torch.testing.assert_close(state[name], value, rtol=0, atol=1e-7)


def test_uamt_warmup_arithmetic():
    model = TeacherStudent()
    hook = HOOKS.build(dict(type='EMATeacherHook', decay=0.99))
    hook.before_train(SimpleNamespace(model=model))
    student = snapshot(model.student)
    teacher_buffers = {k: v.clone() for k, v in model.teacher.named_buffers()}

    run_iter(hook, model, 0)  # alpha = min(1 - 1/1, .99) = 0: a copy
    for name, param in model.teacher.named_parameters():
        assert torch.equal(param, student[name])
    # Parameters only: the buffers keep their own values.
    for name, buffer in model.teacher.named_buffers():
        assert torch.equal(buffer, teacher_buffers[name])

    with torch.no_grad():
        for param in model.student.parameters():
            param.add_(1.0)
    teacher, student = snapshot(model.teacher), snapshot(model.student)
    run_iter(hook, model, 1)  # alpha = 0.5
    assert_params(model, expected_params(teacher, student, 0.5))

    teacher = snapshot(model.teacher)
    run_iter(hook, model, 500)  # 1 - 1/501 > .99: alpha = decay
    assert_params(model, expected_params(teacher, student, 0.99))
    assert hook.decay_at(99) == pytest.approx(0.99)
    assert hook.decay_at(9) == pytest.approx(0.9)


def test_no_warmup_uses_decay_from_the_start():
    model = TeacherStudent()
    hook = EMATeacherHook(decay=0.9, warmup=None)
    teacher, student = snapshot(model.teacher), snapshot(model.student)
    run_iter(hook, model, 0)
    assert_params(model, expected_params(teacher, student, 0.9))


def test_update_buffers_averages_floats_and_copies_integers():
    model = TeacherStudent()
    hook = EMATeacherHook(decay=0.9, warmup=None, update_buffers=True)
    teacher, student = snapshot(model.teacher), snapshot(model.student)
    run_iter(hook, model, 3)
    state = model.teacher.state_dict()
    for name in ('1.running_mean', '1.running_var'):
        torch.testing.assert_close(
            state[name], 0.9 * teacher[name] + 0.1 * student[name])
    assert state['1.num_batches_tracked'].item() == 1
    assert state['1.num_batches_tracked'].dtype == torch.long


def test_interval_and_wrapped_model():
    model = TeacherStudent()
    wrapped = nn.DataParallel(model)  # a registered model wrapper, on CPU
    hook = EMATeacherHook(interval=2)
    hook.before_train(SimpleNamespace(model=wrapped))
    teacher = snapshot(model.teacher)
    run_iter(hook, wrapped, 0)  # (0 + 1) % 2 != 0: skipped
    for name, value in model.teacher.state_dict().items():
        assert torch.equal(value, teacher[name])
    teacher, student = snapshot(model.teacher), snapshot(model.student)
    run_iter(hook, wrapped, 1)
    assert_params(model, expected_params(teacher, student, 0.5))


def test_mismatched_modules_are_clear_errors():
    hook = EMATeacherHook()
    other = nn.Sequential(nn.Conv2d(1, 3, 1), nn.BatchNorm2d(3))
    with pytest.raises(ValueError, match='shape'):
        hook.before_train(SimpleNamespace(model=TeacherStudent(other)))
    renamed = nn.Sequential(nn.Conv2d(1, 2, 1))
    with pytest.raises(ValueError, match='names'):
        hook.before_train(SimpleNamespace(model=TeacherStudent(renamed)))
    with pytest.raises(AttributeError, match='ema_teacher'):
        EMATeacherHook(teacher_attr='ema_teacher').before_train(
            SimpleNamespace(model=TeacherStudent()))


def test_invalid_arguments():
    with pytest.raises(ValueError, match='momentum'):
        EMATeacherHook(decay=1.5)
    with pytest.raises(ValueError):
        EMATeacherHook(warmup='linear')
    with pytest.raises(ValueError):
        EMATeacherHook(interval=0)
