# Labeled-only baseline of the synthetic 2-D semi-supervised benchmark: the
# first 8 of the 64 synthetic training images.
_base_ = ['./unet_synthetic2d.py']
train_dataloader = dict(dataset=dict(num_labeled=8))
