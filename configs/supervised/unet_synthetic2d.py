# SSL4MIS's 2-D UNet on the synthetic 2-D cardiac-like data, all 64 training
# images labeled: the upper bound of the synthetic 2-D benchmark. Same
# schedule as the 3-D synthetic twins (SGD, 600 iterations, lr x0.1 at 250
# and 500, batch 4):
#   python tools/train.py configs/supervised/unet_synthetic2d.py --test
_base_ = [
    '../_base_/models/unet2d.py', '../_base_/datasets/synthetic2d.py',
    '../_base_/schedules/sgd_600.py', '../_base_/default_runtime.py'
]
