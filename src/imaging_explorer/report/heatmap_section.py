"""The heatmaps section: every analysed plate's activity as a small tile on one colour scale,
captioned with its name, Z′ and status, beside each other (a bad plate or an edge effect shows
at a glance); one colour bar for all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .html_document import esc, number
from .images import figure_png, rgb_png
from .plate_tiles import activity_grid, colorbar_figure, tile_rgb

if TYPE_CHECKING:
    from ..screen import Screen
    from .html_document import HtmlDocument

__all__ = ["add_heatmap_section"]


def add_heatmap_section(doc: HtmlDocument, screen: Screen) -> int:
    """Add the tiles; returns how many plates got one."""
    doc.heading("Activity heatmaps", anchor="heatmaps")
    analysed = [p for p in screen.plates if p.calls is not None and p.rows and p.columns]
    if not analysed:
        doc.paragraph("No plate was analysed: no heatmaps.", cls="note")
        return 0
    doc.figure(figure_png(colorbar_figure()), "colour scale of the heatmaps")
    tiles = []
    for p in analysed:
        assert p.calls is not None  # filtered above
        png = rgb_png(tile_rgb(*activity_grid(p.calls, p.rows, p.columns)))
        z = number(p.qc.z_prime, ".2f") if p.qc is not None else "—"
        state = "passed" if p.passed else "FAILED QC"
        cls = "ok" if p.passed else "failed"
        caption = (f"<figcaption>{esc(p.name)} · Z′ {esc(z)}\n<span class=\"{cls}\">{esc(state)}</span>"
                   "</figcaption>")
        tiles.append(f"<figure>{doc.image(png, f'activity heatmap of {p.name}')}{caption}</figure>")
    doc.raw("<div class=\"grid\">" + "".join(tiles) + "</div>")
    others = [p.name for p in screen.plates if p not in analysed]
    if others:
        doc.paragraph(f"No heatmap (not analysed or could not be read): {', '.join(others)}", cls="note")
    return len(analysed)
