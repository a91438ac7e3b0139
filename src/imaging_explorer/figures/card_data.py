"""What a compound card shows, without Qt (the napari card, its saved figure, the CLI, reports): one compound's wells beside two controls, their
thumbnails at the plate's contrast, the dose-response points and fitted curves, and its numbers.

Two steps, both meant for a worker thread (they fit curves and read pixels):

* :func:`compound_card` — from the plate's hit calling (``PlateHits``: ``wells``, ``compounds``,
  ``compound_wells``, ``control_wells``) the card's wells in strip order (negative control, the
  doses from low to high, positive control: left to right as on the plot's x axis), a short text
  per well, the points and the 4PL fits (:func:`imaging_explorer.hits.fit_compound`);
* :func:`load_card` — that, plus each well's first field as an RGB thumbnail at the plate's
  contrast (:mod:`.well_images`): what the compound card's worker runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..hits import CompoundFits, fit_compound
from ..plate import well_name
from .well_images import (
    CardFields,
    SettingsSource,
    read_card_fields,
    render_card,
    settings_of,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..plate import Plate

__all__ = ["CardInputs", "CardWell", "CompoundCard", "DoseResponse", "HitsSource", "LoadedCard", "build_card",
           "card_inputs", "card_well", "compound_card", "concentration_text", "dose_response", "load_card"]

CURVE_POINTS = 200
CURVE_MARGIN = 3.0  # the curves are drawn this factor beyond the tested doses
ROLE_LABEL = {"neg_control": "neg. control", "pos_control": "pos. control"}


class HitsSource(Protocol):
    """What the card needs of the plate's hit calling (``PlateHits`` of the plate browser)."""

    @property
    def compounds(self) -> pd.DataFrame | None: ...

    def compound_wells(self, compound_id: str) -> pd.DataFrame: ...

    def control_wells(self, role: str) -> list[str]: ...


