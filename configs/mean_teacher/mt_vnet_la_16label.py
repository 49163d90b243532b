# Mean Teacher (Tarvainen & Valpola, 2017) on LA, as in the UA-MT code base:
# EMA teacher (decay 0.99 with the 1 - 1/(t+1) warm-up) on noisy unlabeled
# volumes, softmax-MSE consistency with weight 0.1 on the sigmoid ramp
# (epoch = 150 iterations, 40 epochs).
_base_ = [
    '../_base_/models/vnet.py', '../_base_/datasets/la_heart_semi.py',
    '../_base_/schedules/sgd_6k.py', '../_base_/default_runtime.py'
]
model = dict(
    _delete_=True,
    type='SemiSegmentor',
    segmentor={{_base_.model}},
    # UA-MT's code keeps the teacher in train mode (dropout on).
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
