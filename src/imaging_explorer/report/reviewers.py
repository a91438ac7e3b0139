"""The reviewers' section: per plate of the screen that the annotation store knows, the current
well calls per kind and per reviewer, the consensus (wells agreed, wells in conflict), the
agreement (Cohen's kappa for two reviewers, Fleiss' for more) and the compound calls with
their consensus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..annotations.schema import CALLS
from .html_document import Cell, Table, number

if TYPE_CHECKING:
    from ..annotations import AnnotationStore
    from ..annotations.agreement import Agreement
    from ..screen import Screen
    from .html_document import HtmlDocument

__all__ = ["ReviewSummary", "add_reviewers_section", "kappa_text"]

MAX_CONFLICTS = 20  # wells in conflict named; the rest counted


@dataclass
class ReviewSummary:
    """What the section found: plates with calls, and each compound's consensus per plate."""

    plates: list[str] = field(default_factory=list)
    compound_calls: dict[str, str] = field(default_factory=dict)  # compound -> "hit (p1); reject (p2)"


def kappa_text(agreement: Agreement) -> str:
    """"Cohen's kappa 0.62 over 40 wells (ana, ben)", or why there is none."""
    method = {"cohen": "Cohen's kappa", "fleiss": "Fleiss' kappa"}.get(agreement["method"] or "", "kappa")
    if agreement["method"] is None or math.isnan(agreement["kappa"]):
        return f"{method}: n/a ({agreement['reason']})"
    return (f"{method} {agreement['kappa']:.2f} over {agreement['n_wells']} wells "
            f"({', '.join(agreement['reviewers'])})")


def _calls_table(current: object) -> Table:
    import pandas as pd

    assert isinstance(current, pd.DataFrame)
    table = Table(["reviewer", "wells called", *CALLS])
    per = current.groupby("reviewer")["call"].value_counts().unstack(fill_value=0)
    for reviewer, r in per.iterrows():
        table.add([str(reviewer), Cell(str(int(r.sum())), True), *(Cell(str(int(r.get(c, 0))), True) for c in CALLS)])
    return table


def _plate(doc: HtmlDocument, store: AnnotationStore, name: str, ident: tuple[str, str], summary: ReviewSummary) -> None:
    doc.heading(f"{name} · fingerprint {ident[1][:12]}", level=3)
    current = store.current(ident)
    if len(current):
        summary.plates.append(name)
        doc.table(_calls_table(current))
        consensus = store.consensus(ident)
        conflicts = [str(w) for w in consensus.index[consensus["conflict"]]]
        named = ", ".join(conflicts[:MAX_CONFLICTS]) + (" …" if len(conflicts) > MAX_CONFLICTS else "")
        decided = consensus["call"].dropna().value_counts()
        doc.bullets([
            f"consensus: {int((~consensus['conflict']).sum())} well(s) agreed, {len(conflicts)} in conflict"
            + (f" ({named})" if conflicts else ""),
            "consensus calls: " + ", ".join(f"{c} {int(decided.get(c, 0))}" for c in CALLS)
            + f", tie {int(consensus['tie'].sum())}",
            "agreement: " + kappa_text(store.agreement(ident))])
    compounds = store.compound_current(ident) if store.has_compound_calls else None
    if compounds is not None and len(compounds):
        if name not in summary.plates:
            summary.plates.append(name)
        table = Table(["compound", "consensus", "reviewers", "agreement %", "conflict", "calls"])
        consensus = store.compound_consensus(ident)
        for compound, row in consensus.iterrows():
            mine = compounds[compounds["compound"] == compound]
            calls = "; ".join(f"{r}: {c}" for r, c in zip(mine["reviewer"], mine["call"]))
            call = str(row["call"]) if isinstance(row["call"], str) else "tie"
            table.add([str(compound), call, Cell(str(int(row["n_reviewers"])), True),
                       Cell(number(row["agreement"], ".0f", scale=100), True), "yes" if row["conflict"] else "",
                       calls])
            summary.compound_calls.setdefault(str(compound), "")
            summary.compound_calls[str(compound)] = "; ".join(
                x for x in (summary.compound_calls[str(compound)], f"{call} ({name})") if x)
        doc.paragraph(f"Compound calls: {compounds['compound'].nunique()} compound(s)", cls="meta")
        doc.table(table)
    if not len(current) and (compounds is None or not len(compounds)):
        doc.paragraph("No current calls on this plate (all undone).", cls="note")


def add_reviewers_section(doc: HtmlDocument, screen: Screen, store: AnnotationStore,
                          matched: dict[str, tuple[str, str] | str]) -> ReviewSummary:
    """Add the section for the matched plates (a plate that could not be told apart is named with why)."""
    summary = ReviewSummary()
    doc.heading("Reviewers' calls", anchor="reviewers")
    reviewers = store.reviewers()
    doc.paragraph(f"From {store.url} ({store.backend}); reviewers: {', '.join(reviewers) or 'none'}. "
                  "Consensus: the majority of the reviewers' current calls; agreement beyond chance: Cohen's "
                  "kappa for two reviewers, Fleiss' kappa for more (1 = full agreement, 0 = chance).", cls="note")
    if not matched:
        doc.paragraph("The store has no calls on the plates of this screen.", cls="note")
        return summary
    for sp in screen.plates:
        ident = matched.get(sp.name)
        if ident is None:
            continue
        if isinstance(ident, str):
            doc.heading(sp.name, level=3)
            doc.paragraph(ident, cls="note")
            continue
        _plate(doc, store, sp.name, ident, summary)
    return summary
