# The embedded default: a narrow VNet on the synthetic LA-like data, all 16
# training cases labeled. Trains and tests in a few minutes on 2 CPU cores:
#   python tools/train.py configs/supervised/vnet_synthetic.py --test
_base_ = [
    '../_base_/models/vnet_small.py', '../_base_/datasets/synthetic.py',
    '../_base_/schedules/sgd_600.py', '../_base_/default_runtime.py'
]
