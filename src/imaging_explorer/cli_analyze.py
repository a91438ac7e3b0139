"""``imaging-explorer analyze``: segment and measure every field of a plate into its analysis store.

The parser is added to the ``imaging-explorer`` command by :mod:`.cli`, whose ``main`` turns the
errors raised here (ValueError, OSError, PlateError) into one ``imaging-explorer: error: ...``
line and exit status 2. Heavy imports wait until the command runs.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, TextIO

if TYPE_CHECKING:
    from .analysis.batch import BatchRun
    from .analysis.channel_roles import ChannelRoles
    from .analysis.field_task import FieldOutcome
    from .analysis.projection import ZChoice
    from .plate import Field, Plate

__all__ = ["add_parser", "run"]

_EPILOG = """\
results (a folder; nothing is written into the plate):
  labels.zarr/       nuclei and cells per field as OME-Zarr label images (NGFF 0.5)
  objects.parquet    one row per cell; fields.parquet, wells.parquet: readouts per field / well
  problems.parquet   fields that could not be analysed, wells missing from the plate
An interrupted run (Ctrl-C) resumes where it stopped when run again with the same options.
Exit status: 0 done, 1 done but some fields failed (listed), 2 error, 130 interrupted.

examples:
  imaging-explorer analyze plate.zarr                       results in plate.analysis/
  imaging-explorer analyze plate.zarr --nuclei-channel Hoechst --pathogen-channel 2 --z 3
  imaging-explorer analyze https://example.org/plate.zarr --out results/ --scheduler tcp://head:8786
