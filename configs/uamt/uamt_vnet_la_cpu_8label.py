# uamt_vnet_la_cpu_16label.py with the first 8 cases labeled.
_base_ = ['./uamt_vnet_la_cpu_16label.py']
train_dataloader = dict(dataset=dict(num_labeled=8))
