"""What the Analysis form offers for a plate and what it asks for: channel roles and parameters.

Choices come from the plate's metadata (no reads): the first field's channels, its z and t
sizes. :func:`build_request` checks the form's values with the core's own rules, so the form
shows the same errors as ``imaging-explorer analyze``. No Qt.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from imaging_explorer.analysis.channel_roles import ROLES, ChannelRoles, resolve_roles
from imaging_explorer.analysis.field_analysis import EVERY_TIME_POINT, AnalysisParams
from imaging_explorer.analysis.readouts import ReadoutParams
from imaging_explorer.analysis.segmentation import SegmentationParams

if TYPE_CHECKING:
    from imaging_explorer.analysis.projection import ZChoice
    from imaging_explorer.plate import Channel, Field, Plate


@dataclass(frozen=True)
class FormValues:
    """The form's values: channel indices (None: none, or for nuclei: not chosen) and parameters."""

    nuclei: int | None
    cell: int | None = None
    pathogen: int | None = None
    infection_threshold: float | None = None  # None: automatic per field
    nucleus_diameter: tuple[float, float] = SegmentationParams().nucleus_diameter
    z: ZChoice = "max"
    t: int | Literal["all"] = 0  # a time point, or every time point
    overwrite: bool = False


@dataclass(frozen=True)
class PlateChoices:
    """What the form offers for one plate."""

    channels: list[str]  # display names, by index
    defaults: dict[str, int | None]  # role -> guessed channel index
    z_planes: int
    t_points: int


def first_field(plate: Plate) -> Field | None:
    return next((w.fields[0] for w in plate.wells.values() if w.fields), None)


def _guessed(channels: list[Channel]) -> dict[str, int | None]:
    try:
        roles = resolve_roles(channels)
    except ValueError:  # no nuclear stain by name: the user chooses
        return {"nuclei": None, "cell": None, "pathogen": None} | _guess_others(channels)
    return {"nuclei": roles.nuclei, "cell": roles.cell, "pathogen": roles.pathogen}


def _guess_others(channels: list[Channel]) -> dict[str, int | None]:
    from imaging_explorer.analysis.channel_roles import guess_role

    out: dict[str, int | None] = {}
    for i, ch in enumerate(channels):
        role = guess_role(ch.label or ch.name) or guess_role(ch.name)
        if role in ("cell", "pathogen") and role not in out:
            out[role] = i
    return out


def plate_choices(plate: Plate) -> PlateChoices:
    """Channels, guessed roles and plane counts from the plate's first field (metadata only)."""
    fld = first_field(plate)
    if fld is None:
        return PlateChoices([], {r: None for r in ROLES}, 1, 1)
    shape, roles = fld.thumbnail[1].shape, fld.roles  # c and t are never downsampled; z rarely
    size = {axis: shape[i] if i is not None else 1 for axis, i in (("z", roles.z), ("t", roles.t))}
    return PlateChoices([ch.name for ch in fld.channels], _guessed(fld.channels), int(size["z"]), int(size["t"]))


def build_request(plate: Plate, values: FormValues) -> tuple[ChannelRoles, AnalysisParams]:
    """Channel roles and parameters for :func:`~imaging_explorer.analysis.batch.analyze_plate`.

    Raises ValueError with a message for people (a role that cannot be resolved lists the
    plate's channels; one channel for two roles; bad numbers).
    """
    fld = first_field(plate)
    if fld is None:
        raise ValueError(f"{plate.name} has no fields to analyse")
    roles = resolve_roles(fld.channels, nuclei=values.nuclei, cell=values.cell, pathogen=values.pathogen)
    # "none" in the form means none: no guessing behind the user's back
    roles = dataclasses.replace(roles, cell=values.cell, pathogen=values.pathogen,
                                guessed=tuple(r for r in roles.guessed if r == "nuclei"))
    choices = plate_choices(plate)
    if values.t != EVERY_TIME_POINT and not 0 <= int(values.t) < choices.t_points:
        raise ValueError(f"t = {values.t} is out of range: the plate has {choices.t_points} time point(s)")
    if values.z != "max" and not 0 <= int(values.z) < choices.z_planes:
        raise ValueError(f"z = {values.z} is out of range: the plate has {choices.z_planes} z plane(s)")
    params = AnalysisParams(
        segmentation=SegmentationParams(nucleus_diameter=tuple(map(float, values.nucleus_diameter))),
        readout=ReadoutParams(infection_threshold=values.infection_threshold),
        z=values.z, t=values.t if values.t == EVERY_TIME_POINT else int(values.t))
    return roles, params
