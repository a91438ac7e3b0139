"""The hit rule on hand-made wells, and the whole chain on the sample plate's design against its truth."""

from __future__ import annotations

import pandas as pd
import pytest

from imaging_explorer.hits import HitRule, HitsError, analyse_plate, call_hits
from imaging_explorer.platemap import read_platemap
from imaging_explorer.sample.layout import plan_plate


def normalized(rows: dict[str, tuple[str, float, float, str, float]]) -> pd.DataFrame:
    """A normalised table from {well: (role, activity_pct, viability_pct, qc_flag, concentration)}."""
    wells = list(rows)
    table = pd.DataFrame({
        "role": [rows[w][0] for w in wells], "concentration": [rows[w][4] for w in wells],
        "activity_pct": [rows[w][1] for w in wells], "viability_pct": [rows[w][2] for w in wells],
        "qc_flag": [rows[w][3] for w in wells], "excluded": [rows[w][3] != "" for w in wells],
    }, index=pd.Index(wells, name="well"))
    table.attrs.update(source="wells.csv", readout="infected_fraction", viability="nuclei_count")
    return table


WELLS = {
    "A/1": ("neg_control", 0.0, 100.0, "", float("nan")),
    "A/2": ("sample", 80.0, 95.0, "", 1.0),  # a hit
    "A/3": ("sample", 95.0, 20.0, "", 10.0),  # active but kills the cells: cytotoxic, not a hit
    "A/4": ("sample", 90.0, 90.0, "saturated 8.0 % of pixels", 3.0),  # active but QC-flagged
    "A/5": ("sample", 80.0, 70.0, "", 0.3),  # as active as A/2 at a lower concentration: ranks first
    "A/6": ("sample", 49.9, 100.0, "", 1.0),  # just below the activity threshold
    "A/7": ("pos_control", 100.0, 100.0, "", 10.0),  # controls are never hits
    "A/8": ("sample", 50.0, 50.0, "", 30.0),  # both thresholds are inclusive
}


def test_the_default_rule_calls_viable_active_unflagged_samples():
    out = call_hits(normalized(WELLS), HitRule())
    assert out[out["hit"]].index.tolist() == ["A/2", "A/5", "A/8"]
    assert out[out["cytotoxic"]].index.tolist() == ["A/3"]
    assert out["hit_rank"].dtype == "Int64"
    assert out["hit_rank"].dropna().to_dict() == {"A/5": 1, "A/2": 2, "A/8": 3}
    assert out["hit_rank"].isna()["A/3"] and not out.loc["A/4", "hit"]
    assert out.loc["A/4", "qc_flag"] == "saturated 8.0 % of pixels"  # says why it is out
    assert "hit" not in normalized(WELLS).columns  # a copy


def test_rule_settings():
    keep_flagged = call_hits(normalized(WELLS), HitRule(exclude_qc_flagged=False))
    assert keep_flagged.loc["A/4", "hit"] and keep_flagged.loc["A/4", "hit_rank"] == 1  # 90 %: the strongest
    strict = call_hits(normalized(WELLS), HitRule(min_activity_pct=85.0))
    assert strict[strict["hit"]].index.tolist() == []
    no_viability = call_hits(normalized(WELLS), HitRule(viability_readout=None))
    assert no_viability.loc["A/3", "hit"] and not no_viability["cytotoxic"].any()
    assert HitRule().describe() == ("activity (infected_fraction) ≥ 50 % and viability (nuclei_count) ≥ 50 % "
                                    "of the negative controls; QC-flagged wells excluded")
    with pytest.raises(ValueError, match="min_activity_pct"):
        HitRule(min_activity_pct=float("nan"))


def test_call_hits_needs_a_table_normalised_for_its_readout():
    with pytest.raises(HitsError, match="^wells.csv: not normalised"):
        call_hits(normalized(WELLS).drop(columns="activity_pct"))
    with pytest.raises(HitsError, match="normalised with readout 'infected_fraction', but the rule uses 'mean_virus'"):
        call_hits(normalized(WELLS), HitRule(readout="mean_virus"))


