"""The Analysis form, made with magicgui: channel roles, infection threshold, nucleus size, z and t.

:meth:`AnalysisForm.set_plate` fills the choices from the plate (guessed roles preselected);
:meth:`AnalysisForm.values` reads them back as the Qt-free
:class:`~imaging_explorer._napari.analysis.request.FormValues`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from magicgui.widgets import CheckBox, ComboBox, Container, FloatSpinBox

from ..analysis.request import FormValues, plate_choices

if TYPE_CHECKING:
    from imaging_explorer.plate import Plate

NONE = ("none", None)
DIAMETER_MAX = 1000.0  # px


class AnalysisForm(Container):
    """The parameters of one run (a magicgui Container; ``.native`` is its QWidget)."""

    def __init__(self) -> None:
        tip = "the {} channel: guessed from the channel names, change it if the guess is wrong"
        self.nuclei = ComboBox(label="nuclei", choices=[NONE], tooltip=tip.format("nuclear stain"))
        self.cell = ComboBox(label="cell", choices=[NONE], tooltip=tip.format("cell body") + "; none: a ring")
        self.pathogen = ComboBox(label="pathogen", choices=[NONE], tooltip=tip.format("pathogen (infection)"))
        self.auto_threshold = CheckBox(text="automatic infection threshold", value=True,
                                       tooltip="per field: background + 20 x its noise")
        self.threshold = FloatSpinBox(label="threshold", value=1000.0, min=0.0, max=1e9, step=10.0, enabled=False,
                                      tooltip="mean pathogen intensity above which a cell counts as infected")
        self.diameter_min = FloatSpinBox(label="nucleus Ø min (px)", value=8.0, min=1.0, max=DIAMETER_MAX)
        self.diameter_max = FloatSpinBox(label="nucleus Ø max (px)", value=30.0, min=1.0, max=DIAMETER_MAX)
        self.z = ComboBox(label="z", choices=[("max projection", "max")], tooltip="z-stacks: projection or one plane")
        self.t = ComboBox(label="t", choices=[("time point 0", 0)],
                          tooltip="time series: one time point, or every time point (each segmented on its own)")
        self.overwrite = CheckBox(text="replace results made with other parameters", value=False)
        super().__init__(widgets=[self.nuclei, self.cell, self.pathogen, self.auto_threshold, self.threshold,
                                  self.diameter_min, self.diameter_max, self.z, self.t, self.overwrite])
        self.margins = (0, 0, 0, 0)
        self.auto_threshold.changed.connect(lambda auto: setattr(self.threshold, "enabled", not auto))

    def set_plate(self, plate: Plate | None) -> None:
        """Choices of ``plate`` (its first field's channels; roles as guessed)."""
        if plate is None:
            return
        choices = plate_choices(plate)
        channels = [(name, i) for i, name in enumerate(choices.channels)]
        nuclei_default = choices.defaults.get("nuclei")
        _fill(self.nuclei, channels if nuclei_default is not None else [("choose…", None), *channels], nuclei_default)
        _fill(self.cell, [NONE, *channels], choices.defaults.get("cell"))
        _fill(self.pathogen, [NONE, *channels], choices.defaults.get("pathogen"))
        _fill(self.z, [("max projection", "max"), *((f"plane {i}", i) for i in range(choices.z_planes))], "max")
        self.z.enabled = choices.z_planes > 1
        times = [(f"time point {i}", i) for i in range(choices.t_points)]
        _fill(self.t, [*times, ("every time point", "all")] if choices.t_points > 1 else times, 0)
        self.t.enabled = choices.t_points > 1

    def values(self) -> FormValues:
        return FormValues(
            nuclei=self.nuclei.value, cell=self.cell.value, pathogen=self.pathogen.value,
            infection_threshold=None if self.auto_threshold.value else float(self.threshold.value),
            nucleus_diameter=(float(self.diameter_min.value), float(self.diameter_max.value)),
            z=self.z.value, t=self.t.value, overwrite=bool(self.overwrite.value))


def _fill(box: ComboBox, choices: list[tuple[str, Any]], value: Any) -> None:
    box.choices = choices
    box.value = value if value in [v for _, v in choices] else choices[0][1]
