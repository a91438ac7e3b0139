"""A screen of many 384-well plates: how long the screen takes to open, its QC table, its view
and its report.

    python benchmarks/screen_speed.py [--dir /tmp/ie-screen] [--plates 50] [--rows 16 --columns 24]

Builds (once; reused from --dir) a screen of sample plates, each with an analysis store beside
it (``<stem>.analysis``: the manifest of a real analysis and a ``wells.parquet`` with the
analysis' columns, filled from the sample's plan, so no image analysis runs here; the screen
reads only those tables). Every fifth plate has a wide control spread and fails Z′. Prints:

  open_screen        every plate's layout, results, plate map, QC and calls (threads)
  qc_table           the per-plate QC table from the opened screen
  screen mosaic      the napari screen view's values and decorations, without Qt
  report             the self-contained HTML report: seconds and megabytes

Goals (issue 12): screen view and QC table under 5 s; the report under a minute and 50 MB.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import imaging_explorer as ie
from imaging_explorer.sample.layout import plan_plate

ANALYSIS_COLUMNS = ["field_count", "cell_count", "infected_count", "area_mean_px", "nucleus_area_mean_px",
                    "mean_DAPI", "mean_Cell", "mean_Pathogen", "saturated_fraction", "saturated_fraction_DAPI",
                    "saturated_fraction_Cell", "saturated_fraction_Pathogen", "focus", "background"]


def _tables(seed: int, spread: float, rows: int, columns: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-field and per-well tables an analysis writes (one field a well), their values from
    the plan (about 200 cells a well), the image measures those of sharp, unsaturated fields."""
    plans = [p for p in plan_plate(rows, columns, seed, spread) if not p.missing]
    rng = np.random.default_rng(seed)
    nuclei = np.array([round(200 * p.density) for p in plans])
    infected = rng.binomial(nuclei, [min(max(p.infection, 0.0), 1.0) for p in plans])
    table = pd.DataFrame({"well": [p.path for p in plans], "t": 0, "nuclei_count": nuclei,
                          "infected_fraction": np.where(nuclei > 0, infected / np.maximum(nuclei, 1), np.nan)})
    for column in ANALYSIS_COLUMNS:
        table[column] = rng.random(len(table))
    table["infected_count"], table["cell_count"], table["field_count"] = infected, nuclei, 1
    table[[c for c in table.columns if c.startswith("saturated_fraction")]] = 0.0
    table["focus"] = 1.0 + 0.05 * rng.random(len(table))
    table["mean_DAPI"], table["background"] = 600.0 + 50 * rng.random(len(table)), 116.0
    fields = table.drop(columns="field_count").assign(field=0, path=[f"{p.path}/0" for p in plans])
    return fields, table


def _manifest(folder: Path) -> dict:
    """A real analysis' manifest (of a tiny plate), to copy beside every benchmark plate."""
    real = folder / "manifest-source"
    plate = real / "m.zarr"
    if not (real / "m.analysis" / "analysis.json").is_file():
        ie.make_sample_plate(plate, rows=2, columns=3, fields=1, size=64, overwrite=True)
        from imaging_explorer.analysis.batch import analyze_plate
        from imaging_explorer.analysis.channel_roles import resolve_roles

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opened = ie.open_plate(plate)
            analyze_plate(opened, roles=resolve_roles(opened.wells[next(iter(opened.wells))].fields[0].channels, nuclei="DAPI", cell="Cell", pathogen="Pathogen"))
    return json.loads((real / "m.analysis" / "analysis.json").read_text())


def build(folder: Path, n: int, rows: int, columns: int) -> Path:
    """The screen's plates, stores and index (kept for the next run)."""
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / "index.csv"
    if index.is_file() and len(pd.read_csv(index)) == n and (folder / "plate001.analysis" / "fields.parquet").is_file():
        return index
    manifest = _manifest(folder)
    entries = []
    for i in range(n):
        spread = 4.0 if i % 5 == 4 else 1.0
        name = f"plate{i + 1:03d}"
        made = ie.make_sample_plate(folder / f"{name}.zarr", rows=rows, columns=columns, fields=1, size=32,
                                    seed=i, control_spread=spread, overwrite=True)
        store = folder / f"{name}.analysis"
        shutil.rmtree(store, ignore_errors=True)
        store.mkdir()
        (store / "analysis.json").write_text(json.dumps({**manifest, "plate": str(made.plate)}))
        fields, wells = _tables(i, spread, rows, columns)
        fields.to_parquet(store / "fields.parquet", index=False)
        wells.to_parquet(store / "wells.parquet", index=False)
        entries.append({"plate": made.plate.name, "batch": f"B{i // 10 + 1}", "date": f"2026-10-{i % 28 + 1:02d}"})
    pd.DataFrame(entries).to_csv(index, index=False)
    return index


def timed(label: str, call, *args, **kwargs):
    start = time.perf_counter()
    out = call(*args, **kwargs)
    print(f"{label:<20} {time.perf_counter() - start:6.2f} s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ie-screen"))
    parser.add_argument("--plates", type=int, default=50)
    parser.add_argument("--rows", type=int, default=16)
    parser.add_argument("--columns", type=int, default=24)
    args = parser.parse_args()
    index = timed("build (once)", build, args.dir, args.plates, args.rows, args.columns)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        screen = timed("open_screen (1st)", ie.open_screen, index)
        screen = timed("open_screen (2nd)", ie.open_screen, index)
        table = timed("qc_table", screen.qc_table)
        timed("hits across plates", screen.hits)
        timed("compounds", screen.compounds)
    from imaging_explorer._napari.screen.mosaic import build_screen_mosaic  # Qt-free, though under _napari

    mosaic = timed("screen mosaic", build_screen_mosaic, screen)
    overlay = mosaic.overlay
    print(f"mosaic: values {mosaic.values.shape}, overlay {overlay.data.shape if overlay is not None else None}")
    print(f"{len(screen.plates)} plates: {int(table['passed'].sum())} passed QC, "
          f"{sum(bool(p.error) for p in screen.plates)} with errors; "
          f"{len(screen.hits())} hit wells on passing plates")
    from imaging_explorer.report import write_report

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fresh = ie.open_screen(index)  # the compound fits are the report's to pay
        summary = timed("report (opened)", write_report, fresh, args.dir / "report.html", max_hits=20)
        timed("report (from index)", write_report, index, args.dir / "report.html", max_hits=20)
    print(f"report: {summary.megabytes:.1f} MB, {summary.images} images, {summary.panels} hit panels")


if __name__ == "__main__":
    main()
