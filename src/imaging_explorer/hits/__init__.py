"""Hit calling: one plate's readouts normalised to its controls, its QC, and the calls.

``analyse_plate(readouts, platemap, rule)`` runs the whole chain and is what the CLI and
napari use; each step is also available on its own:

* :func:`assay_table` — the plate map's wells beside their per-well readouts;
* :func:`field_qc` and :class:`ImageQC` — image QC per field (out of focus, saturated, too little
  signal, a control without nuclei) with user-set thresholds; :func:`kept_well_readouts` — the
  wells' readouts again from the fields that passed;
* :func:`qc_flags` — why a well should not count (not measured, no nuclei, saturated, out of focus);
* :func:`normalize` — percent activity (NPI), percent of control, robust Z, B-score and viability
  as new columns (readouts are never overwritten);
* :func:`plate_qc` — Z′, robust Z′, signal window, control CVs and row/column effects;
* :class:`HitRule` and :func:`call_hits` — hits, cytotoxic wells and the hits' ranks;
* :func:`fit_4pl` and :func:`compound_table` — four-parameter logistic fits of activity and
  viability per compound (IC50, CC50, Hill slope, selectivity) and the compounds' ranks.

No Qt, no napari. Every problem with the tables is a :class:`HitsError` naming its source.
"""

from __future__ import annotations

from .assay_table import assay_table
from .dose_response import CompoundFits, CurveFit, compound_table, fit_4pl, fit_compound
from .errors import HitsError
from .hit_rule import HitRule, call_hits
from .image_qc import DEFAULT_IMAGE_QC, ImageQC, field_qc, kept_well_readouts
from .normalization import (
    b_score,
    mad,
    median_polish,
    normalize,
    percent_activity,
    percent_of_control,
    robust_z,
)
from .plate_qc import PlateQC, plate_qc
from .qc_flags import qc_flags
from .well_calls import analyse_plate

__all__ = [
    "DEFAULT_IMAGE_QC",
    "CompoundFits",
    "CurveFit",
    "HitRule",
    "HitsError",
    "ImageQC",
    "PlateQC",
    "analyse_plate",
    "assay_table",
    "b_score",
    "call_hits",
    "compound_table",
    "field_qc",
    "fit_4pl",
    "fit_compound",
    "kept_well_readouts",
    "mad",
    "median_polish",
    "normalize",
    "percent_activity",
    "percent_of_control",
    "plate_qc",
    "qc_flags",
    "robust_z",
]
