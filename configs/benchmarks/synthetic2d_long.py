# synthetic2d.py with a schedule three times as long (1800 iterations): the
# lr drops at 750 and 1500 and the consistency ramps' epoch of 45
# iterations keep every curve at the same fraction of the run. The
# 600-iteration suite leaves the semi-supervised margins inside the spread
# over seeds; this one asks whether a longer run separates them.
#   python tools/benchmark.py configs/benchmarks/synthetic2d_long.py \
#       --jobs 2 --threads 1
seeds = [0, 1, 2]
budgets = [8]
budget_option = 'train_dataloader.dataset.num_labeled'
selection = 'last'
cfg_options = {'train_cfg.max_iters': 1800, 'train_cfg.val_interval': 1800}
_lr = {'param_scheduler.0.milestones': [750, 1500]}
_ramp = {**_lr, 'model.unsup_terms.0.schedule.step_size': 45}
methods = [
    dict(name='unet', label='UNet, labeled only',
         config='configs/supervised/unet_synthetic2d_8label.py',
         cfg_options=_lr),
    dict(name='mt', label='Mean Teacher',
         config='configs/mean_teacher/mt_unet_synthetic2d_8label.py',
         cfg_options=_ramp),
    dict(name='uamt', label='UA-MT',
         config='configs/uamt/uamt_unet_synthetic2d_8label.py',
         cfg_options=_ramp),
    dict(name='sassnet', label='SASSNet',
         config='configs/sassnet/sassnet_unet_synthetic2d_8label.py',
         # Its schedule is per optimizer (the discriminator's Adam is flat).
         cfg_options={'model.unsup_terms.0.schedule.step_size': 45,
                      'param_scheduler.student.0.milestones': [750, 1500]}),
    dict(name='dtc_nolcc', label='DTC, no largest component',
         config='configs/dtc/dtc_unet_synthetic2d_8label.py',
         cfg_options={**_ramp, 'test_evaluator.largest_component': False}),
]
