"""Exponential moving average of the student into the teacher."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmssl.registry import HOOKS


@HOOKS.register_module()
class EMATeacherHook(Hook):
    """After each optimizer step, ``teacher = a teacher + (1 - a) student``.

    ``a`` is the fraction of the teacher that is KEPT (``decay``). Note that
    MMDetection's ``MeanTeacherHook`` takes ``momentum = 1 - decay`` instead:
    its ``momentum=0.001`` is our ``decay=0.999``.

    With ``warmup='uamt'`` (Mean Teacher / UA-MT released code),
    ``a = min(1 - 1 / (t + 1), decay)`` at the 0-based iteration ``t`` just
    finished: at t = 0 the teacher becomes a copy of the student, at t = 1
    ``a = 0.5``, and from ``t = 1 / (1 - decay) - 1`` on ``a = decay``.
    ``warmup=None`` uses ``a = decay`` throughout, so the teacher starts from
    its own initialisation.

    Only parameters are averaged by default, as in the reference code (the
    teacher's normalisation statistics then come from its own forward
    passes). ``update_buffers=True`` also averages floating-point buffers and
    copies integer ones (e.g. BatchNorm's ``num_batches_tracked``).

    The hook keeps no state: the teacher lives in the model's ``state_dict``,
    so resuming restores it, and ``a`` depends only on ``runner.iter``. It
    runs at NORMAL priority, before the CheckpointHook (VERY_LOW) of the same
    iteration, so a checkpoint holds the updated teacher.

    Args:
        decay: Fraction of the teacher kept per update (0.99 in UA-MT).
        warmup: ``'uamt'`` or None, see above.
        update_buffers: Also update the teacher's buffers.
        interval: Update every ``interval`` iterations (after iterations
            t with ``(t + 1) % interval == 0``).
        student_attr: Attribute of the model holding the student.
        teacher_attr: Attribute of the model holding the teacher.
    """

    WARMUPS = ('uamt', None)

    def __init__(self,
                 decay: float = 0.99,
                 warmup: Optional[str] = 'uamt',
                 update_buffers: bool = False,
                 interval: int = 1,
                 student_attr: str = 'student',
                 teacher_attr: str = 'teacher'):
        if not 0.0 <= decay <= 1.0:
            raise ValueError(f'EMATeacherHook: decay must lie in [0, 1], got '
                             f'{decay} (it is the fraction of the teacher '
                             'kept, not MMDetection\'s momentum)')
        if warmup not in self.WARMUPS:
            raise ValueError(f'EMATeacherHook: warmup must be one of '
                             f'{self.WARMUPS}, got {warmup!r}')
        if int(interval) != interval or interval < 1:
            raise ValueError(f'EMATeacherHook: interval must be a positive '
                             f'integer, got {interval}')
        self.decay = float(decay)
        self.warmup = warmup
        self.update_buffers = bool(update_buffers)
        self.interval = int(interval)
        self.student_attr = student_attr
        self.teacher_attr = teacher_attr

    def student_and_teacher(self, runner) -> Tuple[nn.Module, nn.Module]:
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        modules = []
        for role, attr in (('student', self.student_attr),
                           ('teacher', self.teacher_attr)):
            module = getattr(model, attr, None)
            if not isinstance(module, nn.Module):
                raise AttributeError(
                    f'EMATeacherHook: the model ({type(model).__name__}) has '
                    f'no {role} module at attribute {attr!r} (set '
                    f'{role}_attr=... of the hook)')
            modules.append(module)
        return tuple(modules)

    def before_train(self, runner) -> None:
        student, teacher = self.student_and_teacher(runner)
        if student is teacher:
            raise ValueError('EMATeacherHook: student and teacher are the '
                             'same module')
        self._check_same_tensors('parameters',
                                 dict(student.named_parameters()),
                                 dict(teacher.named_parameters()))
        if self.update_buffers:
            self._check_same_tensors('buffers', dict(student.named_buffers()),
                                     dict(teacher.named_buffers()))

    @staticmethod
    def _check_same_tensors(kind: str, student: dict, teacher: dict) -> None:
        only_student = sorted(set(student) - set(teacher))
        only_teacher = sorted(set(teacher) - set(student))
        if only_student or only_teacher:
            raise ValueError(
                f'EMATeacherHook: student and teacher {kind} differ in names; '
                f'only in the student: {only_student[:5]}, only in the '
                f'teacher: {only_teacher[:5]}')
        mismatched = [
            f'{name}: {tuple(student[name].shape)} vs '
            f'{tuple(teacher[name].shape)}' for name in student
            if student[name].shape != teacher[name].shape
        ]
        if mismatched:
            raise ValueError(f'EMATeacherHook: student and teacher {kind} '
                             f'differ in shape: {mismatched[:5]}')

    def decay_at(self, iteration: int) -> float:
        """The fraction ``a`` of the teacher kept after iteration ``t``."""
        if self.warmup == 'uamt':
            return min(1.0 - 1.0 / (iteration + 1), self.decay)
        return self.decay

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        # runner.iter is the 0-based index of the iteration just finished:
        # the loop increments it after the after_train_iter hooks.
        if (runner.iter + 1) % self.interval:
            return
        student, teacher = self.student_and_teacher(runner)
        self.update(student, teacher, self.decay_at(runner.iter))

    @torch.no_grad()
    def update(self, student: nn.Module, teacher: nn.Module,
               keep: float) -> None:
        """``teacher = keep * teacher + (1 - keep) * student`` in place."""
        student_params = dict(student.named_parameters())
        for name, teacher_param in teacher.named_parameters():
            self._average(teacher_param, student_params[name], keep)
        if self.update_buffers:
            student_buffers = dict(student.named_buffers())
            for name, teacher_buffer in teacher.named_buffers():
                source = student_buffers[name]
                if teacher_buffer.is_floating_point():
                    self._average(teacher_buffer, source, keep)
                else:
                    teacher_buffer.copy_(source)

    @staticmethod
    def _average(target: torch.Tensor, source: torch.Tensor,
                 keep: float) -> None:
        if keep == 0.0:
            # An exact copy, even over a non-finite initial teacher.
            target.copy_(source)
        else:
            target.mul_(keep).add_(source.detach(), alpha=1.0 - keep)
