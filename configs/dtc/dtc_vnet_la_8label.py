# DTC on LA with 8 labeled cases; everything else as with 16.
_base_ = ['./dtc_vnet_la_16label.py']
train_dataloader = dict(dataset=dict(num_labeled=8))
