"""The browser's hit calling judges the analysis' fields: a blurred field is left out of its well,
and PlateHits says which fields were flagged (what the overview crosses out)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
from psygnal import Signal

from imaging_explorer._napari.browser.plate_hits import PlateHits, call_plate
from imaging_explorer._napari.browser.state import BrowserState
from imaging_explorer.analysis.readouts import well_table
from imaging_explorer.platemap import read_platemap

WELLS = [f"A/{c}" for c in range(1, 7)]
ROLES = ["neg_control", "neg_control", "pos_control", "pos_control", "sample", "sample"]


def fields() -> pd.DataFrame:
    """Two fields a well; A/5's second field is blurred (focus 0.1 of the others) and looks cured."""
    rows = []
    for well, role in zip(WELLS, ROLES):
        for field in (0, 1):
            blurred = (well, field) == ("A/5", 1)
            infected = 0.0 if role == "pos_control" or blurred else 0.8
            rows.append({"well": well, "field": field, "t": 0, "nuclei_count": 10, "cell_count": 10,
                         "infected_count": round(10 * infected), "infected_fraction": infected,
                         "saturated_fraction": 0.0, "focus": 0.1 if blurred else 1.0 + 0.01 * field,
                         "background": 100.0})
    return pd.DataFrame(rows)


def platemap() -> pd.DataFrame:
    return read_platemap(pd.DataFrame({"well": [w.replace("/", "0") for w in WELLS],
                                       "compound_id": ["DMSO", "DMSO", "REF", "REF", "C1", "C2"],
                                       "concentration_uM": [None, None, 10.0, 10.0, 1.0, 1.0], "role": ROLES}))


class _View:
    changed = Signal()

    def __init__(self) -> None:
        self.wells = None


class StandIn:
    plate_opened = Signal()
    platemap_changed = Signal()

    def __init__(self, results) -> None:
        self.plate = object()
        self.state = BrowserState()
        self.analysis = SimpleNamespace(results=results)
        self.analysis_view = _View()


def test_call_plate_leaves_the_blurred_field_out_and_plate_hits_names_it() -> None:
    table = fields()
    results = SimpleNamespace(fields=table)
    readouts = well_table(table).set_index("well")
    blind = call_plate(readouts, platemap(), None, "wells.parquet")  # no results: the wells' means
    assert blind.error == "" and blind.wells.loc["A/5", "hit"] and blind.qc.fields is None
    outcome = call_plate(readouts, platemap(), None, "wells.parquet", results)
    assert outcome.error == "" and not outcome.wells.loc["A/5", "hit"]
    assert outcome.wells.loc["A/5", "infected_fraction"] == 0.8 and outcome.wells.loc["A/5", "fields_flagged"] == 1

    ctrl = StandIn(results)
    hits = PlateHits(ctrl, start=lambda func, *args, returned, errored: returned(func(*args)))
    assert hits.flagged_fields() == {}
    ctrl.state.platemap = platemap()
    ctrl.analysis_view.wells = readouts
    ctrl.analysis_view.changed.emit()
    assert hits.error == "" and hits.flagged_fields() == {("A/5", 1): "out of focus (0.10 of the plate's median)"}


def test_unreadable_fields_cost_the_image_qc_not_the_hits() -> None:
    class Broken:
        @property
        def fields(self):
            raise OSError("fields.parquet: gone")

    outcome = call_plate(well_table(fields()).set_index("well"), platemap(), None, "wells.parquet", Broken())
    assert outcome.error == "" and outcome.qc.fields is None and outcome.wells.loc["A/5", "hit"]
