"""Normalisation of one plate's readouts to its controls: percent activity, robust Z, B-score.

Controls are the plate map's ``neg_control`` / ``pos_control`` wells; statistics are per plate
and go into new columns (readouts are never overwritten). Robust statistics use the median and
the MAD scaled by 1.4826, which makes it estimate the standard deviation of normal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .assay_table import column_floats, table_source
from .errors import HitsError

__all__ = ["MAD_SCALE", "NEW_COLUMNS", "MedianPolish", "b_score", "control_values", "mad", "median_polish",
           "normalize", "percent_activity", "percent_of_control", "robust_z"]

MAD_SCALE = 1.4826  # MAD x 1.4826 estimates the SD of normally distributed values
NEW_COLUMNS = ("activity_pct", "percent_of_control", "robust_z", "b_score", "viability_pct", "qc_flag", "excluded")

Values = pd.Series | np.ndarray | Sequence[float]


def _series(values: Values) -> pd.Series:
    """Floats, keeping a Series' index (nullable NA -> NaN)."""
    if isinstance(values, pd.Series):
        return pd.to_numeric(values, errors="coerce").astype(float)
    return pd.Series(np.asarray(values, dtype=float))


def mad(values: Values) -> float:
    """The median absolute deviation from the median (unscaled), NaN ignored; NaN when no value."""
    v = _series(values).dropna().to_numpy()
    return float(np.median(np.abs(v - np.median(v)))) if v.size else float("nan")


def percent_activity(values: Values, neg_mean: float, pos_mean: float) -> pd.Series:
    """Normalised percent activity (NPI): 0 % at ``neg_mean``, 100 % at ``pos_mean``.

    Works whichever control is higher (inhibition or activation assays).

    Raises
    ------
    ValueError
        When the two means are equal (or not finite): there is no scale.
    """
    span = pos_mean - neg_mean
    if not np.isfinite(span) or span == 0:
        raise ValueError(f"the control means must differ (negative {neg_mean}, positive {pos_mean})")
    return 100.0 * (_series(values) - neg_mean) / span


def percent_of_control(values: Values, neg_mean: float) -> pd.Series:
    """Values as a percentage of the negative-control mean; NaN everywhere when that mean is 0."""
    v = _series(values)
    return 100.0 * v / neg_mean if neg_mean != 0 and np.isfinite(neg_mean) else v * np.nan


def robust_z(values: Values, reference: Values) -> pd.Series:
    """(value − median of ``reference``) / (1.4826 × MAD of ``reference``).

    NaN everywhere when the reference has no value or no spread (MAD 0): a Z-score would be
    infinite or meaningless.
    """
    v, ref = _series(values), _series(reference).dropna()
    scale = MAD_SCALE * mad(ref)
    if not ref.size or not scale > 0:
        return v * np.nan
    return (v - float(ref.median())) / scale


@dataclass(frozen=True)
class MedianPolish:
    """Tukey's median polish of a plate: value = overall + row effect + column effect + residual."""

    overall: float
    row_effects: pd.Series  # by row name; NaN for a row without values
    column_effects: pd.Series  # by column name; NaN for a column without values
    residuals: pd.DataFrame  # rows x columns; NaN where there was no value


