# VNet of UA-MT / SASSNet / DTC: 16 base filters, BatchNorm, dropout on the
# bottleneck and the last decoder feature; a 2-class softmax head trained
# with 0.5 * (CE + Dice) as in UA-MT's labeled loss.
model = dict(
    type='VolumeSegmentor',
    data_preprocessor=dict(type='VolumeDataPreprocessor'),
    backbone=dict(
        type='VNet',
        in_channels=1,
        base_channels=16,
        norm='batchnorm',
        dropout_ratio=0.5),
    heads=dict(
        seg=dict(
            type='SegHead',
            in_channels=16,
            num_classes=2,
            losses=[
                dict(type='CrossEntropyLoss', loss_weight=0.5),
                dict(type='DiceLoss', loss_weight=0.5),
            ])),
    # Reference sliding window: 112x112x80 patches, stride 18 in-plane, 4 in
    # depth.
    test_cfg=dict(
        mode='slide',
        patch_size=(112, 112, 80),
        strides=(18, 18, 4),
        batch_windows=4))
