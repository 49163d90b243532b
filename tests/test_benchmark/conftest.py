"""Fixtures of the benchmark tests."""
import pytest


@pytest.fixture
def write_suite(tmp_path):
    """write_suite(text) -> path of a suite file holding ``text``."""
    counter = [0]

    def write(text):
        counter[0] += 1
        path = tmp_path / f'suite{counter[0]}.py'
        path.write_text(text)
        return str(path)

    return write
