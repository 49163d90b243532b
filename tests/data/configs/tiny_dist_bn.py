# tiny_semi.py with 3 test cases, for the distributed tests that keep
# BatchNorm, dropout and teacher noise.
_base_ = ['./tiny_semi.py']
synthetic = dict(
    num_train=6, num_test=3, shape_range=((36, 40), (36, 40), (20, 24)),
    seed=0)
train_dataloader = dict(dataset=dict(synthetic=synthetic))
test_dataloader = dict(dataset=dict(synthetic=synthetic))
