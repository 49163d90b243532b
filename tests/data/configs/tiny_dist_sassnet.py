# tiny_shape.py (with SASSNet swapped in by the tests) without randomness in
# the model and with losses that are means over voxels or cases, so that a
# step over a global batch split between ranks equals a step over the whole
# batch on one process: no normalisation layers, no dropout (network and
# discriminator), CE instead of Dice, the adversarial weight constant so
# the discriminator's judgement reaches the network from the first step.
_base_ = ['./tiny_shape.py']
model = dict(
    segmentor=dict(
        backbone=dict(norm='none', dropout_ratio=0.0),
        heads=dict(seg=dict(losses=[dict(type='CrossEntropyLoss')]))),
    discriminator=dict(base_channels=8, dropout_ratio=0.0),
    unsup_terms=[
        dict(
            type='AdversarialShapeTerm',
            name='adversarial',
            map_head='sdf',
            weight=0.1,
            schedule=None)
    ])
synthetic = dict(
    num_train=6, num_test=3, shape_range=((36, 40), (36, 40), (20, 24)),
    seed=0)
train_dataloader = dict(dataset=dict(synthetic=synthetic))
test_dataloader = dict(dataset=dict(synthetic=synthetic))
