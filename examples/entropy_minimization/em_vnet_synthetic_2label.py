# Entropy minimisation on the synthetic benchmark: the Mean Teacher twin's
# data and schedule, no teacher, and the user's term instead of consistency.
#   PYTHONPATH=examples/entropy_minimization python tools/train.py \
#       examples/entropy_minimization/em_vnet_synthetic_2label.py --test
_base_ = ['../../configs/mean_teacher/mt_vnet_synthetic_2label.py']
custom_imports = dict(imports=['entropy_minimization'],
                      allow_failed_imports=False)
model = dict(
    teacher=None,
    teacher_input_noise=None,
    unsup_terms=[
        dict(
            type='EntropyMinimization',
            weight=0.1,
            schedule=dict(type='SigmoidRampUp', length=40, step_size=15))
    ])
custom_hooks = []  # no teacher to update
