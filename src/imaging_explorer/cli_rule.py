"""The hit rule's options, shared by ``imaging-explorer hits``, ``screen`` and ``report``: the same
flags call the same hits everywhere."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .hits import HitRule, ImageQC

__all__ = ["add_rule_options", "rule_from_args"]


def add_rule_options(p: Any) -> None:
    """The hit rule's flags: the readouts, the activity and viability thresholds, the image QC."""
    p.add_argument("--readout", default="infected_fraction", metavar="COLUMN",
                   help="the activity readout (default infected_fraction)")
    p.add_argument("--min-activity", type=float, default=50.0, metavar="PCT", help="hit: activity >= PCT (default 50)")
    p.add_argument("--viability-readout", default="nuclei_count", metavar="COLUMN|none",
                   help="the viability readout (default nuclei_count; none: no viability check)")
    p.add_argument("--min-viability", type=float, default=50.0, metavar="PCT",
                   help="hit: viability >= PCT of the negative controls (default 50)")
    p.add_argument("--keep-qc-flagged", action="store_true",
                   help="count QC-flagged wells and fields in the statistics and calls (default: left out)")
    p.add_argument("--focus-min-ratio", type=_non_negative, default=0.5, metavar="RATIO",
                   help="a field is out of focus below RATIO x the plate's median focus (default 0.5; 0: no check)")
    p.add_argument("--saturated-max", type=_non_negative, default=0.05, metavar="FRACTION",
                   help="a field is saturated above FRACTION of its pixels at the maximum (default 0.05)")
    p.add_argument("--min-signal", type=_non_negative, default=0.5, metavar="RATIO",
                   help="a field has too little signal when its nuclei channel's background is below RATIO x "
                        "the plate's median (default 0.5; raise it, e.g. 0.9, when the camera offset is most "
                        "of the background; 0: no check)")
    p.add_argument("--min-control-nuclei", type=int, default=1, metavar="N",
                   help="a control field with fewer than N nuclei is flagged (default 1; sample fields never are)")


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (value >= 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return value


def rule_from_args(args: argparse.Namespace) -> HitRule:
    from .hits import HitRule

    viability = None if str(args.viability_readout).strip().lower() == "none" else args.viability_readout
    return HitRule(readout=args.readout, min_activity_pct=args.min_activity, viability_readout=viability,
                   min_viability_pct=args.min_viability, exclude_qc_flagged=not args.keep_qc_flagged,
                   image_qc=_image_qc(args))


def _image_qc(args: argparse.Namespace) -> ImageQC:
    from .hits import ImageQC

    return ImageQC(focus_min_ratio=args.focus_min_ratio, saturated_max=args.saturated_max,
                   min_signal_ratio=args.min_signal, min_nuclei=max(args.min_control_nuclei, 0))
