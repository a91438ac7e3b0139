"""One plate from readouts and plate map to called wells and its QC: the entry point of the CLI and napari."""

from __future__ import annotations

import os

import pandas as pd

from ..platemap import read_platemap
from .assay_table import assay_table
from .hit_rule import DEFAULT_RULE, HitRule, call_hits
from .normalization import normalize
from .plate_qc import PlateQC, plate_qc
from .qc_flags import qc_flags

__all__ = ["analyse_plate"]


def analyse_plate(readouts: pd.DataFrame, platemap: pd.DataFrame | str | os.PathLike[str],
                  rule: HitRule = DEFAULT_RULE, source: str = "readouts") -> tuple[pd.DataFrame, PlateQC]:
    """Normalise, QC and call one plate: assay_table → qc_flags → normalize → plate_qc → call_hits.

    Parameters
    ----------
    readouts
        The plate's per-well readouts (see :func:`~imaging_explorer.hits.assay_table`).
    platemap
        The plate map as :func:`~imaging_explorer.platemap.read_platemap` returns it, or a
        path to read it from.
    rule
        The hit rule; its ``exclude_qc_flagged`` also decides whether QC-flagged wells are
        left out of the control statistics and Z′ (their ``qc_flag`` is reported either way).
    source
        What the readouts are called in error messages (their file).

    Returns
    -------
    (pandas.DataFrame, PlateQC)
        One row per well with the plate-map columns, the readouts, the normalised columns
        and the calls (``hit``, ``cytotoxic``, ``hit_rank``); and the plate's QC.

    Raises
    ------
    HitsError
        Tables that cannot be matched, or no usable controls.
    PlateMapError
        A plate-map file with problems.
    """
    if not isinstance(platemap, pd.DataFrame):
        platemap = read_platemap(platemap)
    table = assay_table(readouts, platemap, source=source)
    flags = qc_flags(table)
    exclude = flags if rule.exclude_qc_flagged else None
    normalized = normalize(table, rule.readout, rule.viability_readout, exclude=exclude)
    normalized["qc_flag"] = flags  # reported even when the rule keeps flagged wells in
    qc = plate_qc(table, rule.readout, exclude=exclude)
    return call_hits(normalized, rule), qc
