"""Readouts with known answers: object table, infection, saturation, focus, field and well tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage as ndi
from skimage.draw import disk

import imaging_explorer as ie
from imaging_explorer.analysis.channel_roles import ChannelRoles, resolve_roles
from imaging_explorer.analysis.field_analysis import (
    AnalysisParams,
    analyze_field,
    analyze_stack,
)
from imaging_explorer.analysis.readouts import (
    ReadoutParams,
    field_row,
    focus_measure,
    infection_threshold,
    object_table,
    saturated_fraction,
    well_table,
)

NAMES = ["DAPI", "Cell", "Pathogen"]


def squares() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two cells: nuclei 4x4 inside cells 10x10; channels constant per region."""
    nuclei = np.zeros((40, 40), np.uint32)
    cells = np.zeros((40, 40), np.uint32)
    for i, (y, x) in enumerate([(5, 5), (25, 20)], start=1):
        cells[y : y + 10, x : x + 10] = i
        nuclei[y + 3 : y + 7, x + 3 : x + 7] = i
    stack = np.zeros((3, 40, 40), np.uint16)
    stack[0][nuclei > 0] = 1000
    stack[1][cells > 0] = 200
    stack[2][cells == 2] = 500  # only cell 2 carries the pathogen
    return nuclei, cells, stack


def test_object_table_areas_means_and_sums() -> None:
    nuclei, cells, stack = squares()
    table = object_table(nuclei, cells, stack, NAMES, pathogen=2, threshold=100.0)
    assert table["label"].tolist() == [1, 2]
    assert table["area_px"].tolist() == [100, 100] and table["nucleus_area_px"].tolist() == [16, 16]
    assert table["mean_DAPI"].tolist() == [160.0, 160.0]  # 16 px of 1000 over 100 px
    assert table["integrated_DAPI"].tolist() == [16000.0, 16000.0]
    assert table["mean_Cell"].tolist() == [200.0, 200.0]
    assert table["mean_Pathogen"].tolist() == [0.0, 500.0]
    assert table["infected"].tolist() == [False, True]


def test_without_a_pathogen_channel_infection_is_unknown() -> None:
    nuclei, cells, stack = squares()
    table = object_table(nuclei, cells, stack, NAMES)
    assert table["infected"].isna().all()
    row = field_row(table, 2, stack, NAMES, 0, None)
    assert row["infected_count"] is pd.NA and np.isnan(row["infected_fraction"])


def test_object_table_refuses_mismatches() -> None:
    nuclei, cells, stack = squares()
    with pytest.raises(ValueError, match="unique channel name"):
        object_table(nuclei, cells, stack, ["a", "a", "b"])
    with pytest.raises(ValueError, match="do not match"):
        object_table(nuclei[:-1], cells[:-1], stack, NAMES)


