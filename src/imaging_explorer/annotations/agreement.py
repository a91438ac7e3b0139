"""Agreement between reviewers: Cohen's kappa (two), Fleiss' kappa (more), majority consensus.

Written out from the definitions (Cohen 1960; Fleiss 1971), no statistics package needed:

* Cohen: p_o = share of items both raters put in the same category, p_e = sum over categories
  of the product of the two raters' marginal shares; kappa = (p_o - p_e) / (1 - p_e).
* Fleiss: N items, each rated by the same number n of raters into k categories; n_ij = raters
  who put item i in category j. P_i = (sum_j n_ij^2 - n) / (n (n - 1)), P_bar = mean of P_i,
  p_j = sum_i n_ij / (N n), P_e = sum_j p_j^2; kappa = (P_bar - P_e) / (1 - P_e).

Kappa is undefined (NaN) when the expected agreement is 1, i.e. when every rating falls into
one category: there is nothing to agree on beyond chance.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from itertools import combinations
from typing import TYPE_CHECKING, TypedDict

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import ArrayLike

__all__ = ["agreement_summary", "cohen_kappa", "consensus_table", "fleiss_kappa", "ratings_to_counts"]


class PairAgreement(TypedDict):
    kappa: float
    n_wells: int


class Agreement(TypedDict):
    """What :func:`agreement_summary` returns (see there for the meaning of each key)."""

    method: str | None
    kappa: float
    observed: float
    expected: float
    n_wells: int
    reviewers: list[str]
    pairwise: dict[tuple[str, str], PairAgreement]
    reason: str


def _kappa(observed: float, expected: float) -> float:
    if math.isclose(expected, 1.0):
        return math.nan
    return (observed - expected) / (1.0 - expected)


def cohen_parts(a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[float, float]:
    """(p_o, p_e) of two raters' labels for the same items."""
    if len(a) != len(b):
        raise ValueError(f"the two raters rated different numbers of items ({len(a)} and {len(b)})")
    n = len(a)
    if n == 0:
        raise ValueError("no items rated by both raters")
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    return observed, expected


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa of two raters' labels (``a[i]`` and ``b[i]`` rate the same item i)."""
    return _kappa(*cohen_parts(a, b))


def fleiss_parts(counts: ArrayLike) -> tuple[float, float]:
    """(P_bar, P_e) of a count matrix: items x categories, each row summing to the raters n."""
    m = np.asarray(counts, dtype=float)
    if m.ndim != 2 or m.shape[0] == 0:
        raise ValueError("counts must be a non-empty items x categories matrix")
    if (m < 0).any() or not np.allclose(m, np.round(m)):
        raise ValueError("counts must be non-negative whole numbers")
    per_item = m.sum(axis=1)
    n = per_item[0]
    if not np.allclose(per_item, n):
        raise ValueError(f"every item must be rated by the same number of raters (found {sorted(set(per_item.astype(int)))})")
    if n < 2:
        raise ValueError("Fleiss' kappa needs at least two ratings per item")
    p_i = ((m * m).sum(axis=1) - n) / (n * (n - 1))
    p_j = m.sum(axis=0) / (m.shape[0] * n)
    return float(p_i.mean()), float((p_j * p_j).sum())


def fleiss_kappa(counts: ArrayLike) -> float:
    """Fleiss' kappa of a count matrix (items x categories, each row summing to the raters n)."""
    return _kappa(*fleiss_parts(counts))


def ratings_to_counts(ratings: Sequence[Sequence[Hashable]], categories: Sequence[Hashable]) -> np.ndarray:
    """Per item, the raters' labels -> the items x categories count matrix Fleiss' kappa takes."""
    index = {c: j for j, c in enumerate(categories)}
    out = np.zeros((len(ratings), len(categories)), dtype=int)
    for i, labels in enumerate(ratings):
        for label in labels:
            if label not in index:
                raise ValueError(f"unknown category {label!r}; allowed: {', '.join(map(str, categories))}")
            out[i, index[label]] += 1
    return out


# -- on a store's current calls ----------------------------------------------------------------
def consensus_table(current: pd.DataFrame, calls: Sequence[str], key: str = "well") -> pd.DataFrame:
    """Majority call per well (or per ``key``, e.g. compound) from current calls (columns well, reviewer, call).

    Columns: call (the majority; missing (NaN) on a tie), n_reviewers, n_<call> for every call,
    agreement (share of reviewers behind the majority), conflict (reviewers disagree),
    tie (no single majority). Index: well (``key``), in the order first seen in ``current``.
    """
    import pandas as pd

    columns = ["call", "n_reviewers", *(f"n_{c}" for c in calls), "agreement", "conflict", "tie"]
    rows = []
    wells: list[Hashable] = []
    for well, group in current.groupby(key, sort=False):
        votes = Counter(group["call"])
        ranked = votes.most_common()
        top = ranked[0][1]
        leaders = [c for c, k in ranked if k == top]
        n = int(sum(votes.values()))
        rows.append([leaders[0] if len(leaders) == 1 else None, n, *(int(votes.get(c, 0)) for c in calls),
                     top / n, len(votes) > 1, len(leaders) > 1])
        wells.append(well)
    df = pd.DataFrame(rows, columns=columns, index=pd.Index(wells, name=key))
    return df.astype({"n_reviewers": int, "conflict": bool, "tie": bool, **{f"n_{c}": int for c in calls}})


def agreement_summary(current: pd.DataFrame, calls: Sequence[str]) -> Agreement:
    """Agreement between the reviewers of current calls (columns well, reviewer, call).

    Two reviewers: Cohen's kappa over the wells both called. More: Fleiss' kappa over the
    wells every reviewer called, and Cohen's kappa for each pair (``pairwise``).
    Keys: method ("cohen", "fleiss" or None), kappa, observed, expected, n_wells, reviewers,
    pairwise {(a, b): {"kappa", "n_wells"}}, reason (why kappa is NaN, else "").
    """
    reviewers = sorted(set(current["reviewer"])) if len(current) else []
    out: Agreement = {"method": None, "kappa": math.nan, "observed": math.nan, "expected": math.nan,
                           "n_wells": 0, "reviewers": reviewers, "pairwise": {}, "reason": ""}
    if len(reviewers) < 2:
        out["reason"] = "fewer than two reviewers"
        return out
    table = current.pivot(index="well", columns="reviewer", values="call")
    for a, b in combinations(reviewers, 2):
        both = table[[a, b]].dropna()
        kappa = cohen_kappa(list(both[a]), list(both[b])) if len(both) else math.nan
        out["pairwise"][(a, b)] = {"kappa": kappa, "n_wells": len(both)}
    complete = table[reviewers].dropna()
    out["n_wells"] = len(complete)
    out["method"] = "cohen" if len(reviewers) == 2 else "fleiss"
    if not len(complete):
        out["reason"] = "no well was called by every reviewer"
        return out
    if len(reviewers) == 2:
        po, pe = cohen_parts(list(complete[reviewers[0]]), list(complete[reviewers[1]]))
    else:
        po, pe = fleiss_parts(ratings_to_counts(complete.values.tolist(), calls))
    out["observed"], out["expected"], out["kappa"] = po, pe, _kappa(po, pe)
    if math.isnan(out["kappa"]):
        out["reason"] = "every call is the same: agreement beyond chance is undefined"
    return out
