# sassnet_vnet_la_cpu_16label.py with the first 8 cases labeled and
# SASSNet's weight for 8 labels, 0.015.
_base_ = ['./sassnet_vnet_la_cpu_16label.py']
train_dataloader = dict(dataset=dict(num_labeled=8))
model = dict(unsup_terms=[
    dict(
        type='AdversarialShapeTerm',
        name='adversarial',
        map_head='sdf',
        weight=0.015,
        schedule=dict(type='SigmoidRampUp', length=40, step_size=75))
])
