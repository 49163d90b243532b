# SASSNet on LA with 8 labeled cases: the adversarial weight is 0.015.
_base_ = ['./sassnet_vnet_la_16label.py']
train_dataloader = dict(dataset=dict(num_labeled=8))
model = dict(unsup_terms=[
    dict(
        type='AdversarialShapeTerm',
        name='adversarial',
        map_head='sdf',
        weight=0.015,
        schedule=dict(type='SigmoidRampUp', length=40, step_size=150))
])
