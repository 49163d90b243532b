# dtc_unet_acdc_7label.py with the first 3 patients labeled (68 slices).
_base_ = ['./dtc_unet_acdc_7label.py']
train_dataloader = dict(dataset=dict(labeled_patients=3))
