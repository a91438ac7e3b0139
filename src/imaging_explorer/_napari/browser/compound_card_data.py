"""What the compound card shows, without Qt: one compound's wells beside two controls, their
thumbnails at the plate's contrast, the dose-response points and fitted curves, and its numbers.

The card's data lives in the core now (:mod:`imaging_explorer.figures.card_data`), so that the
saved card figure, the CLI and reports show the same card; these names stay for the card's callers.
"""

from __future__ import annotations

from imaging_explorer.figures.card_data import (
    CardInputs,
    CardWell,
    CompoundCard,
    DoseResponse,
    HitsSource,
    LoadedCard,
    build_card,
    card_inputs,
    compound_card,
    concentration_text,
    load_card,
)

__all__ = ["CardInputs", "CardWell", "CompoundCard", "DoseResponse", "HitsSource", "LoadedCard", "build_card",
           "card_inputs", "compound_card", "concentration_text", "load_card"]
