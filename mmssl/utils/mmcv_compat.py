"""Make MMSegmentation importable on ``mmcv-lite`` (no compiled ``mmcv.ops``).

MMSeg 1.x imports ``mmcv.ops`` at import time, which needs ``mmcv._ext``. When
that extension is missing we put a stand-in ``mmcv.ops`` module in place whose
members raise a clear error when used. Nothing changes when full mmcv is
installed.
"""
import importlib.util
import sys
import types

_MESSAGE = ('mmcv.ops.{name} needs the compiled operators of full mmcv, but '
            'only mmcv-lite is installed. mmssl does not use them; install '
            'full mmcv (2.0.0rc4 <= mmcv < 2.2.0) to use MMSeg components '
            'that need {name}.')


def _missing_op(name):

    class MissingOp:
        """Stand-in for a compiled mmcv op; raises when called or built."""

        def __init__(self, *args, **kwargs):
            raise RuntimeError(_MESSAGE.format(name=name))

    MissingOp.__name__ = MissingOp.__qualname__ = name
    return MissingOp


class _MissingOpsModule(types.ModuleType):

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        op = _missing_op(name)
        setattr(self, name, op)
        return op


def has_compiled_mmcv_ops():
    try:
        return importlib.util.find_spec('mmcv._ext') is not None
    except ModuleNotFoundError:
        return False


def patch_mmcv_ops():
    """Install the stand-in ``mmcv.ops`` if compiled ops are missing.

    Returns True when the stand-in is active.
    """
    if has_compiled_mmcv_ops():
        return False
    current = sys.modules.get('mmcv.ops')
    if isinstance(current, _MissingOpsModule):
        return True
    import mmcv
    module = _MissingOpsModule('mmcv.ops', 'stand-in for compiled mmcv ops')
    module.__path__ = []  # a package, so `import mmcv.ops.x` fails clearly
    sys.modules['mmcv.ops'] = module
    mmcv.ops = module
    return True
