# On top of tiny_acdc.py for semi-supervised ACDC configs: batches of 2
# labeled + 2 unlabeled slices.
_base_ = ['../../../configs/mean_teacher/mt_unet_acdc_7label.py']
train_dataloader = dict(sampler=dict(batch_size=4, labeled_per_batch=2))
