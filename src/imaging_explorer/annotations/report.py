"""Text summary of an annotation store (``imaging-explorer annotations summary``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .schema import CALLS

if TYPE_CHECKING:
    import pandas as pd

    from .agreement import Agreement
    from .store import AnnotationStore

__all__ = ["summary_lines"]


def _kappa_text(agreement: Agreement) -> str:
    method = {"cohen": "Cohen's kappa", "fleiss": "Fleiss' kappa"}.get(agreement["method"] or "", "kappa")
    if agreement["method"] is None or math.isnan(agreement["kappa"]):
        return f"{method}: n/a ({agreement['reason']})"
    who = ", ".join(agreement["reviewers"])
    return f"{method} {agreement['kappa']:.2f} over {agreement['n_wells']} wells ({who})"


def _compound_lines(store: AnnotationStore, plate: tuple[str, str]) -> list[str]:
    """The plate's compound calls (none: no lines), and the compounds whose reviewers disagree."""
    current = store.compound_current(plate)
    if not len(current):
        return []
    counts = current["call"].value_counts()
    consensus = store.compound_consensus(plate)
    conflicts = list(consensus.index[consensus["conflict"]])
    shown = ", ".join(conflicts[:12]) + (" …" if len(conflicts) > 12 else "")
    return [f"  compound calls: {current['compound'].nunique()} compounds ("
            + ", ".join(f"{c} {int(counts.get(c, 0))}" for c in CALLS) + f"), {len(conflicts)} in conflict"
            + (f" ({shown})" if conflicts else "")]


def _well_lines(store: AnnotationStore, plate: tuple[str, str], current: pd.DataFrame) -> list[str]:
    """Current well calls per kind and per reviewer, conflicts and kappa (none when no well is called)."""
    if not len(current):
        return []
    counts = current["call"].value_counts()
    lines = ["  current calls: " + ", ".join(f"{c} {int(counts.get(c, 0))}" for c in CALLS)]
    per = current.groupby("reviewer")["call"].value_counts().unstack(fill_value=0)
    for reviewer, r in per.iterrows():
        lines.append(f"    {reviewer}: {int(r.sum())} wells (" + ", ".join(f"{c} {int(r.get(c, 0))}" for c in CALLS) + ")")
    consensus = store.consensus(plate)
    conflicts = list(consensus.index[consensus["conflict"]])
    shown = ", ".join(conflicts[:12]) + (" …" if len(conflicts) > 12 else "")
    lines.append(f"  consensus: {int((~consensus['conflict']).sum())} wells agree, {len(conflicts)} in conflict"
                 + (f" ({shown})" if conflicts else ""))
    lines.append("  agreement: " + _kappa_text(store.agreement(plate)))
    return lines


def summary_lines(store: AnnotationStore, plate: str | None = None, fingerprint: str | None = None) -> list[str]:
    """Plates, reviewers, counts per call, conflicts and kappa, compound calls; one plate when ``plate`` is given."""
    plates = store.plates()
    lines = [f"{store.url} · {store.backend} · "
             f"{len(plates)} plate(s) · reviewers: {', '.join(store.reviewers()) or 'none'}"]
    if plate is not None:
        name, fp = store.find_plate(plate, fingerprint)
        plates = plates[(plates["name"] == name) & (plates["fingerprint"] == fp)]
    for row in plates.itertuples():
        ident = (str(row.name), str(row.fingerprint))  # str already; pandas types the values loosely
        current = store.current(ident)
        lines.append(f"plate {row.name} · fingerprint {row.fingerprint} · {row.events} events · "
                     f"{current['well'].nunique()} wells called")
        lines.extend(_well_lines(store, ident, current))
        lines.extend(_compound_lines(store, ident))
    return lines