"""


def add_parser(sub: Any) -> None:
    """Add the ``analyze`` sub-command to ``imaging-explorer``'s sub-parsers."""
    a = sub.add_parser("analyze", help="segment nuclei and cells and measure every field (on dask); resumable",
                       description="Segment nuclei and cells in every field of a plate and measure them:\n"
                                   "readouts per cell, per field and per well, and the segmentations.",
                       epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("location", help="the plate: a folder, file://, http(s):// or s3:// URL")
    a.add_argument("--out", metavar="DIR", help="results folder (default: <plate stem>.analysis beside a local "
                                                "plate; for a URL, a folder in the user data folder)")
    a.add_argument("--scheduler", metavar="ADDRESS", help="run on this dask distributed cluster, e.g. "
                   "tcp://host:8786 (its workers must reach the plate and the results folder)")
    a.add_argument("--workers", metavar="N", help="local threads (or processes); default: one per CPU")
    a.add_argument("--processes", action="store_true", help="run locally in worker processes, not threads")
    for role, example in (("nuclei", "DAPI"), ("cell", "CellMask"), ("pathogen", "GFP")):
        a.add_argument(f"--{role}-channel", metavar="X", help=f"the {role} channel: its name (e.g. {example}), "
                       "its display name or its index; default: guessed from the channel names")
    a.add_argument("--z", default="max", metavar="max|N", help="z-stacks: maximum projection (default) or plane N")
    a.add_argument("--t", default="0", metavar="N|all",
                   help="time series: the time point to analyse (default 0), or all (every time point)")
    a.add_argument("--overwrite", action="store_true",
                   help="replace results made with other parameters or for another plate (default: refuse)")


def _count(text: str, flag: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{flag} must be a whole number, got {text!r}") from None
    if value < least:
        raise ValueError(f"{flag} must be at least {least}, got {value}")
    return value


def _z(text: str) -> ZChoice:
    return "max" if text.strip().lower() == "max" else _count(text, "--z (max or a plane index)", 0)


def _t(text: str) -> int | Literal["all"]:
    return "all" if text.strip().lower() == "all" else _count(text, "--t (all or a time point)", 0)


def _check_planes(field: Field, z: int | str, t: int | str) -> None:
    """Refuse a z plane or time point the plate's first field lacks, before any field runs."""
    shape, roles = field.shape, field.roles
    sizes = {"t": 1 if roles.t is None else shape[roles.t], "z": 1 if roles.z is None else shape[roles.z]}
    for name, value in (("t", t), ("z", z)):
        if isinstance(value, int) and value >= sizes[name]:
            raise ValueError(f"--{name} {value}: the fields have {sizes[name]} {name} plane(s) "
                             f"(0..{sizes[name] - 1}; field {field.path})")


def _open(location: str) -> Plate:
    from .plate import open_plate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deviations are `imaging-explorer validate`'s business
        return open_plate(location)


class ProgressLine:
    """``fields 12/192`` on stderr: redrawn in place on a terminal, a line every few seconds else."""

    def __init__(self, stream: TextIO, every_s: float = 5.0) -> None:
        self.stream, self.every_s = stream, every_s
        self.tty = stream.isatty()
        self.last = 0.0
        self.failed = 0

    def __call__(self, done: int, total: int, outcome: FieldOutcome) -> None:
        if not outcome.ok:
            self.failed += 1
            self._end_line()
            print(f"field {outcome.path} failed: {outcome.error}", file=self.stream)
        now = time.monotonic()
        if not (self.tty or done == total or now - self.last >= self.every_s):
            return
        self.last = now
        failed = f" ({self.failed} failed)" if self.failed else ""
        self.stream.write(f"\rfields {done}/{total}{failed}" if self.tty else f"fields {done}/{total}{failed}\n")
        if self.tty and done == total:
            self.stream.write("\n")
        self.stream.flush()

    def _end_line(self) -> None:
        if self.tty and self.last:
            self.stream.write("\n")


@contextmanager
def _ctrl_c_cancels(cancel: threading.Event) -> Iterator[None]:
    """The first Ctrl-C lets the fields in flight finish (a later run resumes); a second aborts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("\nstopping after the fields in flight (Ctrl-C again to abort) …", file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _summary(run: BatchRun) -> str:
    counts = f"{run.total} fields: {run.computed} analysed, {run.skipped} done before, {len(run.failed)} failed"
    if run.results is None:
        return f"{counts} in {run.seconds:.1f} s"
    fields = run.results.fields
    nuclei, cells = int(fields["nuclei_count"].sum()), int(fields["cell_count"].sum())
    known = bool(len(fields)) and bool(fields["infected_count"].notna().all())  # NA: no pathogen channel
    share = f", {100 * int(fields['infected_count'].sum()) / cells:.1f} % infected" if known and cells else ""
    return f"{counts} in {run.seconds:.1f} s; {nuclei:,} nuclei, {cells:,} cells{share}"


def _roles_line(roles: ChannelRoles, field: Field) -> str:
    parts = []
    for role in ("nuclei", "cell", "pathogen"):
        index = getattr(roles, role)
        name = "none" if index is None else field.channels[index].name
        parts.append(f"{role} {name}{' (guessed)' if role in roles.guessed else ''}")
    return "channels: " + ", ".join(parts)


def run(args: argparse.Namespace) -> int:
    """Run ``imaging-explorer analyze``; the exit status (see the epilog)."""
    import importlib.util

    from .analysis.batch import analyze_plate
    from .analysis.channel_roles import resolve_roles
    from .analysis.field_analysis import AnalysisParams

    workers = None if args.workers is None else _count(args.workers, "--workers", 1)
    z, t = _z(args.z), _t(args.t)
    if args.scheduler and importlib.util.find_spec("distributed") is None:
        raise ValueError("--scheduler needs the dask 'distributed' package: pip install distributed")
    plate = _open(args.location)
    first = next(w.fields[0] for w in plate.wells.values() if w.fields)
    roles = resolve_roles(first.channels, nuclei=args.nuclei_channel, cell=args.cell_channel,
                          pathogen=args.pathogen_channel)
    _check_planes(first, z, t)
    print(_roles_line(roles, first), flush=True)
    cancel = threading.Event()
    try:
        with _ctrl_c_cancels(cancel):
            result = analyze_plate(plate, roles, AnalysisParams(z=z, t=t), args.out, scheduler=args.scheduler,
                                   workers=workers, processes=args.processes, overwrite=args.overwrite,
                                   progress=ProgressLine(sys.stderr), cancel=cancel)
    except KeyboardInterrupt:  # the second Ctrl-C: the fields finished so far are kept
        print("\naborted; run the same command again to resume", file=sys.stderr)
        return 130
    if result.cancelled:
        print(f"interrupted: {_summary(result)}; run the same command again to resume. Results so far in "
              f"{result.folder}", file=sys.stderr)
        return 130
    print(f"results in {result.folder}")
    print(_summary(result))
    return 1 if result.failed else 0
