"""Plate QC: Z′, robust Z′, signal window and CVs of known control groups; row/column effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from imaging_explorer.hits import HitsError, plate_qc


def table_of(wells: list[tuple[str, str, float]], source: str = "wells.csv") -> pd.DataFrame:
    """An assay table from (well, role, infected_fraction) triples."""
    table = pd.DataFrame({
        "row": [w.split("/")[0] for w, _, _ in wells], "column": [w.split("/")[1] for w, _, _ in wells],
        "role": [r for _, r, _ in wells], "infected_fraction": [v for _, _, v in wells],
    }, index=pd.Index([w for w, _, _ in wells], name="well"))
    table.attrs["source"] = source
    return table


KNOWN = [("A/1", "neg_control", 10.0), ("B/1", "neg_control", 12.0), ("C/1", "neg_control", 14.0),
         ("A/3", "pos_control", 0.0), ("B/3", "pos_control", 1.0), ("C/3", "pos_control", 2.0),
         ("A/2", "sample", 11.0), ("B/2", "sample", 5.0)]


def test_z_prime_and_friends_of_two_known_groups():
    qc = plate_qc(table_of(KNOWN))
    # negative: mean 12, SD 2; positive: mean 1, SD 1
    assert (qc.n_neg, qc.n_pos, qc.neg_mean, qc.pos_mean, qc.neg_sd, qc.pos_sd) == (3, 3, 12, 1, 2, 1)
    assert qc.z_prime == pytest.approx(1 - 3 * (1 + 2) / 11)
    # medians 12 and 1; MADs 2 and 1
    assert qc.robust_z_prime == pytest.approx(1 - 3 * 1.4826 * (1 + 2) / 11)
    assert qc.signal_window == pytest.approx((11 - 3 * 3) / 2)
    assert qc.neg_cv == pytest.approx(2 / 12) and qc.pos_cv == pytest.approx(1.0)
    assert "Z′ 0.18 is below 0.5" in qc.warnings
    assert "signal window 1.00 is below 2" in qc.warnings
    # the high-signal group's CV (16.7 %) is fine; the low one's 100 % is not judged
    assert not any("CV" in w for w in qc.warnings)
    text = "\n".join(qc.lines())
    assert "Z′ 0.18 (robust" in text and "negative controls: mean 12, SD 2, CV 16.7 %" in text
    assert "warning: Z′ 0.18 is below 0.5" in text


def test_a_good_plate_has_no_warnings():
    rng = np.random.default_rng(1)
    wells = [(f"{r}/1", "neg_control", 0.7 + rng.normal(0, 0.02)) for r in "ABCDEFGH"]
    wells += [(f"{r}/12", "pos_control", 0.05 + rng.normal(0, 0.01)) for r in "ABCDEFGH"]
    wells += [(f"{r}/{c}", "sample", 0.7 + rng.normal(0, 0.02)) for r in "ABCDEFGH" for c in range(2, 12)]
    qc = plate_qc(table_of(wells))
    assert qc.z_prime > 0.8 and qc.warnings == ()
    assert qc.row_effect > 1e-3 and qc.column_effect > 1e-3


def test_a_row_effect_is_found_despite_active_wells():
    rng = np.random.default_rng(2)
    wells = [(f"{r}/1", "neg_control", 0.7 + rng.normal(0, 0.02)) for r in "ABCDEFGH"]
    wells += [(f"{r}/12", "pos_control", 0.05 + rng.normal(0, 0.01)) for r in "ABCDEFGH"]
    edge = {"A": 0.08, "H": 0.08}  # the outer rows dry out: 4 SDs more signal
    wells += [(f"{r}/{c}", "sample", 0.7 + edge.get(r, 0.0) + rng.normal(0, 0.02))
              for r in "ABCDEFGH" for c in range(2, 12)]
    wells[20] = (wells[20][0], "sample", 0.1)  # an active compound does not make an effect
    qc = plate_qc(table_of(wells))
    assert qc.row_effect < 1e-4 and qc.column_effect > 1e-3
    assert any(w.startswith("row effect (p = ") for w in qc.warnings)


def test_flagged_controls_are_left_out_and_say_so():
    wells = KNOWN + [("D/1", "neg_control", 100.0)]
    qc = plate_qc(table_of(wells), exclude=pd.Series({"D/1": "out of focus (0.2 of the plate's median)"}))
    assert qc.n_neg == 3 and qc.neg_mean == 12
    assert "1 control well(s) left out by QC" in qc.warnings


def test_single_wells_give_no_z_prime_but_no_crash():
    qc = plate_qc(table_of([("A/1", "neg_control", 1.0), ("A/2", "pos_control", 0.0), ("A/3", "sample", 0.5)]))
    assert np.isnan(qc.z_prime) and np.isnan(qc.row_effect)
    assert "fewer than two wells in a control group: no SD, no Z′" in qc.warnings
    assert any("n/a" in line for line in qc.lines())


def test_no_controls_is_a_clear_error():
    samples_only = [(w, "sample", v) for w, _, v in KNOWN]
    with pytest.raises(HitsError, match=r"^plate7\.csv: no neg_control wells .*roles found: sample 8"):
        plate_qc(table_of(samples_only, source="plate7.csv"))
