"""What the plate browser shows, as plain evented data (no Qt, no napari).

The controller writes it; docks, hotkeys, the hover text and the review read it. psygnal emits
``state.events.<field>`` when a field is set (dicts changed in place do not emit: the
controller's own signals say when failures change).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

from psygnal import evented

if TYPE_CHECKING:
    import pandas as pd

Mode = Literal["overview", "well"]


class Target(NamedTuple):
    """A well view asked for: the well key, the field index, all fields tiled or not."""

    well: str
    field: int
    tiled: bool


@evented
@dataclass
class BrowserState:
    """Where the user is in the plate, and what is known about it."""

    mode: Mode = "overview"
    well: str | None = None  # key of the well on screen ("C/7"), kept while back on the overview
    field: int = 0  # index of the field on screen (the first one when tiled)
    tiled: bool = False  # all fields of the well side by side
    pending: Target | None = None  # the well view being read; None when nothing is loading
    failed_wells: dict[str, str] = dataclasses.field(default_factory=dict)  # well key -> reason
    failed_fields: dict[str, str] = dataclasses.field(default_factory=dict)  # field path -> reason
    platemap: pd.DataFrame | None = None  # indexed by well key, once found
    platemap_error: str = ""
    platemap_loading: bool = False
    hover_text: str = ""

    @property
    def loading(self) -> bool:
        """A well view is being read."""
        return self.pending is not None

    @property
    def asked_well(self) -> str | None:
        """The well the user is on or going to: the one loading, else the one on screen
        (None on the overview)."""
        if self.pending is not None:
            return self.pending.well
        return self.well if self.mode == "well" else None

    @property
    def shown_well(self) -> str | None:
        """The well on screen and fully loaded (None on the overview or while loading)."""
        return self.well if self.mode == "well" and self.pending is None else None

    def reset(self) -> None:
        """Forget the plate (it was closed)."""
        self.mode, self.well, self.field, self.pending = "overview", None, 0, None
        self.failed_wells.clear()
        self.failed_fields.clear()
        self.platemap, self.platemap_error, self.platemap_loading, self.hover_text = None, "", False, ""
