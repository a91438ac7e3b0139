"""The ``imaging-explorer`` command: make a sample plate, inspect, validate, open in napari."""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from . import cli_analyze, cli_figure, cli_hits, cli_report, cli_screen
from .errors import AnnotationStoreError, PlateError, PlateMapError

if TYPE_CHECKING:
    from .io.documents import ZarrDocs
    from .plate import Field, Plate, ViewAddress

_DESCRIPTION = """\
Browse and review OME-Zarr HCS screening plates (NGFF 0.4 and 0.5).

A LOCATION is a plate folder (plate.zarr), a file:// URL, or an http(s):// or s3:// URL.
Plates are only ever read; nothing is written into them.

examples:
  imaging-explorer demo                      napari on the built-in sample plate
  imaging-explorer sample my_plate.zarr --rows 16 --columns 24
  imaging-explorer info my_plate.zarr        wells, fields, channels, levels, labels
  imaging-explorer validate my_plate.zarr    check it against the OME-NGFF specification
  imaging-explorer analyze my_plate.zarr     nuclei, cells, infection per field and well
  imaging-explorer open https://example.org/plate.zarr
  imaging-explorer open my_plate.zarr#C07/2  well C07, field 2 (a view address: LOCATION#WELL/FIELD)
  imaging-explorer open campaign/            the screen view: every plate of a folder (or screen.csv)
  imaging-explorer report campaign/ --out report.html
  imaging-explorer annotations summary --db annotations.db
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="imaging-explorer", description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("sample", help="write a synthetic screening plate (with plate map and ground truth)")
    s.add_argument("path", type=Path, help="where to write the plate, e.g. sample.zarr")
    s.add_argument("--rows", type=int, default=8, help="plate rows (8 = 96 wells with 12 columns; max 32)")
    s.add_argument("--columns", type=int, default=12, help="plate columns (max 48)")
    s.add_argument("--fields", type=int, default=2, help="fields of view per well")
    s.add_argument("--size", type=int, default=512, help="field width and height in pixels")
    s.add_argument("--ngff", choices=["0.4", "0.5"], default="0.5", help="0.4 = zarr v2, 0.5 = zarr v3")
    s.add_argument("--seed", type=int, default=0, help="random seed (same seed, same plate)")
    s.add_argument("--control-spread", type=float, default=1.0, metavar="X",
                   help="assay variation relative to a good assay (default 1; 4 gives a plate that fails Z′)")
    s.add_argument("--overwrite", action="store_true", help="replace an existing plate at PATH")

    i = sub.add_parser("info", help="summarise a plate: wells present and missing, fields, channels, levels, labels")
    i.add_argument("location")

    v = sub.add_parser("validate", help="check a plate against the OME-NGFF specification (exit 1 on problems)")
    v.add_argument("location")
    v.add_argument("--strict", action="store_true", help="also report missing recommended fields")

    for name, text in (("open", "open a plate (or a screen: a folder of plates, a CSV index) in napari"), ("demo", "open napari on the sample plate (made once)")):
        o = sub.add_parser(name, help=text)
        if name == "open":
            o.add_argument("location")
        o.add_argument("--screenshot", type=Path, help="instead of a window, save a screenshot to this PNG and exit")

    a = sub.add_parser("annotations", help="reviewers' calls: summary, export, import (SQLite file or postgresql:// URL)")
    acts = a.add_subparsers(dest="action", required=True, metavar="ACTION")
    db_help = ("annotation database: a SQLite file or a postgresql://user@host/db URL (default: $IMAGING_EXPLORER_DB, else annotations.db in the user data folder, as the Review dock)")
    s = acts.add_parser("summary", help="plates, reviewers, calls per kind, conflicts, kappa")
    s.add_argument("--db", help=db_help)
    s.add_argument("--plate", help="only this plate (by name)")
    s.add_argument("--fingerprint", help="which plate, when several share the name (a prefix is enough)")
    e = acts.add_parser("export", help="write a plate's annotations to OUT (.csv, .tsv or .parquet)")
    e.add_argument("--db", help=db_help)
    e.add_argument("--plate", required=True, help="plate name")
    e.add_argument("--fingerprint", help="which plate, when several share the name (a prefix is enough)")
    e.add_argument("--what", choices=["events", "current", "consensus"], default="events",
                   help="events = full history, re-importable (default); current = each reviewer's call per well; "
                        "consensus = majority per well")
    e.add_argument("out", type=Path)
    m = acts.add_parser("import", help="add the events of an export file (importing twice adds nothing)")
    m.add_argument("--db", help=db_help)
    m.add_argument("file", type=Path)
    cli_analyze.add_parser(sub)
    cli_hits.add_parser(sub)
    cli_figure.add_parser(sub)
    cli_screen.add_parser(sub)
    cli_report.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the command; a known error is one line on stderr (``imaging-explorer: error: …``) and exit 2."""
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except _KNOWN_ERRORS as e:
        print(f"imaging-explorer: error: {_one_line(e, getattr(args, 'location', None))}", file=sys.stderr)
        return 2
    except ImportError as e:
        if not _is_fsspec_backend(e):
            raise  # a broken installation: the traceback helps
        print(f"imaging-explorer: error: {_one_line(e, getattr(args, 'location', None))}", file=sys.stderr)
        return 2


