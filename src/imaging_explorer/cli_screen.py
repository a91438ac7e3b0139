"""``imaging-explorer screen``: a screen's plates, their QC side by side, and its hits, as text and CSV."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import pandas as pd

from .cli_hits import write_csv
from .cli_rule import add_rule_options, rule_from_args

__all__ = ["add_parser", "run"]

_EPILOG = """\
SOURCE is a folder of plates (*.zarr), a CSV index (columns plate, and optionally platemap,
readouts, batch, date; relative paths from the index's folder) or one plate. Each plate's
analysis results are found beside it (plate.analysis) unless the index names them.

examples:
  imaging-explorer screen /data/campaign/
  imaging-explorer screen campaign.csv --out qc.csv --hits-out hits.csv
"""


def add_parser(sub: Any) -> None:
    """Add the ``screen`` sub-command to ``imaging-explorer``'s sub-parsers."""
    s = sub.add_parser("screen", help="many plates: per-plate QC (Z′, CVs, flagged wells), hits across plates",
                       epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("source", help="a folder of plates, a CSV index, or a plate")
    s.add_argument("--out", metavar="FILE", help="write the per-plate QC table here (.csv)")
    s.add_argument("--hits-out", metavar="FILE", help="write the hit wells of the plates that passed QC here (.csv)")
    s.add_argument("--compounds-out", metavar="FILE", help="write each compound across plates here (.csv)")
    s.add_argument("--include-failed", action="store_true",
                   help="count the hits of plates that failed QC too (default: left out)")
    add_rule_options(s)


def _num(value: object, fmt: str) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA \
        else format(value, fmt)


def qc_lines(table: pd.DataFrame) -> list[str]:
    """The QC table as aligned text: one line per plate."""
    width = max([5, *(len(str(p)) for p in table["plate"])])
    lines = [f"{'plate':<{width}}  {'Z′':>6}  {'robust':>6}  {'neg CV':>6}  {'hits':>5}  status"]
    for row in table.itertuples():
        cv = row.neg_cv * 100 if isinstance(row.neg_cv, float) else float("nan")
        lines.append(f"{row.plate!s:<{width}}  {_num(row.z_prime, '6.2f')}  {_num(row.robust_z_prime, '6.2f')}  "
                     f"{_num(cv, '5.1f')}%  {_num(row.hit_wells, '5d')}  {row.status}")
    return lines


def run(args: argparse.Namespace) -> int:
    from .screen import open_screen

    screen = open_screen(args.source, rule_from_args(args))
    table = screen.qc_table()
    failed = screen.failed
    print(f"{screen.source}: {len(screen.plates)} plate(s), {int(table['passed'].sum())} passed QC, "
          f"{len(failed)} failed or unreadable")
    for line in qc_lines(table):
        print(line)
    hits = screen.hits(args.include_failed)
    compounds = screen.compounds(args.include_failed)
    ranked = compounds[compounds["rank"].notna()]
    print(f"{len(hits)} hit well(s); {len(ranked)} hit compound(s) across plates"
          + ("" if args.include_failed or not failed else " (plates that failed QC left out)"))
    for c in ranked.head(10).itertuples():
        print(f"  {c.rank}. {c.compound_id}: hit on {c.n_plates_hit} of {c.n_plates} plate(s), "
              f"agreement {c.call_agreement:.0%}, mean max activity {c.mean_max_activity_pct:.0f} %, "
              f"IC50 {_num(c.median_ic50_um, '.3g')} µM")
    for path, frame in ((args.out, table), (args.hits_out, hits), (args.compounds_out, compounds)):
        if path:
            write_csv(frame, Path(path).expanduser())
            print(f"wrote {path}")
    return 0
