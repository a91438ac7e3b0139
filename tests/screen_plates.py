"""Screens of small sample plates whose readouts come from the plan (no image analysis): fast,
and their Z′ is known in advance (spread 1 passes, spread 4 fails)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from imaging_explorer.sample import make_sample_plate
from imaging_explorer.sample.layout import plan_plate

CELLS = 400  # nuclei of an untreated well: enough that the readouts are close to the plan's


def plan_readouts(seed: int, spread: float, rows: int = 8, columns: int = 12) -> pd.DataFrame:
    """Per-well readouts as a perfect analysis would measure them: the plan's infection and density."""
    plans = [p for p in plan_plate(rows, columns, seed, spread) if not p.missing]
    return pd.DataFrame({"well": [p.name for p in plans],
                         "infected_fraction": [p.infection for p in plans],
                         "nuclei_count": [round(CELLS * p.density) for p in plans]})


def write_plate(folder: Path, name: str, seed: int, spread: float = 1.0, readouts: bool = True) -> Path:
    """A 96-well sample plate of 32 px fields, its plate map beside it, and (``readouts``) its
    readouts table ``<name>_wells.csv``."""
    made = make_sample_plate(folder / f"{name}.zarr", fields=1, size=32, seed=seed, control_spread=spread)
    if readouts:
        plan_readouts(seed, spread).to_csv(folder / f"{name}_wells.csv", index=False)
    return made.plate


def write_screen(folder: Path) -> Path:
    """p1 and p2 good, p3 noisy (fails Z′), each with a readouts table; ``index.csv`` naming them."""
    rows = []
    for name, seed, spread, batch in (("p1", 1, 1.0, "B1"), ("p2", 2, 1.0, "B1"), ("p3", 3, 4.0, "B2")):
        write_plate(folder, name, seed, spread)
        rows.append({"plate": f"{name}.zarr", "platemap": f"{name}_platemap.csv", "readouts": f"{name}_wells.csv",
                     "batch": batch, "date": f"2026-11-0{seed}"})
    pd.DataFrame(rows).to_csv(folder / "index.csv", index=False)
    return folder / "index.csv"
