import pytest
import torch


@pytest.fixture(autouse=True)
def single_thread_torch():
    """Tiny convolutions are far slower with several threads on a busy CPU
    (the threads spin against each other), so the model tests use one."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