def _is_fsspec_backend(error: ImportError) -> bool:
    """A URL scheme whose package fsspec could not import ("Install gcsfs to access Google Storage")."""
    tb = error.__traceback__
    while tb is not None:  # raised in fsspec, or in the back-end package fsspec was importing
        if f"{os.sep}fsspec{os.sep}" in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False


def _one_line(error: BaseException, location: str | None) -> str:
    """The error's message on one line, naming the location when the message does not."""
    if isinstance(error, OSError) and error.strerror:
        text = f"{error.filename}: {error.strerror}" if error.filename else error.strerror
    else:
        text = str(error) or type(error).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    text = "".join(line if i == 0 else (" " if lines[i - 1].endswith(":") else "; ") + line
                   for i, line in enumerate(lines))
    if location and location not in text:
        text = f"{location}: {text}"
    return text


def _sample(args: argparse.Namespace) -> int:
    from .sample import make_sample_plate

    _check_parent_folder(args.path)
    start = time.perf_counter()
    try:
        out = make_sample_plate(
            args.path, rows=args.rows, columns=args.columns, fields=args.fields, size=args.size,
            version=args.ngff, seed=args.seed, overwrite=args.overwrite, control_spread=args.control_spread,
        )
    except FileExistsError:
        raise  # "exists; use --overwrite" says it all
    except OSError as e:  # a read-only folder, a full disk: say what could not be written
        raise CommandError(f"cannot write the sample plate {args.path}: {_one_line(e, None)}") from e
    print(f"wrote {out.plate} in {time.perf_counter() - start:.1f} s")
    print(f"plate map:    {out.platemap}\nground truth: {out.truth}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from .plate import open_plate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # counted below instead
        plate = open_plate(args.location)
    for line in describe(plate):
        print(line)
    return 0


def describe(plate: Plate) -> list[str]:
    """The lines of ``imaging-explorer info``."""
    plate.load_labels()
    fields = [f for w in plate.wells.values() for f in w.fields]
    lines = [
        f"{plate.name} · NGFF {plate.version} (zarr v{plate.zarr_format}) · {plate.location}",
        f"layout: {len(plate.rows)} rows ({_span(plate.rows)}) × {len(plate.columns)} columns ({_span(plate.columns)})",
        f"wells: {len(plate.wells)} present, {len(plate.missing_wells)} missing",
    ]
    lines += [f"  missing {path}: {reason}" for path, reason in list(plate.missing_wells.items())[:20]]
    if len(plate.missing_wells) > 20:
        lines.append(f"  … and {len(plate.missing_wells) - 20} more")
    per_well = Counter(len(w.fields) for w in plate.wells.values())
    lines.append("fields per well: " + ", ".join(f"{n} ({c} wells)" for n, c in sorted(per_well.items())))
    if fields:
        first = fields[0]
        lines.append(f"axes: {', '.join(sorted({f.axes for f in fields}))}")
        lines.append("channels: " + ", ".join(f"{c.name} #{c.color}{_window(c.window)}" for c in first.channels))
        lines += _levels_lines(plate, fields)
        labels = Counter(name for f in fields for name in f.labels)
        lines.append("labels: " + (", ".join(f"{n} ({c} of {len(fields)} fields)" for n, c in labels.items()) or "none"))
    if plate.warnings:
        lines.append(f"warnings: {len(plate.warnings)} deviation(s) from the specification, e.g. {plate.warnings[0]}")
    return lines


def _levels_lines(plate: Plate, fields: list[Field]) -> list[str]:
    """Shapes and levels of the fields (opening read one level of each: the rest in one batch here)."""
    plate.load_arrays(fields)
    readable: list[tuple[Field, tuple]] = []
    lines: list[str] = []
    for f in fields:
        try:
            readable.append((f, f.arrays))
        except PlateError as e:
            lines.append(f"  levels of {f.path} unreadable: {e.reason}")
    shapes = Counter((arrays[0].shape, str(arrays[0].dtype), len(arrays)) for _, arrays in readable)
    out = [f"fields {shape} {dtype}, {n} levels: {count}" for (shape, dtype, n), count in shapes.most_common(5)]
    if readable:
        first, arrays = readable[0]
        out.append(f"levels of {first.path}: " + "  ".join(f"{a.key.rsplit('/', 1)[-1]}={a.shape}" for a in arrays))
    return out + lines[:20]


def _span(names: list[str]) -> str:
    return f"{names[0]}…{names[-1]}" if len(names) > 1 else "".join(names)


def _window(window: tuple[float, float] | None) -> str:
    return f" [{window[0]:g}–{window[1]:g}]" if window else ""


def _validate(args: argparse.Namespace) -> int:
    from .ngff.validate_store import validate

    problems = validate(args.location, strict=args.strict)
    for p in problems:
        print(p)
    print(f"{args.location}: {'conformant' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


def _open(args: argparse.Namespace) -> int:
    from .plate import parse_view_address
    from .screen import ScreenError, is_screen_source, screen_entries

    if is_screen_source(args.location):  # a folder of plates or a CSV index: the screen view
        try:
            screen_entries(args.location)  # a source that names no plate: one line, before Qt
        except ScreenError as e:
            if Path(args.location).is_dir():  # neither a plate nor a screen: say both
                raise CommandError(f"{e.source}: no zarr group here and no plates here (expected a plate, "
                                   "a folder of *.zarr plates or a CSV index)") from None
            raise
        _check_display()
        from ._napari.launch import open_screen_in_napari

        return open_screen_in_napari(args.location, screenshot=args.screenshot)
    address = parse_view_address(args.location)  # "plate.zarr#C07/2": a plate, a well, a field
    _check_openable(address)  # before Qt: without a screen it aborts before napari reads anything
    _check_display()
    from ._napari.launch import open_in_napari

    return open_in_napari(address, screenshot=args.screenshot)


def _check_openable(address: ViewAddress) -> None:
    """Raise PlateError unless the address's location is a readable OME-Zarr plate or image, and
    a well it names is in the plate (reads the root, and the well's document for a field)."""
    from .io.documents import ZarrDocs
    from .io.location import Location
    from .ngff import detect_kind

    location = address.location
    loc = Location(location)  # a missing local folder: PlateError
    docs, attrs = ZarrDocs.open_root(loc)  # no zarr group, unreachable server: PlateError
    kind = detect_kind(attrs)
    if kind not in ("plate", "image"):
        found = f"an OME-Zarr {kind}" if kind else "a zarr group without OME-NGFF metadata"
        raise PlateError(location, f"not an HCS plate or an OME-Zarr image: found {found}")
    if address.well is None:
        return
    if kind != "plate":
        raise PlateError(location, f"the address names well {address.well}, but this is a single OME-Zarr image, "
                                   "not a plate")
    _check_well(docs, attrs, address)


def _check_well(docs: ZarrDocs, attrs: dict[str, Any], address: ViewAddress) -> None:
    """Refuse a well (or field) the plate does not have, from the plate's root document (and the
    well's own document for a field). Metadata too broken to tell is left to the viewer to explain."""
    from types import SimpleNamespace

    from .errors import MetadataError
    from .ngff import detect_kind
    from .ngff.parse import parse_plate, parse_well
    from .plate import parse_well_name, well_name

    if address.well is None:
        return
    try:
        meta, _ = parse_plate(attrs)
    except MetadataError:
        return
    # parse_well_name reads only these four of a Plate; all the root document can tell
    outline = SimpleNamespace(rows=list(meta.rows), columns=list(meta.columns),
                              wells={w.path: w for w in meta.wells}, missing_wells={})
    try:
        key = parse_well_name(address.well, cast("Plate", outline))
    except ValueError as e:
        raise PlateError(address, str(e)) from None  # names the plate and the well
    if address.field is None:
        return
    well_attrs = docs.group_attrs_many([key])[key]
    if not isinstance(well_attrs, dict) or detect_kind(well_attrs) != "well":
        return
    try:
        n = len(parse_well(well_attrs)[0].images)
    except MetadataError:
        return
    if address.field > n:
        raise PlateError(address, f"well {well_name(key)} has {n} field(s); the address asks for field {address.field}")


def _check_display() -> None:
    """On Linux without X11 or Wayland, Qt would abort the process: say so instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise CommandError("no display to open napari on (neither DISPLAY nor WAYLAND_DISPLAY is set): "
                           "run it in a desktop session, or with --screenshot under xvfb-run")


def _check_parent_folder(path: Path) -> None:
    """Refuse a path below a file before anything is written (mkdir would say "File exists")."""
    for parent in path.expanduser().absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise CommandError(f"cannot write {path} there: {parent} is a file, not a folder")
            return


def _demo(args: argparse.Namespace) -> int:
    from ._napari.launch import open_in_napari
    from .sample.cached import cached_sample_plate, ensure_sample_plate, sample_cache_path

    _check_display()
    if cached_sample_plate() is None:
        print(f"making the sample plate once in {sample_cache_path()} …", flush=True)
    path = ensure_sample_plate()
    print(f"sample plate: {path}", flush=True)
    return open_in_napari(str(path), screenshot=args.screenshot)


def _annotations(args: argparse.Namespace) -> int:
    from .annotations import AnnotationStore
    from .annotations.event_file import read_events
    from .annotations.report import summary_lines

    db = args.db  # None: the default store
    if args.action == "import":
        events = read_events(args.file)  # the whole file checked before a database is opened (or made)
        with AnnotationStore(db) as store:
            added = store.import_events(events, str(args.file))
        print(f"{args.file}: {added} new event(s) added to {store.url}")
        return 0
    with AnnotationStore(db, read_only=True) as store:
        if args.action == "summary":
            for line in summary_lines(store, args.plate, args.fingerprint):
                print(line)
        else:
            plate = store.find_plate(args.plate, args.fingerprint)
            out = store.export(plate, args.out, what=args.what)
            print(f"wrote {out}")
    return 0


class CommandError(Exception):
    """A command cannot run here (no display, a file where a folder should be); the message says why."""


#: Errors a user can act on: one line on stderr and exit 2, never a traceback.
_KNOWN_ERRORS = (PlateError, AnnotationStoreError, PlateMapError, OSError, ValueError, CommandError)


_COMMANDS = {
    "sample": _sample, "info": _info, "validate": _validate, "open": _open, "demo": _demo,
    "annotations": _annotations, "analyze": cli_analyze.run, "hits": cli_hits.run, "figure": cli_figure.run,
    "screen": cli_screen.run, "report": cli_report.run,
}

if __name__ == "__main__":
    sys.exit(main())