def sample_design(rows: int, columns: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Readouts (the planned infection and density, nuclei = density x 100), plate map and truth of the sample design."""
    plans = plan_plate(rows, columns, seed=seed)
    platemap = read_platemap(pd.DataFrame({  # as the sample's CSV writes it: "B03", concentration_uM
        "well": [p.name for p in plans], "compound_id": [p.compound_id for p in plans],
        "concentration_uM": [p.concentration_um for p in plans], "role": [p.role for p in plans]}))
    measured = [p for p in plans if not p.missing]  # the plate's missing well has no readouts
    readouts = pd.DataFrame({"well": [p.path for p in measured], "infected_fraction": [p.infection for p in measured],
                             "nuclei_count": pd.array([round(p.density * 100) for p in measured], dtype="Int64")})
    return readouts, platemap, pd.Series({p.path: p.is_hit for p in plans})


def precision_recall(called: pd.Series, truth: pd.Series) -> tuple[float, float]:
    truth = truth.reindex(called.index)
    hits = int((called & truth).sum())
    return hits / max(int(called.sum()), 1), hits / max(int(truth.sum()), 1)


def test_sample_design_end_to_end():
    readouts, platemap, truth = sample_design(16, 24, seed=0)
    called, qc = analyse_plate(readouts, platemap, source="sample")
    precision, recall = precision_recall(called["hit"], truth)
    assert truth.sum() == 45 and precision >= 0.95 and recall >= 0.95
    assert qc.z_prime > 0.5 and qc.warnings == ()
    assert called.loc[called["hit"], "compound_id"].str.startswith("CPD-").all()
    assert called["cytotoxic"].sum() > 0 and not (called["cytotoxic"] & called["hit"]).any()
    unmeasured = called.index[~called["measured"]]
    assert list(unmeasured) == ["P/22"] and called.loc["P/22", "qc_flag"] == "not measured"  # the design's missing well
    assert sorted(called["hit_rank"].dropna()) == list(range(1, int(called["hit"].sum()) + 1))


def test_sample_design_96_wells_misses_only_a_borderline_well():
    # The truth calls a well a hit when its dose is above the IC50; at the first dose above it
    # (1.11 µM for IC50 1 µM) the expected inhibition is 54 %, and this well's infection jitter
    # puts it at 48.6 % activity. Nothing else is missed and nothing is called wrongly.
    readouts, platemap, truth = sample_design(8, 12, seed=0)
    called, _ = analyse_plate(readouts, platemap)
    precision, recall = precision_recall(called["hit"], truth)
    assert precision == 1.0 and recall == 11 / 12
    missed = called.index[truth.reindex(called.index) & ~called["hit"]]
    assert list(missed) == ["D/2"] and called.loc["D/2", "concentration"] == 1.111
    assert 45 < called.loc["D/2", "activity_pct"] < 50


def test_a_qc_flagged_hit_is_left_out_and_says_why():
    readouts, platemap, truth = sample_design(8, 12, seed=0)
    readouts["focus"] = 1.0
    readouts.loc[readouts["well"] == "A/2", "focus"] = 0.2  # the strongest hit, blurred
    called, _ = analyse_plate(readouts, platemap)
    assert truth["A/2"] and not called.loc["A/2", "hit"] and called.loc["A/2", "excluded"]
    assert called.loc["A/2", "qc_flag"] == "out of focus (0.20 of the plate's median)"
    assert called.loc["A/2", "activity_pct"] > 95  # still normalised
    kept, _ = analyse_plate(readouts, platemap, HitRule(exclude_qc_flagged=False))
    assert kept.loc["A/2", "hit"] and kept.loc["A/2", "qc_flag"].startswith("out of focus")
