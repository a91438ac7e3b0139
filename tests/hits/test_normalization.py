"""Normalisation statistics on hand-made values with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from imaging_explorer.hits import (
    HitsError,
    b_score,
    mad,
    median_polish,
    normalize,
    percent_activity,
    percent_of_control,
    robust_z,
)


def small_plate(values: dict[str, tuple[str, float, int]], source: str = "wells.csv") -> pd.DataFrame:
    """An assay table from {well: (role, infected_fraction, nuclei_count)}."""
    wells = list(values)
    table = pd.DataFrame({
        "row": [w.split("/")[0] for w in wells], "column": [w.split("/")[1] for w in wells],
        "compound_id": ["C"] * len(wells), "concentration": [1.0] * len(wells),
        "role": [values[w][0] for w in wells],
        "infected_fraction": [values[w][1] for w in wells],
        "nuclei_count": pd.array([values[w][2] for w in wells], dtype="Int64"),
        "measured": True,
    }, index=pd.Index(wells, name="well"))
    table.attrs["source"] = source
    return table


PLATE = {
    "A/1": ("neg_control", 0.8, 100), "B/1": ("neg_control", 0.6, 100),  # mean 0.7
    "A/4": ("pos_control", 0.1, 90), "B/4": ("pos_control", 0.1, 110),  # mean 0.1
    "A/2": ("sample", 0.4, 50), "A/3": ("sample", 0.7, 120), "B/2": ("sample", 0.1, 20), "B/3": ("sample", 0.6, 100),
}


def test_percent_activity_is_0_at_the_negative_and_100_at_the_positive_mean():
    assert list(percent_activity([0.7, 0.4, 0.1, 0.85], neg_mean=0.7, pos_mean=0.1).round(9)) == [0, 50, 100, -25]
    # an activation assay: the positive control is the higher one
    assert list(percent_activity(np.array([10.0, 15.0, 30.0]), neg_mean=10, pos_mean=20)) == [0, 50, 200]
    # a Series keeps its index
    s = percent_activity(pd.Series([0.4], index=["B/2"]), 0.7, 0.1)
    assert list(s.index) == ["B/2"] and s["B/2"] == pytest.approx(50)
    with pytest.raises(ValueError, match="must differ"):
        percent_activity([1.0], 0.5, 0.5)


def test_percent_of_control():
    assert list(percent_of_control([50.0, 100.0, 300.0], neg_mean=200.0)) == [25, 50, 150]
    assert percent_of_control([1.0], neg_mean=0.0).isna().all()


def test_mad_and_robust_z():
    values = [1.0, 2.0, 3.0, 4.0, 100.0]  # median 3; deviations 2, 1, 0, 1, 97 -> MAD 1
    assert mad(values) == 1.0
    assert mad([1.0, np.nan, 3.0]) == 1.0 and math.isnan(mad([]))
    z = robust_z([3.0, 100.0, 1.5174], reference=values)
    assert z[0] == 0 and z[1] == pytest.approx(97 / 1.4826) and z[2] == pytest.approx(-1.0, abs=1e-4)
    # no spread in the reference: no Z-score rather than an infinite one
    assert robust_z([1.0, 2.0], reference=[5.0, 5.0, 5.0]).isna().all()


def test_median_polish_recovers_additive_effects():
    # overall 5, row effects -3 / 0 / +3, column effects -1 / 0 / +1, one outlier of +91
    matrix = pd.DataFrame([[1, 2, 3], [4, 5, 6], [7, 8, 100.0]], index=["A", "B", "C"], columns=["1", "2", "3"])
    polish = median_polish(matrix)
    assert polish.overall == 5
    assert list(polish.row_effects) == [-3, 0, 3] and list(polish.column_effects) == [-1, 0, 1]
    assert polish.residuals.loc["C", "3"] == 91 and (polish.residuals.drop(index="C")["3"] == 0).all()


def _noisy_plate(row_shift: float) -> pd.DataFrame:
    """8 x 10 sample wells of noise (SD 0.02 around 0.7), two active wells, row B shifted; controls in columns 1 and 12."""
    rng = np.random.default_rng(7)
    values: dict[str, tuple[str, float, int]] = {}
    for r in "ABCDEFGH":
        values[f"{r}/1"] = ("neg_control", 0.7 + rng.normal(0, 0.02), 100)
        for c in range(2, 12):
            values[f"{r}/{c}"] = ("sample", 0.7 + rng.normal(0, 0.02) + (row_shift if r == "B" else 0.0), 100)
        values[f"{r}/12"] = ("pos_control", 0.05 + rng.normal(0, 0.01), 100)
    values["D/5"] = ("sample", 0.1, 100)
    values["B/7"] = ("sample", 0.1 + row_shift, 100)
    return small_plate(values)


def test_b_score_removes_a_row_effect_and_keeps_the_actives():
    table = _noisy_plate(row_shift=0.1)  # 5 SDs of the noise
    samples = table["role"] == "sample"
    raw = robust_z(table["infected_fraction"], table.loc[samples, "infected_fraction"])
    b = b_score(table, "infected_fraction")
    row_b = table["row"] == "B"
    assert raw[row_b & samples].drop("B/7").median() > 4  # the row stands out in the raw Z-score
    assert abs(b[row_b & samples].drop("B/7").median()) < 0.5  # not in the B-score
    assert b["D/5"] < -15 and b["B/7"] < -15  # the two actives still do
    assert b[~samples].isna().all()  # controls get none
    # without a row effect the inactive wells' B-scores follow their values (median polish of
    # 8 x 10 noisy wells also takes some noise for effects, hence not 1)
    flat = _noisy_plate(row_shift=0.0)
    inactive = samples.drop(["D/5", "B/7"])
    inactive = inactive[inactive].index
    b_flat = b_score(flat, "infected_fraction")
    assert np.corrcoef(b_flat[inactive], flat.loc[inactive, "infected_fraction"])[0, 1] > 0.6


def test_normalize_adds_columns_to_a_copy():
    table = small_plate(PLATE)
    out = normalize(table)
    assert "activity_pct" not in table.columns  # the input is left alone
    pd.testing.assert_frame_equal(out[table.columns], table)  # readouts untouched
    assert out.loc["A/2", "activity_pct"] == pytest.approx(50) and out.loc["B/2", "activity_pct"] == pytest.approx(100)
    assert out.loc["A/2", "percent_of_control"] == pytest.approx(0.4 / 0.7 * 100)
    assert out.loc["A/2", "viability_pct"] == pytest.approx(50) and out.loc["B/2", "viability_pct"] == pytest.approx(20)
    # robust Z against the samples 0.4, 0.7, 0.1, 0.6: median 0.5, MAD 0.15
    assert out.loc["A/3", "robust_z"] == pytest.approx(0.2 / (1.4826 * 0.15))
    # against the negative controls 0.8, 0.6: median 0.7, MAD 0.1
    neg = normalize(table, z_reference="neg_controls")
    assert neg.loc["A/2", "robust_z"] == pytest.approx(-0.3 / (1.4826 * 0.1))
    assert list(out["qc_flag"]) == [""] * 8 and not out["excluded"].any()
    assert out.attrs["readout"] == "infected_fraction" and out.attrs["viability"] == "nuclei_count"


def test_flagged_wells_leave_the_control_means_but_keep_their_values():
    table = small_plate(PLATE | {"B/1": ("neg_control", 0.2, 10)})  # a bad negative control
    exclude = pd.Series({"B/1": "saturated 8.0 % of pixels"})
    out = normalize(table, exclude=exclude)
    # negative mean from A/1 alone (0.8), not (0.8 + 0.2) / 2
    assert out.loc["A/2", "activity_pct"] == pytest.approx((0.8 - 0.4) / (0.8 - 0.1) * 100)
    assert out.loc["B/1", "excluded"] and out.loc["B/1", "qc_flag"] == "saturated 8.0 % of pixels"
    assert out.loc["B/1", "activity_pct"] == pytest.approx((0.8 - 0.2) / 0.7 * 100)  # still has a value
    assert out.loc["B/1", "viability_pct"] == pytest.approx(10)  # nuclei mean from A/1 alone (100)


def test_a_plate_map_without_controls_is_a_clear_error():
    no_pos = {w: v for w, v in PLATE.items() if v[0] != "pos_control"}
    with pytest.raises(HitsError) as info:
        normalize(small_plate(no_pos, source="screen.analysis/wells.parquet"))
    message = str(info.value)
    assert message.startswith("screen.analysis/wells.parquet: no pos_control wells with infected_fraction values")
    assert "roles found: neg_control 2, sample 4" in message
    no_neg = {w: ("sample", v[1], v[2]) if v[0] == "neg_control" else v for w, v in PLATE.items()}
    with pytest.raises(HitsError, match="no neg_control wells"):
        normalize(small_plate(no_neg))
    # every negative control flagged: none left, and the message says why
    with pytest.raises(HitsError, match="2 excluded by QC"):
        normalize(small_plate(PLATE), exclude=pd.Series({"A/1": "no nuclei", "B/1": "no nuclei"}))


def test_equal_control_means_and_missing_columns_are_errors():
    same = PLATE | {"A/4": ("pos_control", 0.7, 100), "B/4": ("pos_control", 0.7, 100)}
    with pytest.raises(HitsError, match="same mean infected_fraction"):
        normalize(small_plate(same))
    with pytest.raises(HitsError, match="no 'mean_virus' column"):
        normalize(small_plate(PLATE), readout="mean_virus")
    no_viability = normalize(small_plate(PLATE), viability=None)
    assert no_viability["viability_pct"].isna().all()
