# A combination no paper shipped, made of existing components only: Mean
# Teacher (EMA teacher, input noise, softmax-MSE consistency, weight 0.1)
# whose student and teacher carry DTC's SDF head as an auxiliary shape task
# (0.3 * MSE against the normalised signed distance on the labeled cases).
# No dual-task term: the shape head only shapes the shared features.
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
            type='SoftmaxMSEConsistency',
            name='consistency',
            weight=0.1,
            schedule=dict(type='SigmoidRampUp', length=40, step_size=150))
    ])
custom_hooks = [dict(type='EMATeacherHook', decay=0.99, warmup='uamt')]
