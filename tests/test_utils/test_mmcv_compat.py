import pytest

import mmssl  # noqa: F401
from mmssl.utils import has_compiled_mmcv_ops


def test_mmseg_models_import():
    import mmseg.models  # noqa: F401
    from mmseg.registry import MODELS
    assert MODELS.get('EncoderDecoder') is not None


@pytest.mark.skipif(has_compiled_mmcv_ops(), reason='full mmcv installed')
def test_missing_op_raises_clear_error():
    from mmcv.ops import point_sample
    with pytest.raises(RuntimeError, match='point_sample.*mmcv-lite'):
        point_sample(None, None)
