# Labeled-only baseline of the synthetic semi-supervised benchmark: the first
# 2 of the 16 synthetic training cases.
_base_ = ['./vnet_synthetic.py']
train_dataloader = dict(dataset=dict(num_labeled=2))
