"""A small sample plate (4 x 6 wells, 64 px fields) and made-up per-well readouts that give
CPD-001 a clean dose series: enough for every figure, fast (no image analysis)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session")
def figure_plate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import imaging_explorer as ie

    folder = tmp_path_factory.mktemp("figures")
    made = ie.make_sample_plate(folder / "plate.zarr", rows=4, columns=6, fields=1, size=64)
    return Path(made.plate)


@pytest.fixture(scope="session")
def figure_readouts(figure_plate: Path) -> Path:
    """Per-well readouts: controls at 0.6 / 0.05 infected, CPD-001 falling with dose (IC50 1 µM)."""
    platemap = pd.read_csv(figure_plate.with_name("plate_platemap.csv"))
    conc = platemap["concentration_uM"].fillna(0.0).to_numpy()
    role = platemap["role"].to_numpy()
    dose = 0.05 + 0.55 / (1.0 + conc ** 1.2)
    infected = np.where(role == "neg_control", 0.6, np.where(role == "pos_control", 0.05, dose))
    rng = np.random.default_rng(1)
    table = pd.DataFrame({"well": platemap["well"], "infected_fraction": infected + rng.normal(0, 0.01, len(role)),
                          "nuclei_count": 100 + rng.normal(0, 3, len(role))})
    out = figure_plate.with_name("wells.csv")
    table.to_csv(out, index=False)
    return out
