"""``imaging-explorer figure``: the plate overview, a heatmap, a montage or a compound card as a
PNG (at a chosen DPI) or SVG file, for papers, slides and reports.

The parser is added to the ``imaging-explorer`` command by :mod:`.cli`, whose ``main`` turns the
errors raised here (ValueError, OSError, PlateError) into one ``imaging-explorer: error: ...``
line and exit status 2. Heavy imports (matplotlib, the hit-calling core) wait until the command runs.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .figures import CalledPlate
    from .plate import Plate

__all__ = ["KINDS", "add_parser", "run"]

KINDS = ("overview", "heatmap", "montage", "card")

_EPILOG = """\
kinds:
  overview   every field's thumbnail in the plate's layout, row and column names, a scale bar
  heatmap    one value per well (--value, default activity_pct) on the plate's grid;
             H marks hits, × QC-flagged wells, grey wells have no value
  montage    the wells given by --well (or --compound's wells) between a negative and a
             positive control, at one contrast, captioned with dose and activity
  card       a compound's card (--compound, default the top hit): its wells between the
             controls, the dose-response plot with the 4PL fits, IC50 / CC50 / selectivity

heatmap, card (and the montage's captions) call hits from the plate's readouts: the analysis
store beside the plate (made by `imaging-explorer analyze`) or --readouts, with the plate map
found beside the plate or given by --platemap, under the default hit rule on --readout.
Channel colours and windows are the plate's settings (as the viewer shows them).

examples:
  imaging-explorer figure overview plate.zarr --out overview.png --dpi 300
  imaging-explorer figure heatmap plate.zarr --out activity.svg
  imaging-explorer figure card plate.zarr --compound CPD-001 --out cpd-001.png
  imaging-explorer figure montage plate.zarr --well C07 --well C08 --out c07.svg
"""


def add_parser(sub: Any) -> None:
    """Add the ``figure`` sub-command to ``imaging-explorer``'s sub-parsers."""
    f = sub.add_parser("figure", help="save the overview, a heatmap, a montage or a compound card as PNG or SVG",
                       epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    f.add_argument("kind", choices=KINDS, metavar="KIND", help=" | ".join(KINDS))
    f.add_argument("plate", metavar="PLATE", help="the plate: a folder, file://, http(s):// or s3:// URL")
    f.add_argument("--out", required=True, metavar="FILE", help="the figure: FILE.png or FILE.svg")
    f.add_argument("--dpi", type=float, default=300.0, help="pixels per inch of a PNG (default 300)")
    f.add_argument("--readouts", metavar="STORE", help="an analysis store or per-well readouts table "
                   "(default: the analysis store beside the plate)")
    f.add_argument("--platemap", metavar="FILE", help="the plate map (default: the plate's own)")
    f.add_argument("--readout", default="infected_fraction", metavar="COLUMN",
                   help="the activity readout of the hit calling (default infected_fraction)")
    f.add_argument("--value", default="activity_pct", metavar="COLUMN",
                   help="heatmap: the per-well column shown (default activity_pct; any readout or statistic)")
    f.add_argument("--well", action="append", metavar="WELL", help="montage: a well (C07, C/7); repeat or "
                   "separate by commas")
    f.add_argument("--compound", metavar="ID", help="card, montage: the compound (card default: the top hit)")
    f.add_argument("--scale-bar", type=float, metavar="UM", help="the scale bar's length in µm (default: a "
                   "round length; 0: none)")


def _open(location: str) -> Plate:
    from .plate import open_plate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the plate's deviations are `validate`'s business
        return open_plate(location)


def _called(args: argparse.Namespace, plate: Plate, required: bool) -> CalledPlate | None:
    """The plate's hit calling from its readouts and plate map; None when not required and absent."""
    from .analysis.output_location import default_folder
    from .figures.called_plate import CalledPlate
    from .hits import HitRule
    from .hits.inputs import read_readouts
    from .platemap import find_platemap, read_platemap

    location: str | Path | None = args.readouts
    if location is None:
        beside = default_folder(plate)
        if not beside.is_dir():
            if required:
                raise ValueError(f"{args.plate}: no analysis store at {beside}; run `imaging-explorer analyze` "
                                 "or give --readouts")
            return None
        location = beside
    readouts = read_readouts(location)
    platemap = read_platemap(Path(args.platemap).expanduser()) if args.platemap else find_platemap(plate)
    if platemap is None:
        if required:
            raise ValueError(f"{args.plate}: no plate map found in or beside the plate; give --platemap FILE")
        return None
    fields = getattr(readouts, "fields", None)  # a store's per-field rows: image QC as `imaging-explorer hits`
    options = {"fields": fields} if fields is not None else {}
    return CalledPlate.call(readouts.wells, platemap, HitRule(readout=args.readout), source=readouts.source,
                            **options)


def _compound(args: argparse.Namespace, called: CalledPlate) -> str:
    known = called.compound_ids()
    if args.compound:
        if args.compound not in known:
            shown = ", ".join(known[:8]) + (" …" if len(known) > 8 else "")
            raise ValueError(f"{args.plate}: no compound {args.compound!r} in the plate map (compounds: {shown})")
        return str(args.compound)
    ranked = called.ranked_compounds()
    if not ranked:
        raise ValueError(f"{args.plate}: no hit compound under the default rule; give --compound ID")
    return ranked[0]


def _heatmap(args: argparse.Namespace, plate: Plate) -> Figure:
    from .figures import heatmap_figure, hit_marks

    called = _called(args, plate, required=True)
    assert called is not None
    wells = called.wells
    if args.value not in wells.columns:
        raise ValueError(f"{args.plate}: no per-well column {args.value!r} (columns: {', '.join(map(str, wells.columns))})")
    import pandas as pd

    values = pd.to_numeric(wells[args.value], errors="coerce").astype(float)
    return heatmap_figure(values, plate.rows, plate.columns, title=f"{plate.name}: {args.value}", label=args.value,
                          marks=hit_marks(wells), note="H: hit · ×: QC-flagged or excluded · grey: no value")


def _montage_wells(args: argparse.Namespace, plate: Plate, called: CalledPlate | None) -> list[tuple[str, str]]:
    """(well key, caption) of the montage: the negative control, the wells asked for, the positive control."""
    from .figures.card_data import card_well
    from .figures.card_figure import well_caption
    from .plate import parse_well_name, well_name

    asked = [w.strip() for text in (args.well or []) for w in text.split(",") if w.strip()]
    keys = [parse_well_name(w, plate) for w in asked]
    if not keys and args.compound and called is not None:
        keys = [str(k) for k in called.compound_wells(_compound(args, called)).index][::-1]  # low dose first
    if not keys:
        raise ValueError(f"{args.plate}: name the montage's wells with --well C07 (or --compound ID with readouts)")
    if called is None:
        return [(k, well_name(k)) for k in keys]
    table = called.wells
    ends = {role: called.control_wells(role)[:1] for role in ("neg_control", "pos_control")}
    order = ends["neg_control"] + [k for k in keys if k not in ends["neg_control"] + ends["pos_control"]] \
        + ends["pos_control"]
    return [(k, well_caption(card_well(k, table.loc[k].to_dict() if k in table.index else {}))) for k in order]


def _figure(args: argparse.Namespace, plate: Plate) -> Figure:
    from .figures import card_figure_of, montage_figure, overview_figure

    if args.kind == "overview":
        from .overview import ThumbnailCache

        return overview_figure(plate, cache=ThumbnailCache(), scale_bar_um=args.scale_bar)
    if args.kind == "heatmap":
        return _heatmap(args, plate)
    if args.kind == "montage":
        called = _called(args, plate, required=False)
        return montage_figure(plate, _montage_wells(args, plate, called), scale_bar_um=args.scale_bar,
                              title=plate.name)
    called = _called(args, plate, required=True)
    assert called is not None
    return card_figure_of(called, _compound(args, called), plate, scale_bar_um=args.scale_bar)


def run(args: argparse.Namespace) -> int:
    from .figures.export import figure_format, save_figure

    figure_format(args.out)  # a bad suffix fails before any reading
    if not args.dpi > 0:
        raise ValueError(f"--dpi must be positive, got {args.dpi:g}")
    plate = _open(args.plate)
    path = save_figure(_figure(args, plate), args.out, dpi=args.dpi)
    print(f"wrote {path}")
    return 0
