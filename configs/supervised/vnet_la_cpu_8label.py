# vnet_la_cpu_16label.py with the first 8 cases of train.list labeled.
_base_ = ['./vnet_la_cpu_16label.py']
train_dataloader = dict(dataset=dict(num_labeled=8))
