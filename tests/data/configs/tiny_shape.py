# Seconds-long settings for a synthetic config with an SDF head (DTC,
# SASSNet, the mixes); the tests swap in the method config as _base_.
_base_ = ['../../../configs/dtc/dtc_vnet_synthetic_2label.py']
synthetic = dict(
    num_train=6, num_test=1, shape_range=((36, 40), (36, 40), (20, 24)),
    seed=0)
base_channels = 4
patch_size = (32, 32, 16)
model = dict(
    segmentor=dict(
        backbone=dict(base_channels=base_channels),
        heads=dict(
            seg=dict(in_channels=base_channels),
            sdf=dict(in_channels=base_channels)),
        test_cfg=dict(patch_size=patch_size, strides=(8, 8, 4))))
train_pipeline = [
    dict(type='RandomRotFlip'),
    dict(type='RandomCrop', crop_size=patch_size),
    dict(type='GenerateSDF', num_classes=2),
    dict(type='PackSegVolumeInputs'),
]
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(synthetic=synthetic, num_labeled=2, pipeline=train_pipeline))
test_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(synthetic=synthetic))
train_cfg = dict(max_iters=3)
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval=3, max_keep_ckpts=2))
