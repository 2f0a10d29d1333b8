"""Fixtures shared by the test modules."""

from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's root directory, found from this file rather than the working directory."""
    return TESTS_DIR.parent
