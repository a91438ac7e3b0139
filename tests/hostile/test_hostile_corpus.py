"""The corpus of broken and hostile plates (corpus.py), opened in a subprocess with a memory cap
and a time limit: never a crash, a hang or an unbounded allocation; each broken well missing or
its field reported with a reason naming the damage; the good wells open, with thumbnails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from corpus import CASES, GOOD_WELLS, Case, repair, write_broken_plate

RUNNER = Path(__file__).with_name("run_corpus.py")
CAP_GIB = 3  # RLIMIT_AS of the subprocess; the gzip bomb inflates to 4 GiB
TIME_LIMIT = 120  # seconds for open + validate + labels + thumbnails + every pixel read
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0  # root reads a folder without permission anyway


@pytest.fixture(scope="module", params=[2, 3], ids=["zarr-v2-ngff-0.4", "zarr-v3-ngff-0.5"])
def summary(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp(f"hostile-v{request.param}") / "broken.zarr"
    write_broken_plate(root, request.param)
    env = {**os.environ, "MALLOC_ARENA_MAX": "2", "IMAGING_EXPLORER_CACHE": str(root.parent / "cache"),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2] / "src"), os.environ.get("PYTHONPATH", "")])}
    try:
        done = subprocess.run([sys.executable, str(RUNNER), str(root), str(CAP_GIB)], capture_output=True, text=True,
                              timeout=TIME_LIMIT, env=env, check=False)
    finally:
        repair(root)
    assert done.returncode == 0, f"the runner died (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(done.stdout)


def _has(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text.lower() for w in words)


def _field_reports(out: dict[str, Any], case: Case) -> list[str]:
    """Everything said about field 0 of a case's well: well problems, thumbnail and pixel errors."""
    field = f"{case.well}/0"
    said = [p for p in out["wells"].get(case.well, {}).get("problems", []) if field in p]
    said += [r for p, r in out.get("thumbnail_errors", {}).items() if p == field]
    said += [r for p, r in out.get("pixel_errors", {}).items() if p == field]
    return said


def test_every_step_ran_without_an_unexpected_error(summary: dict[str, Any]) -> None:
    crashes = {k: v for k, v in summary.items() if k.endswith("_error")}
    assert crashes == {}
    unexpected = {p: r for p, r in {**summary["thumbnail_errors"], **summary["pixel_errors"]}.items() if r.startswith("unexpected")}
    assert unexpected == {}, "errors other than PlateError escaped"


@pytest.mark.parametrize("case", [c for c in CASES if c.scope == "well"], ids=lambda c: c.name)
def test_broken_well_is_missing_with_its_reason(summary: dict[str, Any], case: Case) -> None:
    if case.name.startswith("well folder without read permission") and AS_ROOT:
        assert case.well in summary["wells"]  # root reads it: see test_open_hostile.py for the error path
        return
    assert case.well in summary["missing_wells"], f"{case.name}: not marked missing"
    assert _has(summary["missing_wells"][case.well], case.words), summary["missing_wells"][case.well]


@pytest.mark.parametrize("case", [c for c in CASES if c.scope == "field"], ids=lambda c: c.name)
def test_broken_field_costs_only_that_field(summary: dict[str, Any], case: Case) -> None:
    assert case.well in summary["wells"], f"{case.name}: the whole well was lost ({summary['missing_wells'].get(case.well)})"
    assert f"{case.well}/1" in summary["thumbnails_ok"], "the well's good field lost its thumbnail"
    said = _field_reports(summary, case)
    assert said, f"{case.name}: field {case.well}/0 reported nowhere"
    assert all(not s.startswith("unexpected") for s in said)
    assert any(_has(s, case.words) for s in said), said


@pytest.mark.parametrize("case", [c for c in CASES if c.scope in ("warning", "labels")], ids=lambda c: c.name)
def test_odd_metadata_opens_with_a_warning(summary: dict[str, Any], case: Case) -> None:
    assert case.well in summary["wells"] and f"{case.well}/0" in summary["thumbnails_ok"]
    assert any(case.well in w and _has(w, case.words) for w in summary["warnings"]), case.name
    if case.scope == "warning":
        assert summary["plate_warnings_emitted"], "opening should warn (PlateWarning)"


@pytest.mark.parametrize("case", [c for c in CASES if c.validate], ids=lambda c: c.name)
def test_validate_lists_each_broken_document(summary: dict[str, Any], case: Case) -> None:
    if case.name.startswith("well folder without read permission") and AS_ROOT:
        return
    mine = [p for p in summary["validate"] if case.well in p]
    assert any(_has(p, case.validate) for p in mine), (case.name, mine)  # type: ignore[arg-type]


def test_good_wells_open_with_thumbnails_and_pixels(summary: dict[str, Any]) -> None:
    for well in GOOD_WELLS:
        assert well in summary["wells"] and summary["wells"][well]["problems"] == []
        for field in (f"{well}/0", f"{well}/1"):
            assert field in summary["thumbnails_ok"] and field in summary["pixels_ok"]
    assert not any(w in p for p in summary["validate"] for w in GOOD_WELLS)
