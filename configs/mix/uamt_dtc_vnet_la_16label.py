# A combination no paper shipped, made of existing components only: UA-MT
# (EMA teacher in train mode, input noise, uncertainty-masked consistency
# from T=8 MC-dropout passes, weight 0.1) plus DTC's dual-task consistency
# (weight 1.0) through an SDF head added to UA-MT's 2-class softmax VNet.
# The SDF head is supervised with 0.3 * MSE on the labeled cases; the
# dual-task term compares sigmoid(-1500 * sdf) with the softmax foreground
# probability on all four volumes. Tested as UA-MT (no largest-component
# filtering).
_base_ = [
    '../_base_/models/vnet_softmax_sdf.py',
    '../_base_/datasets/la_heart_semi_sdf.py',
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
            threshold_schedule=dict(type='SigmoidRampUp', length=None)),
        dict(
            type='DualTaskConsistency',
            name='dual_task',
            sdf_head='sdf',
            level_set=dict(type='LevelSet', k=1500),
            weight=1.0,
            schedule=dict(type='SigmoidRampUp', length=40, step_size=150)),
    ])
custom_hooks = [dict(type='EMATeacherHook', decay=0.99, warmup='uamt')]
