"""Figures to files and bytes: PNG (at a chosen DPI) or SVG by the file's suffix, written whole.

A file is written beside its target and renamed over it (``os.replace``), so a reader never
sees half a figure and a failed save leaves the old file. SVG keeps text as text (``<text>``
elements with the well labels, not outlines), so the labels stay editable and searchable.
"""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FORMATS", "figure_format", "png_bytes", "save_figure"]

FORMATS = {".png": "png", ".svg": "svg"}


def figure_format(path: str | os.PathLike[str]) -> str:
    """``"png"`` or ``"svg"`` from the path's suffix.

    Raises
    ------
    ValueError
        Any other suffix (the message names the path).
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: a figure is saved as .png or .svg, not {suffix or 'a file without suffix'!r}")
    return FORMATS[suffix]


def _print(fig: Figure, target: str | os.PathLike[str] | io.BytesIO, fmt: str, dpi: float) -> None:
    if fmt != "svg":
        fig.savefig(target, format=fmt, dpi=dpi, facecolor=fig.get_facecolor())
        return
    # text as <text> elements (by default every glyph is a path); the SVG backend reads this
    # setting only from rcParams, so it is set for this one save
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(target, format=fmt, dpi=dpi, facecolor=fig.get_facecolor())


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: float = 300) -> Path:
    """Write ``fig`` to ``path`` as PNG or SVG (by suffix), atomically.

    Parameters
    ----------
    fig
        A :class:`matplotlib.figure.Figure` (made without pyplot).
    path
        The file; its folder is made when missing.
    dpi
        Pixels per inch of a PNG (recorded in the file); an SVG's embedded images use it too.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValueError
        A suffix other than .png / .svg, or a DPI that is not positive.
    """
    fmt = figure_format(path)
    if not dpi > 0:
        raise ValueError(f"{path}: the DPI must be positive, got {dpi}")
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        _print(fig, tmp, fmt, dpi)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def png_bytes(fig: Figure, dpi: float = 150) -> bytes:
    """The figure as PNG bytes (e.g. to embed in an HTML report)."""
    buffer = io.BytesIO()
    _print(fig, buffer, "png", dpi)
    return buffer.getvalue()
