# A seconds-long version of the embedded default, for integration tests.
_base_ = ['../../../configs/supervised/vnet_synthetic.py']
synthetic = dict(
    num_train=4, num_test=2, shape_range=((36, 40), (36, 40), (20, 24)),
    seed=0)
base_channels = 4
patch_size = (32, 32, 16)
model = dict(
    backbone=dict(base_channels=base_channels),
    heads=dict(seg=dict(in_channels=base_channels)),
    test_cfg=dict(patch_size=patch_size, strides=(8, 8, 4)))
train_pipeline = [
    dict(type='RandomRotFlip'),
    dict(type='RandomCrop', crop_size=patch_size),
    dict(type='PackSegVolumeInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(synthetic=synthetic, num_labeled=4, pipeline=train_pipeline))
test_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(synthetic=synthetic))
max_iters = 4
train_cfg = dict(max_iters=max_iters)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, milestones=[2], gamma=0.1)
]
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval=2, max_keep_ckpts=5))
