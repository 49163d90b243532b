# SSL4MIS's train_uncertainty_aware_mean_teacher_2D.py on ACDC: Mean Teacher
# (7 of 70 patients labeled, 12 + 12 slices per batch, EMA 0.99, noisy
# teacher in train mode) with UA-MT's uncertainty mask from 8 stochastic
# teacher passes. As the script: the threshold ramps from 0.75 ln 2 to ln 2
# over the whole run although there are 4 classes (0.375 to 0.5 in our units
# of ln 4), the masked squared softmax differences of all 4 classes are
# divided by 2 * sum(mask), and the consistency (weight 0.1, sigmoid ramp
# over 200 epochs of 150 iterations) is on from the first iteration.
_base_ = [
    '../_base_/models/unet2d.py', '../_base_/datasets/acdc_semi.py',
    '../_base_/schedules/ssl4mis_30k.py', '../_base_/default_runtime.py'
]
model = dict(
    _delete_=True,
    type='SemiSegmentor',
    segmentor={{_base_.model}},
    test_cfg={{_base_.slice_test_cfg}},
    teacher=dict(mode='train'),
    teacher_input_noise=dict(type='ClampedGaussianNoise', std=0.1, clip=0.2),
    unsup_terms=[
        dict(
            type='UncertaintyMaskedConsistency',
            name='consistency',
            weight=0.1,
            schedule=dict(type='SigmoidRampUp', length=200, step_size=150),
            estimator=dict(type='MCDropoutUncertainty', passes=8),
            threshold_start=0.375,
            threshold_end=0.5,
            threshold_schedule=dict(type='SigmoidRampUp', length=None),
            channel_divisor=2)
    ])
custom_hooks = [dict(type='EMATeacherHook', decay=0.99, warmup='uamt')]
val_dataloader = {{_base_.acdc_val_dataloader}}
val_evaluator = {{_base_.acdc_val_evaluator}}
