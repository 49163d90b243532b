# sassnet_unet_acdc_7label.py with the first 3 patients labeled (68 slices)
# and SASSNet's generator weight for its smaller budget, 0.015.
_base_ = ['./sassnet_unet_acdc_7label.py']
train_dataloader = dict(dataset=dict(labeled_patients=3))
model = dict(unsup_terms=[
    dict(
        type='AdversarialShapeTerm',
        name='adversarial',
        map_head='sdf',
        weight=0.015,
        schedule=dict(type='SigmoidRampUp', length=200, step_size=150))
])
