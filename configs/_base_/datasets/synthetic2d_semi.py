# Synthetic 2-D data for semi-supervised methods: all 64 training images, the
# first 8 labeled (the 3-D twins' labeled fraction, 2 of 16: with only 2
# labeled images the labeled-only UNet stayed near 0.6 Dice and no
# semi-supervised method beat it), batches of 2 labeled + 2 unlabeled as the
# 3-D twins.
_base_ = ['./synthetic2d.py']
train_dataloader = dict(
    batch_size=4,
    sampler=dict(
        _delete_=True, type='TwoStreamSampler', batch_size=4,
        labeled_per_batch=2),
    dataset=dict(split='train', num_labeled=8))
