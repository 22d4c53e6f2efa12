"""The scale-out stack (tests/scaleout.py) for the entry points' tests."""
from tests.scaleout import scaleout_stack  # noqa: F401
