"""4PL fits, IC50 / CC50 and the per-compound table, on curves with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from imaging_explorer.hits.dose_response import (
    TABLE_COLUMNS,
    CurveFit,
    compound_table,
    fit_4pl,
    fit_compound,
    four_pl,
)
from imaging_explorer.hits.errors import HitsError
from imaging_explorer.sample.layout import (
    CYTOTOXIC_CC50_UM,
    HILL,
    NEG_INFECTION,
    POS_INFECTION,
    plan_plate,
)

DOSES = 30.0 / 3.0 ** np.arange(8)  # the sample screen's series: 30 µM down in 3-fold steps


def within_factor(value: float, truth: float, factor: float) -> bool:
    return truth / factor <= value <= truth * factor


# --- four_pl and fit_4pl -------------------------------------------------------------------------


def test_four_pl_is_half_way_at_ec50_and_falls_with_a_negative_hill() -> None:
    assert four_pl(2.0, 10, 90, 2.0, 1.3) == pytest.approx(50.0)
    rising, falling = four_pl(DOSES, 0, 100, 1.0, 1.5), four_pl(DOSES, 0, 100, 1.0, -1.5)
    assert np.all(np.diff(rising) < 0)  # DOSES run from high to low
    assert np.all(np.diff(falling) > 0)
    assert four_pl(0.0, 5, 95, 1.0, 1.0) == pytest.approx(5.0)  # zero dose: the low-dose plateau


def test_a_noiseless_curve_gives_back_its_parameters() -> None:
    fit = fit_4pl(DOSES, four_pl(DOSES, 2.0, 98.0, 0.7, 1.5))
    assert fit.ec50 == pytest.approx(0.7, rel=0.01)
    assert fit.hill == pytest.approx(1.5, rel=0.02)
    assert (fit.bottom, fit.top) == pytest.approx((2.0, 98.0), abs=0.5)
    assert fit.r_squared == pytest.approx(1.0)
    assert fit.crosses_50 and fit.flags == () and fit.n_points == 8


def test_value_at_50_is_absolute_not_the_midpoint() -> None:
    # plateaus 0 and 80: the midpoint is at 40 %, 50 % is reached later (5/3 of the EC50 for hill 1)
    fit = fit_4pl(DOSES, four_pl(DOSES, 0.0, 80.0, 1.0, 1.0))
    assert fit.ec50 == pytest.approx(1.0, rel=0.01)
    assert fit.value_at_50 == pytest.approx(5.0 / 3.0, rel=0.01)
    assert fit.predict(fit.value_at_50) == pytest.approx(50.0)


@pytest.mark.parametrize("level", [0.0, 3.0, 30.0, 80.0])
def test_a_flat_curve_is_flagged_and_does_not_raise(level: float) -> None:
    fit = fit_4pl(DOSES, np.full(8, level))
    assert not fit.crosses_50 and math.isnan(fit.value_at_50)
    if level < 50:
        assert "does not reach 50 %" in fit.flags
    else:  # active at every dose: the IC50 lies below the tested range
        assert "IC50 below the tested range" in fit.flags


def test_a_noisy_flat_curve_does_not_reach_50() -> None:
    noise = np.random.default_rng(3).normal(0.0, 8.0, size=(3, 8))
    fit = fit_4pl(np.tile(DOSES, 3), noise.ravel())
    assert math.isnan(fit.value_at_50)
    assert any(f.startswith("does not reach 50 %") for f in fit.flags)


@pytest.mark.parametrize("seed", range(5))
def test_a_noisy_curve_with_replicates_is_within_a_factor_of_2(seed: int) -> None:
    rng = np.random.default_rng(seed)
    conc = np.tile(DOSES, 3)
    fit = fit_4pl(conc, four_pl(conc, 0.0, 100.0, 0.5, 1.5) + rng.normal(0.0, 10.0, conc.size))
    assert within_factor(fit.value_at_50, 0.5, 2.0)
    assert fit.crosses_50 and fit.n_points == 24


@pytest.mark.parametrize("n", [1, 2, 3])
def test_fewer_than_4_concentrations_are_flagged_not_fitted(n: int) -> None:
    fit = fit_4pl(DOSES[:n], four_pl(DOSES[:n], 0, 100, 1.0, 1.5))
    assert not fit.fitted and math.isnan(fit.value_at_50) and math.isnan(fit.r_squared)
    assert len(fit.flags) == 1
    assert ("single concentration" if n == 1 else "fewer than 4 concentrations") in fit.flags[0]


def test_replicates_at_few_concentrations_are_still_too_few() -> None:
    conc = np.repeat(DOSES[:3], 4)
    assert "fewer than 4 concentrations (3), no fit" in fit_4pl(conc, conc * 0 + 40).flags


@pytest.mark.parametrize("conc, resp", [
    ([], []),
    ([np.nan] * 8, list(range(8))),
    (DOSES, [np.nan] * 8),
    (DOSES, [np.inf] * 8),
    ([0, -1, 0, -3, 1, 2], [1, 2, 3, 4, 5, 6]),
])
def test_bad_data_never_raises(conc: list, resp: list) -> None:
    fit = fit_4pl(conc, resp)
    assert isinstance(fit, CurveFit) and not fit.fitted and fit.flags


def test_bad_points_are_dropped_and_the_rest_fitted() -> None:
    conc = np.concatenate([DOSES, [0.0, -1.0, np.nan, 1.0]])
    resp = np.concatenate([four_pl(DOSES, 0, 100, 1.0, 1.5), [50.0, 50.0, 50.0, np.nan]])
    fit = fit_4pl(conc, resp)
    assert fit.n_points == 8 and fit.value_at_50 == pytest.approx(1.0, rel=0.01)


def test_a_falling_viability_curve_gives_cc50() -> None:
    fit = fit_4pl(DOSES, four_pl(DOSES, 0.0, 100.0, 2.0, -2.0), rising=False, label="CC50")
    assert fit.hill < 0 and fit.bottom <= fit.top
    assert fit.value_at_50 == pytest.approx(2.0, rel=0.01)
    assert fit.crosses_50 and fit.flags == ()


def test_viability_that_stays_high_does_not_reach_50() -> None:
    for viability in (np.full(8, 95.0), four_pl(DOSES, 0, 100, 1000.0, -1.5)):  # 50 % at 1 mM
        fit = fit_4pl(DOSES, viability, rising=False, label="CC50")
        assert math.isnan(fit.value_at_50)
        assert any(f.startswith("does not reach 50 %") for f in fit.flags)


def test_a_50_point_just_outside_the_range_is_extrapolated_and_flagged() -> None:
    fit = fit_4pl(DOSES, four_pl(DOSES, 0.0, 100.0, 40.0, 1.5))  # IC50 40 µM, top dose 30 µM
    assert fit.value_at_50 == pytest.approx(40.0, rel=0.05)
    assert not fit.crosses_50 and "IC50 outside the tested range" in fit.flags


def test_a_step_just_beyond_the_top_dose_is_not_extrapolated() -> None:
    # 98 % viability at the top dose, then a cliff: noise can fit this; no CC50 should come of it
    fit = fit_4pl(DOSES, four_pl(DOSES, 0.0, 100.0, 48.0, -8.0), rising=False, label="CC50")
    assert math.isnan(fit.value_at_50)
    assert "does not reach 50 % within the tested range" in fit.flags


def test_a_poor_fit_is_flagged() -> None:
    values = np.array([100.0, 0.0, 100.0, 0.0, 100.0, 0.0, 100.0, 0.0])  # zig-zag, not a curve
    fit = fit_4pl(DOSES, values)
    assert any(f.startswith("poor fit (R² ") for f in fit.flags)


# --- compound_table --------------------------------------------------------------------------------


def _series(cid: str, ic50: float | None, cc50: float | None, doses=DOSES, **extra) -> list[dict]:
    act = four_pl(doses, 0, 100, ic50, 1.5) if ic50 else np.full(len(doses), 2.0)
    via = four_pl(doses, 0, 100, cc50, -2.0) if cc50 else np.full(len(doses), 98.0)
    return [{"compound_id": cid, "concentration": c, "role": "sample", "activity_pct": a,
             "viability_pct": v, "hit": bool(a >= 50 and v >= 50), "cytotoxic": bool(v < 50),
             "excluded": False} | extra
            for c, a, v in zip(doses, act, via, strict=True)]


def hand_made_wells() -> pd.DataFrame:
    rows = (_series("A", 0.1, None) + _series("B", 1.0, 10.0) + _series("C", None, None)
            + _series("D", 3.0, None) + _series("E", None, None, doses=DOSES[:1]))
    control = {"compound_id": "DMSO", "concentration": np.nan, "role": "neg_control",
               "activity_pct": 0.0, "viability_pct": 100.0, "hit": False, "cytotoxic": False,
               "excluded": False}
    qc_failed = {"compound_id": "C", "concentration": 1.0, "role": "sample", "activity_pct": 500.0,
                 "viability_pct": 100.0, "hit": True, "cytotoxic": False, "excluded": True}
    rows += [control, qc_failed]
    wells = pd.DataFrame(rows)
    # A and B tie on max activity, so IC50 breaks the tie; D is the weakest hit
    top_dose = wells["concentration"] == DOSES[0]
    wells.loc[top_dose & wells["compound_id"].isin(["A", "B"]), "activity_pct"] = 100.0
    wells.loc[top_dose & (wells["compound_id"] == "D"), "activity_pct"] = 90.0
    wells.index = [f"B/{i + 1}" for i in range(len(wells))]
    return wells


def test_compound_table_ranks_hits_and_computes_selectivity() -> None:
    table = compound_table(hand_made_wells()).set_index("compound_id")
    assert list(table.columns) == [c for c in TABLE_COLUMNS if c != "compound_id"]
    assert list(table.index) == ["A", "B", "D", "C", "E"]  # hits in rank order, then the rest
    assert table["rank"].dtype == "Int64"
    assert list(table["rank"][["A", "B", "D"]]) == [1, 2, 3]
    assert table["rank"][["C", "E"]].isna().all()
    assert table.loc["A", "ic50_um"] == pytest.approx(0.1, rel=0.05)
    assert table.loc["B", "ic50_um"] == pytest.approx(1.0, rel=0.05)
    assert table.loc["B", "cc50_um"] == pytest.approx(10.0, rel=0.02)
    assert table.loc["B", "selectivity_index"] == pytest.approx(10.0, rel=0.05)
    assert table.loc["B", "selectivity_note"] == ""
    assert table.loc["B", "cytotoxic"] and not table.loc["A", "cytotoxic"]


def test_without_cc50_selectivity_is_a_lower_bound_from_the_top_dose() -> None:
    table = compound_table(hand_made_wells()).set_index("compound_id")
    assert math.isnan(table.loc["A", "cc50_um"])
    assert table.loc["A", "selectivity_note"] == ">"
    assert table.loc["A", "selectivity_index"] == pytest.approx(30.0 / 0.1, rel=0.05)
    assert "not cytotoxic in range" in table.loc["A", "flags"]
    assert math.isnan(table.loc["C", "selectivity_index"]) and table.loc["C", "selectivity_note"] == "no IC50"
    assert math.isnan(table.loc["C", "hill"])  # a flat curve's slope is noise: not reported
    assert table.loc["A", "hill"] == pytest.approx(1.5, rel=0.05)


def test_excluded_wells_and_single_concentrations() -> None:
    table = compound_table(hand_made_wells()).set_index("compound_id")
    c = table.loc["C"]
    assert c["n_wells"] == 8 and c["hit_wells"] == 0 and not c["is_hit"]  # the 500 % well left out
    assert c["max_activity_pct"] == pytest.approx(2.0)
    assert "1 excluded well(s) left out" in c["flags"]
    e = table.loc["E"]
    assert e["n_concentrations"] == 1 and math.isnan(e["ic50_um"])
    assert "activity: single concentration, no fit" in e["flags"]
    assert "DMSO" not in table.index


def test_compound_table_needs_its_columns_and_tolerates_optional_ones() -> None:
    wells = hand_made_wells()
    with pytest.raises(HitsError, match="activity_pct"):
        compound_table(wells.drop(columns="activity_pct"))
    lean = compound_table(wells.drop(columns=["viability_pct", "hit", "cytotoxic", "excluded"]))
    assert not lean["is_hit"].any() and lean["rank"].isna().all()
    assert lean["cc50_um"].isna().all()
    empty = compound_table(wells.iloc[:0])
    assert list(empty.columns) == TABLE_COLUMNS and empty.empty


def test_fit_compound_leaves_excluded_wells_out() -> None:
    wells = pd.DataFrame(_series("A", 1.0, 3.0))
    wells.loc[0, ["activity_pct", "excluded"]] = [-400.0, True]
    fits = fit_compound(wells)
    assert fits.activity.n_points == 7 and fits.activity.value_at_50 == pytest.approx(1.0, rel=0.01)
    assert fits.viability.value_at_50 == pytest.approx(3.0, rel=0.01)


# --- the sample plate's design ---------------------------------------------------------------------


def sample_plate_wells() -> tuple[pd.DataFrame, list]:
    plans = plan_plate(16, 24, seed=0)
    rows = []
    for p in plans:
        activity = 100.0 * (NEG_INFECTION - p.infection) / (NEG_INFECTION - POS_INFECTION)
        viability = p.density * 100.0
        rows.append({"compound_id": p.compound_id, "concentration": p.concentration_um,
                     "role": p.role, "activity_pct": activity, "viability_pct": viability,
                     "hit": activity >= 50 and viability >= 50, "cytotoxic": viability < 50,
                     "excluded": p.missing})
    return pd.DataFrame(rows, index=[p.path for p in plans]), plans


def test_sample_plate_ic50_and_cc50_within_a_factor_of_2() -> None:
    wells, plans = sample_plate_wells()
    table = compound_table(wells).set_index("compound_id")
    truth = {p.compound_id: p.ic50_um for p in plans if p.ic50_um is not None}
    assert len(truth) >= 8
    for cid, ic50 in truth.items():
        assert within_factor(table.loc[cid, "ic50_um"], ic50, 2.0), (cid, ic50, table.loc[cid].to_dict())
        assert table.loc[cid, "hill"] == pytest.approx(HILL, rel=0.5)
    toxic = {p.compound_id for p in plans if p.cc50_um is not None}
    assert len(toxic) == 1
    (cid,) = toxic
    assert within_factor(table.loc[cid, "cc50_um"], CYTOTOXIC_CC50_UM, 2.0)
    assert table.loc[cid, "cytotoxic"] and math.isnan(table.loc[cid, "ic50_um"])


def test_sample_plate_hits_are_the_active_compounds() -> None:
    wells, plans = sample_plate_wells()
    table = compound_table(wells)
    active = {p.compound_id for p in plans if p.is_hit}
    ranked = table.dropna(subset=["rank"])
    assert set(ranked["compound_id"]) == active
    assert list(ranked["rank"]) == list(range(1, len(active) + 1))
    # inactive compounds stay flagged, not fitted into fake potencies
    inactive = table[~table["compound_id"].isin(active)]
    assert inactive["ic50_um"].isna().all()
