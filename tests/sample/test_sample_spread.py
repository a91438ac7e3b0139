"""The sample's control spread: 1 is the default plate, a larger one a plate that fails Z′."""

from __future__ import annotations

import numpy as np
import pytest

from imaging_explorer.sample.layout import plan_plate


def test_spread_one_is_the_default_plan() -> None:
    assert plan_plate(8, 12, 5) == plan_plate(8, 12, 5, 1.0)


def test_a_larger_spread_widens_the_controls() -> None:
    def controls(spread: float, role: str) -> np.ndarray:
        return np.array([p.infection for p in plan_plate(16, 24, 5, spread) if p.role == role])

    assert controls(4.0, "neg_control").std() > 2 * controls(1.0, "neg_control").std()
    assert controls(4.0, "pos_control").std() > 2 * controls(1.0, "pos_control").std()
    assert controls(4.0, "neg_control").max() <= 0.95


def test_spread_must_be_positive() -> None:
    with pytest.raises(ValueError, match="control_spread"):
        plan_plate(8, 12, 5, 0.0)
