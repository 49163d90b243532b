# 2-D twin of sassnet_vnet_synthetic_2label.py: SSL4MIS's UNet with a softmax
# head and three SDF maps (RV, Myo, LV) on the synthetic 2-D data, 8 of 64
# images labeled. SASSNet's discriminator in 2-D (4x4 stride-2 convs, 64 to
# 512 channels) judges the three maps with the image; weight 0.01 on the
# ramp (epoch = 15 iterations), Adam for the discriminator.
_base_ = [
    '../_base_/models/unet2d_sdf.py',
    '../_base_/datasets/synthetic2d_semi_sdf.py',
    '../_base_/schedules/sassnet_600.py', '../_base_/default_runtime.py'
]
model = dict(
    _delete_=True,
    type='AdversarialSemiSegmentor',
    segmentor={{_base_.model}},
    discriminator=dict(
        type='ShapeDiscriminator',
        map_channels=3,
        image_channels=1,
        base_channels=64,
        dropout_ratio=0.5,
        ndim=2),
    discriminator_input='sdf',
    unsup_terms=[
        dict(
            type='AdversarialShapeTerm',
            name='adversarial',
            map_head='sdf',
            weight=0.01,
            schedule=dict(type='SigmoidRampUp', length=40, step_size=15))
    ])
