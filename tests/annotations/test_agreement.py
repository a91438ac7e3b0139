"""Cohen's and Fleiss' kappa against worked textbook examples, and the consensus table."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from imaging_explorer.annotations.agreement import (
    agreement_summary,
    cohen_kappa,
    cohen_parts,
    consensus_table,
    fleiss_kappa,
    fleiss_parts,
    ratings_to_counts,
)

CALLS = ("hit", "candidate", "reject", "unsure")


def _pairs(table: dict[tuple[str, str], int]) -> tuple[list[str], list[str]]:
    a, b = [], []
    for (x, y), n in table.items():
        a += [x] * n
        b += [y] * n
    return a, b


def test_cohen_two_by_two_worked_example():
    # 50 grant proposals, two readers: yes/yes 20, yes/no 5, no/yes 10, no/no 15.
    # p_o = 35/50 = 0.7; reader A says yes 25/50, B 30/50: p_e = .5*.6 + .5*.4 = 0.5; kappa = 0.4
    a, b = _pairs({("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15})
    assert cohen_parts(a, b) == pytest.approx((0.7, 0.5))
    assert cohen_kappa(a, b) == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # same p_o = 0.60, different marginals -> different kappa (the classic "paradox" pair)
        ({("y", "y"): 45, ("y", "n"): 15, ("n", "y"): 25, ("n", "n"): 15}, 0.1304),  # p_e = .54
        ({("y", "y"): 25, ("y", "n"): 35, ("n", "y"): 5, ("n", "n"): 35}, 0.2593),  # p_e = .46
    ],
)
def test_cohen_marginals_matter(table, expected):
    a, b = _pairs(table)
    assert cohen_kappa(a, b) == pytest.approx(expected, abs=5e-5)


def test_cohen_edge_cases():
    assert cohen_kappa(["hit", "reject"], ["hit", "reject"]) == pytest.approx(1.0)
    assert cohen_kappa(["hit", "reject"], ["reject", "hit"]) == pytest.approx(-1.0)
    assert math.isnan(cohen_kappa(["hit"] * 3, ["hit"] * 3))  # one category only: undefined
    with pytest.raises(ValueError, match="different numbers"):
        cohen_kappa(["hit"], ["hit", "hit"])
    with pytest.raises(ValueError, match="no items"):
        cohen_kappa([], [])


# Fleiss (1971) style worked example: 10 subjects, 14 raters each, 5 categories.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_fleiss_worked_example():
    # by hand: p_j = .143 .200 .279 .150 .229; P_i = 1.000 .253 .308 .440 .330 .462 .242 .176 .286 .286
    # P_bar = 0.378, P_e = 0.213, kappa = 0.210
    p_bar, p_e = fleiss_parts(FLEISS_TABLE)
    assert p_bar == pytest.approx(0.378, abs=5e-4)
    assert p_e == pytest.approx(0.2128, abs=5e-4)
    assert fleiss_kappa(FLEISS_TABLE) == pytest.approx(0.210, abs=5e-4)


def test_fleiss_small_hand_computed():
    # 3 wells x 3 reviewers: (hit,hit,hit), (hit,hit,reject), (reject,reject,reject)
    # P_i = 1, 1/3, 1 -> P_bar = 7/9; p_hit = 5/9, p_reject = 4/9 -> P_e = 41/81
    # kappa = (7/9 - 41/81) / (1 - 41/81) = (22/81) / (40/81) = 0.55
    counts = ratings_to_counts([["hit"] * 3, ["hit", "hit", "reject"], ["reject"] * 3], CALLS)
    assert counts.tolist() == [[3, 0, 0, 0], [2, 0, 1, 0], [0, 0, 3, 0]]
    assert fleiss_kappa(counts) == pytest.approx(0.55)


def test_fleiss_refuses_bad_tables():
    with pytest.raises(ValueError, match="same number of raters"):
        fleiss_kappa([[2, 0], [1, 2]])
    with pytest.raises(ValueError, match="at least two"):
        fleiss_kappa([[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="unknown category"):
        ratings_to_counts([["maybe"]], CALLS)
    assert math.isnan(fleiss_kappa([[3, 0], [3, 0]]))


def _current(rows):
    return pd.DataFrame(rows, columns=["well", "reviewer", "call"])


def test_consensus_table():
    cur = _current([("A/1", "ana", "hit"), ("A/1", "ben", "hit"), ("A/1", "cy", "reject"),
                    ("A/2", "ana", "hit"), ("A/2", "ben", "reject"),
                    ("B/1", "ana", "unsure")])
    c = consensus_table(cur, CALLS)
    assert c.loc["A/1", "call"] == "hit" and c.loc["A/1", "n_reviewers"] == 3 and c.loc["A/1", "n_hit"] == 2
    assert c.loc["A/1", "agreement"] == pytest.approx(2 / 3) and bool(c.loc["A/1", "conflict"])
    assert pd.isna(c.loc["A/2", "call"]) and bool(c.loc["A/2", "tie"])
    assert c.loc["B/1", "call"] == "unsure" and not bool(c.loc["B/1", "conflict"])


def test_agreement_summary_two_and_three_reviewers():
    two = _current([("A/1", "ana", "hit"), ("A/1", "ben", "hit"), ("A/2", "ana", "reject"), ("A/2", "ben", "reject"),
                    ("A/3", "ana", "hit"), ("A/3", "ben", "reject"), ("A/4", "ana", "hit")])
    s = agreement_summary(two, CALLS)
    # 3 common wells: agree on 2; ana hit 2/3, ben hit 1/3 -> p_e = 2/9+2/9 = 4/9; kappa = (2/3-4/9)/(5/9) = 0.4
    assert s["method"] == "cohen" and s["n_wells"] == 3 and s["kappa"] == pytest.approx(0.4)
    three = _current([(w, r, c) for w, calls in {"A/1": "hhh", "A/2": "hhr", "A/3": "rrr"}.items()
                      for r, c in zip(("ana", "ben", "cy"), ["hit" if x == "h" else "reject" for x in calls])])
    s = agreement_summary(three, CALLS)
    assert s["method"] == "fleiss" and s["kappa"] == pytest.approx(0.55) and s["n_wells"] == 3
    assert set(s["pairwise"]) == {("ana", "ben"), ("ana", "cy"), ("ben", "cy")}
    one = agreement_summary(_current([("A/1", "ana", "hit")]), CALLS)
    assert one["method"] is None and "fewer than two" in one["reason"]
    disjoint = agreement_summary(_current([("A/1", "ana", "hit"), ("A/2", "ben", "hit")]), CALLS)
    assert math.isnan(disjoint["kappa"]) and "no well" in disjoint["reason"]
