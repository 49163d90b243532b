# 2-D twin of uamt_vnet_synthetic_2label.py: SSL4MIS's UNet on the synthetic
# 2-D data, 8 of 64 images labeled, the 3-D twin's constants. The MC-dropout
# passes sample the UNet's element-wise dropout (all five encoder levels);
# the threshold is in units of ln K with K = 4 classes, the maximum entropy
# (SSL4MIS's ACDC script keeps ln 2).
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
            type='UncertaintyMaskedConsistency',
            name='consistency',
            weight=0.1,
            schedule=dict(type='SigmoidRampUp', length=40, step_size=15),
            estimator=dict(type='MCDropoutUncertainty', passes=8),
            threshold_start=0.75,
            threshold_end=1.0,
            threshold_schedule=dict(type='SigmoidRampUp', length=None))
    ])
custom_hooks = [dict(type='EMATeacherHook', decay=0.99, warmup='uamt')]
