"""Lenient parsers for opening real files: plate, well and labels-group metadata.

Each returns (model, warnings). They accept what real writers produce and warn about it;
they raise MetadataError only for documents that cannot be used safely or sensibly: wrong
kind, required structure missing, unsafe paths, unsupported versions.
"""

from __future__ import annotations

from .common import (
    SUPPORTED_VERSIONS,
    MetadataError,
    as_text,
    check_relative_path,
    detect_kind,
    is_alnum,
    is_int,
    is_wrapped,
    robust,
    show,
    supported_text,
)
from .models import Acquisition, ImageRef, PlateMeta, WellMeta, WellRef
from .parse_image import parse_multiscales, parse_omero, resolve
from .parse_label import parse_image_label

__all__ = [
    "parse_image_label",
    "parse_labels_group",
    "parse_multiscales",
    "parse_omero",
    "parse_plate",
    "parse_well",
]


def _as_int(value: object, where: str, warnings: list[str], minimum: int) -> int | None:
    """An integer field read leniently: digit strings are converted, the rest dropped."""
    if isinstance(value, str) and value.strip().isdigit():
        warnings.append(f"{where}: {show(value)} is a string; read as the integer {int(value)}")
        value = int(value)
    if is_int(value) and value >= minimum:
        return value
    warnings.append(f"{where}: {show(value)} is not an integer >= {minimum}; ignored")
    return None


def _grid_names(plate: dict, key: str, where: str, warnings: list[str]) -> list[str]:
    items = plate.get(key)
    if not isinstance(items, list):
        raise MetadataError(f"{where}.{key}: missing or not a list; the plate grid cannot be built")
    if not items:
        warnings.append(f"{where}.{key}: empty; names are taken from the well paths")
    names: list[str] = []
    for i, item in enumerate(items):
        here = f"{where}.{key}[{i}].name"
        name = item.get("name") if isinstance(item, dict) else None
        if is_int(name):
            warnings.append(f"{here}: the number {name} is not a string; read as {show(str(name))}")
            name = str(name)
        if not isinstance(name, str) or not name:
            raise MetadataError(f"{here}: missing or not a non-empty string; the plate grid "
                                "cannot be built")
        if not is_alnum(name):
            warnings.append(f"{here}: {show(name)} is not only letters and digits")
        if name in names:
            warnings.append(f"{here}: duplicate {show(name)}")
        names.append(name)
    return names


