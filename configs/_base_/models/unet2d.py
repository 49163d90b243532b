# SSL4MIS's 2-D UNet for ACDC: 16/32/64/128/256 channels, BatchNorm,
# LeakyReLU, dropout 0.05/0.1/0.2/0.3/0.5 per encoder level, 1x1 conv +
# bilinear upsampling in the decoder. A 4-class softmax head (1x1 conv;
# SSL4MIS's output conv is 3x3) trained with SSL4MIS's ACDC loss
# 0.5 * (CE + Dice), its Dice averaged over all 4 classes, background
# included. Whole-image inference.
model = dict(
    type='VolumeSegmentor',
    data_preprocessor=dict(type='VolumeDataPreprocessor'),
    backbone=dict(
        type='UNet2D',
        in_channels=1,
        base_channels=16,
        dropout=(0.05, 0.1, 0.2, 0.3, 0.5),
        norm='batchnorm'),
    heads=dict(
        seg=dict(
            type='SegHead',
            in_channels=16,
            num_classes=4,
            ndim=2,
            losses=[
                dict(type='CrossEntropyLoss', loss_weight=0.5),
                dict(
                    type='DiceLoss', loss_weight=0.5,
                    include_background=True),
            ])),
    test_cfg=dict(mode='whole'))
