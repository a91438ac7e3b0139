"""The checks of an event's values, shared by ``annotate`` and ``import_``.

One set of rules for both doors into the store, so that an imported file can hold nothing
``annotate`` (or ``annotate_compound``) would refuse: the call, confidence, tags, reviewer name,
well name, compound id and time.
Each check returns the normalised value or raises ValueError naming the value and the rule.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from ..platemap import split_well_label
from .schema import CALLS, TAGS

__all__ = ["EARLIEST", "MAX_CLOCK_SKEW", "MAX_NAME", "check_call", "check_compound", "check_confidence",
           "check_reviewer", "check_tags", "check_time", "check_well_key"]

#: Longest reviewer name (and well key) the store takes.
MAX_NAME = 200
#: How far ahead of this computer's clock an imported event may be (another machine's clock may run
#: ahead); later times are refused: the newest call wins, so a far-future one would mask every real one.
MAX_CLOCK_SKEW = timedelta(days=1)
#: No event is older than this (and pandas cannot hold times before 1677).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
# NGFF: row and column names are alphanumeric; the well key is "row/column"
_WELL_KEY = re.compile(r"[A-Za-z0-9]+/[A-Za-z0-9]+")


def check_call(call: object) -> str:
    if not isinstance(call, str) or call.strip().lower() not in CALLS:
        raise ValueError(f"call {call!r} is not one of {', '.join(CALLS)}")
    return call.strip().lower()


def check_confidence(confidence: Any) -> int | None:
    if confidence is None:
        return None
    bad = ValueError(f"confidence {confidence!r} is not one of 1, 2, 3, 4, 5 (or None)")
    if isinstance(confidence, bool | str):
        raise bad
    if isinstance(confidence, float):
        if not confidence.is_integer():
            raise bad
        value = int(confidence)
    else:
        try:
            value = operator.index(confidence)
        except TypeError:
            raise bad from None
    if not 1 <= value <= 5:
        raise bad
    return value


def check_tags(tags: Iterable[Any]) -> list[str]:
    """Known tags, normalised ("Out of focus" -> out_of_focus), in TAGS order."""
    out = set()
    for t in tags:
        norm = re.sub(r"[\s\-]+", "_", str(t).strip().lower())
        if norm not in TAGS:
            raise ValueError(f"tag {t!r} is not one of {', '.join(TAGS)}")
        out.add(norm)
    return [t for t in TAGS if t in out]


def check_reviewer(reviewer: object) -> str:
    if not isinstance(reviewer, str) or not reviewer.strip():
        raise ValueError(f"reviewer must be a non-empty name, got {reviewer!r}")
    name = reviewer.strip()
    if len(name) > MAX_NAME:
        raise ValueError(f"reviewer name is longer than {MAX_NAME} characters")
    return name


def check_compound(compound: object) -> str:
    """A compound id (the plate map's compound_id) as given, trimmed: not empty, at most MAX_NAME characters."""
    if not isinstance(compound, str) or not compound.strip():
        raise ValueError(f"compound must be a non-empty compound id, got {compound!r}")
    text = compound.strip()
    if len(text) > MAX_NAME:
        raise ValueError(f"compound id is longer than {MAX_NAME} characters")
    return text


def check_well_key(well: object) -> str:
    """A well key "B/3" (NGFF row/column names: letters and digits), or a label such as B03 -> "B/3"."""
    text = str(well).strip()
    if len(text) <= MAX_NAME and _WELL_KEY.fullmatch(text):
        return text
    parsed = split_well_label(text) if len(text) <= MAX_NAME else None
    if not parsed:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ValueError(f"well {shown!r} is not a well name (use the plate's key such as 'B/3', or B03)")
    return f"{parsed[0]}/{parsed[1]}"


def check_time(when: datetime, now: datetime | None = None) -> datetime:
    """An aware UTC time between :data:`EARLIEST` and now + :data:`MAX_CLOCK_SKEW`."""
    try:
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00 is past year 9999 in UTC
        raise ValueError(f"time {when.isoformat()!r} is out of range") from None
    latest = (now or datetime.now(UTC)) + MAX_CLOCK_SKEW
    if when > latest:
        raise ValueError(f"time {when.isoformat()!r} is in the future (later than "
                         f"{latest.isoformat(timespec='seconds')}, now + {MAX_CLOCK_SKEW.days} day); is a clock wrong?")
    if when < EARLIEST:
        raise ValueError(f"time {when.isoformat()!r} is before {EARLIEST.date().isoformat()}")
    return when
