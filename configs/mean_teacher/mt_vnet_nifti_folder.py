# Mean Teacher on a NIfTI folder (data/nifti, see
# configs/_base_/datasets/nifti_folder.py), set up as the synthetic twin
# mt_vnet_synthetic_2label.py: the narrow VNet, 600 iterations, the
# consistency ramp scaled with the run (epoch = 15 iterations, 40 epochs).
_base_ = [
    '../_base_/models/vnet_small.py', '../_base_/datasets/nifti_folder.py',
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