def median_polish(matrix: pd.DataFrame, max_iter: int = 10, tol: float = 0.01) -> MedianPolish:
    """Median polish of a rows x columns matrix (NaN = no value), as R's ``medpolish``.

    Alternately subtracts row medians and column medians until the sum of absolute residuals
    changes by less than ``tol`` (relative) or after ``max_iter`` rounds.
    """
    z = matrix.to_numpy(dtype=float, na_value=np.nan).copy()
    present = ~np.isnan(z)
    has_row, has_col = present.any(axis=1), present.any(axis=0)  # rows/columns without values take no part
    rows, cols, overall = np.zeros(z.shape[0]), np.zeros(z.shape[1]), 0.0
    old = np.inf
    for _ in range(max_iter):
        # pandas medians: all-NaN rows give NaN without numpy's warning; no value -> no effect
        delta = pd.DataFrame(z).median(axis=1).fillna(0).to_numpy()
        z -= delta[:, None]
        rows += delta
        shift = float(np.median(cols[has_col])) if has_col.any() else 0.0
        cols[has_col] -= shift
        overall += shift
        delta = pd.DataFrame(z).median(axis=0).fillna(0).to_numpy()
        z -= delta[None, :]
        cols += delta
        shift = float(np.median(rows[has_row])) if has_row.any() else 0.0
        rows[has_row] -= shift
        overall += shift
        new = float(np.nansum(np.abs(z)))
        if new == 0 or abs(new - old) < tol * new:
            break
        old = new
    return MedianPolish(overall,
                        pd.Series(np.where(has_row, rows, np.nan), index=matrix.index),
                        pd.Series(np.where(has_col, cols, np.nan), index=matrix.columns),
                        pd.DataFrame(z, index=matrix.index, columns=matrix.columns))


def _plate_matrix(table: pd.DataFrame, values: pd.Series, wells: pd.Series) -> pd.DataFrame:
    """The values of ``wells`` laid out as plate rows x columns, in the order the table gives them."""
    rows, columns = pd.unique(table["row"].astype(str)), pd.unique(table["column"].astype(str))
    used = pd.DataFrame({"row": table["row"].astype(str), "column": table["column"].astype(str), "v": values})[wells]
    return used.pivot(index="row", columns="column", values="v").reindex(index=rows, columns=columns)


def b_score(table: pd.DataFrame, readout: str, wells: pd.Series | None = None) -> pd.Series:
    """B-score of the sample wells: median-polish residual / (1.4826 × MAD of the residuals).

    The row and column effects are fitted on ``wells`` (default: sample wells with a value),
    using the table's ``row`` and ``column``; every sample well is then scored against them,
    so a QC-excluded sample well still gets a value. Other wells get NaN, as do all when the
    residuals have no spread. Like any B-score it assumes most sample wells are inactive: a
    compound filling most of a row or column is taken for a plate effect.
    """
    values = column_floats(table, readout)
    samples = table["role"].astype(str) == "sample"
    fitted = (samples & values.notna()) if wells is None else wells.reindex(table.index, fill_value=False).astype(bool)
    if not fitted.any():
        return values * np.nan
    polish = median_polish(_plate_matrix(table, values, fitted))
    effects = (polish.overall + polish.row_effects.reindex(table["row"].astype(str)).to_numpy()
               + polish.column_effects.reindex(table["column"].astype(str)).to_numpy())
    residual = (values - effects).where(samples)
    scale = MAD_SCALE * mad(residual[fitted])
    return residual / scale if scale > 0 else residual * np.nan


def _roles_found(table: pd.DataFrame) -> str:
    counts = table["role"].astype(str).replace("", "(not in the plate map)").value_counts(sort=False)
    return ", ".join(f"{role} {n}" for role, n in counts.items()) or "no wells"


def _control_group(table: pd.DataFrame, readout: str, role: str, excluded: pd.Series | None) -> pd.Series:
    """The ``readout`` values of one control group, QC-excluded wells left out; HitsError when none."""
    values = column_floats(table, readout)
    in_group = (table["role"].astype(str) == role) & values.notna()
    kept = in_group if excluded is None else in_group & ~excluded.reindex(table.index, fill_value=False).astype(bool)
    if not kept.any():
        dropped = int(in_group.sum())
        why = f"; {dropped} excluded by QC" if dropped else ""
        raise HitsError(table_source(table), f"no {role} wells with {readout} values{why} (roles found: "
                                             f"{_roles_found(table)}); the plate map's role column marks the controls")
    return values[kept]


def control_values(table: pd.DataFrame, readout: str, excluded: pd.Series | None = None
                   ) -> tuple[pd.Series, pd.Series]:
    """The ``readout`` values of the negative and of the positive controls, QC-excluded wells left out.

    Raises
    ------
    HitsError
        Naming the table's source and the roles it has, when either group has no value.
    """
    return (_control_group(table, readout, "neg_control", excluded),
            _control_group(table, readout, "pos_control", excluded))


