# Seconds-long settings for any ACDC config (the tests swap in the method
# config as _base_): 2 of the fixture's 4 patients labeled, 2 iterations
# with one validation, loaders without workers.
_base_ = ['../../../configs/supervised/unet_acdc_7label.py']
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(labeled_patients=2))
val_dataloader = dict(num_workers=0, persistent_workers=False)
test_dataloader = dict(num_workers=0, persistent_workers=False)
train_cfg = dict(max_iters=2, val_interval=2)
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval=2))
