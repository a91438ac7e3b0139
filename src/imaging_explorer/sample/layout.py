"""The plate design of the sample screen: which well holds what, and what it should show.

Pure Python, no pixels: :func:`plan_plate` decides roles, compounds, concentrations and the
expected biology (infection probability, cell density) of every well. The same plan feeds the
pixel synthesis, the plate map CSV and the ground-truth CSV, so they cannot disagree.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import numpy as np

MAX_ROWS = 32
MAX_COLUMNS = 48

# Assay constants (documented in imaging_explorer.sample).
NEG_INFECTION = 0.70  # DMSO wells: mean fraction of infected cells (clipped to 0.60..0.80)
POS_INFECTION = 0.02  # reference inhibitor wells: 0..4 %
TOP_CONCENTRATION_UM = 30.0
DILUTION = 3.0
SERIES_LENGTH = 8
ACTIVE_IC50S_UM = (1.0, 0.3, 3.0, 0.1)  # cycled over the active compounds
HILL = 1.5
CYTOTOXIC_CC50_UM = 1.0
CYTOTOXIC_HILL = 2.0
POS_CONTROL_ID = "REF-INH"
POS_CONTROL_UM = 10.0
NEG_CONTROL_ID = "DMSO"


@dataclass(frozen=True)
class WellPlan:
    """Everything known about one well before any pixel exists."""

    row: str
    column: str
    row_index: int
    column_index: int
    role: str  # sample | neg_control | pos_control | empty
    compound_id: str = ""
    concentration_um: float | None = None
    infection: float = 0.0  # probability that a cell is infected
    density: float = 1.0  # cell density relative to an untreated well (0 = no cells)
    is_hit: bool = False
    cytotoxic: bool = False
    missing: bool = False  # listed in the plate metadata, absent from the store
    ic50_um: float | None = None
    cc50_um: float | None = None

    @property
    def path(self) -> str:
        """The well's path in the plate, e.g. ``"B/3"``."""
        return f"{self.row}/{self.column}"

    @property
    def name(self) -> str:
        """The well's name in the CSVs: row letters + two-digit column, e.g. ``"B03"``."""
        return f"{self.row}{int(self.column):02d}"


def row_names(rows: int) -> list[str]:
    """A..Z, then AA..AF (1536-well plates have 32 rows)."""
    letters = string.ascii_uppercase
    return [letters[i] if i < 26 else "A" + letters[i - 26] for i in range(rows)]


def column_names(columns: int) -> list[str]:
    """ "1".."48": names are strings, as in the plate metadata."""
    return [str(i + 1) for i in range(columns)]


def _control_columns(columns: int) -> int:
    """How many columns at each edge hold controls: 2 on 384/1536 layouts, else 1."""
    return 2 if columns >= 24 else 1


def _roles(rows: int, columns: int) -> list[list[str]]:
    """Negative controls in the first column(s), positive ones in the last, samples between."""
    roles = [["sample"] * columns for _ in range(rows)]
    if columns >= 3:
        k = _control_columns(columns)
        for r in range(rows):
            for c in range(k):
                roles[r][c] = "neg_control"
                roles[r][columns - 1 - c] = "pos_control"
    elif rows * columns >= 2:  # one or two columns: the first and the last well
        roles[0][0] = "neg_control"
        roles[rows - 1][columns - 1] = "pos_control"
    else:
        roles[0][0] = "neg_control"
    return roles


def _series_concentration(step: int) -> float:
    """Concentration of dose step ``step`` (0 = top), rounded to 4 significant digits."""
    return float(f"{TOP_CONCENTRATION_UM / DILUTION**step:.4g}")


