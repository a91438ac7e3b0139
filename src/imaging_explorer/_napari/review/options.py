"""The reviewer's choices in the Review dock (name, auto-advance, queue and its order, calls shown)."""

from __future__ import annotations

from dataclasses import dataclass

from psygnal import evented

from .queue_order import QUEUE_ORDER


@evented
@dataclass
class ReviewOptions:
    """The reviewer's choices; name, auto-advance and the consensus view are remembered."""

    reviewer: str = ""
    auto_advance: bool = True
    queue: str = "all wells"
    order_by: str = QUEUE_ORDER  # or a readout column of the analysis' per-well table
    descending: bool = False  # of the readout: highest first
    show_calls: bool = True
    consensus_view: bool = False
