"""The hit rule: which normalised wells are hits, which are cytotoxic, and the hits' ranks."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .assay_table import table_source
from .errors import HitsError
from .image_qc import DEFAULT_IMAGE_QC, ImageQC

__all__ = ["DEFAULT_RULE", "HitRule", "call_hits"]

_WITH_COMPOUND = ("sample", "neg_control", "pos_control")  # wells whose cells met something


@dataclass(frozen=True)
class HitRule:
    """When a sample well is a hit (DESIGN.md "Analysis conventions": the default rule).

    A hit has ``activity_pct`` ≥ ``min_activity_pct`` and ``viability_pct`` ≥
    ``min_viability_pct`` (no viability check when ``viability_readout`` is None), and no QC
    flag when ``exclude_qc_flagged``. A well below the viability threshold is cytotoxic.
    ``image_qc`` holds the thresholds each field is judged by when the per-field rows are known
    (:func:`~imaging_explorer.hits.field_qc`).
    """

    readout: str = "infected_fraction"
    min_activity_pct: float = 50.0
    viability_readout: str | None = "nuclei_count"
    min_viability_pct: float = 50.0
    exclude_qc_flagged: bool = True
    image_qc: ImageQC = DEFAULT_IMAGE_QC

    def __post_init__(self) -> None:
        for name in ("min_activity_pct", "min_viability_pct"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be a finite number, got {getattr(self, name)}")

    def describe(self) -> str:
        """The rule in one line, e.g. for the CLI's output and the napari form."""
        text = f"activity ({self.readout}) ≥ {self.min_activity_pct:g} %"
        if self.viability_readout is not None:
            text += f" and viability ({self.viability_readout}) ≥ {self.min_viability_pct:g} % of the negative controls"
        return text + ("; QC-flagged wells excluded" if self.exclude_qc_flagged else "; QC flags ignored")


DEFAULT_RULE = HitRule()


def _check_normalized(normalized: pd.DataFrame, rule: HitRule) -> None:
    """HitsError when the table was not normalised, or for other readouts than the rule's."""
    source = table_source(normalized)
    missing = [c for c in ("role", "activity_pct", "viability_pct", "excluded") if c not in normalized.columns]
    if missing:
        raise HitsError(source, f"not normalised (no {', '.join(missing)} column): run normalize first")
    for key, wanted in (("readout", rule.readout), ("viability", rule.viability_readout)):
        done = normalized.attrs.get(key)
        if wanted is not None and done is not None and done != wanted:
            raise HitsError(source, f"normalised with {key} {done!r}, but the rule uses {wanted!r}")


def call_hits(normalized: pd.DataFrame, rule: HitRule = DEFAULT_RULE) -> pd.DataFrame:
    """A copy of a :func:`~imaging_explorer.hits.normalize` table with the calls of ``rule``.

    Adds ``hit`` (bool; sample wells only), ``cytotoxic`` (bool: viability below the rule's
    minimum, in wells that hold a compound or control) and ``hit_rank`` (nullable Int64: 1 for
    the strongest hit, by ``activity_pct`` descending, then by lower concentration, i.e. the
    more potent; NA for non-hits).

    Raises
    ------
    HitsError
        When the table lacks the normalised columns or was normalised for another readout.
    """
    _check_normalized(normalized, rule)
    out = normalized.copy()
    role = out["role"].astype(str)
    viability = pd.to_numeric(out["viability_pct"], errors="coerce").astype(float)
    viable = viability >= rule.min_viability_pct if rule.viability_readout is not None else pd.Series(True, out.index)
    hit = (role == "sample") & (pd.to_numeric(out["activity_pct"], errors="coerce") >= rule.min_activity_pct) & viable
    if rule.exclude_qc_flagged:
        hit &= ~out["excluded"].astype(bool)
    out["hit"] = hit.astype(bool)
    out["cytotoxic"] = (role.isin(_WITH_COMPOUND) & (viability < rule.min_viability_pct)).astype(bool)
    if rule.viability_readout is None:
        out["cytotoxic"] = False
    hits = out[out["hit"]]
    order = pd.DataFrame({"activity": -hits["activity_pct"].astype(float),
                          "concentration": hits["concentration"].astype(float) if "concentration" in hits
                          else 0.0}).sort_values(["activity", "concentration"], kind="stable", na_position="last")
    out["hit_rank"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    out.loc[order.index, "hit_rank"] = pd.array(range(1, len(order) + 1), dtype="Int64")
    return out
