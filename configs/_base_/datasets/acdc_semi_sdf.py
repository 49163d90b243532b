# acdc_semi.py with the SDF targets of the labeled slices, one map per
# foreground class (RV, Myo, LV), computed at the training size (after the
# zoom to 256 x 256) in the loader workers.
_base_ = ['./acdc_semi.py']
train_pipeline = [
    {{_base_.slice_augmentation}},
    dict(type='GenerateSDF', num_classes={{_base_.num_classes}}),
    dict(type='PackSegVolumeInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
