"""The hit rule form, made with magicgui: readout, minimum activity, viability readout and minimum, QC
(whether flagged wells count, and the thresholds each field's images are judged by).

:meth:`HitRuleForm.set_columns` fills the readout choices from the per-well table's numeric
columns; :meth:`HitRuleForm.values` reads the form back as a
:class:`~imaging_explorer.hits.HitRule`; :meth:`HitRuleForm.set_rule` shows one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from magicgui.widgets import CheckBox, ComboBox, Container, FloatSpinBox, SpinBox

if TYPE_CHECKING:
    from imaging_explorer.hits import HitRule

NONE = "none"
NO_VIABILITY = ("none (no viability check)", NONE)  # magicgui ignores None as a ComboBox value
# HitRule's defaults (DESIGN.md "Analysis conventions"), shown before the hit-calling core is imported
READOUT, VIABILITY, MIN_PCT = "infected_fraction", "nuclei_count", 50.0
# ImageQC's defaults (hits/image_qc.py), likewise
FOCUS_RATIO, SATURATED_PCT, SIGNAL_RATIO, CONTROL_NUCLEI = 0.5, 5.0, 0.5, 1
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
        super().__init__(widgets=[activity, viability, self.exclude_flagged, *self._image_qc_rows()])
        self.margins = (0, 0, 0, 0)
        self.viability.changed.connect(lambda value: setattr(self.min_viability, "enabled", value != NONE))

    def _image_qc_rows(self) -> list[Container]:
        """A field counts when its focus, saturation, signal (and, in controls, nuclei) pass these."""
        self.focus = FloatSpinBox(label="field focus ≥", value=FOCUS_RATIO, min=0.0, max=1.0, step=0.05,
                                  tooltip="× the plate's median focus (variance of the Laplacian); 0 = no check")
        self.saturated = FloatSpinBox(label="saturated ≤ %", value=SATURATED_PCT, min=0.0, max=100.0, step=1.0,
                                      tooltip="percent of a field's pixels at the data type's maximum; 100 = no check")
        self.signal = FloatSpinBox(label="signal ≥", value=SIGNAL_RATIO, min=0.0, max=1.0, step=0.05,
                                   tooltip="× the plate's median background of the nuclei channel: a dark field; "
                                           "0 = no check")
        self.control_nuclei = SpinBox(label="control nuclei ≥", value=CONTROL_NUCLEI, min=0, max=100000,
                                      tooltip="a control field with fewer nuclei is flagged (samples never are)")
        rows = [Container(widgets=[self.focus, self.saturated], layout="horizontal"),
                Container(widgets=[self.signal, self.control_nuclei], layout="horizontal")]
        for row in rows:
            row.margins = (0, 0, 0, 0)
        for spin in (self.focus, self.saturated, self.signal):
            spin.native.setDecimals(2)
            spin.native.setMinimumWidth(SPIN_WIDTH)
        return rows

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
            qc = rule.image_qc
            self.focus.value, self.saturated.value = qc.focus_min_ratio, 100 * qc.saturated_max
            self.signal.value, self.control_nuclei.value = qc.min_signal_ratio, qc.min_nuclei

    def values(self) -> HitRule:
        """The rule the form shows."""
        from imaging_explorer.hits import HitRule, ImageQC

        image_qc = ImageQC(focus_min_ratio=float(self.focus.value), saturated_max=float(self.saturated.value) / 100,
                           min_signal_ratio=float(self.signal.value), min_nuclei=int(self.control_nuclei.value))
        return HitRule(readout=str(self.readout.value), min_activity_pct=float(self.min_activity.value),
                       viability_readout=None if self.viability.value == NONE else str(self.viability.value),
                       min_viability_pct=float(self.min_viability.value),
                       exclude_qc_flagged=bool(self.exclude_flagged.value), image_qc=image_qc)
