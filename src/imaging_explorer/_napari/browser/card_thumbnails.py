"""The compound card's thumbnails, without Qt: each well's first field at the plate's contrast.

The composition lives in the core now (:mod:`imaging_explorer.figures.well_images`), so that
figures, the CLI and reports draw the same images; these names stay for the card's callers.
"""

from __future__ import annotations

from imaging_explorer.figures.well_images import (
    CARD_MIN_SIZE,
    MAX_TILE,
    CardFields,
    SettingsSource,
    compose_rgb,
    read_card_fields,
    render_card,
    settings_of,
    shared_limits,
)

__all__ = ["CARD_MIN_SIZE", "MAX_TILE", "CardFields", "SettingsSource", "compose_rgb", "read_card_fields",
           "render_card", "settings_of", "shared_limits"]
