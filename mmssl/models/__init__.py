"""Models: importing this registers every component in ``mmssl.registry``."""
from .backbones import *  # noqa: F401,F403
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .segmentors import *  # noqa: F401,F403
from .semi import *  # noqa: F401,F403
from .uncertainty import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403
from .wrappers import StagewiseDistributedDataParallel  # noqa: F401
