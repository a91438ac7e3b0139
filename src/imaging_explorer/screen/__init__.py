"""A screening campaign: many plates, their QC side by side, hits across plates.

``open_screen(SOURCE)`` takes a folder of plates, a list of plate locations, or a CSV index
(plate location, plate map, readouts, batch, date) and gives a :class:`Screen`: each plate's
layout, its calls and QC from its analysis results (not its pixels), a per-plate QC table, the
hits of every plate in one ranked list and each compound across the plates that tested it.
A plate that cannot be read is listed with its reason; the rest open. No Qt, no napari.
"""

from __future__ import annotations

from .errors import ScreenError
from .index import ScreenEntry, is_screen_source, screen_entries
from .qc_table import qc_table
from .replicates import compounds_across_plates, hits_across_plates
from .screen import Screen, iter_screen_plates, open_screen
from .screen_plate import ScreenPlate, load_screen_plate

__all__ = [
    "Screen",
    "ScreenEntry",
    "ScreenError",
    "ScreenPlate",
    "compounds_across_plates",
    "hits_across_plates",
    "iter_screen_plates",
    "load_screen_plate",
    "open_screen",
    "qc_table",
    "is_screen_source",
    "screen_entries",
]
