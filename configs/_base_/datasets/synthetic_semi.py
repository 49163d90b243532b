# Synthetic LA-like data for semi-supervised methods: all 16 training cases,
# the first `num_labeled` labeled, batches of 2 labeled + 2 unlabeled.
_base_ = ['./synthetic.py']
train_dataloader = dict(
    batch_size=4,
    sampler=dict(
        _delete_=True, type='TwoStreamSampler', batch_size=4,
        labeled_per_batch=2),
    dataset=dict(split='train', num_labeled=2))
