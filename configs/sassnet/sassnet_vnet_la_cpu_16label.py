# sassnet_vnet_la_16label.py under the reduced LA protocol for CPUs (half
# resolution, VNet with 8 base filters, 3000 iterations; the consistency
# ramp's epoch halved to 75 iterations). The discriminator keeps its widths
# (64 to 512) and sees the 64 x 64 x 32 maps.
_base_ = [
    '../_base_/models/vnet_sdf_small.py',
    '../_base_/datasets/la_heart_cpu_semi_sdf.py',
    '../_base_/schedules/sassnet_3k.py', '../_base_/default_runtime.py'
]
model = dict(
    _delete_=True,
    type='AdversarialSemiSegmentor',
    segmentor={{_base_.model}},
    test_cfg={{_base_.cpu_test_cfg}},
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
            schedule=dict(type='SigmoidRampUp', length=40, step_size=75))
    ])
train_dataloader = dict(dataset=dict(num_labeled=16))
