import pathlib
import sys

# The simulators are importable packages under tests/fakes.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fakes"))