def _float(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def _flag(value: Any) -> bool:
    try:
        return bool(value) and not (isinstance(value, float) and math.isnan(value))
    except (TypeError, ValueError):  # pd.NA
        return False


def concentration_text(conc: float) -> str:
    """"30 µM" ("" when unknown)."""
    return f"{conc:.3g} µM" if math.isfinite(conc) else ""


def _pct(value: float) -> str:
    return f"{value:.0f} %" if math.isfinite(value) else "—"


@dataclass(frozen=True)
class CardWell:
    """One well of the strip: where it is, what it holds, what hit calling made of it."""

    key: str
    role: str
    concentration: float = math.nan
    activity_pct: float = math.nan
    viability_pct: float = math.nan
    hit: bool = False
    cytotoxic: bool = False
    qc_flag: str = ""
    excluded: bool = False

    @property
    def name(self) -> str:
        return well_name(self.key)

    @property
    def label(self) -> str:
        """Above the thumbnail: "30 µM" or "neg. control"."""
        return ROLE_LABEL.get(self.role) or concentration_text(self.concentration) or self.role or "—"

    @property
    def call(self) -> str:
        """"hit", "cytotoxic", "excluded" or "" (what hit calling made of the well)."""
        if self.excluded:
            return "excluded"
        return "hit" if self.hit else "cytotoxic" if self.cytotoxic else ""

    @property
    def text(self) -> str:
        """Below the thumbnail: activity and viability; the call and the QC flag."""
        call = self.call or ("control" if self.role in ROLE_LABEL else "no hit")
        return f"act {_pct(self.activity_pct)} · via {_pct(self.viability_pct)}\n{call}" + \
            (f" · QC: {self.qc_flag}" if self.qc_flag else "")


def card_well(key: str, row: Mapping[Any, Any]) -> CardWell:
    """A well of the strip from its row of the called wells (``role``, ``concentration``, ``activity_pct``, ...)."""
    flag = row.get("qc_flag", "")
    return CardWell(key=str(key), role=str(row.get("role", "") or ""),
                    concentration=_float(row.get("concentration")),
                    activity_pct=_float(row.get("activity_pct")), viability_pct=_float(row.get("viability_pct")),
                    hit=_flag(row.get("hit")), cytotoxic=_flag(row.get("cytotoxic")),
                    qc_flag="" if flag is None or not isinstance(flag, str) else flag,
                    excluded=_flag(row.get("excluded")))


@dataclass(frozen=True)
class DoseResponse:
    """The plot's data: one point per well (µM, %), the fitted curves on ``curve_x`` (NaN: no fit)."""

    concentration: np.ndarray
    activity: np.ndarray
    viability: np.ndarray
    excluded: np.ndarray
    curve_x: np.ndarray
    activity_curve: np.ndarray
    viability_curve: np.ndarray
    ic50: float
    cc50: float

    @property
    def has_points(self) -> bool:
        ok = np.isfinite(self.concentration) & (self.concentration > 0)
        return bool((ok & (np.isfinite(self.activity) | np.isfinite(self.viability))).any())


def dose_response(wells: pd.DataFrame, fits: CompoundFits) -> DoseResponse:
    """The plot's data of a compound's sample wells and their fits: the curves are drawn
    :data:`CURVE_MARGIN` times beyond the lowest and highest tested dose."""
    def column(name: str) -> np.ndarray:
        if name not in wells:
            return np.full(len(wells), np.nan)
        return np.array([_float(v) for v in wells[name]], dtype=float)

    conc = column("concentration")
    excluded = np.array([_flag(v) for v in wells["excluded"]], dtype=bool) if "excluded" in wells \
        else np.zeros(len(wells), bool)
    doses = conc[np.isfinite(conc) & (conc > 0)]
    if len(doses):
        x = np.geomspace(doses.min() / CURVE_MARGIN, doses.max() * CURVE_MARGIN, CURVE_POINTS)
    else:
        x = np.array([], dtype=float)
    return DoseResponse(conc, column("activity_pct"), column("viability_pct"), excluded, x,
                        fits.activity.predict(x), fits.viability.predict(x),
                        fits.activity.value_at_50, fits.viability.value_at_50)


@dataclass(frozen=True)
class CompoundCard:
    """One compound: its numbers from the compound table, the strip's wells, the plot's data."""

    compound_id: str
    wells: tuple[CardWell, ...]
    plot: DoseResponse
    fits: CompoundFits
    numbers: dict[str, Any] = field(default_factory=dict)  # its row of the compound table

    @property
    def rank(self) -> int | None:
        value = self.numbers.get("rank")
        return int(value) if value is not None and not _missing(value) else None

    @property
    def sample_wells(self) -> list[CardWell]:
        return [w for w in self.wells if w.role not in ROLE_LABEL]

    @property
    def title(self) -> str:
        """"CPD-005 · hit rank 1" (or "not a hit")."""
        rank = self.rank
        return f"{self.compound_id} · " + (f"hit rank {rank}" if rank is not None else "not a hit")

    @property
    def summary(self) -> str:
        """IC50, CC50 and selectivity in one line, then the flags of the fits."""
        n = self.numbers
        ic50, cc50 = _float(n.get("ic50_um")), _float(n.get("cc50_um"))
        index, note = _float(n.get("selectivity_index")), str(n.get("selectivity_note") or "")
        si = f"{'> ' if note == '>' else ''}{index:.3g}" if math.isfinite(index) else f"— ({note or 'no fit'})"
        parts = [f"IC50 {concentration_text(ic50) or '—'}", f"CC50 {concentration_text(cc50) or '—'}",
                 f"selectivity {si}"]
        hits = n.get("hit_wells")
        if hits is not None and not _missing(hits):
            parts.append(f"{int(hits)}/{len(self.sample_wells)} wells hit")
        return " · ".join(parts)

    @property
    def flags(self) -> str:
        """The fits' flags ("activity: does not reach 50 %; …"), "" when none."""
        text = self.numbers.get("flags")
        return text if isinstance(text, str) else ""


def _missing(value: Any) -> bool:
    """None, NaN or pandas' NA."""
    try:
        return value is None or bool(math.isnan(float(value)))
    except (TypeError, ValueError):  # pd.NA, text
        return value is None or str(value) in ("<NA>", "nan", "")


def _numbers(table: pd.DataFrame | None, compound_id: str) -> dict[str, Any]:
    if table is None or "compound_id" not in table:
        return {}
    rows = table[table["compound_id"].astype(str) == compound_id]
    return {str(k): v for k, v in rows.iloc[0].items()} if len(rows) else {}


@dataclass(frozen=True)
class CardInputs:
    """What a card is made of, taken from the hit calling on the GUI thread (cheap: no fits, no
    reads), so that a worker never reads tables the hit calling may replace meanwhile."""

    compound_id: str
    wells: pd.DataFrame  # the compound's sample wells
    controls: tuple[tuple[str, str, dict[str, Any]], ...]  # (role, well key, its row) of each end
    numbers: dict[str, Any]  # its row of the compound table


def card_inputs(hits: HitsSource, compound_id: str) -> CardInputs:
    """The compound's wells, its most typical control of each kind and its row of the compound table."""
    table = getattr(hits, "wells", None)
    controls = []
    for role in ("neg_control", "pos_control"):
        keys = hits.control_wells(role)
        if keys:
            row = table.loc[keys[0]].to_dict() if table is not None and keys[0] in table.index else {}
            controls.append((role, str(keys[0]), {**row, "role": role}))
    return CardInputs(str(compound_id), hits.compound_wells(compound_id), tuple(controls),
                      _numbers(hits.compounds, str(compound_id)))


def build_card(inputs: CardInputs) -> CompoundCard:
    """The card from its inputs (fits the curves: in a worker).

    The strip: the negative control, the compound's wells from the lowest concentration to the
    highest (replicates side by side), the positive control; a kind of control the plate lacks is
    left out.
    """
    wells = inputs.wells
    if "concentration" in wells and len(wells):
        order = np.argsort(np.array([_float(v) for v in wells["concentration"]]), kind="stable")
        wells = wells.iloc[order]
    fits = fit_compound(wells)
    strip = [card_well(str(k), row) for k, row in zip(wells.index, wells.to_dict("records"))]
    ends = {role: card_well(key, row) for role, key, row in inputs.controls}
    ordered = [w for w in (ends.get("neg_control"), *strip, ends.get("pos_control")) if w is not None]
    return CompoundCard(inputs.compound_id, tuple(ordered), dose_response(wells, fits), fits, inputs.numbers)


def compound_card(hits: HitsSource, compound_id: str) -> CompoundCard:
    """The card of one compound from the plate's hit calling (:func:`card_inputs` then :func:`build_card`)."""
    return build_card(card_inputs(hits, compound_id))


@dataclass(frozen=True)
class LoadedCard:
    """A card with its thumbnails: what the worker hands the dock."""

    card: CompoundCard
    fields: CardFields
    images: dict[str, np.ndarray]  # well key -> RGB (y, x, 3) uint8


def load_card(inputs: CardInputs, plate: Plate | None, settings: SettingsSource | None) -> LoadedCard:
    """Fit, read and render one card (the compound card's worker)."""
    card = build_card(inputs)
    keys = [w.key for w in card.wells]
    fields = read_card_fields(plate, keys) if plate is not None else CardFields(errors=dict.fromkeys(keys, "no plate"))
    return LoadedCard(card, fields, render_card(fields, settings_of(settings, fields)))
