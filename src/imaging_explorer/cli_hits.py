"""``imaging-explorer hits``: one plate's QC, hit calls and dose-response from its readouts.

The parser is added to the ``imaging-explorer`` command by :mod:`.cli`, whose ``main`` turns the
errors raised here (HitsError and PlateMapError are ValueErrors) into one
``imaging-explorer: error: ...`` line and exit status 2. Heavy imports wait until the command runs.
"""

from __future__ import annotations

import argparse
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from .cli_rule import add_rule_options, rule_from_args

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["add_parser", "run", "well_rows", "write_csv"]

_EPILOG = """\
READOUTS is an analysis store (made by `imaging-explorer analyze`) or a per-well table (.parquet,
.csv, .tsv) with a `well` column. The plate map (well, compound_id, concentration, role) comes
from --platemap, or is found beside the analysed plate.

writes (CSV):
  OUT                   one row per well: well, compound_id, concentration_uM, role, activity_pct,
                        robust_z, viability_pct, hit, cytotoxic, hit_rank, qc_flag,
                        fields_flagged, field_flags (with a store), ...
  OUT_compounds.csv     one row per compound: IC50, CC50, Hill slope, selectivity, flags, rank
default OUT: hits.csv in the analysis store, or <table stem>_hits.csv beside a table.

default rule: activity >= 50 % (0 % at the negative controls' mean, 100 % at the positive
controls') and viability (nuclei count) >= 50 % of the negative controls' mean; QC-flagged wells
(not measured, no nuclei, saturated, out of focus) are left out.

image QC: with an analysis store every field is judged (out of focus, saturated, too little
signal, a control field without nuclei); a flagged field is left out of its well's readouts, a
well whose every field is flagged is left out (--keep-qc-flagged keeps them all). The output
says how many fields were flagged; the columns fields_flagged and field_flags say which.

examples:
  imaging-explorer hits plate.analysis
  imaging-explorer hits wells.csv --platemap plate_platemap.csv --min-activity 70 --out calls.csv
"""

WELL_COLUMNS = ("well", "compound_id", "concentration_uM", "role", "activity_pct", "robust_z", "viability_pct",
                "hit", "cytotoxic", "hit_rank", "qc_flag", "fields_flagged", "field_flags", "percent_of_control",
                "b_score")  # fields_flagged and field_flags only with an analysis store (image QC)


def add_parser(sub: argparse._SubParsersAction) -> None:
    h = sub.add_parser("hits", help="plate QC (Z′), hit calls and dose-response fits from per-well readouts",
                       epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    h.add_argument("readouts", metavar="READOUTS", help="an analysis store folder or a per-well readouts table")
    h.add_argument("--platemap", metavar="FILE", help="the plate map (.csv, .tsv, .parquet); default: the "
                   "plate's own, found beside the analysed plate")
    h.add_argument("--out", metavar="FILE", help="the per-well CSV (see below)")
    add_rule_options(h)


def _out(args: argparse.Namespace, store: Path | None, source: str) -> Path:
    if args.out:
        return Path(args.out).expanduser()
    if store is not None:
        return store / "hits.csv"
    path = Path(source)
    return path.with_name(f"{path.stem}_hits.csv")


def well_rows(wells: pd.DataFrame) -> pd.DataFrame:
    """The per-well output: the well's name (B03), the plate map, the normalised values, the calls."""
    from .platemap import split_well_label

    out = wells.reset_index()
    names = [split_well_label(str(w)) for w in out["well"]]
    out["well"] = [f"{n[0]}{n[1]:02d}" if n else str(w) for n, w in zip(names, out["well"])]
    out = out.rename(columns={"concentration": "concentration_uM"})
    first = [c for c in WELL_COLUMNS if c in out.columns]
    return out[first + [c for c in out.columns if c not in first]]


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Whole or not at all: written beside, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        frame.to_csv(tmp, index=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _summary(compounds: pd.DataFrame, wells: pd.DataFrame, shown: int = 10) -> list[str]:
    hits = compounds[compounds["rank"].notna()].sort_values("rank") if len(compounds) else compounds
    lines = [f"{int(wells['hit'].sum())} hit well(s); {len(hits)} hit compound(s) of {len(compounds)}"]
    for _, c in hits.head(shown).iterrows():
        ic50 = f"IC50 {c['ic50_um']:.3g} µM" if c["ic50_um"] == c["ic50_um"] else "IC50 n/a"
        lines.append(f"  {int(c['rank'])}. {c['compound_id']}: max activity {c['max_activity_pct']:.0f} %, {ic50}"
                     + (f" ({c['flags']})" if c["flags"] else ""))
    return lines


def run(args: argparse.Namespace) -> int:
    from .hits import analyse_plate
    from .hits.dose_response import compound_table
    from .hits.inputs import find_store_platemap, read_readouts
    from .platemap import read_platemap

    readouts = read_readouts(args.readouts)
    rule = rule_from_args(args)
    platemap = read_platemap(Path(args.platemap).expanduser()) if args.platemap else find_store_platemap(readouts)
    if platemap is None:
        raise ValueError(f"{readouts.source}: no plate map found beside the analysed plate; give --platemap FILE")
    image_qc = rule.image_qc
    wells, qc = analyse_plate(readouts.wells, platemap, rule, source=readouts.source, fields=readouts.fields)
    compounds = compound_table(wells)
    out = _out(args, readouts.store, readouts.source)
    compounds_out = out.with_name(f"{out.stem}_compounds.csv")
    told = [f"rule: {rule.describe()}", *([image_qc.describe()] if readouts.fields is not None else [])]
    for line in [*told, *qc.lines(), *_summary(compounds, wells)]:
        print(line)
    write_csv(well_rows(wells), out)
    write_csv(compounds, compounds_out)
    print(f"wrote {out} and {compounds_out}")
    return 0
