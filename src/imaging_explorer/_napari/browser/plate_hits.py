"""The open plate's hit calling: its analysis readouts and plate map through a hit rule.

Whenever the per-well readouts (``ctrl.analysis_view``), the plate map or the rule change,
:func:`~imaging_explorer.hits.analyse_plate` and :func:`~imaging_explorer.hits.compound_table`
run again in a worker (never on the GUI thread); a result whose inputs changed meanwhile is
dropped. The Hits dock, the compound card and the review queue's hit-rank order read it.
Qt-free (psygnal). The hit-calling core (pandas, scipy) is imported in the worker, not here:
it costs seconds the first time.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psygnal import Signal

from .workers import start_worker

if TYPE_CHECKING:
    import pandas as pd

    from imaging_explorer.hits import HitRule, PlateQC

    from .controller import PlateController

NO_RESULTS = "no analysis results"
NO_PLATEMAP = "no plate map"
CONTROL_ROLES = ("neg_control", "pos_control")
_warm_started = False


def warm_up_hits() -> None:
    """Import the hit-calling core in a background thread, once per process (a dock that is
    about to need it calls this, so that the GUI thread never waits seconds for scipy)."""
    global _warm_started
    if _warm_started:
        return
    _warm_started = True

    def load() -> None:
        import imaging_explorer.hits  # noqa: F401

    threading.Thread(target=load, name="imaging-explorer hits warm-up", daemon=True).start()


@dataclass(frozen=True, eq=False)
class HitsOutcome:
    """What one run of hit calling gave: the tables, or why there are none."""

    wells: pd.DataFrame | None = None
    qc: PlateQC | None = None
    compounds: pd.DataFrame | None = None
    error: str = ""


def _fields(results: Any) -> pd.DataFrame | None:
    """The results' per-field rows for image QC (None: no results, or unreadable: the wells are
    then judged on their means)."""
    try:
        return results.fields if results is not None else None
    except Exception:  # noqa: BLE001 - an unreadable table costs the image QC, not the hits
        return None


def call_plate(readouts: pd.DataFrame, platemap: pd.DataFrame, rule: HitRule | None, source: str,
               results: Any = None) -> HitsOutcome:
    """Hit calling of one plate (run in a worker; None: the default rule), with image QC per field
    when ``results`` (the analysis results the readouts came from) has its fields table: a
    HitsError or a bad plate map is the outcome's error."""
    from imaging_explorer.errors import PlateMapError
    from imaging_explorer.hits import HitsError, analyse_plate, compound_table
    from imaging_explorer.hits.hit_rule import DEFAULT_RULE

    rule = rule or DEFAULT_RULE

    table = readouts.rename_axis("well").reset_index()
    try:
        wells, qc = analyse_plate(table, platemap, rule, source=source, fields=_fields(results))
        return HitsOutcome(wells, qc, compound_table(wells))
    except (HitsError, PlateMapError) as e:
        return HitsOutcome(error=str(e))


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """The same objects (identity: tables are never compared cell by cell)."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


class PlateHits:
    """Hits of the plate on screen (``wells``, ``qc``, ``compounds``; ``error`` says why none).

    ``start`` runs ``func(*args)`` and calls ``returned`` / ``errored`` later on this thread
    (the browser's :func:`~.workers.start_worker`; tests give their own).
    """

    changed = Signal()  # the tables, ``error`` or ``busy`` changed

    def __init__(self, ctrl: PlateController, start: Callable[..., Any] = start_worker) -> None:
        self.ctrl = ctrl
        self._start = start
        self._rule: HitRule | None = None
        self.wells: pd.DataFrame | None = None
        self.qc: PlateQC | None = None
        self.compounds: pd.DataFrame | None = None
        self.error = NO_RESULTS
        self.busy = False
        self._inputs: tuple[Any, ...] = ()  # (plate, readouts, plate map, rule) of the newest run
        self._shown: tuple[Any, ...] = ()  # ... and of the tables shown
        self._gen = 0
        self._worker: Any = None
        ctrl.analysis_view.changed.connect(self.refresh)
        ctrl.platemap_changed.connect(self.refresh)
        ctrl.state.events.platemap.connect(self.refresh)  # also when a closed plate's map is forgotten
        ctrl.plate_opened.connect(self.refresh)

    @property
    def rule(self) -> HitRule:
        """The hit rule in use (the default one until :meth:`set_rule`)."""
        if self._rule is not None:
            return self._rule
        from imaging_explorer.hits.hit_rule import DEFAULT_RULE

        return DEFAULT_RULE

    @property
    def chosen_rule(self) -> HitRule | None:
        """The rule :meth:`set_rule` chose (None: the default; reading it imports nothing)."""
        return self._rule

    def set_rule(self, rule: HitRule) -> None:
        """Call the hits again with ``rule`` (nothing happens when it is the rule in use)."""
        if rule != self.rule:
            self._rule = rule
            self.refresh()

    # ------------------------------------------------------------------ computing (latest wins)

    def refresh(self, *_: Any) -> None:
        """Start hit calling again if its inputs changed (every input signal lands here)."""
        ctrl = self.ctrl
        readouts, platemap = ctrl.analysis_view.wells, ctrl.state.platemap
        inputs = (ctrl.plate, readouts, platemap, self._rule)
        if _same(self._inputs, inputs):
            return
        self._inputs = inputs
        self._gen += 1
        self._worker = None
        if ctrl.plate is None or readouts is None or platemap is None:
            self._show(HitsOutcome(error=NO_RESULTS if ctrl.plate is None or readouts is None else NO_PLATEMAP))
            return
        gen = self._gen
        if not _same(self._shown[:3], inputs[:3]):  # another plate's or table's: gone now, not when the new come
            self.wells = self.qc = self.compounds = None
        self.busy = True
        self.changed.emit()
        results = getattr(ctrl.analysis, "results", None)
        self._worker = self._start(call_plate, readouts, platemap, self._rule, self._source(), results,
                                   returned=lambda outcome: self._done(gen, outcome),
                                   errored=lambda exc: self._done(gen, HitsOutcome(error=f"{type(exc).__name__}: {exc}")))

    def _source(self) -> str:
        results = getattr(self.ctrl.analysis, "results", None)
        folder = getattr(results, "folder", None)
        return str(folder / "wells.parquet") if folder is not None else "analysis results"

    def _done(self, gen: int, outcome: HitsOutcome) -> None:
        if gen != self._gen:
            return  # the plate, its tables or the rule changed meanwhile
        self._worker = None
        self._show(outcome)

    def _show(self, outcome: HitsOutcome) -> None:
        self.wells, self.qc, self.compounds, self.error = outcome.wells, outcome.qc, outcome.compounds, outcome.error
        self._shown = self._inputs
        self.busy = False
        self.changed.emit()

    # ------------------------------------------------------------------ questions about the tables

    def flagged_fields(self) -> dict[tuple[str, int], str]:
        """(well key, field index) -> the image QC's reason for each flagged field (first time
        point); empty without hits or without fields."""
        fields = self.qc.fields if self.qc is not None else None
        if fields is None or not len(fields):
            return {}
        if "t" in fields.columns:
            fields = fields.sort_values("t", kind="stable").drop_duplicates(["well", "field"])
        flagged = fields[fields["qc_flag"].astype(str) != ""]
        return {(str(w), int(f)): str(r) for w, f, r in zip(flagged["well"], flagged["field"], flagged["qc_flag"])}

    def compound_wells(self, compound_id: str) -> pd.DataFrame:
        """The sample wells of a compound, highest concentration first (replicates in plate-map
        order); an empty table when there are no hits yet or no such compound."""
        wells = self.wells
        if wells is None:
            import pandas as pd

            return pd.DataFrame()
        mine = wells[(wells["role"].astype(str) == "sample") & (wells["compound_id"].astype(str) == str(compound_id))]
        if "concentration" not in mine.columns:
            return mine
        return mine.sort_values("concentration", ascending=False, kind="stable", na_position="last")

    def control_wells(self, role: str) -> list[str]:
        """Well keys of ``role`` ("neg_control" / "pos_control") that QC did not exclude, the most
        typical first: ordered by distance from their group's median readout (the rule's)."""
        wells = self.wells
        if wells is None or role not in CONTROL_ROLES:
            return []
        import pandas as pd

        group = wells[(wells["role"].astype(str) == role) & ~wells["excluded"].astype(bool)]
        column = self.rule.readout
        if column not in group.columns:
            return [str(k) for k in group.index]
        values = pd.to_numeric(group[column], errors="coerce").astype(float)
        distance = (values - values.median()).abs().fillna(math.inf)
        return [str(k) for k in distance.sort_values(kind="stable").index]

    def compound_of(self, well_key: str) -> str | None:
        """The compound of a sample well (None for controls, empty wells, unknown keys or no hits)."""
        wells = self.wells
        if wells is None or well_key not in wells.index:
            return None
        row = wells.loc[well_key]
        compound = row.get("compound_id")
        if str(row.get("role", "")) != "sample" or not isinstance(compound, str) or not compound.strip():
            return None
        return compound

    def ranked_compounds(self) -> list[str]:
        """The hit compounds' ids, best rank first."""
        table = self.compounds
        if table is None or not len(table):
            return []
        hits = table[table["rank"].notna()].sort_values("rank", kind="stable")
        return [str(c) for c in hits["compound_id"]]

    def well_ranks(self) -> dict[str, tuple[int, float]]:
        """Well key -> (its compound's hit rank, its concentration) for every sample well of a hit
        compound (what the review queue's hit-rank order needs)."""
        wells, ranked = self.wells, self.ranked_compounds()
        if wells is None or not ranked:
            return {}
        rank = {c: i for i, c in enumerate(ranked, start=1)}
        samples = wells[wells["role"].astype(str) == "sample"]
        import pandas as pd

        conc = (pd.to_numeric(samples["concentration"], errors="coerce").astype(float) if "concentration" in samples
                else pd.Series(math.nan, index=samples.index))
        return {str(key): (rank[compound], float(c))
                for key, compound, c in zip(samples.index, samples["compound_id"].astype(str), conc)
                if compound in rank}