class _Grid:
    """Row or column names as written, with a first-index lookup (a list search per well made
    opening quadratic in the number of wells when the plate lists no names)."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.index: dict[str, int] = {}
        for i, name in enumerate(names):
            self.index.setdefault(name, i)

    def index_of(self, name: str, where: str, source: str, warnings: list[str]) -> int:
        """Index of ``name``, appending it (with a warning) when the plate does not list it."""
        if name not in self.index:
            warnings.append(f"{where}: {show(name)} (from {source}) is not listed; added")
            self.index[name] = len(self.names)
            self.names.append(name)
        return self.index[name]


def _well_ref(well: dict, path: str, grid: tuple[_Grid, _Grid], here: str,
              where: str, warnings: list[str]) -> WellRef:
    row, col = path.split("/")
    rows, columns = grid[0].names, grid[1].names
    ri, ci = well.get("rowIndex"), well.get("columnIndex")
    if is_int(ri) and 0 <= ri < len(rows) and is_int(ci) and 0 <= ci < len(columns):
        if (rows[ri], columns[ci]) == (row, col):
            return WellRef(path, row, col, ri, ci)
        if (columns[ci], rows[ri]) == (row, col):
            # The 0.4 conformance suite writes "A/1" for row "1", column "A": trust the indices.
            warnings.append(f"{here}.path: {show(path)} names the column before the row "
                            f"(rowIndex -> {show(rows[ri])}, columnIndex -> {show(columns[ci])})")
            return WellRef(path, rows[ri], columns[ci], ri, ci)
    warnings.append(f"{here}: rowIndex {show(ri)} / columnIndex {show(ci)} do not match path "
                    f"{show(path)}; placed by its path")
    r = grid[0].index_of(row, f"{where}.rows", f"{here}.path", warnings)
    c = grid[1].index_of(col, f"{where}.columns", f"{here}.path", warnings)
    return WellRef(path, row, col, r, c)


def _wells(plate: dict, rows: list[str], columns: list[str], where: str,
           warnings: list[str]) -> tuple[WellRef, ...]:
    wells = plate.get("wells")
    if not isinstance(wells, list):
        raise MetadataError(f"{where}.wells: missing or not a list; the plate lists no wells")
    if not wells:
        warnings.append(f"{where}.wells: empty; the plate has no wells")
    refs: list[WellRef] = []
    seen: set[str] = set()
    grid = (_Grid(rows), _Grid(columns))
    for i, well in enumerate(wells):
        here = f"{where}.wells[{i}]"
        path = well.get("path") if isinstance(well, dict) else None
        if path is None:
            warnings.append(f"{here}: no path; well skipped")
            continue
        check_relative_path(path, f"{here}.path")
        if path.count("/") != 1:
            warnings.append(f"{here}.path: {show(path)} is not '<row>/<column>'; well skipped")
        elif path in seen:
            warnings.append(f"{here}.path: duplicate {show(path)}; the first one is kept")
        else:
            seen.add(path)
            refs.append(_well_ref(well, path, grid, here, where, warnings))
    return tuple(refs)


def _acquisitions(plate: dict, where: str, warnings: list[str]) -> tuple[Acquisition, ...]:
    items = plate.get("acquisitions", [])
    if not isinstance(items, list):
        warnings.append(f"{where}.acquisitions: not a list; ignored")
        return ()
    out: dict[int, Acquisition] = {}
    for i, acq in enumerate(items):
        here = f"{where}.acquisitions[{i}]"
        if not isinstance(acq, dict) or "id" not in acq:
            warnings.append(f"{here}: no id; ignored")
            continue
        ident = _as_int(acq["id"], f"{here}.id", warnings, 0)
        if ident is None:
            continue
        if ident in out:
            warnings.append(f"{here}.id: duplicate {ident}; the first one is kept")
            continue
        for key in ("name", "maximumfieldcount"):
            if key not in acq:
                warnings.append(f"{here}.{key}: missing (recommended)")
        opt = {k: _as_int(acq[k], f"{here}.{k}", warnings, low)
               for k, low in (("maximumfieldcount", 1), ("starttime", 0), ("endtime", 0))
               if k in acq}
        name, desc = acq.get("name"), acq.get("description")
        out[ident] = Acquisition(
            ident, None if name is None else as_text(name), opt.get("maximumfieldcount"),
            None if desc is None else as_text(desc), opt.get("starttime"), opt.get("endtime"))
    return tuple(out.values())


@robust("plate")
def parse_plate(attrs: dict) -> tuple[PlateMeta, list[str]]:
    """Read plate metadata leniently.

    Parameters
    ----------
    attrs : dict
        The plate group's attributes (0.4 or 0.5 layout).

    Returns
    -------
    tuple of (PlateMeta, list of str)
        The plate and the warnings. Row and column names are kept as written; every
        ``WellRef`` satisfies ``rows[row_index] == row`` (a name used by a well path but not
        listed is appended, with a warning). Wells without a usable ``row/column`` path are
        skipped with a warning; duplicates keep the first.

    Raises
    ------
    MetadataError
        Not a plate, rows / columns / wells missing, a row or column without a name, an
        unsafe well path, or an unsupported version.
    """
    version, doc, warnings = resolve(attrs, "plate", "plate")
    where = "ome.plate" if is_wrapped(attrs) else "plate"
    plate = doc["plate"]
    if not isinstance(plate, dict):
        raise MetadataError(f"{where}: expected an object")
    rows = _grid_names(plate, "rows", where, warnings)
    columns = _grid_names(plate, "columns", where, warnings)
    wells = _wells(plate, rows, columns, where, warnings)
    name = plate.get("name")
    if name is None:
        warnings.append(f"{where}.name: missing (recommended)")
    elif not isinstance(name, str):
        warnings.append(f"{where}.name: {show(name)} is not a string")
        name = as_text(name)
    field_count = plate.get("field_count")
    if field_count is not None:
        field_count = _as_int(field_count, f"{where}.field_count", warnings, 1)
    return PlateMeta(version, tuple(rows), tuple(columns), wells, name,
                     _acquisitions(plate, where, warnings), field_count), warnings


@robust("well")
def parse_well(attrs: dict) -> tuple[WellMeta, list[str]]:
    """Read well metadata leniently.

    Parameters
    ----------
    attrs : dict
        The well group's attributes (0.4 or 0.5 layout).

    Returns
    -------
    tuple of (WellMeta, list of str)
        The well (fields in the order listed) and the warnings. Integer paths become
        strings and digit-string acquisitions integers, with warnings; images without a path
        and duplicates are skipped with a warning.

    Raises
    ------
    MetadataError
        Not a well, ``images`` missing, an unsafe image path, or an unsupported version.
    """
    version, doc, warnings = resolve(attrs, "well", "well")
    where = "ome.well" if is_wrapped(attrs) else "well"
    well = doc["well"]
    images = well.get("images") if isinstance(well, dict) else None
    if not isinstance(images, list):
        raise MetadataError(f"{where}.images: missing or not a list; the well lists no fields")
    if not images:
        warnings.append(f"{where}.images: empty; the well has no fields")
    refs: list[ImageRef] = []
    for i, image in enumerate(images):
        here = f"{where}.images[{i}]"
        path = image.get("path") if isinstance(image, dict) else None
        if is_int(path):
            warnings.append(f"{here}.path: the number {path} is not a string; read as '{path}'")
            path = str(path)
        if path is None:
            warnings.append(f"{here}: no path; field skipped")
            continue
        check_relative_path(path, f"{here}.path")
        if any(ref.path == path for ref in refs):
            warnings.append(f"{here}.path: duplicate {show(path)}; the first one is kept")
            continue
        acq = image.get("acquisition")
        if acq is not None:
            acq = _as_int(acq, f"{here}.acquisition", warnings, 0)
        refs.append(ImageRef(path, acq))
    return WellMeta(version, tuple(refs)), warnings


@robust("labels")
def parse_labels_group(attrs: dict) -> tuple[list[str], list[str]]:
    """Read a labels group: the names (paths) of its label images.

    Parameters
    ----------
    attrs : dict
        The ``labels`` group's attributes, e.g. ``{"labels": ["cells"]}`` or the same under
        ``"ome"``. A 0.5 group without ``version`` (as ome-zarr-py 0.18 writes it) is read
        with a warning.

    Returns
    -------
    tuple of (list of str, list of str)
        Label names in the order listed (non-strings and duplicates skipped, with warnings)
        and the warnings.

    Raises
    ------
    MetadataError
        No ``labels`` list, an unsafe label path, or an unsupported version.
    """
    if not isinstance(attrs, dict):
        raise MetadataError("attributes: expected an object")
    wrapped = is_wrapped(attrs)
    where = "ome.labels" if wrapped else "labels"
    doc = attrs["ome"] if wrapped else attrs
    warnings: list[str] = []
    version = doc.get("version") if wrapped else None
    if wrapped and version is None:
        warnings.append("ome.version: missing (ome-zarr-py 0.18 omits it in labels groups); "
                        "assuming NGFF 0.5")
    elif version is not None and version not in SUPPORTED_VERSIONS:
        raise MetadataError(f"ome.version: {show(version)} is not a supported NGFF version "
                            f"({supported_text()})")
    labels = doc.get("labels")
    if not isinstance(labels, list):
        kind = detect_kind(attrs)
        raise MetadataError(f"{where}: missing or not a list" +
                            (f"; these attributes describe a {kind}" if kind else ""))
    names: list[str] = []
    for i, name in enumerate(labels):
        if not isinstance(name, str):
            warnings.append(f"{where}[{i}]: {show(name)} is not a string; skipped")
            continue
        check_relative_path(name, f"{where}[{i}]")
        if name in names:
            warnings.append(f"{where}[{i}]: duplicate {show(name)}; the first one is kept")
            continue
        names.append(name)
    return names, warnings
