"""Image QC per field on hand-made fields: blurred, saturated and dark fields are flagged, an empty
sample field is not (cytotoxicity is a finding), and hit calling uses only the fields that passed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from skimage.draw import disk
from skimage.filters import gaussian

from imaging_explorer.analysis.readouts import (
    background_level,
    focus_measure,
    saturated_fraction,
)
from imaging_explorer.hits import (
    DEFAULT_IMAGE_QC,
    HitRule,
    ImageQC,
    analyse_plate,
    field_qc,
    kept_well_readouts,
)
from imaging_explorer.platemap import read_platemap

BACKGROUND = 100


def sharp_field(seed: int, nuclei: int = 8, size: int = 96) -> np.ndarray:
    """A uint16 nuclei channel: bright disks with hard edges on a noisy background."""
    rng = np.random.default_rng(seed)
    image = rng.poisson(BACKGROUND, (size, size)).astype(np.float64)
    for y, x in rng.integers(10, size - 10, (nuclei, 2)):
        image[disk((y, x), 5, shape=image.shape)] += 1500
    return image.astype(np.uint16)


def blurred(image: np.ndarray) -> np.ndarray:
    return gaussian(image.astype(np.float64), sigma=3, preserve_range=True).astype(np.uint16)


def row(well: str, field: int, image: np.ndarray, nuclei: int = 8, infected: float = 0.5) -> dict:
    """A field row with the QC columns measured on ``image`` (as the analysis writes them)."""
    cells = nuclei
    return {"well": well, "field": field, "t": 0, "nuclei_count": nuclei, "cell_count": cells,
            "infected_count": round(infected * cells), "infected_fraction": infected if cells else np.nan,
            "saturated_fraction": saturated_fraction(image), "focus": focus_measure(image),
            "background": background_level(image)}


def plate_of_sharp_fields(n: int = 8) -> list[dict]:
    return [row(f"A/{i + 1}", 0, sharp_field(i)) for i in range(n)]


ROLES = {f"A/{i + 1}": "sample" for i in range(12)} | {"A/1": "neg_control", "A/2": "pos_control"}


def test_a_blurred_copy_scores_worse_and_is_the_field_flagged():
    sharp = sharp_field(0)
    assert focus_measure(blurred(sharp)) < 0.5 * focus_measure(sharp)
    rows = plate_of_sharp_fields() + [row("A/9", 0, blurred(sharp_field(0)))]
    flags = field_qc(pd.DataFrame(rows), ROLES)
    flagged = flags[flags["qc_flag"] != ""]
    assert list(flagged["well"]) == ["A/9"]
    assert flagged["qc_flag"].iloc[0].startswith("out of focus (0.") and "of the plate's median" in flagged["qc_flag"].iloc[0]
    assert list(flags.columns) == ["well", "field", "t", "role", "qc_flag"] and flags.index.equals(pd.RangeIndex(9))


def test_a_saturated_field_is_flagged():
    image = sharp_field(3)
    image[image > 1000] = 65535  # overexposed nuclei
    share = np.count_nonzero(image == 65535) / image.size
    flags = field_qc(pd.DataFrame(plate_of_sharp_fields() + [row("A/9", 0, image)]), ROLES)
    assert share > 0.05 and flags["qc_flag"].iloc[-1] == f"saturated {100 * share:.1f} % of pixels"
    assert (flags["qc_flag"].iloc[:-1] == "").all()
    lenient = field_qc(pd.DataFrame(plate_of_sharp_fields() + [row("A/9", 0, image)]), ROLES,
                       ImageQC(saturated_max=0.2))
    assert (lenient["qc_flag"] == "").all()  # the user's threshold


@pytest.mark.parametrize("well", ["A/1", "A/9"])  # a control and a sample
def test_a_dark_field_has_too_little_signal_whatever_its_role(well):
    dark = (sharp_field(5, nuclei=0) // 20).astype(np.uint16)  # no light: the background at 5 instead of 100
    rows = [r for r in plate_of_sharp_fields() if r["well"] != well] + [row(well, 0, dark, nuclei=0)]
    flags = field_qc(pd.DataFrame(rows), ROLES).set_index("well")["qc_flag"]
    assert "too little signal (0.05 of the plate's median)" in flags[well]  # (and "no nuclei" in a control)
    assert (flags.drop(well) == "").all()


def test_an_empty_sample_field_counts_and_an_empty_control_field_does_not():
    bare = sharp_field(6, nuclei=0)  # lit, but no cells: what a cytotoxic compound leaves
    assert background_level(bare) == pytest.approx(background_level(sharp_field(6)), rel=0.05)  # cells or not
    rows = plate_of_sharp_fields() + [row("A/9", 0, bare, nuclei=0), row("A/1", 1, bare, nuclei=0)]
    flags = field_qc(pd.DataFrame(rows), ROLES)
    assert flags["qc_flag"].iloc[-2] == ""  # the sample: a finding, and its focus is not judged
    assert flags["qc_flag"].iloc[-1] == "no nuclei"  # the negative control: broken
    few = field_qc(pd.DataFrame(rows), ROLES, ImageQC(min_nuclei=10))
    assert few["qc_flag"].iloc[0] == "8 nuclei (fewer than 10)" and few["qc_flag"].iloc[2] == ""
    empty_well = field_qc(pd.DataFrame(rows), ROLES | {"A/9": "empty"})
    assert empty_well["role"].iloc[-2] == "empty" and empty_well["qc_flag"].iloc[-2] == ""


def test_thresholds_are_checked_and_roles_come_from_a_plate_map():
    with pytest.raises(ValueError, match="focus_min_ratio"):
        ImageQC(focus_min_ratio=-1)
    with pytest.raises(ValueError, match="min_nuclei"):
        ImageQC(min_nuclei=-1)
    platemap = read_platemap(pd.DataFrame({"well": ["A01", "A02"], "compound_id": ["DMSO", "X"],
                                           "concentration_uM": [None, 1.0], "role": ["neg_control", "sample"]}))
    flags = field_qc(pd.DataFrame([row("A/1", 0, sharp_field(1), nuclei=0), row("A/2", 0, sharp_field(2), nuclei=0),
                                   row("A/3", 0, sharp_field(3))]), platemap)
    assert list(flags["role"]) == ["neg_control", "sample", ""] and list(flags["qc_flag"]) == ["no nuclei", "", ""]


def test_kept_well_readouts_use_the_fields_that_passed():
    rows = [row("A/1", 0, sharp_field(1), infected=0.25), row("A/1", 1, blurred(sharp_field(2)), infected=1.0),
            row("A/2", 0, blurred(sharp_field(3))), row("A/2", 1, blurred(sharp_field(4)))]
    fields = pd.DataFrame(rows + [row(f"A/{i}", 0, sharp_field(i)) for i in range(3, 9)])
    flags = field_qc(fields, ROLES)
    wells = kept_well_readouts(fields, flags).set_index("well")
    assert wells.loc["A/1", "infected_fraction"] == 0.25 and wells.loc["A/1", "nuclei_count"] == 8
    assert (wells.loc["A/1", "field_count"], wells.loc["A/1", "fields_flagged"]) == (2, 1)
    assert wells.loc["A/1", "field_flags"].startswith("field 2: out of focus (")  # fields counted from 1
    assert wells.loc["A/1", "fields_qc_flag"] == ""
    assert np.isnan(wells.loc["A/2", "infected_fraction"]) and pd.isna(wells.loc["A/2", "nuclei_count"])
    assert wells.loc["A/2", "fields_qc_flag"].startswith("all 2 fields flagged: out of focus (")
    assert wells.loc["A/3", "fields_flagged"] == 0 and wells.loc["A/3", "field_flags"] == ""


def screen_fields() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two fields per well on a 4-control, 4-sample row: negatives infected 0.8, positives 0.
    A/5's first field is blurred and looks cured (0.0); A/6 has both fields blurred; A/7 is cured
    (0.0, 20 nuclei) but its second field, blurred, looks infected (0.8) and has more cells (30)."""
    wells = [f"A/{c}" for c in range(1, 9)]
    roles = ["neg_control", "neg_control", "pos_control", "pos_control", "sample", "sample", "sample", "sample"]
    infection = [0.8, 0.8, 0.0, 0.0, 0.8, 0.8, 0.0, 0.8]
    odd = {("A/5", 0): (0.0, 20), ("A/6", 0): (0.8, 20), ("A/6", 1): (0.8, 20), ("A/7", 1): (0.8, 30)}
    rows, seed = [], 0
    for well, infected in zip(wells, infection):
        for field in (0, 1):
            seed += 1
            image = blurred(sharp_field(seed)) if (well, field) in odd else sharp_field(seed)
            value, nuclei = odd.get((well, field), (infected, 20))
            rows.append(row(well, field, image, nuclei=nuclei, infected=value))
    platemap = read_platemap(pd.DataFrame({"well": [w.replace("/", "0") for w in wells],
                                           "compound_id": ["DMSO"] * 2 + ["REF"] * 2 + ["C1", "C2", "C3", "C4"],
                                           "concentration_uM": [None] * 2 + [10.0] * 2 + [1.0] * 4, "role": roles}))
    return pd.DataFrame(rows), platemap


