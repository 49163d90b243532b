# 2-D twin of mt_vnet_synthetic_2label.py: SSL4MIS's UNet on the synthetic
# 2-D data, 8 of 64 images labeled; every component and constant of the 3-D
# twin (EMA 0.99 with warm-up, noisy teacher in train mode, softmax MSE with
# weight 0.1 on the sigmoid ramp, epoch = 15 iterations, 600 iterations).
_base_ = [
    '../_base_/models/unet2d.py', '../_base_/datasets/synthetic2d_semi.py',
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
            type='SoftmaxMSEConsistency',
            name='consistency',
            weight=0.1,
            schedule=dict(type='SigmoidRampUp', length=40, step_size=15))
    ])
custom_hooks = [dict(type='EMATeacherHook', decay=0.99, warmup='uamt')]
