# synthetic2d_semi.py with the SDF targets of the labeled images, one map
# per foreground class (RV, Myo, LV), computed after the crop.
_base_ = ['./synthetic2d_semi.py']
train_pipeline = [
    dict(type='RandomRotFlip'),
    dict(type='RandomCrop', crop_size={{_base_.patch_size}}),
    dict(type='GenerateSDF', num_classes={{_base_.num_classes}}),
    dict(type='PackSegVolumeInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
