import pytest
from mmengine.registry import init_default_scope


@pytest.fixture(autouse=True)
def mmssl_scope():
    """A runner built by an earlier test leaves its own default scope
    behind; every test starts in mmssl's, as the configs do."""
    init_default_scope('mmssl')
