# unet_synthetic2d_8label.py with MMSegmentation's UNet backbone
# (_base_/models/unet2d_mmseg.py) instead of SSL4MIS's: the same data,
# head, loss and schedule.
_base_ = [
    '../_base_/models/unet2d_mmseg.py', '../_base_/datasets/synthetic2d.py',
    '../_base_/schedules/sgd_600.py', '../_base_/default_runtime.py'
]
train_dataloader = dict(dataset=dict(num_labeled=8))
