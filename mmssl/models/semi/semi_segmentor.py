"""Teacher-student wrapper shared by the semi-supervised methods."""
import copy
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.model import BaseModel

from mmssl.registry import MODELS
from mmssl.structures import SegVolumeSample
from .semi_batch import SemiBatch

TEACHER_MODES = ('train', 'eval')
PREDICTORS = ('student', 'teacher', 'both')


@MODELS.register_module()
class SemiSegmentor(BaseModel):
    """A student segmentor, an optional teacher and unsupervised terms.

    Every training batch holds labeled and unlabeled cases (see
    ``TwoStreamSampler``). The student runs on all of them at once (so
    BatchNorm sees the whole batch, as in the reference code); its heads'
    supervised losses use the labeled cases, and each unsupervised term adds
    its weighted loss from a :class:`SemiBatch`.

    Args:
        segmentor: Config of the student, e.g. a ``VolumeSegmentor``.
        teacher: None for methods without a teacher; otherwise
            ``dict(mode='train' | 'eval')``: a second copy of the segmentor
            (built from the same config, updated by ``EMATeacherHook``, never
            by the optimizer). ``mode='train'`` keeps its dropout and
            BatchNorm in training mode as UA-MT does; the mode is re-applied
            every time MMEngine calls ``model.train()``.
        unsup_terms: Configs of unsupervised terms (``UnsupervisedTerm``
            subclasses); each returns its own named, weighted loss.
        teacher_input_noise: Perturbation of the teacher's input, e.g.
            ``dict(type='ClampedGaussianNoise', std=0.1, clip=0.2)``.
        predict_with: 'student' (default), 'teacher', or 'both': the
            student's prediction in ``pred_label`` and the teacher's in
            ``teacher_pred_label`` (score it with
            ``VolumeSegMetric(pred_key='teacher_pred_label')``).
        data_preprocessor: Defaults to the student's.
        test_cfg: If given, replaces the segmentor config's ``test_cfg``
            for student and teacher, so that a dataset base's inference
            setting (e.g. ACDC's slice-by-slice mode) applies to a wrapped
            segmentor from a model base.
    """

    # Top-level submodules; a checkpoint whose keys start with none of them
    # is a plain segmentor's.
    own_submodules = ('student', 'teacher', 'unsup_terms',
                      'data_preprocessor')

    def __init__(self,
                 segmentor: dict,
                 teacher: Optional[dict] = None,
                 unsup_terms: Sequence[dict] = (),
                 teacher_input_noise: Optional[dict] = None,
                 predict_with: str = 'student',
                 data_preprocessor: Optional[Union[dict, nn.Module]] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if predict_with not in PREDICTORS:
            raise ValueError(f'predict_with must be one of {PREDICTORS}, '
                             f'got {predict_with!r}')
        segmentor = dict(segmentor)
        if test_cfg is not None:
            segmentor['test_cfg'] = dict(test_cfg)
        if data_preprocessor is None:
            data_preprocessor = segmentor.get(
                'data_preprocessor', dict(type='VolumeDataPreprocessor'))
        if isinstance(data_preprocessor, dict):
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        # The wrapper preprocesses; the segmentors get ready tensors.
        segmentor['data_preprocessor'] = dict(type='VolumeDataPreprocessor')
        self.student = MODELS.build(copy.deepcopy(segmentor))

        self.teacher_mode = None
        self.teacher = None
        if teacher is not None:
            self.teacher_mode = dict(teacher).get('mode', 'eval')
            if self.teacher_mode not in TEACHER_MODES:
                raise ValueError(f'teacher mode must be one of '
                                 f'{TEACHER_MODES}, got {self.teacher_mode!r}')
            self.teacher = MODELS.build(copy.deepcopy(segmentor))
            self.teacher.requires_grad_(False)
        if predict_with != 'student' and self.teacher is None:
            raise ValueError(f'predict_with={predict_with!r} needs a teacher')
        self.predict_with = predict_with

        self.unsup_terms = nn.ModuleList(
            [MODELS.build(cfg) for cfg in unsup_terms])
        names = [getattr(t, 'name', type(t).__name__)
                 for t in self.unsup_terms]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f'unsupervised terms need distinct names, '
                             f'{duplicated} is used twice')
        self.perturb = (MODELS.build(teacher_input_noise)
                        if teacher_input_noise else nn.Identity())
        self.train_cfg = dict(train_cfg or {})
        self._register_load_state_dict_pre_hook(self._load_plain_segmentor)

    # ------------------------------------------------------------ modes --
    def train(self, mode: bool = True):
        """MMEngine calls ``model.train()`` every iteration; the teacher's
        mode is re-applied each time."""
        super().train(mode)
        if self.teacher is not None:
            self.teacher.train(mode and self.teacher_mode == 'train')
        return self

    @property
    def seg_head_name(self) -> str:
        return self.student.seg_head_name

    # ---------------------------------------------------------- forward --
    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[SegVolumeSample]] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.student.head_outputs(inputs)
        raise RuntimeError(f'Invalid mode {mode!r}; expected "loss", '
                           '"predict" or "tensor"')

    def teacher_forward(self, inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
        with torch.no_grad():
            return self.teacher.head_outputs(inputs)

    def loss(self, inputs: torch.Tensor,
             data_samples: List[SegVolumeSample]) -> dict:
        if data_samples is None or len(data_samples) != len(inputs):
            raise ValueError('loss needs one data sample per input')
        flags = [s.is_labeled for s in data_samples]
        labeled = torch.tensor([i for i, f in enumerate(flags) if f],
                               dtype=torch.long, device=inputs.device)
        unlabeled = torch.tensor([i for i, f in enumerate(flags) if not f],
                                 dtype=torch.long, device=inputs.device)

        outputs = self.student.head_outputs(inputs)
        losses = dict()
        if len(labeled):
            losses.update(
                self.student.head_losses(
                    {k: v[labeled] for k, v in outputs.items()},
                    [data_samples[i] for i in labeled.tolist()]))
        if not self.unsup_terms or not len(unlabeled):
            return losses

        batch = self.make_semi_batch(inputs, data_samples, labeled,
                                     unlabeled, outputs)
        for term in self.unsup_terms:
            losses.update(term(batch))
        return losses

    def make_semi_batch(self, inputs, data_samples, labeled, unlabeled,
                        outputs) -> SemiBatch:
        """The :class:`SemiBatch` the unsupervised terms see (subclasses add
        their own modules to it)."""
        message_hub = MessageHub.get_current_instance()
        batch = SemiBatch(
            inputs=inputs,
            data_samples=data_samples,
            labeled=labeled,
            unlabeled=unlabeled,
            student_outputs=outputs,
            seg_head=self.seg_head_name,
            iteration=int(message_hub.get_info('iter', 0)),
            max_iters=int(message_hub.get_info('max_iters', 1)),
            perturb=self.perturb)
        if self.teacher is not None:
            batch.teacher_forward = self.teacher_forward
            batch.cache['teacher_module'] = self.teacher
            batch.teacher_outputs = self.teacher_forward(
                self.perturb(inputs[unlabeled]))
        return batch

    # ---------------------------------------------------------- predict --
    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[SegVolumeSample]] = None
                ) -> List[SegVolumeSample]:
        if self.predict_with == 'teacher':
            return self.teacher.predict(inputs, data_samples)
        samples = self.student.predict(inputs, data_samples)
        if self.predict_with == 'both':
            teacher_samples = self.teacher.predict(
                inputs, [SegVolumeSample(metainfo=s.metainfo)
                         for s in samples])
            for sample, teacher_sample in zip(samples, teacher_samples):
                sample.teacher_pred_label = teacher_sample.pred_label
                sample.teacher_seg_logits = teacher_sample.seg_logits
        return samples

    # ------------------------------------------------------ checkpoints --
    def _load_plain_segmentor(self, state_dict, prefix, *args, **kwargs):
        """Load a plain segmentor checkpoint into the student (and teacher).

        Its keys have no ``student.`` prefix; they are renamed in place
        before the modules read them.
        """
        ours = tuple(f'{prefix}{name}.' for name in self.own_submodules)
        keys = [k for k in state_dict if k.startswith(prefix)]
        if not keys or any(k.startswith(ours) for k in keys):
            return
        for key in keys:
            rest = key[len(prefix):]
            value = state_dict.pop(key)
            state_dict[f'{prefix}student.{rest}'] = value
            if self.teacher is not None:
                state_dict[f'{prefix}teacher.{rest}'] = value.clone()