def test_a_blurred_field_cannot_make_a_hit():
    from imaging_explorer.analysis.readouts import well_table

    fields, platemap = screen_fields()
    readouts = well_table(fields)
    blind, _ = analyse_plate(readouts, platemap)  # the wells' means: A/5's blurred field looks cured
    assert blind.loc["A/5", "hit"] and not blind.loc["A/7", "hit"]  # ... and A/7's hides its cure
    called, qc = analyse_plate(readouts, platemap, fields=fields)
    assert called.loc["A/5", "infected_fraction"] == 0.8  # its sharp field's value
    assert not called.loc["A/5", "hit"] and not called.loc["A/5", "excluded"] and called.loc["A/5", "qc_flag"] == ""
    assert called.loc["A/7", "hit"] and called.loc["A/7", "infected_fraction"] == 0.0  # a blurred field hid it
    assert called.loc["A/5", "fields_flagged"] == 1 and called.loc["A/5", "field_flags"].startswith("field 1: out of focus")
    assert called.loc["A/6", "qc_flag"].startswith("all 2 fields flagged: out of focus (")
    assert called.loc["A/6", "excluded"] and not called.loc["A/6", "hit"] and np.isnan(called.loc["A/6", "infected_fraction"])
    assert qc.fields is not None and int((qc.fields["qc_flag"] != "").sum()) == 4
    lines = qc.lines()
    assert "Image QC: 4 of 16 field(s) flagged (left out of the wells' readouts unless QC flags are kept)" in lines
    assert any(line.startswith("  A/5 field 1: out of focus") for line in lines)


