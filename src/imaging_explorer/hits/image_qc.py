"""Image QC per field: which fields are blurred, saturated, dark or (in a control) empty, and the
wells' readouts again from the fields that passed, so that a bad field cannot make or hide a hit.

The checks follow the wells' (:func:`~imaging_explorer.hits.qc_flags`) in wording and in what
they forgive: a sample field without nuclei is a finding (a cytotoxic compound empties its
wells), a control field without nuclei is broken, and fields of ``empty`` wells are never
judged. A field imaged without light, though, is an artifact whatever its role; it is told by
its nuclei channel's ``background`` (its median), far below the plate's, which an empty but
lit field keeps. Stores written before that column existed skip that check.

No Qt, no napari.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..analysis.readouts import well_table
from .assay_table import _grid_id, _well_id, column_floats
from .errors import HitsError
from .qc_flags import join_reasons

__all__ = ["DEFAULT_IMAGE_QC", "ImageQC", "field_qc", "field_qc_lines", "kept_well_readouts"]

_KEYS = ("well", "field")


@dataclass(frozen=True)
class ImageQC:
    """Thresholds of the per-field checks (each a field must pass to count).

    Attributes
    ----------
    focus_min_ratio
        Smallest acceptable ``focus`` relative to the plate's median over the judged fields
        with nuclei ("out of focus (0.31 of the plate's median)"). 0 turns the check off.
    saturated_max
        Largest acceptable ``saturated_fraction`` (0.05 = 5 % of the pixels at the
        dtype's maximum; "saturated 8.0 % of pixels"). 1 turns the check off.
    min_signal_ratio
        Smallest acceptable ``background`` of the nuclei channel relative to the plate's
        median ("too little signal (0.12 of the plate's median)"): a field imaged in the
        dark. Any role. The ratio includes the camera's offset: on a camera whose offset is
        most of the background, raise it (e.g. 0.9). 0 turns the check off.
    min_nuclei
        Fewest nuclei a *control* field needs ("no nuclei", or "3 nuclei (fewer than 10)").
        Sample fields are never flagged for it. 0 turns the check off.
    """

    focus_min_ratio: float = 0.5
    saturated_max: float = 0.05
    min_signal_ratio: float = 0.5
    min_nuclei: int = 1

    def __post_init__(self) -> None:
        for name in ("focus_min_ratio", "saturated_max", "min_signal_ratio"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a number ≥ 0, got {value}")
        if self.min_nuclei < 0:
            raise ValueError(f"min_nuclei must be ≥ 0, got {self.min_nuclei}")

    def describe(self) -> str:
        """The thresholds in one line (the CLI prints it)."""
        return (f"field QC: focus ≥ {self.focus_min_ratio:g} × the plate's median, saturated ≤ "
                f"{100 * self.saturated_max:g} % of pixels, background ≥ {self.min_signal_ratio:g} × the plate's "
                f"median, control fields ≥ {self.min_nuclei} nuclei")


DEFAULT_IMAGE_QC = ImageQC()


def _roles(fields: pd.DataFrame, roles: Mapping[str, str] | pd.DataFrame) -> pd.Series:
    """Each field's role, matched by row and column number ("B/3", "B03" and "B/03" are one well);
    "" for wells the plate map does not list."""
    if isinstance(roles, pd.DataFrame):
        if "role" not in roles.columns:
            raise HitsError("plate map", "no role column: read it with read_platemap")
        if {"row", "column"} <= set(roles.columns):
            by_id = {_grid_id(r, c): str(x) for r, c, x in zip(roles["row"], roles["column"], roles["role"])}
        else:
            by_id = {_well_id(k): str(x) for k, x in zip(roles.index, roles["role"])}
    else:
        by_id = {_well_id(k): str(x) for k, x in roles.items()}
    return pd.Series([by_id.get(_well_id(w), "") for w in fields["well"]], index=fields.index, dtype=object)


def _reason(mask: pd.Series, text: pd.Series | str) -> pd.Series:
    """``text`` where ``mask`` holds, else ""."""
    out = pd.Series("", index=mask.index, dtype=object)
    out[mask.to_numpy(dtype=bool)] = text[mask] if isinstance(text, pd.Series) else text
    return out


def _below_median(values: pd.Series, judged: pd.Series, min_ratio: float, what: str) -> pd.Series:
    """"<what> (0.31 of the plate's median)" where a judged value is below ``min_ratio`` x the
    judged values' median; nothing when the median is not positive."""
    median = float(values[judged].median()) if judged.any() else math.nan
    if not (np.isfinite(median) and median > 0) or min_ratio <= 0:
        return pd.Series("", index=values.index, dtype=object)
    ratio = values / median
    return _reason(judged & (ratio < min_ratio), ratio.map(lambda r: f"{what} ({r:.2f} of the plate's median)"))


def field_qc(fields: pd.DataFrame, roles: Mapping[str, str] | pd.DataFrame,
             qc: ImageQC = DEFAULT_IMAGE_QC) -> pd.DataFrame:
    """The QC reason(s) of each field of a plate; "" = ok.

    Checks, each skipped when its column is missing: ``nuclei_count`` below ``qc.min_nuclei``
    in a control field ("no nuclei"); ``saturated_fraction`` above ``qc.saturated_max``;
    ``focus`` below ``qc.focus_min_ratio`` x the median focus of the plate's judged fields
    with nuclei (a field without nuclei is not judged on focus: its focus measures nothing);
    ``background`` below ``qc.min_signal_ratio`` x the plate's median ("too little signal").
    Fields of ``empty`` wells are not judged. Several reasons are joined with "; ".

    Parameters
    ----------
    fields
        Per-field rows (an analysis store's ``fields.parquet``): ``well``, ``field`` and the
        readouts of :func:`~imaging_explorer.analysis.readouts.field_row`; optional ``t``.
    roles
        The plate map (as :func:`~imaging_explorer.platemap.read_platemap` returns it) or a
        mapping well -> role. Wells it does not list are judged like samples (the wells'
        QC flags them "not in the plate map").
    qc
        The thresholds.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``fields``: ``well``, ``field`` (and ``t``), ``role`` and ``qc_flag``.

    Raises
    ------
    HitsError
        ``fields`` lacks ``well`` or ``field``.
    """
    missing = [k for k in _KEYS if k not in fields.columns]
    if missing:
        raise HitsError("fields", f"no {', '.join(missing)} column (columns: {', '.join(map(str, fields.columns))})")
    keys = [k for k in (*_KEYS, "t") if k in fields.columns]
    role = _roles(fields, roles)
    judged = role != "empty"  # an empty well is meant to be bare
    reasons = []
    with_nuclei = judged
    if "nuclei_count" in fields.columns:
        nuclei = column_floats(fields, "nuclei_count")
        few = judged & role.str.endswith("_control") & (nuclei < qc.min_nuclei)
        reasons.append(_reason(few, nuclei.map(
            lambda n: "no nuclei" if not n > 0 else f"{n:.0f} nuclei (fewer than {qc.min_nuclei})")))
        with_nuclei = judged & (nuclei > 0)
    if "saturated_fraction" in fields.columns:
        saturated = column_floats(fields, "saturated_fraction")
        reasons.append(_reason(judged & (saturated > qc.saturated_max),
                               saturated.map(lambda s: f"saturated {100 * s:.1f} % of pixels")))
    if "focus" in fields.columns:
        reasons.append(_below_median(column_floats(fields, "focus"), with_nuclei, qc.focus_min_ratio, "out of focus"))
    if "background" in fields.columns:
        reasons.append(_below_median(column_floats(fields, "background"), judged, qc.min_signal_ratio,
                                     "too little signal"))
    out = fields[keys].copy()
    out["role"] = role
    out["qc_flag"] = join_reasons(reasons, fields.index)
    return out


def _field_name(field: object) -> str:
    """"field 1" for the field of index 0: counted from 1, as the browser shows fields."""
    try:
        return f"field {int(field) + 1}"  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return f"field {field}"


def _field_line(field: object, reason: str) -> str:
    """"field 2: out of focus (0.31 of the plate's median), saturated 8.0 % of pixels": one
    field's reasons joined with ", " (fields are joined with "; ")."""
    return f"{_field_name(field)}: {reason.replace('; ', ', ')}"


def _all_flagged_text(reasons: pd.Series) -> str:
    """"all 2 fields flagged: out of focus (0.21 of the plate's median)": the distinct reasons."""
    distinct = list(dict.fromkeys(r for text in reasons for r in str(text).split("; ") if r))
    n = len(reasons)
    return f"{'the field' if n == 1 else f'all {n} fields'} flagged: {'; '.join(distinct)}"


def kept_well_readouts(fields: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Per-well readouts from the fields that passed :func:`field_qc` (with
    :func:`~imaging_explorer.analysis.readouts.well_table`).

    Parameters
    ----------
    fields
        The per-field rows.
    flags
        :func:`field_qc` of ``fields`` (matched by index).

    Returns
    -------
    pandas.DataFrame
        One row per well (and time point) of ``fields``, in their order: the readouts of its
        unflagged fields (NaN / NA when every field is flagged), ``field_count`` (all its
        fields), ``fields_flagged``, ``field_flags`` (which fields and why: "field 2: out of
        focus (0.31 of the plate's median); field 3: saturated 8.0 % of pixels", fields counted
        from 1 as the browser shows them) and ``fields_qc_flag`` ("all 2 fields flagged: out of focus
        (0.21 of the plate's median)" when none is left, else "").
    """
    keys = ["well", "t"] if "t" in fields.columns else ["well"]
    reason = flags["qc_flag"].reindex(fields.index).fillna("").astype(str)
    kept = well_table(fields[reason == ""])
    named = pd.Series([_field_line(f, r) if r else "" for f, r in zip(fields["field"], reason)],
                      index=fields.index, dtype=object)
    by = [fields[k] for k in keys]
    summary = pd.DataFrame({
        "field_count": reason.groupby(by, sort=False).size().astype(int),
        "fields_flagged": (reason != "").groupby(by, sort=False).sum().astype(int),
    })
    # texts only for the wells with a flagged field: a per-group call costs, and most wells have none
    hit = reason != ""
    flagged_by = [fields.loc[hit, k] for k in keys]
    summary["field_flags"] = named[hit].groupby(flagged_by, sort=False).agg("; ".join).reindex(summary.index)
    summary["fields_qc_flag"] = reason[hit].groupby(flagged_by, sort=False).agg(_all_flagged_text).reindex(summary.index)
    summary["field_flags"] = summary["field_flags"].fillna("").astype(object)
    summary["fields_qc_flag"] = summary["fields_qc_flag"].fillna("").where(
        summary["fields_flagged"] == summary["field_count"], "").astype(object)
    summary = summary.rename_axis(keys).reset_index()
    readouts = kept.drop(columns="field_count", errors="ignore")
    return summary[keys].merge(readouts, on=keys, how="left").join(summary.drop(columns=keys))


def field_qc_lines(flags: pd.DataFrame, shown: int = 5) -> list[str]:
    """The image QC as text lines: how many fields were flagged and the first ``shown`` of them
    ("  B/3 field 2: out of focus (0.31 of the plate's median)"), for the CLI and the napari dock."""
    flagged = flags[flags["qc_flag"].astype(str) != ""]
    out = [f"Image QC: {len(flagged)} of {len(flags)} field(s) flagged"
           + (" (left out of the wells' readouts unless QC flags are kept)" if len(flagged) else "")]
    for well, field, reason in zip(flagged["well"].head(shown), flagged["field"].head(shown),
                                   flagged["qc_flag"].head(shown)):
        out.append(f"  {well} {_field_line(field, str(reason))}")
    if len(flagged) > shown:
        out.append(f"  … and {len(flagged) - shown} more (the field_flags column)")
    return out
