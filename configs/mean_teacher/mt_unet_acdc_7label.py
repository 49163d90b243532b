# SSL4MIS's train_mean_teacher_2D.py on ACDC: 7 of 70 patients labeled,
# batches of 12 labeled + 12 unlabeled slices, EMA teacher (0.99 with
# warm-up) whose input gets clamp(0.1 N(0, 1), -0.2, 0.2), consistency =
# mean squared difference of the softmax maps with weight 0.1 on the sigmoid
# ramp over 200 epochs of 150 iterations, switched off for the first 1000
# iterations as in the script; SSL4MIS's schedule (ssl4mis_30k.py).
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
            type='SoftmaxMSEConsistency',
            name='consistency',
            weight=0.1,
            schedule=dict(
                type='SigmoidRampUp', length=200, step_size=150,
                zero_before=1000))
    ])
custom_hooks = [dict(type='EMATeacherHook', decay=0.99, warmup='uamt')]
val_dataloader = {{_base_.acdc_val_dataloader}}
val_evaluator = {{_base_.acdc_val_evaluator}}
