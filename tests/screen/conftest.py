"""The screen tests' plates: see screen_plates.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from screen_plates import write_screen


@pytest.fixture(scope="module")
def screen_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """p1 and p2 good, p3 noisy (fails Z′), each with a readouts table; an index.csv naming them."""
    return write_screen(tmp_path_factory.mktemp("screen")).parent