def test_kept_flags_report_the_fields_but_use_every_field():
    fields, platemap = screen_fields()
    from imaging_explorer.analysis.readouts import well_table

    kept, qc = analyse_plate(well_table(fields), platemap, HitRule(exclude_qc_flagged=False), fields=fields)
    assert kept.loc["A/5", "infected_fraction"] == pytest.approx(0.4)  # both fields
    assert kept.loc["A/5", "fields_flagged"] == 1 and kept.loc["A/6", "qc_flag"].startswith("all 2 fields flagged")
    assert qc.fields is not None and DEFAULT_IMAGE_QC == ImageQC()


def test_without_fields_the_wells_are_judged_with_the_image_qc_thresholds():
    fields, platemap = screen_fields()
    from imaging_explorer.analysis.readouts import well_table

    readouts = well_table(fields)
    readouts.loc[readouts["well"] == "A/7", "saturated_fraction"] = 0.1
    strict, qc = analyse_plate(readouts, platemap)
    assert strict.loc["A/7", "qc_flag"].startswith("saturated 10.0 %") and qc.fields is None
    lenient, _ = analyse_plate(readouts, platemap, image_qc=ImageQC(saturated_max=0.2, focus_min_ratio=0.0))
    assert lenient.loc["A/7", "qc_flag"] == ""
