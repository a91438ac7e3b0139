"""Per-well quality flags from the readouts' QC columns: why a well should not count."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .assay_table import column_floats

__all__ = ["join_reasons", "qc_flags"]


def join_reasons(parts: list[pd.Series], index: pd.Index) -> pd.Series:
    """Each row's non-empty reasons joined with "; ", in the order of ``parts``.

    Vectorised: a row-wise ``apply`` costs about 0.1 ms a row, which a screen of many plates pays
    for every plate."""
    out = np.full(len(index), "", dtype=object)
    for part in parts:
        text = np.asarray(part.reindex(index).fillna("").astype(str), dtype=object)
        has, had = text != "", out != ""
        out = np.where(has & had, out + "; " + text, np.where(has, text, out))
    return pd.Series(out, index=index, dtype=object)


def _reason(mask: pd.Series | np.ndarray, text: pd.Series | str, index: pd.Index) -> pd.Series:
    """``text`` where ``mask`` holds, else ""."""
    out = pd.Series("", index=index, dtype=object)
    mask = np.asarray(mask, dtype=bool)
    out[mask] = text[mask] if isinstance(text, pd.Series) else text
    return out


def qc_flags(table: pd.DataFrame, saturated_max: float = 0.05, focus_min_ratio: float = 0.5,
             images: bool = True) -> pd.Series:
    """The QC reason(s) of each well of an :func:`~imaging_explorer.hits.assay_table`; "" = ok.

    Checks, each skipped when its column is missing: ``measured`` ("not measured"; no further
    check then), ``role`` "" ("not in the plate map"), ``nuclei_count`` 0 in a control ("no
nuclei"; a sample without cells is kept: that is what a cytotoxic compound does, and its
focus is not judged),
    ``saturated_fraction`` above ``saturated_max`` ("saturated 8.0 % of pixels") and ``focus``
    below ``focus_min_ratio`` times the median focus of the plate's measured wells ("out of
    focus (0.31 of the plate's median)"). Wells of role ``empty`` are left out of the last
    three checks and of the focus median: they are meant to hold no cells. Several reasons
    are joined with "; ".

    Parameters
    ----------
    table
        As :func:`~imaging_explorer.hits.assay_table` returns it.
    saturated_max
        Largest acceptable fraction of saturated pixels (0.05 = 5 %).
    focus_min_ratio
        Smallest acceptable focus relative to the plate's median.
    images
        False: skip the saturation and focus checks, because the fields were judged one by one
        (:func:`~imaging_explorer.hits.field_qc`); a well's mean over fields that passed would
        only be judged again, against another median.

    Returns
    -------
    pandas.Series
        Text per well, indexed like ``table``, named ``qc_flag``.
    """
    index = table.index
    measured = table["measured"].astype(bool) if "measured" in table.columns else pd.Series(True, index=index)
    role = table["role"].astype(str) if "role" in table.columns else pd.Series("sample", index=index)
    judged = measured & (role != "empty")  # an unmeasured well has no values; an empty one is meant to be bare
    reasons = [_reason(~measured, "not measured", index), _reason(measured & (role == ""), "not in the plate map", index)]
    focused = judged
    if "nuclei_count" in table.columns:
        # a control without cells is broken; a sample without cells is a finding (cytotoxic), kept
        bare = column_floats(table, "nuclei_count") == 0
        reasons.append(_reason(judged & bare & role.str.endswith("_control"), "no nuclei", index))
        focused = judged & ~bare  # the focus of a field without cells measures nothing
    if images and "saturated_fraction" in table.columns:
        saturated = column_floats(table, "saturated_fraction")
        reasons.append(_reason(judged & (saturated > saturated_max),
                               saturated.map(lambda s: f"saturated {100 * s:.1f} % of pixels"), index))
    if images and "focus" in table.columns:
        focus = column_floats(table, "focus")
        median = float(focus[focused].median())
        if np.isfinite(median) and median > 0:
            ratio = focus / median
            reasons.append(_reason(focused & (ratio < focus_min_ratio),
                                   ratio.map(lambda r: f"out of focus ({r:.2f} of the plate's median)"), index))
    return join_reasons(reasons, index).rename("qc_flag")
