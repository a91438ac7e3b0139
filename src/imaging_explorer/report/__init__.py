"""A screen's report for partners: one self-contained HTML file (images embedded, no server, no
network, no script) with the per-plate QC and the Z′ trend, activity heatmaps, the ranked hit
list, a montage and dose-response curve per top hit, and the reviewers' calls, consensus and
agreement. See docs/report.md.

    from imaging_explorer.report import write_report
    summary = write_report("screen/index.csv", "screen-report.html", max_hits=20)
    print(summary.line())

No Qt, no napari: the plugin runs :func:`write_report` in a worker thread.
"""

from __future__ import annotations

from .build import REPORT_SUFFIXES, ReportSummary, check_report_path, write_report

__all__ = ["REPORT_SUFFIXES", "ReportSummary", "check_report_path", "write_report"]
