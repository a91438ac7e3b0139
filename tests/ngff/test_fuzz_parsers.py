"""Hostile metadata through every NGFF parser and validator: a result or MetadataError, nothing else.

Documents start from the spec's conformance cases (../shared/conformance) and are mutated by
hypothesis: a node replaced by a value of another kind (booleans, null, NaN / Infinity, huge
numbers, strings with URL syntax, nesting tens of thousands deep, ...), a key dropped, the whole
document wrapped under "ome". RecursionError, TypeError, OverflowError or KeyError escaping a
parser would stop a whole plate.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imaging_explorer import ngff
from imaging_explorer.ngff import MetadataError

CONFORMANCE = Path(__file__).parents[3] / "shared" / "conformance"


def _deep(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


DEEP = _deep(50_000)  # deeper than Python's recursion limit: repr() and recursive walks fail
DEEP_DICT: dict = {}
_node = DEEP_DICT
for _ in range(50_000):
    _node["a"] = {}
    _node = _node["a"]

HOSTILE = [None, True, False, 0, -1, 2**70, -(2**70), 1e308, math.nan, math.inf, -math.inf, "",
           "%2e%2e", "../x", "A/1", "0.5", "0.4", "x" * 10_000, [], {}, [None], [True, True],
           [math.inf, 1], [math.nan], {"name": None}, {"type": "scale", "scale": [math.inf]},
           {"path": "%41"}, {"label-value": math.inf, "rgba": [math.inf, 0, 0, 0]},
           {"start": math.nan, "end": math.inf}, DEEP, DEEP_DICT]


def _load_cases() -> list[dict]:
    docs = []
    for suite in sorted(CONFORMANCE.glob("ngff-*/*_suite.json")):
        docs += [case["data"] for case in json.loads(suite.read_text())["tests"]]
    return docs


CASES = _load_cases() if CONFORMANCE.is_dir() else []


def _nodes(doc: Any, path: tuple = ()) -> list[tuple]:
    """Paths (tuples of keys / indices) of every node of a small JSON document."""
    out = [path]
    if len(path) > 12:  # do not walk into an inserted deep value
        return out
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _nodes(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _nodes(v, (*path, i))
    return out


def _mutate(doc: Any, choices: list[tuple[int, int, int]]) -> Any:
    """Apply mutations: (node pick, what to do, which hostile value)."""
    doc = json.loads(json.dumps(doc))  # a copy; the hostile values are inserted, not copied
    for pick, action, value in choices:
        nodes = _nodes(doc)
        path = nodes[pick % len(nodes)]
        replacement = HOSTILE[value % len(HOSTILE)]
        if not path:
            doc = {"ome": doc} if action == 2 else replacement
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if action == 1 and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = replacement
    return doc


@st.composite
def hostile_documents(draw: st.DrawFn) -> Any:
    base = draw(st.sampled_from(CASES))
    moves = draw(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 3), st.integers(0, 1000)),
                          min_size=1, max_size=4))
    return _mutate(base, moves)


def _omero(attrs: Any) -> Any:
    return ngff.parse_omero(attrs, 3)


def _multiscale_roles(attrs: Any) -> Any:
    ms, _ = ngff.parse_multiscales(attrs)
    return ngff.axis_roles(ms.axes)


PARSERS: dict[str, Callable[[Any], Any]] = {
    "parse_plate": ngff.parse_plate,
    "parse_well": ngff.parse_well,
    "parse_multiscales": _multiscale_roles,
    "parse_omero": _omero,
    "parse_image_label": ngff.parse_image_label,
    "parse_labels_group": ngff.parse_labels_group,
    "detect_kind": ngff.detect_kind,
}


@pytest.fixture(autouse=True, scope="module")
def _suites_present(unavailable) -> None:
    if not CASES:
        unavailable(f"conformance suites not found at {CONFORMANCE}")


@pytest.mark.parametrize("name", list(PARSERS))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=hostile_documents())
def test_parsers_give_a_result_or_metadata_error(name: str, doc: Any) -> None:
    try:
        PARSERS[name](doc)
    except MetadataError as e:
        assert len(str(e)) < 2_000, "a message should say what is wrong, not dump the document"


@pytest.mark.parametrize("version", [None, "0.4", "0.5"])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=hostile_documents(), strict=st.booleans())
def test_validator_lists_problems_and_never_raises(version: str | None, doc: Any, strict: bool) -> None:
    problems = ngff.validate_metadata(doc, version=version, strict=strict)
    assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_flagged_by_the_validator(value: float) -> None:
    doc = {"multiscales": [{"version": "0.4", "axes": [{"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
                            "datasets": [{"path": "0", "coordinateTransformations": [
                                {"type": "scale", "scale": [1.0, value]},
                                {"type": "translation", "translation": [value, 0.0]}]}]}],
           "omero": {"channels": [{"color": "FF0000", "window": {"start": value, "end": 1, "min": 0, "max": 1}}]}}
    problems = ngff.validate_metadata(doc)
    assert any(".scale" in p and "finite" in p for p in problems), problems
    assert any(".translation" in p and "finite" in p for p in problems), problems
    assert any("window.start" in p and "finite" in p for p in problems), problems
