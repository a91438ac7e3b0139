"""Open a (broken) plate as a user would, under a memory cap, and print what happened as JSON.

    python tests/hostile/run_corpus.py PLATE [MEMORY_CAP_GIB]

Steps: ``open_plate``, ``validate``, every field's labels, ``read_thumbnails``, and a pixel read
of every field's lowest level (its first plane, as a viewer reads it). A ``PlateError`` is an answer
(recorded with its reason); any other exception is recorded as "unexpected" with its type. The
exit status is 0 whenever the summary could be printed: the caller judges the summary.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import traceback
import warnings
from typing import Any


def _unexpected(e: BaseException) -> str:
    return f"unexpected {type(e).__name__}: {str(e)[:300]} | {traceback.format_exc(limit=-3)[-600:]}"


def _open(ie: Any, path: str, out: dict[str, Any]) -> Any:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            plate = ie.open_plate(path)
        except ie.PlateError as e:
            out["open_error"] = str(e)
            return None
        except BaseException as e:  # noqa: BLE001 - the summary reports it
            out["open_error"] = _unexpected(e)
            return None
    out["plate_warnings_emitted"] = [str(w.message)[:300] for w in caught if issubclass(w.category, ie.PlateWarning)]
    out["missing_wells"] = dict(plate.missing_wells)
    out["wells"] = {p: {"fields": [f.path for f in w.fields], "problems": list(w.problems)} for p, w in plate.wells.items()}
    return plate


def _labels(ie: Any, plate: Any, out: dict[str, Any]) -> None:
    try:
        plate.load_labels()
        out["labels"] = {f.path: sorted(f.labels) for w in plate.wells.values() for f in w.fields}
    except BaseException as e:  # noqa: BLE001
        out["labels_error"] = _unexpected(e)
    out["warnings"] = [str(w)[:400] for w in plate.warnings]


def _thumbnails(plate: Any, out: dict[str, Any]) -> None:
    from imaging_explorer.overview.thumbnails import read_thumbnails

    try:
        thumbs = read_thumbnails(plate)
        out["thumbnails_ok"] = sorted(p for p, img in thumbs.items() if img is not None)
        out["thumbnail_errors"] = {p: str(r)[:400] for p, r in thumbs.errors.items()}
    except BaseException as e:  # noqa: BLE001
        out["thumbnails_error"] = _unexpected(e)


def _pixels(ie: Any, plate: Any, out: dict[str, Any]) -> None:
    ok, errors = [], {}
    for well in plate.wells.values():
        for field in well.fields:
            try:
                level = field.levels[-1]
                # what a viewer reads: one plane of the lowest level, at most 4096 px a side (a
                # whole level claiming 1e6 x 1e6 px is terabytes whatever the reader)
                plane = (0,) * (level.ndim - 2) + (slice(0, 4096), slice(0, 4096))
                level[plane].compute()
                ok.append(field.path)
            except ie.PlateError as e:
                errors[field.path] = str(e)[:400]
            except BaseException as e:  # noqa: BLE001
                errors[field.path] = _unexpected(e)
    out["pixels_ok"], out["pixel_errors"] = ok, errors


def main(path: str, cap_gib: float) -> dict[str, Any]:
    cap = int(cap_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    import imaging_explorer as ie

    out: dict[str, Any] = {"seconds": {}}
    started = time.perf_counter()
    plate = _open(ie, path, out)
    out["seconds"]["open"] = round(time.perf_counter() - started, 2)
    try:
        out["validate"] = ie.validate(path)
    except BaseException as e:  # noqa: BLE001
        out["validate_error"] = _unexpected(e)
    out["seconds"]["validate"] = round(time.perf_counter() - started, 2)
    if plate is not None:
        for step, run in (("labels", lambda: _labels(ie, plate, out)), ("thumbnails", lambda: _thumbnails(plate, out)),
                          ("pixels", lambda: _pixels(ie, plate, out))):
            run()
            out["seconds"][step] = round(time.perf_counter() - started, 2)
    return out


if __name__ == "__main__":
    summary = main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 3.0)
    print(json.dumps(summary, indent=1))
