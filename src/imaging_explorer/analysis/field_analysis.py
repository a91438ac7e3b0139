"""One field from pixels to readouts: the channel stack, nuclei, cells, object table, field row.

:func:`analyze_field` reads a field (one time point, z projected) and runs
:func:`analyze_stack`, which works on any ``(c, y, x)`` array, so tests and other callers need
no plate. Batch runs, the analysis store and napari build on these. No Qt, no napari.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .channel_roles import ChannelRoles
from .projection import ZChoice, channel_stack, time_points
from .readouts import ReadoutParams, field_row, infection_threshold, object_table
from .segmentation import SegmentationParams, segment_cells, segment_nuclei

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..plate import Field

__all__ = ["EVERY_TIME_POINT", "AnalysisParams", "FieldResult", "analyze_field", "analyze_stack", "analyze_times"]

EVERY_TIME_POINT: Literal["all"] = "all"


@dataclass(frozen=True)
class AnalysisParams:
    """Everything that decides a field's readouts (kept with the results as their parameters)."""

    segmentation: SegmentationParams = dataclasses.field(default_factory=SegmentationParams)
    readout: ReadoutParams = dataclasses.field(default_factory=ReadoutParams)
    z: ZChoice = "max"  # a plane index, or the maximum projection over z
    t: int | Literal["all"] = 0  # a time point, or every time point ("all")


@dataclass(frozen=True, eq=False)
class FieldResult:
    """A field's segmentations and readouts."""

    nuclei: np.ndarray  # uint32 (y, x), ids 1..n
    cells: np.ndarray  # uint32 (y, x), each cell with its nucleus' id
    objects: pd.DataFrame  # one row per cell (readouts.object_table)
    row: dict[str, Any]  # the field's readouts (readouts.field_row), with well, field and t


def analyze_stack(stack: np.ndarray, channel_names: Sequence[str], roles: ChannelRoles,
                  params: AnalysisParams | None = None) -> FieldResult:
    """Segment and measure one ``(c, y, x)`` channel stack.

    Parameters
    ----------
    stack
        The channels, (c, y, x), in the file's dtype (saturation is judged on it).
    channel_names
        One unique name per channel (the ``mean_<name>`` columns).
    roles
        The nuclei, cell and pathogen channel indices.
    params
        Settings; None = the defaults.

    Returns
    -------
    FieldResult
        The row has no ``well``, ``field`` or ``t`` (see :func:`analyze_field`).
    """
    p = params or AnalysisParams()
    stack = np.asarray(stack)
    if stack.ndim != 3:
        raise ValueError(f"a (c, y, x) stack is needed, got shape {stack.shape}")
    for index in (roles.nuclei, roles.cell, roles.pathogen):
        if index is not None and not 0 <= index < stack.shape[0]:
            raise ValueError(f"channel {index} of a stack with {stack.shape[0]} channel(s)")
    nuclei = segment_nuclei(stack[roles.nuclei], p.segmentation)
    cells = segment_cells(nuclei, None if roles.cell is None else stack[roles.cell], p.segmentation)
    threshold = None if roles.pathogen is None else infection_threshold(stack[roles.pathogen], cells, p.readout)
    objects = object_table(nuclei, cells, stack, channel_names, roles.pathogen, threshold)
    row = field_row(objects, int(nuclei.max(initial=0)), stack, channel_names, roles.nuclei, threshold)
    return FieldResult(nuclei, cells, objects, row)


def analyze_field(field: Field, roles: ChannelRoles, params: AnalysisParams | None = None,
                  well: str | None = None) -> FieldResult:
    """Read one field at full resolution (time point ``params.t``, z as ``params.z``) and analyse it.

    Parameters
    ----------
    field
        The field (``well.fields[i]``).
    roles
        From :func:`~imaging_explorer.analysis.channel_roles.resolve_roles` on ``field.channels``.
    params
        Settings; None = the defaults.
    well
        The well's name for the row (e.g. ``well.name``); None = the well's path in the plate.

    Returns
    -------
    FieldResult
        The row starts with ``well``, ``field`` (the field's index in its well) and ``t``.
    """
    p = params or AnalysisParams()
    if p.t == EVERY_TIME_POINT:
        raise ValueError("analyze_field analyses one time point; analyze_times analyses every one")
    stack = channel_stack(field.levels[0], field.roles, z=p.z, t=p.t)
    names = [ch.name for ch in field.channels]
    if len(names) != stack.shape[0]:  # metadata that does not fit the array: number them
        names = [f"Channel {i}" for i in range(stack.shape[0])]
    result = analyze_stack(stack, names, roles, p)
    where = well if well is not None else field.path.rpartition("/")[0]
    return dataclasses.replace(result, row={"well": where, "field": field.index, "t": p.t} | result.row)


def analyze_times(field: Field, roles: ChannelRoles, params: AnalysisParams | None = None,
                  well: str | None = None) -> list[FieldResult]:
    """:func:`analyze_field` for the time point ``params.t``, or for each one when it is ``"all"``
    (one result per time point, in order; each segmented on its own)."""
    p = params or AnalysisParams()
    if p.t != EVERY_TIME_POINT:
        return [analyze_field(field, roles, p, well)]
    times = time_points(tuple(field.levels[0].shape), field.roles)
    return [analyze_field(field, roles, dataclasses.replace(p, t=t), well) for t in times]
