# unet_acdc_7label.py with the slices of the first 3 patients (68 slices).
_base_ = ['./unet_acdc_7label.py']
train_dataloader = dict(dataset=dict(labeled_patients=3))
