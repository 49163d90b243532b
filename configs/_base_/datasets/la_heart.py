# Left Atrium (2018 challenge) in the UA-MT h5 layout:
#   data/LA/2018LA_Seg_Training Set/<case>/mri_norm2.h5
#   data/LA/train.list, data/LA/test.list
# Point elsewhere with `--data-root DIR` on the command line.
dataset_type = 'LAHeartDataset'
data_root = 'data/LA'
patch_size = (112, 112, 80)
num_labeled = 16

train_pipeline = [
    dict(type='RandomRotFlip'),
    dict(type='RandomCrop', crop_size=patch_size),
    dict(type='PackSegVolumeInputs'),
]
test_pipeline = [dict(type='PackSegVolumeInputs')]

train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train_labeled',
        num_labeled=num_labeled,
        pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline))

# Released test scripts score an empty prediction as (0, 0, 0, 0); kept for
# comparability and counted in `num_empty_pred`.
test_evaluator = dict(
    type='VolumeSegMetric',
    num_classes=2,
    empty_pred='reference',
    largest_component=False)
# The papers test the last iteration once; validation during training (for
# checkpoint selection) is opt-in: set val_dataloader, val_evaluator and
# val_cfg.
val_dataloader = None
val_evaluator = None
