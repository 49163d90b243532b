# SASSNet (Li et al., MICCAI 2020) on LA, 16 labeled cases: no teacher. The
# VNet has a sigmoid segmentation head and a tanh SDF head; labeled loss
# Dice + 0.3 * MSE(SDF). A discriminator judges (SDF map, image) pairs;
# the network is also trained to make its unlabeled maps pass as labeled,
# CE(D(sdf_u, x_u), labeled), weight 0.01 on the consistency ramp, while the
# discriminator (Adam) learns labeled = 1 / unlabeled = 0 on all four
# volumes. Tested without largest-component filtering.
_base_ = [
    '../_base_/models/vnet_sdf.py', '../_base_/datasets/la_heart_semi_sdf.py',
    '../_base_/schedules/sassnet_6k.py', '../_base_/default_runtime.py'
]
model = dict(
    _delete_=True,
    type='AdversarialSemiSegmentor',
    segmentor={{_base_.model}},
    discriminator=dict(
        type='ShapeDiscriminator',
        map_channels=1,
        image_channels=1,
        base_channels=64,
        dropout_ratio=0.5),
    discriminator_input='sdf',
    unsup_terms=[
        dict(
            type='AdversarialShapeTerm',
            name='adversarial',
            map_head='sdf',
            weight=0.01,
            schedule=dict(type='SigmoidRampUp', length=40, step_size=150))
    ])
