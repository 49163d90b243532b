# The reduced LA protocol for CPUs (docs/benchmarks.md, "Reduced LA protocol
# for CPUs"): the LA data, splits and test metrics at half resolution. A
# training patch is a 128 x 128 x 64 crop resampled to 64 x 64 x 32 (the
# reference's 112 x 112 x 80 would give 56 x 56 x 40, which the VNet's four
# 2x downsamplings cannot take; cropping first keeps the zoom cheap in the
# loader workers). Test volumes are resampled to half size, segmented with
# 64 x 64 x 32 windows (strides 9, 9, 2: half the reference's), and the
# probabilities resized back, so the metrics are computed on the original
# grid against the original labels.
_base_ = ['./la_heart.py']
scale = 0.5
patch_size = (128, 128, 64)
train_pipeline = [
    dict(type='RandomRotFlip'),
    dict(type='RandomCrop', crop_size=patch_size),
    dict(type='Resample', scale_factor=scale),
    dict(type='PackSegVolumeInputs'),
]
test_pipeline = [
    dict(type='Resample', scale_factor=scale, keep_gt=True),
    dict(type='PackSegVolumeInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
# The model's sliding window at half resolution; configs set
# `test_cfg={{_base_.cpu_test_cfg}}`.
cpu_test_cfg = dict(
    mode='slide', patch_size=(64, 64, 32), strides=(9, 9, 2),
    batch_windows=4)
