"""One plate from readouts and plate map to called wells and its QC: the entry point of the CLI and napari."""

from __future__ import annotations

import dataclasses
import os

import pandas as pd

from ..platemap import read_platemap
from .assay_table import assay_table
from .hit_rule import DEFAULT_RULE, HitRule, call_hits
from .image_qc import ImageQC, field_qc, kept_well_readouts
from .normalization import normalize
from .plate_qc import PlateQC, plate_qc
from .qc_flags import join_reasons, qc_flags

__all__ = ["analyse_plate"]


_FIELD_COLUMNS = ("field_count", "fields_flagged", "field_flags", "fields_qc_flag")


def _with_field_qc(readouts: pd.DataFrame, per_well: pd.DataFrame, replace: bool) -> pd.DataFrame:
    """The readouts with the field QC's columns; ``replace``: each well's readouts recomputed
    from its kept fields (readout columns the fields lack, and wells without fields, stay)."""
    keys = ["well", "t"] if "t" in readouts.columns and "t" in per_well.columns else ["well"]
    if not replace:
        qc_columns = [c for c in _FIELD_COLUMNS if c != "field_count"]
        return readouts.drop(columns=qc_columns, errors="ignore").merge(
            per_well[keys + qc_columns], on=keys, how="left")
    rest = [c for c in readouts.columns if c not in per_well.columns]
    recomputed = per_well.merge(readouts[keys + rest], on=keys, how="left") if rest else per_well
    unseen = readouts[~readouts.set_index(keys).index.isin(per_well.set_index(keys).index)]
    return pd.concat([recomputed, unseen], ignore_index=True) if len(unseen) else recomputed


def _joined(*flags: pd.Series) -> pd.Series:
    """Reasons per well joined with "; " (empty ones skipped)."""
    return join_reasons(list(flags), flags[0].index).rename("qc_flag")


def analyse_plate(readouts: pd.DataFrame, platemap: pd.DataFrame | str | os.PathLike[str],
                  rule: HitRule = DEFAULT_RULE, source: str = "readouts", fields: pd.DataFrame | None = None,
                  image_qc: ImageQC | None = None) -> tuple[pd.DataFrame, PlateQC]:
    """Normalise, QC and call one plate: (field_qc →) assay_table → qc_flags → normalize →
    plate_qc → call_hits.

    With ``fields``, images are judged per field (:func:`~imaging_explorer.hits.field_qc`) and,
    when ``rule.exclude_qc_flagged``, each well's readouts are computed again from its fields
    that passed before anything is normalised: a blurred, saturated or dark field cannot make
    or hide a hit. A well whose every field failed keeps no readouts and is flagged ("all 2
    fields flagged: ..."). The wells' own focus and saturation checks are then skipped (they
    would judge the fields' mean again). Without ``fields`` the wells are judged on their means
    (:func:`~imaging_explorer.hits.qc_flags`) with ``image_qc``'s focus and saturation thresholds.

    Parameters
    ----------
    readouts
        The plate's per-well readouts (see :func:`~imaging_explorer.hits.assay_table`).
    platemap
        The plate map as :func:`~imaging_explorer.platemap.read_platemap` returns it, or a
        path to read it from.
    rule
        The hit rule; its ``exclude_qc_flagged`` also decides whether QC-flagged wells (and
        fields) are left out of the control statistics and Z′ (their ``qc_flag`` is reported
        either way).
    source
        What the readouts are called in error messages (their file).
    fields
        The plate's per-field rows (an analysis store's ``fields``, same ``well`` names as
        ``readouts``), or None.
    image_qc
        The image QC thresholds (None: the rule's).

    Returns
    -------
    (pandas.DataFrame, PlateQC)
        One row per well with the plate-map columns, the readouts, the normalised columns
        and the calls (``hit``, ``cytotoxic``, ``hit_rank``); with ``fields`` also
        ``field_count``, ``fields_flagged`` and ``field_flags`` ("field 2: out of focus (0.31
        of the plate's median)", fields counted from 1). The plate's QC; with ``fields`` its
        ``fields`` holds the per-field QC table (``well``, ``field``, ``t``, ``role``, ``qc_flag``).

    Raises
    ------
    HitsError
        Tables that cannot be matched, or no usable controls.
    PlateMapError
        A plate-map file with problems.
    """
    if not isinstance(platemap, pd.DataFrame):
        platemap = read_platemap(platemap)
    image_qc = image_qc or rule.image_qc
    per_field = None
    if fields is not None:
        per_field = field_qc(fields, platemap, image_qc)
        if (per_field["qc_flag"] != "").any():
            readouts = _with_field_qc(readouts, kept_well_readouts(fields, per_field), replace=rule.exclude_qc_flagged)
        else:  # every field passed: the wells' readouts are already those of all their fields
            readouts = readouts.assign(fields_flagged=0, field_flags="")
    table = assay_table(readouts, platemap, source=source)
    flags = qc_flags(table, image_qc.saturated_max, image_qc.focus_min_ratio, images=fields is None)
    if "fields_qc_flag" in table.columns:
        flags = _joined(flags, table.pop("fields_qc_flag"))
    exclude = flags if rule.exclude_qc_flagged else None
    normalized = normalize(table, rule.readout, rule.viability_readout, exclude=exclude)
    normalized["qc_flag"] = flags  # reported even when the rule keeps flagged wells in
    qc = plate_qc(table, rule.readout, exclude=exclude)
    if per_field is not None:
        qc = dataclasses.replace(qc, fields=per_field)
    return call_hits(normalized, rule), qc
