"""Is this plate good enough? Z′, robust Z′, signal window, control CVs and row/column effects.

Row and column effects are tested with the Kruskal–Wallis H-test (rank-based, so robust to a
few extreme wells) over the plate's inactive-looking sample wells grouped by row, and by
column: sample wells more than 3 robust SDs from the samples' median are set aside first, so
that active compounds do not pass for a plate effect. A small p-value says that rows (or
columns) differ more than chance allows; the B-score then removes the effect.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .assay_table import column_floats
from .image_qc import field_qc_lines
from .normalization import MAD_SCALE, control_values, mad, robust_z

__all__ = ["PlateQC", "plate_qc"]

Z_PRIME_MIN = 0.5  # "excellent assay" (Zhang, Chung & Oldenburg 1999)
SIGNAL_WINDOW_MIN = 2.0  # Assay Guidance Manual, HTS Assay Validation: SW >= 2 acceptable
CV_MAX = 0.20  # Assay Guidance Manual: the high signal's CV below 20 %
EFFECT_P_MAX = 1e-3  # row / column effect reported below this p-value
OUTLIER_Z = 3.0  # sample wells beyond this robust Z are left out of the effect test


@dataclass(frozen=True)
class PlateQC:
    """Quality of one plate for one readout, from its controls and sample wells.

    CVs are fractions (0.05 = 5 %); SDs are sample SDs (ddof 1, NaN with one well);
    ``row_effect`` / ``column_effect`` are Kruskal–Wallis p-values (NaN when not testable).
    """

    readout: str
    n_neg: int
    n_pos: int
    neg_mean: float
    pos_mean: float
    neg_sd: float
    pos_sd: float
    neg_cv: float
    pos_cv: float
    z_prime: float
    robust_z_prime: float
    signal_window: float
    row_effect: float
    column_effect: float
    warnings: tuple[str, ...] = ()
    #: the per-field image QC (:func:`~imaging_explorer.hits.field_qc`) when the plate was
    #: analysed with its fields; None otherwise
    fields: pd.DataFrame | None = dataclasses.field(default=None, compare=False, repr=False)

    def lines(self) -> list[str]:
        """The QC as text lines, for the CLI and the napari dock."""
        out = [f"Plate QC of {self.readout}: {self.n_neg} negative, {self.n_pos} positive control wells",
               (f"  Z′ {_num(self.z_prime)} (robust {_num(self.robust_z_prime)}), "
                f"signal window {_num(self.signal_window)}")]
        for name, mean, sd, cv in (("negative", self.neg_mean, self.neg_sd, self.neg_cv),
                                   ("positive", self.pos_mean, self.pos_sd, self.pos_cv)):
            out.append(f"  {name} controls: mean {mean:.3g}, SD {_num(sd, '.3g')}, CV {_num(100 * cv, '.1f')} %")
        out.append(f"  row effect p = {_num(self.row_effect, '.2g')}, column effect p = "
                   f"{_num(self.column_effect, '.2g')} (Kruskal–Wallis over the sample wells)")
        out += [f"  warning: {w}" for w in self.warnings]
        if self.fields is not None:
            out += field_qc_lines(self.fields)
        return out


def _num(x: float, fmt: str = ".2f") -> str:
    return format(x, fmt) if math.isfinite(x) else "n/a"


def _sd(values: pd.Series) -> float:
    return float(values.std(ddof=1)) if len(values) > 1 else float("nan")


def _z_prime(sd_pos: float, sd_neg: float, mean_pos: float, mean_neg: float) -> float:
    """1 − 3(σp + σn) / |μp − μn| (Zhang et al. 1999)."""
    span = abs(mean_pos - mean_neg)
    return 1.0 - 3.0 * (sd_pos + sd_neg) / span if span > 0 else float("nan")


def _kruskal(values: pd.Series, groups: pd.Series) -> float:
    """Kruskal–Wallis p-value of ``values`` grouped by ``groups``; NaN when fewer than two groups
    have two or more values, or when every value is the same."""
    by_group = [v.to_numpy() for _, v in values.groupby(groups, sort=False) if len(v) >= 2]
    if len(by_group) < 2 or np.ptp(np.concatenate(by_group)) == 0:
        return float("nan")
    return float(stats.kruskal(*by_group).pvalue)


def _effects(table: pd.DataFrame, readout: str, excluded: pd.Series) -> tuple[float, float]:
    """Row and column effect p-values over the plate's inactive-looking sample wells."""
    values = column_floats(table, readout)
    samples = values[(table["role"].astype(str) == "sample") & ~excluded & values.notna()]
    inactive = samples[robust_z(samples, samples).abs().fillna(0) <= OUTLIER_Z]
    return (_kruskal(inactive, table.loc[inactive.index, "row"].astype(str)),
            _kruskal(inactive, table.loc[inactive.index, "column"].astype(str)))


