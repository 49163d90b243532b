# The synthetic 2-D benchmark at convergence, on SSL4MIS's 2-D schedule
# shape: the same method configs as synthetic2d.py, trained for 3000
# iterations (a tenth of SSL4MIS's 30000) with SSL4MIS's poly decay
# lr = 0.01 (1 - t / 3000)^0.9 instead of the LA protocol's step drops,
# every ramp stretched over the run (epochs of 75 iterations: 40 epochs =
# 3000) and no largest-component filtering for any method. The 600- and
# 1800-iteration suites end with the labeled-only baseline still improving
# (82.6 -> 85.8), which handicaps the semi-supervised methods' half-size
# labeled batches; this suite asks whether they lead once every method has
# converged.
#   python tools/benchmark.py configs/benchmarks/synthetic2d_poly.py \
#       --jobs 2 --threads 1
seeds = [0, 1, 2]
budgets = [8]
budget_option = 'train_dataloader.dataset.num_labeled'
selection = 'last'
_iters = 3000
_poly = [dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=_iters,
              by_epoch=False)]
cfg_options = {
    'train_cfg.max_iters': _iters,
    'train_cfg.val_interval': _iters,
    'default_hooks.checkpoint.interval': _iters,
    'test_evaluator.largest_component': False,
}
_ramp = {'param_scheduler': _poly,
         'model.unsup_terms.0.schedule.step_size': _iters // 40}
methods = [
    dict(name='unet', label='UNet, labeled only',
         config='configs/supervised/unet_synthetic2d_8label.py',
         cfg_options={'param_scheduler': _poly}),
    dict(name='mt', label='Mean Teacher',
         config='configs/mean_teacher/mt_unet_synthetic2d_8label.py',
         cfg_options=_ramp),
    dict(name='uamt', label='UA-MT',
         config='configs/uamt/uamt_unet_synthetic2d_8label.py',
         cfg_options=_ramp),
    dict(name='dtc', label='DTC, no largest component',
         config='configs/dtc/dtc_unet_synthetic2d_8label.py',
         cfg_options=_ramp),
    dict(name='sassnet', label='SASSNet',
         config='configs/sassnet/sassnet_unet_synthetic2d_8label.py',
         # Its schedule is per optimizer (the discriminator's Adam is flat).
         cfg_options={'param_scheduler.student': _poly,
                      'model.unsup_terms.0.schedule.step_size': _iters // 40}),
    # Ablations, not methods of a paper: Mean Teacher and UA-MT whose
    # teacher sees the unlabeled images without SSL4MIS's input noise
    # (dropout stays on; UA-MT's MC passes then differ by dropout only).
    dict(name='mt_clean_teacher',
         label='Mean Teacher, teacher input noise off (ablation)',
         config='configs/mean_teacher/mt_unet_synthetic2d_8label.py',
         cfg_options={**_ramp, 'model.teacher_input_noise': None}),
    # Mean Teacher with its consistency weight at 0: the same batches (2
    # labeled + 2 unlabeled, BatchNorm over all 4), teacher and schedule,
    # only the unsupervised term removed.
    dict(name='mt_zero_weight',
         label='Mean Teacher, consistency weight 0 (ablation)',
         config='configs/mean_teacher/mt_unet_synthetic2d_8label.py',
         cfg_options={**_ramp, 'model.unsup_terms.0.weight': 0.0}),
    dict(name='uamt_clean_teacher',
         label='UA-MT, teacher input noise off (ablation)',
         config='configs/uamt/uamt_unet_synthetic2d_8label.py',
         cfg_options={**_ramp, 'model.teacher_input_noise': None}),
]
