# UA-MT on a NIfTI folder (data/nifti, see
# configs/_base_/datasets/nifti_folder.py), set up as the synthetic twin
# uamt_vnet_synthetic_2label.py: the narrow VNet, 600 iterations, the
# consistency ramp scaled with the run (epoch = 15 iterations, 40 epochs),
# the threshold ramp over the whole run.
_base_ = ['../mean_teacher/mt_vnet_nifti_folder.py']
model = dict(unsup_terms=[
    dict(
        type='UncertaintyMaskedConsistency',
        name='consistency',
        weight=0.1,
        schedule=dict(type='SigmoidRampUp', length=40, step_size=15),
        estimator=dict(type='MCDropoutUncertainty', passes=8),
        threshold_start=0.75,
        threshold_end=1.0,
        threshold_schedule=dict(type='SigmoidRampUp', length=None))
])