def _require_column(table: pd.DataFrame, column: str) -> None:
    if column not in table.columns:
        raise HitsError(table_source(table), f"no {column!r} column (columns: {', '.join(map(str, table.columns))})")
    if column in NEW_COLUMNS:
        raise HitsError(table_source(table), f"{column!r} is a column normalize writes, not a readout")


def normalize(table: pd.DataFrame, readout: str = "infected_fraction", viability: str | None = "nuclei_count",
              z_reference: Literal["samples", "neg_controls"] = "samples",
              exclude: pd.Series | None = None) -> pd.DataFrame:
    """A copy of an :func:`~imaging_explorer.hits.assay_table` with the plate's normalised columns.

    New columns: ``activity_pct`` (NPI of ``readout``), ``percent_of_control``, ``robust_z``
    (against the sample wells or the negative controls), ``b_score``, ``viability_pct``
    (``viability`` readout / negative-control mean x 100; NaN when ``viability`` is None),
    ``qc_flag`` (the reason from ``exclude``, or "") and ``excluded``. Wells with a QC flag are
    left out of the control means and the reference statistics but still get values. The
    readout and viability names are kept in ``attrs["readout"]`` / ``attrs["viability"]``.

    Parameters
    ----------
    table
        One plate, as :func:`~imaging_explorer.hits.assay_table` returns it.
    readout
        The activity readout (default ``infected_fraction``).
    viability
        The viability readout (default ``nuclei_count``), or None.
    z_reference
        ``"samples"``: robust Z against the plate's sample wells; ``"neg_controls"``: against
        the negative controls.
    exclude
        QC reasons per well ("" = ok), e.g. from :func:`~imaging_explorer.hits.qc_flags`.

    Raises
    ------
    HitsError
        A readout column is missing, there are no negative or positive control wells with
        values, or the control means are equal (or the viability controls' mean is 0).
    """
    if z_reference not in ("samples", "neg_controls"):
        raise ValueError(f"z_reference must be 'samples' or 'neg_controls', got {z_reference!r}")
    source = table_source(table)
    for column in (readout, viability):
        if column is not None:
            _require_column(table, column)
    out = table.copy()
    flags = (pd.Series("", index=out.index, dtype=object) if exclude is None
             else exclude.reindex(out.index).fillna("").astype(str).astype(object))
    excluded = flags != ""
    values = column_floats(out, readout)
    neg, pos = control_values(out, readout, excluded)
    neg_mean, pos_mean = float(neg.mean()), float(pos.mean())
    if neg_mean == pos_mean:
        raise HitsError(source, f"the negative and positive controls have the same mean {readout} ({neg_mean:g})")
    role = out["role"].astype(str)
    out["activity_pct"] = percent_activity(values, neg_mean, pos_mean)
    out["percent_of_control"] = percent_of_control(values, neg_mean)
    samples = (role == "sample") & ~excluded & values.notna()
    out["robust_z"] = robust_z(values, values[samples] if z_reference == "samples" else neg)
    out["b_score"] = b_score(out, readout, wells=samples)
    out["viability_pct"] = _viability(out, viability, excluded) if viability is not None else np.nan
    out["qc_flag"] = flags
    out["excluded"] = excluded
    out.attrs.update(readout=readout, viability=viability or "")
    return out


def _viability(table: pd.DataFrame, viability: str, excluded: pd.Series) -> pd.Series:
    """The viability readout in percent of its negative-control mean."""
    neg = _control_group(table, viability, "neg_control", excluded)
    if not float(neg.mean()) > 0:
        raise HitsError(table_source(table), f"the negative controls' mean {viability} is {float(neg.mean()):g}: "
                                             "no viability can be given relative to it")
    return 100.0 * column_floats(table, viability) / float(neg.mean())
