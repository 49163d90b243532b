# ACDC as SSL4MIS trains it (docs/datasets.md): UNet on 2-D slices, 3 or 7
# labeled patients, the checkpoint with the best Dice on the 20 val.list
# volumes (SSL4MIS's protocol; no test-set selection), tested on the 40
# test volumes. No published figures: none were found from a source we can
# cite for this exact protocol. Meant for a GPU.
seeds = [1337, 0, 1]
budgets = [3, 7]
# The configs' own checkpoint selection: best Dice on val.list, validated
# every 200 iterations as SSL4MIS does.
selection = 'val'
methods = [
    dict(name='unet', label='UNet, labeled only',
         configs={3: 'configs/supervised/unet_acdc_3label.py',
                  7: 'configs/supervised/unet_acdc_7label.py'}),
    dict(name='mt', label='Mean Teacher',
         configs={3: 'configs/mean_teacher/mt_unet_acdc_3label.py',
                  7: 'configs/mean_teacher/mt_unet_acdc_7label.py'}),
    dict(name='uamt', label='UA-MT',
         configs={3: 'configs/uamt/uamt_unet_acdc_3label.py',
                  7: 'configs/uamt/uamt_unet_acdc_7label.py'}),
    dict(name='sassnet', label='SASSNet',
         configs={3: 'configs/sassnet/sassnet_unet_acdc_3label.py',
                  7: 'configs/sassnet/sassnet_unet_acdc_7label.py'}),
    dict(name='dtc', label='DTC',
         configs={3: 'configs/dtc/dtc_unet_acdc_3label.py',
                  7: 'configs/dtc/dtc_unet_acdc_7label.py'}),
]
