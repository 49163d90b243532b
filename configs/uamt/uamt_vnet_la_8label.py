_base_ = ['./uamt_vnet_la_16label.py']
train_dataloader = dict(dataset=dict(num_labeled=8))
