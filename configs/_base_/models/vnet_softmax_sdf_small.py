# vnet_softmax_sdf.py at half width (8 base filters) with the synthetic
# configs' 64x64x32 window.
_base_ = ['./vnet_softmax_sdf.py']
base_channels = 8
model = dict(
    backbone=dict(base_channels=base_channels),
    heads=dict(
        seg=dict(in_channels=base_channels),
        sdf=dict(in_channels=base_channels)),
    test_cfg=dict(patch_size=(64, 64, 32), strides=(16, 16, 8)))
