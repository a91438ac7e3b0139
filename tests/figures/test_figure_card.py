"""The compound card as a figure: hit calling outside napari (CalledPlate), the strip of the
compound's wells between the controls, the dose-response plot with its 4PL fits, the numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import imaging_explorer as ie
from imaging_explorer.figures.called_plate import CalledPlate, hit_marks
from imaging_explorer.figures.card_data import compound_card
from imaging_explorer.figures.card_figure import card_figure_of
from imaging_explorer.figures.dose_response import dose_response_figure
from imaging_explorer.figures.plot_style import ACTIVITY_COLOR
from imaging_explorer.platemap import find_platemap


@pytest.fixture(scope="module")
def called(figure_plate, figure_readouts):
    plate = ie.open_plate(str(figure_plate))
    return plate, CalledPlate.call(pd.read_csv(figure_readouts), find_platemap(plate))


def test_called_plate_answers_the_cards_questions(called) -> None:
    _, hits = called
    doses = hits.compound_wells("CPD-001")["concentration"].tolist()
    assert len(doses) == 8 and doses == sorted(doses, reverse=True)
    neg = hits.control_wells("neg_control")
    assert sorted(neg) == ["A/1", "B/1", "C/1", "D/1"] and hits.control_wells("sample") == []
    assert "CPD-001" in hits.ranked_compounds()
    marks = hit_marks(hits.wells)
    assert marks and set(marks.values()) <= {"H", "×"}
    assert all(hits.wells.loc[k, "hit"] for k, m in marks.items() if m == "H")


def test_dose_response_figure_draws_points_and_fits(called) -> None:
    _, hits = called
    card = compound_card(hits, "CPD-001")
    assert card.fits.activity.fitted and 0.3 < card.plot.ic50 < 3  # the made-up IC50 is 1 µM
    fig = dose_response_figure(card.plot, title="CPD-001")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_title() == "CPD-001"
    assert len(ax.collections[0].get_offsets()) == 8  # one activity point per well
    curves = [line for line in ax.lines if len(line.get_xdata()) > 10]
    assert len(curves) == 2 and curves[0].get_color() == ACTIVITY_COLOR
    assert any(t.get_text().startswith("IC50 ") for t in ax.get_legend().get_texts())


def test_card_figure_strip_plot_and_numbers(called) -> None:
    plate, hits = called
    fig = card_figure_of(hits, "CPD-001", plate)
    strip = [ax for ax in fig.axes if ax.get_xscale() != "log"]
    titles = [ax.get_title().split("\n") for ax in strip]
    assert len(strip) == 10 and titles[0][1] == "neg. control" and titles[-1][1] == "pos. control"
    doses = [float(t[1].removesuffix(" µM")) for t in titles[1:-1]]
    assert doses == sorted(doses)  # low to high, as on the plot's x axis
    present = [ax for ax in strip if ax.images]
    assert len(present) >= 8 and len({ax.images[0].get_array().shape for ax in present}) == 1
    title = fig._suptitle.get_text()
    assert title.startswith("CPD-001 · hit rank") and "IC50 " in title and "selectivity" in title
    plot = [ax for ax in fig.axes if ax.get_xscale() == "log"]
    assert len(plot) == 1 and np.isfinite(plot[0].lines[1].get_ydata()).all()
