"""``imaging-explorer report``: a screen (or one plate) as one self-contained HTML file to send
to a partner: QC table and Z′ trend, heatmaps, ranked hits with montages and dose-response
curves, the reviewers' calls with consensus and kappa.

The parser is added to the ``imaging-explorer`` command by :mod:`.cli`, whose ``main`` turns the
errors raised here (ValueError, OSError, AnnotationStoreError) into one
``imaging-explorer: error: ...`` line and exit status 2. Heavy imports wait until the command runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .cli_rule import add_rule_options, rule_from_args

__all__ = ["add_parser", "run"]

_EPILOG = """\
SOURCE is a folder of plates (*.zarr), a CSV index (columns plate, platemap, readouts, batch,
date; one row per plate) or one plate (a screen of one). Each plate's calls come from its
readouts (the analysis store beside it, or the index's readouts column) and its plate map.

the report (one .html file, images embedded, no script, nothing fetched: open it in any browser,
send it by e-mail or put it on a share):
  summary          plates passed / failed / broken, the hit rule, hits, image QC
  plate QC         one row per plate (Z′, robust Z′, signal window, CVs, flagged wells, hits)
                   and the Z′ trend across plates; failed plates in red
  heatmaps         every plate's activity on one colour scale, hits and flagged wells marked
  hit list         every hit compound across the plates that passed QC, ranked, with its
                   replicate agreement, IC50 spread and each plate's numbers
  top hits         for the top --max-hits compounds: their wells beside a negative and a
                   positive control at one contrast, and the dose-response curves
  reviewers        calls per kind and reviewer, consensus, Cohen's / Fleiss' kappa, compound
                   calls: from --annotations, or the default store when it has these plates

examples:
  imaging-explorer report screen/index.csv --out screen-report.html
  imaging-explorer report screen/ --annotations team.db --max-hits 50
  imaging-explorer report plate.zarr --out plate-report.html
"""


def add_parser(sub: Any) -> None:
    """Add the ``report`` sub-command to ``imaging-explorer``'s sub-parsers."""
    r = sub.add_parser("report", help="a screen's report as one self-contained HTML file (QC, heatmaps, hits, "
                       "montages, dose-response, reviewers)", epilog=_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("source", metavar="SOURCE", help="a folder of plates, a CSV index, or one plate")
    r.add_argument("--out", default="report.html", metavar="FILE", help="the report (default report.html)")
    r.add_argument("--annotations", metavar="STORE", help="the reviewers' store: a SQLite file or a "
                   "postgresql:// URL (default: $IMAGING_EXPLORER_DB, else the user's annotations.db, when it "
                   "has these plates)")
    r.add_argument("--max-hits", type=_count, default=20, metavar="N",
                   help="hits with a montage and a dose-response curve (default 20; all hits are listed)")
    add_rule_options(r)
    r.add_argument("--quiet", action="store_true", help="no progress lines, only where the report was written")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _progress(stage: str, done: int, total: int) -> None:
    """A stderr line per finished stage (and every 10 plates), so a long report shows life."""
    if done == total or (stage == "plates" and done % 10 == 0):
        print(f"  {stage}: {done}/{total}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from .report import check_report_path, write_report

    out = check_report_path(args.out)  # a bad name fails before any plate is read
    summary = write_report(args.source, out, annotations=args.annotations, max_hits=args.max_hits,
                           rule=rule_from_args(args), progress=None if args.quiet else _progress)
    print(summary.line())
    if summary.failed:
        print(f"failed or unreadable plate(s): {', '.join(summary.failed)} (marked in the report)")
    return 0
