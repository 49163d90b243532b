import math

import pytest
import torch

from mmssl.models.semi.noise import ClampedGaussianNoise
from mmssl.models.semi.schedules import (ConstantSchedule, CosineRampDown,
                                         LinearRampUp, SigmoidRampUp,
                                         build_schedule)
from mmssl.registry import MODELS


def test_uamt_consistency_ramp_values():
    # UA-MT: 0.1 * sigmoid_rampup(iter // 150, 40).
    ramp = SigmoidRampUp(length=40, step_size=150)
    assert ramp(0, 6000) == pytest.approx(math.exp(-5))
    assert ramp(150 * 20, 6000) == pytest.approx(math.exp(-5 * 0.25))
    assert ramp(150 * 10 + 75, 6000) == pytest.approx(
        math.exp(-5 * 0.75**2))
    assert ramp(5999, 6000) == pytest.approx(math.exp(-5 / 40**2))
    for t in (6000, 6149, 10000):
        assert ramp(t, 6000) == 1.0


def test_epoch_granularity():
    ramp = SigmoidRampUp(length=40, step_size=150)
    assert ramp(149, 6000) == ramp(0, 6000)
    assert ramp(150, 6000) > ramp(149, 6000)
    assert ramp(299, 6000) == ramp(150, 6000)


def test_threshold_ramp_over_the_whole_run():
    ramp = SigmoidRampUp(length=None)
    assert ramp(0, 6000) == pytest.approx(math.exp(-5))
    assert ramp(3000, 6000) == pytest.approx(math.exp(-5 * 0.25))
    assert ramp(6000, 6000) == 1.0
    # No granularity: every iteration moves it.
    assert ramp(1, 6000) > ramp(0, 6000)


def test_zero_length_and_start_offset():
    assert SigmoidRampUp(length=0)(0, 100) == 1.0
    assert LinearRampUp(length=0)(0, 100) == 1.0
    ramp = SigmoidRampUp(length=10, start=100)
    assert ramp(0, 1000) == pytest.approx(math.exp(-5))  # clipped below
    assert ramp(105, 1000) == pytest.approx(math.exp(-5 * 0.25))


def test_linear_cosine_constant():
    linear = LinearRampUp(length=4, step_size=10)
    assert [linear(t, 0) for t in (0, 9, 10, 25, 40, 99)] == [
        0.0, 0.0, 0.25, 0.5, 1.0, 1.0]
    cosine = CosineRampDown(length=100)
    assert cosine(0, 0) == pytest.approx(1.0)
    assert cosine(50, 0) == pytest.approx(0.5)
    assert cosine(100, 0) == pytest.approx(0.0)
    assert cosine(150, 0) == pytest.approx(0.0)
    assert ConstantSchedule()(123, 456) == 1.0
    assert ConstantSchedule(0.5)(0, 1) == 0.5


def test_values_stay_in_unit_interval():
    schedules = [SigmoidRampUp(40, 150), LinearRampUp(None), CosineRampDown(
        None, step_size=3), SigmoidRampUp(5, start=7)]
    for schedule in schedules:
        for t in range(0, 130, 7):
            assert 0.0 <= schedule(t, 100) <= 1.0


def test_build_schedule():
    assert build_schedule(None)(5, 10) == 1.0
    built = build_schedule(dict(type='SigmoidRampUp', length=40,
                                step_size=150))
    assert isinstance(built, SigmoidRampUp) and built.step_size == 150
    assert build_schedule(built) is built
    with pytest.raises(TypeError):
        build_schedule(3)


def test_invalid_arguments():
    with pytest.raises(ValueError):
        SigmoidRampUp(length=-1)
    with pytest.raises(ValueError):
        LinearRampUp(length=4, step_size=0)
    with pytest.raises(ValueError):
        ConstantSchedule(2.0)


def test_clamped_gaussian_noise():
    torch.manual_seed(0)
    noise = MODELS.build(dict(type='ClampedGaussianNoise'))
    assert isinstance(noise, ClampedGaussianNoise)
    x = torch.zeros(2, 1, 8, 8, 8)
    first, second = noise(x), noise(x)
    assert first.abs().max() <= 0.2
    assert first.abs().max() == pytest.approx(0.2)  # 0.1 std hits the clip
    assert not torch.equal(first, second)  # fresh noise per call
    assert first.std().item() == pytest.approx(0.1, rel=0.15)
    identity = ClampedGaussianNoise(std=0)
    assert identity(x) is x
    with pytest.raises(ValueError):
        ClampedGaussianNoise(std=-1)


def test_zero_before_switches_the_unshifted_ramp_on_late():
    # SSL4MIS's 2-D Mean Teacher: no consistency before iteration 1000, then
    # 0.1 * sigmoid_rampup(iter // 150, 200) as if it had run all along.
    ramp = SigmoidRampUp(length=200, step_size=150, zero_before=1000)
    plain = SigmoidRampUp(length=200, step_size=150)
    assert [ramp(t, 30000) for t in (0, 500, 999)] == [0.0, 0.0, 0.0]
    for t in (1000, 1149, 15000, 30000):
        assert ramp(t, 30000) == plain(t, 30000) > 0
    assert ramp(1000, 30000) == pytest.approx(
        math.exp(-5 * (1 - 6 / 200)**2))
    with pytest.raises(ValueError, match='zero_before'):
        SigmoidRampUp(length=10, zero_before=-1)
    assert 'zero_before=1000' in repr(ramp)
