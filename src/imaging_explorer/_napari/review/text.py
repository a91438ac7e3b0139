"""Text of the Review dock: history entries, the agreement line and the conflict list entries.

Pure functions from the store's tables (pandas rows and frames) to the strings the dock shows,
kept apart from the review model so the wording and number formatting (κ, "n/a", plurals,
undone calls, missing confidences) live in one place without Qt, and the dock only puts them
into its labels and lists.
"""

from __future__ import annotations

import math
from typing import Any

from imaging_explorer.annotations.schema import CALLS
from imaging_explorer.plate import well_name


def history_entry(ev: Any) -> str:
    """One line of a well's history (an event row of ``store.history``)."""
    import pandas as pd

    when = ev.time.tz_convert(None).strftime("%Y-%m-%d %H:%M") if hasattr(ev.time, "tz_convert") else str(ev.time)
    if ev.kind == "undo":
        return f"{when} {ev.reviewer}: undo"
    extras = []
    if ev.confidence is not None and not pd.isna(ev.confidence):  # NA: none given
        extras.append(f"confidence {ev.confidence}")
    extras.extend(ev.tags)
    if ev.note:
        extras.append(f"“{ev.note}”")
    text = f"{when} {ev.reviewer}: {ev.call}" + (f" ({', '.join(map(str, extras))})" if extras else "")
    if ev.undone:
        text += " — undone"
    return text


def agreement_text(current: Any, conflict_wells: list[str] | None, agreement: dict | None) -> str:
    """The agreement line: wells called, reviewers, κ and conflicts. *conflict_wells*: the
    consensus table's conflicts, or None to count wells with differing calls in *current*."""
    cur = current
    if cur is None or not len(cur):
        return "no calls on this plate yet"
    reviewers = sorted(set(cur["reviewer"]))
    called = cur["well"].nunique()
    conflicts = len(conflict_wells) if conflict_wells is not None \
        else int((cur.groupby("well")["call"].nunique() > 1).sum())
    text = f"{called} wells called by {len(reviewers)} reviewer{'s' if len(reviewers) != 1 else ''}"
    agr = agreement or {}
    kappa = agr.get("kappa", math.nan)
    if agr.get("method"):
        name = "Cohen" if agr["method"] == "cohen" else "Fleiss"
        value = f"{kappa:.2f}" if isinstance(kappa, float) and not math.isnan(kappa) else "n/a"
        text += f" · {name}'s κ {value} over {agr.get('n_wells', 0)} wells"
    if len(reviewers) > 1:
        text += f" · {conflicts} conflict{'s' if conflicts != 1 else ''}"
    return text


def conflict_entry(key: str, row: Any, current: Any) -> str:
    """One line of the conflict list: the well, the majority (or tie), the votes and who called what.
    *row*: the well's row of the consensus table."""
    cur = current
    votes = ", ".join(f"{c} {int(row[f'n_{c}'])}" for c in CALLS if int(row.get(f"n_{c}", 0)))
    who = ""
    if cur is not None and len(cur):
        here = cur[cur["well"] == key]
        who = "; ".join(f"{r.reviewer}: {r.call}" for r in here.itertuples())
    majority = "tie" if bool(row["tie"]) else f"majority {row['call']}"
    return f"{well_name(key)} · {majority} ({votes}) — {who}"


def conflicts_heading(n: int) -> str:
    """The conflict list's label."""
    return (f"conflicts (reviewers disagree): {n} well{'s' if n != 1 else ''}"
            if n else "conflicts (reviewers disagree): none")


def where_text(current: Any, reviewer: str, well: str) -> str:
    """The well under review, your call in force on it and the other reviewers' calls."""
    mine, others = None, []
    if current is not None and len(current):
        for r in current[current["well"] == well].itertuples():
            if r.reviewer == reviewer:
                mine = r.call
            else:
                others.append(f"{r.reviewer} {r.call}")
    text = f"<b>{well_name(well)}</b> · your call: {mine or '—'}"
    return text + (f" · others: {', '.join(others)}" if others else "")
