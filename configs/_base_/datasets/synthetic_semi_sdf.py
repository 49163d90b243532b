# synthetic_semi.py with the SDF target of the labeled cases (see
# la_heart_semi_sdf.py).
_base_ = ['./synthetic_semi.py']
train_pipeline = [
    dict(type='RandomRotFlip'),
    dict(type='RandomCrop', crop_size={{_base_.patch_size}}),
    dict(type='GenerateSDF', num_classes=2),
    dict(type='PackSegVolumeInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
