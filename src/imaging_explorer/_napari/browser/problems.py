"""Everything wrong with the open plate, as lines people read: the dock's problems list.

Wells the plate lists but that cannot be read (crossed out in the overview), wells that open
with some fields dropped, fields whose thumbnail could not be read (orange frames), and wells
whose pixels failed to load in the well view. Pure functions of the plate and the browser state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from imaging_explorer.plate import well_name

if TYPE_CHECKING:
    from imaging_explorer.plate import Plate

    from .state import BrowserState


class Problem(NamedTuple):
    well: str  # well key ("C/7"); "" for the plate as a whole
    kind: str  # "missing", "fields", "thumbnail", "load"
    reason: str

    @property
    def text(self) -> str:
        where = well_name(self.well) if self.well else "plate"
        return f"{where}: {self.reason}"


def _field_well(plate: Plate, field_path: str) -> str:
    for key, well in plate.wells.items():
        if any(f.path == field_path for f in well.fields):
            return key
    return ""


def plate_problems(plate: Plate | None, state: BrowserState) -> list[Problem]:
    """Every known problem of the open plate, missing wells first, in plate order."""
    if plate is None:
        return []
    out = [Problem(key, "missing", f"cannot be read: {reason}") for key, reason in plate.missing_wells.items()]
    out += [Problem(key, "fields", p) for key, well in plate.wells.items() for p in well.problems]
    for path, reason in state.failed_fields.items():
        if path == "*":
            out.append(Problem("", "thumbnail", f"the overview stopped: {reason}"))
        else:
            out.append(Problem(_field_well(plate, path), "thumbnail", f"field {path}: thumbnail unreadable: {reason}"))
    out += [Problem(key, "load", f"could not be loaded: {reason}") for key, reason in state.failed_wells.items()]
    order = {key: i for i, key in enumerate(_plate_order(plate))}
    return sorted(out, key=lambda p: (p.kind != "missing", order.get(p.well, -1)))


def _plate_order(plate: Plate) -> list[str]:
    return [f"{r}/{c}" for r in plate.rows for c in plate.columns]


def summary(problems: list[Problem]) -> str:
    """"12 wells cannot be read · 3 fields unreadable", "" when nothing is wrong."""
    counts = {
        "wells cannot be read": len({p.well for p in problems if p.kind == "missing"}),
        "wells with fields dropped": len({p.well for p in problems if p.kind == "fields"}),
        "fields unreadable": sum(p.kind == "thumbnail" for p in problems),
        "wells failed to load": len({p.well for p in problems if p.kind == "load"}),
    }
    parts = [f"{n} {what}" if n != 1 else f"1 {_singular(what)}" for what, n in counts.items() if n]
    return " · ".join(parts)


def _singular(what: str) -> str:
    return what.replace("wells", "well", 1).replace("fields unreadable", "field unreadable")
