"""Weight schedules for the unsupervised terms.

A schedule maps ``(iteration, max_iters)`` to a factor in [0, 1] that
multiplies a term's weight. Every value is a pure function of the iteration,
so a resumed run continues exactly the same curve (no state to save).

The ramps follow the Mean Teacher / UA-MT released code:

* UA-MT's consistency weight, ``0.1 * sigmoid_rampup(iter // 150, 40)``, is
  ``weight=0.1, schedule=dict(type='SigmoidRampUp', length=40,
  step_size=150)``: it is evaluated per "epoch" of 150 iterations and
  reaches 1 at iteration 6000.
* UA-MT's uncertainty threshold ramp, ``sigmoid_rampup(iter, max_iters)``, is
  ``SigmoidRampUp(length=None)``.
"""
import math
from typing import Optional, Union

from mmssl.registry import TASK_UTILS


def sigmoid_rampup(current: float, length: float) -> float:
    """``exp(-5 (1 - c / length)^2)`` with ``c = clip(current, 0, length)``.

    Returns 1.0 when ``length == 0`` (no ramp), as in the reference code.
    """
    if length == 0:
        return 1.0
    current = min(max(current, 0.0), length)
    phase = 1.0 - current / length
    return float(math.exp(-5.0 * phase * phase))


def linear_rampup(current: float, length: float) -> float:
    """``clip(current, 0, length) / length``; 1.0 when ``length == 0``."""
    if length == 0:
        return 1.0
    return min(max(current, 0.0), length) / length


def cosine_rampdown(current: float, length: float) -> float:
    """``0.5 (cos(pi c / length) + 1)`` with ``c = clip(current, 0, length)``.
    """
    if length == 0:
        return 1.0
    current = min(max(current, 0.0), length)
    return float(0.5 * (math.cos(math.pi * current / length) + 1.0))


class _SteppedRamp:
    """A ramp over ``(iteration - start) // step_size`` ("epochs").

    Args:
        length: Ramp length in steps; None means the rest of the run,
            ``(max_iters - start) / step_size``.
        step_size: Iterations per step; 150 reproduces UA-MT's
            ``iter_num // 150`` epoch granularity.
        start: Iteration where the ramp begins. Before it the ramp sits at
            its starting value (the reference ramps clip negative input).
        zero_before: The factor is 0 before this iteration and follows the
            unshifted ramp from there on. SSL4MIS's 2-D Mean Teacher turns
            its consistency term off for the first 1000 iterations this way.
    """

    def __init__(self,
                 length: Optional[float] = None,
                 step_size: int = 1,
                 start: int = 0,
                 zero_before: int = 0):
        if length is not None and length < 0:
            raise ValueError(f'{type(self).__name__}: length must be >= 0 '
                             f'or None, got {length}')
        if int(step_size) != step_size or step_size < 1:
            raise ValueError(f'{type(self).__name__}: step_size must be a '
                             f'positive integer, got {step_size}')
        if int(start) != start or start < 0:
            raise ValueError(f'{type(self).__name__}: start must be a '
                             f'non-negative integer, got {start}')
        if int(zero_before) != zero_before or zero_before < 0:
            raise ValueError(f'{type(self).__name__}: zero_before must be a '
                             f'non-negative integer, got {zero_before}')
        self.length = length
        self.step_size = int(step_size)
        self.start = int(start)
        self.zero_before = int(zero_before)

    def _ramp(self, current: float, length: float) -> float:
        raise NotImplementedError

    def __call__(self, iteration: int, max_iters: int) -> float:
        if iteration < self.zero_before:
            return 0.0
        if self.length is None:
            length = max(max_iters - self.start, 0) / self.step_size
        else:
            length = self.length
        current = (int(iteration) - self.start) // self.step_size
        return self._ramp(current, length)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(length={self.length}, '
                f'step_size={self.step_size}, start={self.start}, '
                f'zero_before={self.zero_before})')


@TASK_UTILS.register_module()
class SigmoidRampUp(_SteppedRamp):
    """Sigmoid-shaped ramp from ``exp(-5)`` to 1 (Laine & Aila; UA-MT)."""

    def _ramp(self, current, length):
        return sigmoid_rampup(current, length)


@TASK_UTILS.register_module()
class LinearRampUp(_SteppedRamp):
    """Linear ramp from 0 to 1."""

    def _ramp(self, current, length):
        return linear_rampup(current, length)


@TASK_UTILS.register_module()
class CosineRampDown(_SteppedRamp):
    """Half-cosine from 1 down to 0 over ``length`` steps, then 0."""

    def _ramp(self, current, length):
        return cosine_rampdown(current, length)


@TASK_UTILS.register_module()
class ConstantSchedule:
    """The same factor (default 1) at every iteration."""

    def __init__(self, value: float = 1.0):
        if not 0.0 <= value <= 1.0:
            raise ValueError(
                f'ConstantSchedule: value must lie in [0, 1], got {value}; '
                'scale the term with its weight instead')
        self.value = float(value)

    def __call__(self, iteration: int, max_iters: int) -> float:
        return self.value

    def __repr__(self) -> str:
        return f'ConstantSchedule(value={self.value})'


def build_schedule(cfg: Union[None, dict, object]):
    """A schedule from a config dict; None gives the constant 1.

    An object that is already callable (a built schedule) is returned as is.
    """
    if cfg is None:
        return ConstantSchedule()
    if isinstance(cfg, dict):
        return TASK_UTILS.build(cfg)
    if callable(cfg):
        return cfg
    raise TypeError('schedule must be None, a config dict or a callable '
                    f'(iteration, max_iters) -> float, got {type(cfg)}')
