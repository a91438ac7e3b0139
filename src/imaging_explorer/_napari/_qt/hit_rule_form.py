"""The hit rule form, made with magicgui: readout, minimum activity, viability readout and minimum, QC.

:meth:`HitRuleForm.set_columns` fills the readout choices from the per-well table's numeric
columns; :meth:`HitRuleForm.values` reads the form back as a
:class:`~imaging_explorer.hits.HitRule`; :meth:`HitRuleForm.set_rule` shows one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from magicgui.widgets import CheckBox, ComboBox, Container, FloatSpinBox

if TYPE_CHECKING:
    from imaging_explorer.hits import HitRule

NONE = "none"
NO_VIABILITY = ("none (no viability check)", NONE)  # magicgui ignores None as a ComboBox value
# HitRule's defaults (DESIGN.md "Analysis conventions"), shown before the hit-calling core is imported
READOUT, VIABILITY, MIN_PCT = "infected_fraction", "nuclei_count", 50.0
SPIN_WIDTH = 110  # px: "-100.0" and napari's +/- buttons


class HitRuleForm(Container):
    """When a sample well is a hit (a magicgui Container; ``.native`` is its QWidget)."""

    def __init__(self) -> None:
        self.readout = ComboBox(label="activity of", choices=[READOUT], value=READOUT,
                                tooltip="the per-well readout that activity is computed from (NPI: 0 % at the "
                                        "negative controls' mean, 100 % at the positive controls')")
        self.min_activity = FloatSpinBox(label="≥ %", value=MIN_PCT, min=-1000.0, max=1000.0, step=5.0,
                                         tooltip="a hit has at least this percent activity")
        self.viability = ComboBox(label="viability of", choices=[NO_VIABILITY, (VIABILITY, VIABILITY)], value=VIABILITY,
                                  tooltip="the readout that says the cells survived, as % of the negative controls")
        self.min_viability = FloatSpinBox(label="≥ %", value=MIN_PCT, min=0.0, max=1000.0, step=5.0,
                                          tooltip="below it a well is cytotoxic: flagged, never a hit")
        self.exclude_flagged = CheckBox(text="exclude QC-flagged wells", value=True,
                                        tooltip="wells not measured, without nuclei, saturated or out of focus count "
                                                "neither as hits nor in the control statistics")
        activity = Container(widgets=[self.readout, self.min_activity], layout="horizontal")
        viability = Container(widgets=[self.viability, self.min_viability], layout="horizontal")
        for row, spin in ((activity, self.min_activity), (viability, self.min_viability)):
            row.margins = (0, 0, 0, 0)
            spin.native.setDecimals(1)
            spin.native.setMinimumWidth(SPIN_WIDTH)
        super().__init__(widgets=[activity, viability, self.exclude_flagged])
        self.margins = (0, 0, 0, 0)
        self.viability.changed.connect(lambda value: setattr(self.min_viability, "enabled", value != NONE))

    def set_columns(self, columns: Sequence[str]) -> None:
        """The readouts to choose from (the per-well table's numeric columns); choices kept when they exist."""
        names = list(dict.fromkeys(columns))
        with self.changed.blocked():
            readout = self.readout.value
            self.readout.choices = names or [readout]
            self.readout.value = readout if readout in names or not names else (READOUT if READOUT in names else names[0])
            viability = self.viability.value
            self.viability.choices = [NO_VIABILITY, *((n, n) for n in names)]
            if viability != NONE and viability not in names:
                viability = VIABILITY if VIABILITY in names else NONE
            self.viability.value = viability

    def set_rule(self, rule: HitRule) -> None:
        """Show ``rule`` (its readouts added to the choices when missing)."""
        with self.changed.blocked():
            if rule.readout not in self.readout.choices:
                self.readout.choices = [*self.readout.choices, rule.readout]
            self.readout.value = rule.readout
            self.min_activity.value = rule.min_activity_pct
            if rule.viability_readout is not None and rule.viability_readout not in self.viability.choices:
                names = [*(c for c in self.viability.choices if c != NONE), rule.viability_readout]
                self.viability.choices = [NO_VIABILITY, *((n, n) for n in names)]
            self.viability.value = rule.viability_readout if rule.viability_readout is not None else NONE
            self.min_viability.value = rule.min_viability_pct
            self.exclude_flagged.value = rule.exclude_qc_flagged

    def values(self) -> HitRule:
        """The rule the form shows."""
        from imaging_explorer.hits import HitRule

        return HitRule(readout=str(self.readout.value), min_activity_pct=float(self.min_activity.value),
                       viability_readout=None if self.viability.value == NONE else str(self.viability.value),
                       min_viability_pct=float(self.min_viability.value),
                       exclude_qc_flagged=bool(self.exclude_flagged.value))
