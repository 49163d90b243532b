# unet2d.py with MMSegmentation's own UNet backbone (mmseg.UNet, built in the
# mmseg scope): 5 stages of 2 convs at 16..256 channels, max-pooling, BN +
# ReLU, InterpConv (bilinear) upsampling, no dropout. It returns one feature
# per decoder stage; the heads take the last, full-resolution one
# (backbone_out_index=-1, 16 channels).
_base_ = ['./unet2d.py']
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmseg.UNet',
        in_channels=1,
        base_channels=16,
        num_stages=5,
        strides=(1, 1, 1, 1, 1),
        enc_num_convs=(2, 2, 2, 2, 2),
        dec_num_convs=(2, 2, 2, 2),
        downsamples=(True, True, True, True),
        enc_dilations=(1, 1, 1, 1, 1),
        dec_dilations=(1, 1, 1, 1),
        norm_cfg=dict(type='BN'),
        act_cfg=dict(type='ReLU'),
        upsample_cfg=dict(type='InterpConv')),
    backbone_out_index=-1)
