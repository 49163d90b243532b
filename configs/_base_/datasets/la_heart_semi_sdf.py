# la_heart_semi.py with the SDF target of the labeled cases, computed in the
# loader workers after the spatial augmentations (DTC / SASSNet compute it
# on the augmented crop too).
_base_ = ['./la_heart_semi.py']
train_pipeline = [
    dict(type='RandomRotFlip'),
    dict(type='RandomCrop', crop_size={{_base_.patch_size}}),
    dict(type='GenerateSDF', num_classes=2),
    dict(type='PackSegVolumeInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