def _warnings(qc: PlateQC, n_dropped: int) -> tuple[str, ...]:
    out = []
    if n_dropped:
        out.append(f"{n_dropped} control well(s) left out by QC")
    if qc.n_neg < 2 or qc.n_pos < 2:
        out.append("fewer than two wells in a control group: no SD, no Z′")
    if qc.z_prime < Z_PRIME_MIN:
        out.append(f"Z′ {qc.z_prime:.2f} is below {Z_PRIME_MIN}")
    if qc.signal_window < SIGNAL_WINDOW_MIN:
        out.append(f"signal window {qc.signal_window:.2f} is below {SIGNAL_WINDOW_MIN:g}")
    # the CV is judged on the high-signal group: a low signal near 0 has a large CV by nature
    high, cv = ("negative", qc.neg_cv) if abs(qc.neg_mean) >= abs(qc.pos_mean) else ("positive", qc.pos_cv)
    if cv > CV_MAX:
        out.append(f"the {high} controls' CV {100 * cv:.1f} % is above {100 * CV_MAX:.0f} %")
    for name, p in (("row", qc.row_effect), ("column", qc.column_effect)):
        if p < EFFECT_P_MAX:
            out.append(f"{name} effect (p = {p:.1g}): a plate effect or a {name}-wise layout; the B-score removes the former")
    return tuple(out)


def plate_qc(table: pd.DataFrame, readout: str = "infected_fraction", exclude: pd.Series | None = None) -> PlateQC:
    """The plate's QC for ``readout`` from an :func:`~imaging_explorer.hits.assay_table` (or a normalised one).

    Parameters
    ----------
    table
        One plate: ``role``, ``row``, ``column`` and the readout column.
    readout
        The readout judged (default ``infected_fraction``).
    exclude
        QC reasons per well ("" = ok); flagged wells are left out of every statistic.

    Raises
    ------
    HitsError
        When there are no negative or no positive control wells with values.
    """
    excluded = (pd.Series(False, index=table.index) if exclude is None
                else exclude.reindex(table.index).fillna("").astype(str) != "")
    neg, pos = control_values(table, readout, excluded)
    all_neg, all_pos = control_values(table, readout)
    neg_mean, pos_mean, neg_sd, pos_sd = float(neg.mean()), float(pos.mean()), _sd(neg), _sd(pos)
    neg_med, pos_med = float(neg.median()), float(pos.median())
    row_p, col_p = _effects(table, readout, excluded)
    qc = PlateQC(
        readout=readout, n_neg=len(neg), n_pos=len(pos), neg_mean=neg_mean, pos_mean=pos_mean,
        neg_sd=neg_sd, pos_sd=pos_sd,
        neg_cv=neg_sd / abs(neg_mean) if neg_mean else float("nan"),
        pos_cv=pos_sd / abs(pos_mean) if pos_mean else float("nan"),
        z_prime=_z_prime(pos_sd, neg_sd, pos_mean, neg_mean),
        robust_z_prime=_z_prime(MAD_SCALE * mad(pos), MAD_SCALE * mad(neg), pos_med, neg_med),
        # Signal window (Sittampalam et al. 1997; Iversen et al. 2006, Assay Guidance Manual
        # "HTS Assay Validation"): (|μmax − μmin| − 3(σmax + σmin)) / σmax for single wells, where
        # "max" is the uninhibited signal, i.e. the negative control of an inhibition assay.
        signal_window=(abs(pos_mean - neg_mean) - 3.0 * (pos_sd + neg_sd)) / neg_sd if neg_sd > 0 else float("nan"),
        row_effect=row_p, column_effect=col_p,
    )
    dropped = len(all_neg) + len(all_pos) - len(neg) - len(pos)
    return dataclasses.replace(qc, warnings=_warnings(qc, dropped))
