# Seconds-long settings for the NIfTI-folder configs (the tests swap in the
# method config as _base_ and narrow its network); the test writes a tiny
# folder and passes it with --data-root.
_base_ = ['../../../configs/mean_teacher/mt_vnet_nifti_folder.py']
base_channels = 4
patch_size = (32, 32, 16)
train_pipeline = [
    dict(type='RandomRotFlip'),
    dict(type='RandomCrop', crop_size=patch_size),
    dict(type='PackSegVolumeInputs'),
]
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(num_labeled=2, pipeline=train_pipeline))
test_dataloader = dict(num_workers=0, persistent_workers=False)
train_cfg = dict(max_iters=3)
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval=3, max_keep_ckpts=1))
