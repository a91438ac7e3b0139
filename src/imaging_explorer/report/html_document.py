"""One self-contained HTML page: inline styles, images as ``data:image/png;base64`` URIs, no
script, no stylesheet link, no font, nothing fetched from anywhere.

Every text is escaped here (:func:`html.escape`), so a plate or compound named ``<b>`` shows
as written and cannot break the page. Sections are added in order and the page is rendered once.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = ["STYLE", "Cell", "HtmlDocument", "Table", "esc", "number"]

#: The page's only styling: inline, plain, printable (no web font: the reader's sans-serif).
STYLE = """
body { font-family: sans-serif; margin: 1.5em auto; max-width: 1200px; color: #202020; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.3em; border-bottom: 1px solid #ccc;
margin-top: 2em; } h3 { font-size: 1.05em; margin: 1.2em 0 0.3em; }
p.meta, p.note { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #fde8e8; } tr.error td { background: #fff3cd; }
span.failed { color: #b00020; font-weight: bold; } span.ok { color: #1b7f3b; }
nav ul { columns: 3; font-size: 0.9em; }
.grid { display: flex; flex-wrap: wrap; gap: 10px; }
.grid figure { margin: 0; font-size: 0.75em; text-align: center; }
.strip { display: flex; flex-wrap: wrap; gap: 4px; align-items: flex-start; }
.strip figure { margin: 0; font-size: 0.7em; text-align: center; width: min-content; }
.strip figcaption, .grid figcaption { white-space: pre-line; }
.hit { border: 1px solid #ddd; padding: 0.5em 1em; margin: 1em 0; page-break-inside: avoid; }
.strip img, .grid img { image-rendering: pixelated; }
"""


def esc(text: object) -> str:
    """``text`` as HTML text (``<``, ``>``, ``&`` and quotes escaped)."""
    return html.escape(str(text), quote=True)


def number(value: object, fmt: str = ".3g", missing: str = "—", scale: float = 1.0) -> str:
    """``value`` × ``scale`` formatted for a table; ``missing`` for None, NaN, pandas' NA or text
    that is no number."""
    try:
        x = float(value) * scale  # type: ignore[arg-type]  # anything float() takes; the rest is missing
    except (TypeError, ValueError):
        return missing
    return missing if math.isnan(x) else format(x, fmt)


@dataclass(frozen=True)
class Cell:
    """A table cell: its text (escaped when rendered) and whether it is a number (right-aligned)."""

    text: str
    numeric: bool = False
    raw_html: str = ""  # already-escaped markup (e.g. a status with a class); wins over text


@dataclass
class Table:
    """A table: a header row and rows of cells; ``row_classes`` styles whole rows (``failed``)."""

    header: Sequence[str]
    rows: list[Sequence[Cell | str]] = field(default_factory=list)
    row_classes: list[str] = field(default_factory=list)

    def add(self, cells: Sequence[Cell | str], row_class: str = "") -> None:
        self.rows.append(cells)
        self.row_classes.append(row_class)

    def render(self) -> str:
        out = ["<table>", "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in self.header) + "</tr>"]
        for cells, cls in zip(self.rows, self.row_classes):
            tds = []
            for cell in cells:
                c = cell if isinstance(cell, Cell) else Cell(str(cell))
                body = c.raw_html or esc(c.text)
                tds.append(f"<td class=\"num\">{body}</td>" if c.numeric else f"<td>{body}</td>")
            attr = f" class=\"{esc(cls)}\"" if cls else ""
            out.append(f"<tr{attr}>" + "".join(tds) + "</tr>")
        out.append("</table>")
        return "\n".join(out)


def png_img(png: bytes, alt: str, width: int | None = None) -> str:
    """An ``<img>`` carrying the PNG in its ``src`` (no file beside the page)."""
    data = base64.b64encode(png).decode("ascii")
    size = f" width=\"{int(width)}\"" if width else ""
    return f"<img src=\"data:image/png;base64,{data}\" alt=\"{esc(alt)}\"{size}>"


class HtmlDocument:
    """A page built section by section; :meth:`render` gives the whole HTML text."""

    def __init__(self, title: str) -> None:
        self.title = title
        self._parts: list[str] = []
        self._toc: list[tuple[str, str]] = []
        self.images = 0
        self.image_bytes = 0

    def heading(self, text: str, level: int = 2, anchor: str = "") -> None:
        """A heading; level-2 headings with an anchor go into the table of contents."""
        ident = f" id=\"{esc(anchor)}\"" if anchor else ""
        self._parts.append(f"<h{level}{ident}>{esc(text)}</h{level}>")
        if level == 2 and anchor:
            self._toc.append((anchor, text))

    def paragraph(self, text: str, cls: str = "") -> None:
        attr = f" class=\"{esc(cls)}\"" if cls else ""
        self._parts.append(f"<p{attr}>{esc(text)}</p>")

    def bullets(self, items: Iterable[str]) -> None:
        self._parts.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")

    def table(self, table: Table) -> None:
        self._parts.append(table.render())

    def image(self, png: bytes, alt: str, width: int | None = None) -> str:
        """The ``<img>`` markup of a PNG (counted; not added: place it with :meth:`raw`)."""
        self.images += 1
        self.image_bytes += len(png)
        return png_img(png, alt, width)

    def figure(self, png: bytes, alt: str, caption: str = "", width: int | None = None) -> None:
        """A PNG with an optional caption, added to the page."""
        cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
        self._parts.append(f"<figure>{self.image(png, alt, width)}{cap}</figure>")

    def raw(self, markup: str) -> None:
        """Markup built by a section from escaped parts (:func:`esc`, :meth:`image`)."""
        self._parts.append(markup)

    def extend(self, other: HtmlDocument) -> None:
        """Append another document's sections (built separately, e.g. before the ones in between)."""
        self._parts.extend(other._parts)
        self._toc.extend(other._toc)
        self.images += other.images
        self.image_bytes += other.image_bytes

    def render(self, subtitle: str = "") -> str:
        toc = ""
        if self._toc:
            toc = "<nav><ul>" + "".join(f"<li><a href=\"#{esc(a)}\">{esc(t)}</a></li>" for a, t in self._toc) + \
                "</ul></nav>"
        sub = f"<p class=\"meta\">{esc(subtitle)}</p>" if subtitle else ""
        return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                f"<title>{esc(self.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
                f"<h1>{esc(self.title)}</h1>\n{sub}\n{toc}\n" + "\n".join(self._parts) + "\n</body>\n</html>\n")
