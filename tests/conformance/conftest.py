import pathlib
import sys

import pytest

# The simulators are importable packages under tests/fakes.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fakes"))

from discordsim.client import start_simulator  # noqa: E402


@pytest.fixture(scope="module")
def dsim_process():
    """One discordsim process per test module; `dsim` resets it before each test."""
    with start_simulator() as simulator:
        yield simulator


@pytest.fixture
def dsim(dsim_process):
    dsim_process.reset()
    yield dsim_process
    if dsim_process.process.poll() is not None:
        pytest.fail("discordsim exited during the test:\n" + dsim_process.log_text())
