# The embedded default: a narrow VNet on the synthetic LA-like data, all 16
# training cases labeled. Trains and tests in a few minutes on 2 CPU cores:
#   python tools/train.py configs/supervised/vnet_synthetic.py --test
_base_ = [
    '../_base_/models/vnet.py', '../_base_/datasets/synthetic.py',
    '../_base_/schedules/sgd_6k.py', '../_base_/default_runtime.py'
]
base_channels = 8
model = dict(
    backbone=dict(base_channels=base_channels),
    heads=dict(seg=dict(in_channels=base_channels)),
    # The reference window-to-stride ratios on the smaller patch.
    test_cfg=dict(patch_size=(64, 64, 32), strides=(16, 16, 8)))

max_iters = 600
train_cfg = dict(max_iters=max_iters)
# The reference schedule's lr drops, scaled to the shorter run.
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False,
         milestones=[int(max_iters * 5 / 12), int(max_iters * 10 / 12)],
         gamma=0.1)
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_iters))
log_processor = dict(window_size=20)
