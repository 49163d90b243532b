# Synthetic twin of uamt_dtc_vnet_la_16label.py for CPUs: 2 of 16 synthetic
# cases labeled, the narrow VNet, 600 iterations, consistency ramps scaled
# with the run (epoch = 15 iterations).
_base_ = [
    '../_base_/models/vnet_softmax_sdf_small.py',
    '../_base_/datasets/synthetic_semi_sdf.py',
    '../_base_/schedules/sgd_600.py', '../_base_/default_runtime.py'
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
            schedule=dict(type='SigmoidRampUp', length=40, step_size=15),
            estimator=dict(type='MCDropoutUncertainty', passes=8),
            threshold_start=0.75,
            threshold_end=1.0,
            threshold_schedule=dict(type='SigmoidRampUp', length=None)),
        dict(
            type='DualTaskConsistency',
            name='dual_task',
            sdf_head='sdf',
            level_set=dict(type='LevelSet', k=1500),
            weight=1.0,
            schedule=dict(type='SigmoidRampUp', length=40, step_size=15)),
    ])
custom_hooks = [dict(type='EMATeacherHook', decay=0.99, warmup='uamt')]
