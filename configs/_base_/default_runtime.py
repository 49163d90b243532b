default_scope = 'mmssl'
runner_type = 'MMSSLRunner'

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # On CPU the runner starts a gloo group instead.
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)
log_processor = dict(by_epoch=False, window_size=50)
log_level = 'INFO'

load_from = None
resume = False
# The seed of the released UA-MT / SASSNet / DTC scripts.
randomness = dict(seed=1337)