def plan_plate(rows: int, columns: int, seed: int, control_spread: float = 1.0) -> list[WellPlan]:
    """Plan every well of a ``rows`` x ``columns`` plate, in row-major order.

    Sample wells are taken column by column (top to bottom, left to right); the last one is
    missing from the store and the one before it is empty (when there are at least three).
    The rest form dose series of ``SERIES_LENGTH`` wells, top concentration first: series
    0, 4, 8, ... are active compounds, series 1 is the cytotoxic compound, the others are
    inactive. Per-well biological variation comes from ``seed``. ``control_spread`` scales the
    well-to-well variation of the baseline infection and of the positive controls: 1 is a good
    assay (Z′ about 0.8), 4 a plate that fails QC (Z′ below 0.5), as a bad batch would.
    """
    if not 1 <= rows <= MAX_ROWS or not 1 <= columns <= MAX_COLUMNS:
        raise ValueError(f"rows must be 1..{MAX_ROWS} and columns 1..{MAX_COLUMNS}, got {rows} x {columns}")
    rng = np.random.default_rng([seed, 0x5A3B1E])
    roles = _roles(rows, columns)
    rnames, cnames = row_names(rows), column_names(columns)
    samples = [(r, c) for c in range(columns) for r in range(rows) if roles[r][c] == "sample"]
    missing = samples[-1:] if len(samples) >= 2 else []
    empty = samples[-2:-1] if len(samples) >= 3 else []
    dosed = [rc for rc in samples if rc not in missing and rc not in empty]
    neg_mean = NEG_INFECTION
    if not control_spread > 0:
        raise ValueError(f"control_spread must be positive, got {control_spread}")
    spread = 0.04 * control_spread  # SD of the baseline infection between wells
    low, high = (0.6, 0.8) if control_spread == 1 else (max(0.0, neg_mean - 0.1 * control_spread),
                                                        min(0.95, neg_mean + 0.1 * control_spread))

    # Independent per-well draws, in row-major order, so each well's numbers depend only on seed.
    jitter = rng.normal(0.0, 1.0, size=(rows, columns))
    density = np.clip(rng.normal(1.0, 0.06, size=(rows, columns)), 0.85, 1.15)
    pos_draw = rng.uniform(0.0, 2 * POS_INFECTION * control_spread, size=(rows, columns))

    special: dict[tuple[int, int], dict] = {}
    for i, (r, c) in enumerate(dosed):
        series, step = divmod(i, SERIES_LENGTH)
        conc = _series_concentration(step)
        base = float(np.clip(neg_mean + spread * jitter[r, c], low, high))
        kw: dict = {"compound_id": f"CPD-{series + 1:03d}", "concentration_um": conc}
        if series % 4 == 0:  # active: infection falls with dose
            ic50 = ACTIVE_IC50S_UM[(series // 4) % len(ACTIVE_IC50S_UM)]
            inhibition = 1.0 / (1.0 + (ic50 / conc) ** HILL)
            kw.update(infection=base * (1 - inhibition) + pos_draw[r, c] * inhibition,
                      is_hit=conc > ic50, ic50_um=ic50)
        elif series == 1:  # cytotoxic: kills cells, leaves the infection of survivors alone
            viability = 1.0 / (1.0 + (conc / CYTOTOXIC_CC50_UM) ** CYTOTOXIC_HILL)
            kw.update(infection=base, density=float(density[r, c]) * viability,
                      cytotoxic=viability < 0.5, cc50_um=CYTOTOXIC_CC50_UM)
        else:
            kw.update(infection=base)
        special[(r, c)] = kw
    for r, c in missing:
        special[(r, c)] = {"compound_id": f"CPD-{-(-len(dosed) // SERIES_LENGTH) + 1:03d}",
                           "concentration_um": TOP_CONCENTRATION_UM, "missing": True,
                           "infection": neg_mean}
    for r, c in empty:
        special[(r, c)] = {"role": "empty", "density": 0.0}

    plans = []
    for r in range(rows):
        for c in range(columns):
            kw = {"density": float(density[r, c])}
            role = roles[r][c]
            if role == "neg_control":
                kw.update(compound_id=NEG_CONTROL_ID,
                          infection=float(np.clip(neg_mean + spread * jitter[r, c], low, high)))
            elif role == "pos_control":
                kw.update(compound_id=POS_CONTROL_ID, concentration_um=POS_CONTROL_UM,
                          infection=float(pos_draw[r, c]))
            kw.update(special.get((r, c), {}))
            role = kw.pop("role", role)
            kw["infection"] = float(kw.get("infection", 0.0))
            plans.append(WellPlan(rnames[r], cnames[c], r, c, role, **kw))
    return plans
