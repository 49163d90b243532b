# la_heart_cpu_semi.py with the SDF target of the labeled cases, computed on
# the half-resolution patch in the loader workers.
_base_ = ['./la_heart_cpu_semi.py']
train_pipeline = [
    dict(type='RandomRotFlip'),
    dict(type='RandomCrop', crop_size={{_base_.patch_size}}),
    dict(type='Resample', scale_factor={{_base_.scale}}),
    dict(type='GenerateSDF', num_classes=2),
    dict(type='PackSegVolumeInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
