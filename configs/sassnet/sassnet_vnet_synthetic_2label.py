# Synthetic twin of sassnet_vnet_la_16label.py for CPUs: 2 of 16 synthetic
# cases labeled, the narrow VNet, 600 iterations; the consistency ramp is
# scaled with the run (epoch = 15 iterations, 40 epochs). The discriminator
# is SASSNet's, on the 64x64x32 patches.
_base_ = [
    '../_base_/models/vnet_sdf_small.py',
    '../_base_/datasets/synthetic_semi_sdf.py',
    '../_base_/schedules/sassnet_600.py', '../_base_/default_runtime.py'
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
            schedule=dict(type='SigmoidRampUp', length=40, step_size=15))
    ])