def test_automatic_threshold_is_background_plus_snr_noise() -> None:
    yy, xx = np.mgrid[:64, :64]
    pathogen = np.where((yy // 2 + xx // 2) % 2, 98, 102).astype(np.uint16)  # median 100, MAD 2
    cells = np.zeros((64, 64), np.uint32)
    cells[:16, :16] = 1
    pathogen[:16, :16] = 5000  # cells are left out of the background
    expected = 100 + 20 * 1.4826 * 2
    assert infection_threshold(pathogen, cells, ReadoutParams()) == pytest.approx(expected)
    assert infection_threshold(pathogen, cells, ReadoutParams(infection_snr=5)) == pytest.approx(100 + 5 * 2.9652)
    assert infection_threshold(pathogen, cells, ReadoutParams(infection_threshold=123.0)) == 123.0
    flat = np.full((64, 64), 100, np.uint16)  # no noise at all: one grey level is the least step
    assert infection_threshold(flat, cells, ReadoutParams()) == 120.0


def test_saturated_fraction_is_exact() -> None:
    image = np.full((100, 100), 500, np.uint16)
    image[0, :10] = 65535
    assert saturated_fraction(image) == 0.001
    assert saturated_fraction(image.astype(np.uint32)) == 0.0  # 65535 is not a uint32's maximum
    assert saturated_fraction(np.full((10, 10), 255, np.uint8)) == 1.0
    floats = np.zeros((10, 10), np.float32)
    floats[0, :4] = 2.5
    assert saturated_fraction(floats) == 0.04  # floats: at the image's maximum


def test_field_row_takes_the_most_saturated_channel() -> None:
    nuclei, cells, stack = squares()
    stack[1, 0, :16] = 65535  # 16 of 1600 pixels of the Cell channel
    row = field_row(object_table(nuclei, cells, stack, NAMES, 2, 100.0), 2, stack, NAMES, 0, 100.0)
    assert row["saturated_fraction_Cell"] == 0.01 and row["saturated_fraction_DAPI"] == 0.0
    assert row["saturated_fraction"] == 0.01
    assert (row["nuclei_count"], row["cell_count"], row["infected_count"]) == (2, 2, 1)
    assert row["infected_fraction"] == 0.5 and row["infection_threshold"] == 100.0
    assert row["area_mean_px"] == 100.0 and row["nucleus_area_mean_px"] == 16.0
    assert row["mean_Pathogen"] == 250.0


def nuclei_image(shape: tuple[int, int] = (128, 128)) -> np.ndarray:
    image = np.full(shape, 100.0)
    for y, x in [(30, 30), (30, 90), (90, 30), (90, 90), (60, 60)]:
        image[disk((y, x), 8)] += 1000
    return image


def test_focus_is_lower_when_blurred_and_does_not_depend_on_brightness() -> None:
    sharp = nuclei_image()
    blurred = ndi.gaussian_filter(sharp, 2)
    assert focus_measure(blurred) < 0.5 * focus_measure(sharp)
    assert focus_measure(3 * sharp) == pytest.approx(focus_measure(sharp), rel=1e-5)
    assert focus_measure(np.full((32, 32), 7.0)) == 0.0 and focus_measure(np.zeros((32, 32))) == 0.0


def field(infected: list[bool]) -> np.ndarray:
    """Nuclei, cell bodies and a pathogen in the cells marked True, on noisy backgrounds."""
    rng = np.random.default_rng(3)
    stack = np.stack([rng.normal(100, 3, (160, 160)) for _ in range(3)])
    centres = [(25 + 55 * (i // 3), 25 + 55 * (i % 3)) for i in range(len(infected))]
    for (y, x), inf in zip(centres, infected):
        stack[0][disk((y, x), 7)] += 1500
        stack[1][disk((y, x), 18)] += 400
        if inf:
            stack[2][disk((y, x), 16)] += 300
    return np.clip(stack, 0, None).astype(np.uint16)


def test_analyze_stack_infected_fraction_is_exact() -> None:
    stack = field([True, False, False, True, False, False, False, False, True])
    for params in (AnalysisParams(), AnalysisParams(readout=ReadoutParams(infection_threshold=200.0))):
        result = analyze_stack(stack, NAMES, ChannelRoles(0, 1, 2), params)
        assert result.row["nuclei_count"] == 9 and result.row["cell_count"] == 9
        assert result.row["infected_count"] == 3 and result.row["infected_fraction"] == pytest.approx(1 / 3)
        assert np.array_equal(np.unique(result.cells), np.arange(10))
        assert result.nuclei.dtype == result.cells.dtype == np.uint32


def test_an_uninfected_field_has_no_infected_cells_and_a_fully_infected_one_has_all() -> None:
    none = analyze_stack(field([False] * 6), NAMES, ChannelRoles(0, 1, 2))
    every = analyze_stack(field([True] * 6), NAMES, ChannelRoles(0, 1, 2))
    assert none.row["infected_fraction"] == 0.0 and every.row["infected_fraction"] == 1.0


def test_analyze_stack_without_cell_and_pathogen_channels() -> None:
    stack = field([True, False])
    result = analyze_stack(stack[:1], ["DAPI"], ChannelRoles(0))
    assert result.row["nuclei_count"] == 2 and result.row["infected_count"] is pd.NA
    assert set(result.objects.columns) == {"label", "nucleus_area_px", "area_px", "mean_DAPI",
                                           "integrated_DAPI", "infected"}
    with pytest.raises(ValueError, match="channel 2 of a stack with 1"):
        analyze_stack(stack[:1], ["DAPI"], ChannelRoles(0, None, 2))


def test_an_empty_field_has_zero_counts_and_no_means() -> None:
    stack = field([])
    row = analyze_stack(stack, NAMES, ChannelRoles(0, 1, 2)).row
    assert (row["nuclei_count"], row["cell_count"], row["infected_count"]) == (0, 0, 0)
    assert np.isnan(row["infected_fraction"]) and np.isnan(row["mean_DAPI"])


def test_well_table_sums_counts_and_weights_means_by_cells() -> None:
    fields = pd.DataFrame([
        {"well": "A1", "field": 0, "nuclei_count": 10, "cell_count": 10, "infected_count": 5,
         "area_mean_px": 100.0, "nucleus_area_mean_px": 20.0, "mean_DAPI": 10.0, "saturated_fraction": 0.0, "focus": 1.0},
        {"well": "A1", "field": 1, "nuclei_count": 30, "cell_count": 30, "infected_count": 0,
         "area_mean_px": 200.0, "nucleus_area_mean_px": 40.0, "mean_DAPI": 30.0, "saturated_fraction": 0.1, "focus": 3.0},
        {"well": "B2", "field": 0, "nuclei_count": 0, "cell_count": 0, "infected_count": 0,
         "area_mean_px": np.nan, "nucleus_area_mean_px": np.nan, "mean_DAPI": np.nan, "saturated_fraction": 0.0,
         "focus": 0.5},
    ])
    wells = well_table(fields).set_index("well")
    a1 = wells.loc["A1"]
    assert (a1["field_count"], a1["nuclei_count"], a1["cell_count"], a1["infected_count"]) == (2, 40, 40, 5)
    assert a1["infected_fraction"] == 5 / 40  # not the mean of the fields' fractions (0.25)
    assert a1["mean_DAPI"] == 25.0 and a1["area_mean_px"] == 175.0 and a1["nucleus_area_mean_px"] == 35.0
    assert a1["saturated_fraction"] == pytest.approx(0.05) and a1["focus"] == 2.0
    assert wells.loc["B2", "cell_count"] == 0 and np.isnan(wells.loc["B2", "infected_fraction"])


def test_well_table_keeps_time_points_apart_and_unknown_infection_unknown() -> None:
    rows = [{"well": "A1", "t": t, "field": 0, "nuclei_count": 4 + t, "cell_count": 4 + t, "infected_count": pd.NA}
            for t in (0, 1)]
    wells = well_table(pd.DataFrame(rows))
    assert wells[["well", "t", "nuclei_count"]].values.tolist() == [["A1", 0, 4], ["A1", 1, 5]]
    assert wells["infected_count"].isna().all() and wells["infected_fraction"].isna().all()


def test_analyze_field_on_the_sample_plate_matches_its_truth(tiny_plate) -> None:
    plate = ie.open_plate(tiny_plate)
    truth = pd.read_csv(tiny_plate.with_name("plate_truth.csv")).dropna(subset=["nuclei_count"])
    truth["well"] = truth["well"].str.replace(r"^([A-Z]+)0(\d)$", r"\1\2", regex=True)  # B03 -> B3
    rows = []
    for well in plate.wells.values():
        for f in well.fields:
            result = analyze_field(f, resolve_roles(f.channels, "DAPI", "Cell", "Pathogen"), well=well.name)
            assert list(result.row)[:3] == ["well", "field", "t"]
            rows.append(result.row)
    both = pd.DataFrame(rows).merge(truth, on=["well", "field"], suffixes=("", "_true"))
    assert len(both) == len(truth) == 5  # the sample's sixth well is missing from the store
    assert (both["nuclei_count"] - both["nuclei_count_true"]).abs().max() <= 1
    assert (both["infected_count"] - both["infected_count_true"]).abs().max() <= 1


def test_analyze_field_names_the_well_by_its_path_by_default(tiny_plate) -> None:
    f = ie.open_plate(tiny_plate).wells["A/1"].fields[0]
    result = analyze_field(f, resolve_roles(f.channels), AnalysisParams(t=0, z=0))
    assert (result.row["well"], result.row["field"], result.row["t"]) == ("A/1", 0, 0)
    assert result.nuclei.shape == result.cells.shape == (256, 256)
    with pytest.raises(ValueError, match="t = 1 is out of range"):
        analyze_field(f, resolve_roles(f.channels), AnalysisParams(t=1))
