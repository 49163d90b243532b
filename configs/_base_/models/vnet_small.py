# The reference VNet at half width (8 base filters) with a 64x64x32 window
# and the reference window-to-stride ratios: the CPU-sized model of the
# synthetic configs.
_base_ = ['./vnet.py']
base_channels = 8
model = dict(
    backbone=dict(base_channels=base_channels),
    heads=dict(seg=dict(in_channels=base_channels)),
    test_cfg=dict(patch_size=(64, 64, 32), strides=(16, 16, 8)))
