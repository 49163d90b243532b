# UA-MT (Yu et al., MICCAI 2019) on LA: Mean Teacher whose consistency is
# masked where the teacher is uncertain. Uncertainty: entropy of the mean of
# T=8 stochastic teacher passes (dropout on, fresh input noise); mask
# U < (0.75 + 0.25 r(t)) ln 2 with r the sigmoid ramp over all iterations;
# weight 0.1 on the consistency ramp.
_base_ = [
    '../_base_/models/vnet.py', '../_base_/datasets/la_heart_semi.py',
    '../_base_/schedules/sgd_6k.py', '../_base_/default_runtime.py'
]
model = dict(
    _delete_=True,
    type='SemiSegmentor',
    segmentor={{_base_.model}},
    teacher=dict(mode='train'),
    teacher_input_noise=dict(type='ClampedGaussianNoise', std=0.1, clip=0.2),
    unsup_terms=[
        dict(
            type='UncertaintyMaskedConsistency',
            name='consistency',
            weight=0.1,
            schedule=dict(type='SigmoidRampUp', length=40, step_size=150),
            estimator=dict(type='MCDropoutUncertainty', passes=8),
            threshold_start=0.75,
            threshold_end=1.0,
            threshold_schedule=dict(type='SigmoidRampUp', length=None))
    ])
custom_hooks = [dict(type='EMATeacherHook', decay=0.99, warmup='uamt')]
