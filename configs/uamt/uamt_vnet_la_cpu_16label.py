# uamt_vnet_la_16label.py under the reduced LA protocol for CPUs (half
# resolution, VNet with 8 base filters, 3000 iterations; the consistency
# ramp's epoch halved to 75 iterations, the threshold ramp over the run).
_base_ = [
    '../_base_/models/vnet_small.py',
    '../_base_/datasets/la_heart_cpu_semi.py',
    '../_base_/schedules/sgd_3k.py', '../_base_/default_runtime.py'
]
model = dict(
    _delete_=True,
    type='SemiSegmentor',
    segmentor={{_base_.model}},
    test_cfg={{_base_.cpu_test_cfg}},
    teacher=dict(mode='train'),
    teacher_input_noise=dict(type='ClampedGaussianNoise', std=0.1, clip=0.2),
    unsup_terms=[
        dict(
            type='UncertaintyMaskedConsistency',
            name='consistency',
            weight=0.1,
            schedule=dict(type='SigmoidRampUp', length=40, step_size=75),
            estimator=dict(type='MCDropoutUncertainty', passes=8),
            threshold_start=0.75,
            threshold_end=1.0,
            threshold_schedule=dict(type='SigmoidRampUp', length=None))
    ])
custom_hooks = [dict(type='EMATeacherHook', decay=0.99, warmup='uamt')]
train_dataloader = dict(dataset=dict(num_labeled=16))
