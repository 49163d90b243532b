"""What a semi-supervised train step hands to its unsupervised terms."""
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import torch


@dataclass
class SemiBatch:
    """One training batch, split into labeled and unlabeled cases.

    Attributes:
        inputs: All inputs of the batch, (N, C, *spatial).
        data_samples: The N data samples.
        labeled: Indices (long tensor) of the labeled cases in ``inputs``.
        unlabeled: Indices of the unlabeled cases.
        student_outputs: Head name -> raw student output (logits) for ALL N
            cases, with gradients.
        seg_head: Name of the segmentation head in the output dicts.
        iteration: Current 0-based training iteration.
        max_iters: Total training iterations (for schedules over the run).
        teacher_forward: ``f(x) -> dict head -> output`` of the teacher on
            any input, under ``no_grad`` and in the teacher's configured mode;
            None when the method has no teacher.
        perturb: ``f(x) -> x'``, the teacher's input perturbation (fresh
            noise on every call); identity when none is configured.
        teacher_outputs: Teacher outputs on ``perturb(inputs[unlabeled])``,
            computed once per step and shared by all terms; None without a
            teacher.
        discriminator: The method's discriminator (SASSNet), for terms that
            ask it to judge the student's outputs; None otherwise.
        cache: Scratch space shared by the terms of one step.
    """
    inputs: torch.Tensor
    data_samples: List
    labeled: torch.Tensor
    unlabeled: torch.Tensor
    student_outputs: Dict[str, torch.Tensor]
    seg_head: str = 'seg'
    iteration: int = 0
    max_iters: int = 1
    teacher_forward: Optional[Callable] = None
    perturb: Callable = field(default=lambda x: x)
    teacher_outputs: Optional[Dict[str, torch.Tensor]] = None
    discriminator: Optional[Callable] = None
    cache: dict = field(default_factory=dict)

    @property
    def unlabeled_inputs(self) -> torch.Tensor:
        return self.inputs[self.unlabeled]

    def student_unlabeled(self, head: Optional[str] = None) -> torch.Tensor:
        """Student output of ``head`` (default: seg) on the unlabeled cases.
        """
        return self.student_outputs[head or self.seg_head][self.unlabeled]

    def teacher_unlabeled(self, head: Optional[str] = None) -> torch.Tensor:
        if self.teacher_outputs is None:
            raise RuntimeError('this term needs a teacher, but the method '
                               'has none (set teacher=... in the model)')
        return self.teacher_outputs[head or self.seg_head]
