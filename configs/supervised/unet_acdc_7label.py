# SSL4MIS's train_fully_supervised_2D.py on ACDC: its UNet trained on the
# slices of the first 7 of 70 training patients (136 slices), batches of 24,
# 0.5 * (CE + Dice over the 4 classes), SGD with poly decay for 30000
# iterations; validated on val.list every 200 iterations, the best
# checkpoint tested slice by slice on the 40 test volumes.
_base_ = [
    '../_base_/models/unet2d.py', '../_base_/datasets/acdc.py',
    '../_base_/schedules/ssl4mis_30k.py', '../_base_/default_runtime.py'
]
model = dict(test_cfg={{_base_.slice_test_cfg}})
val_dataloader = {{_base_.acdc_val_dataloader}}
val_evaluator = {{_base_.acdc_val_evaluator}}
