"""Annotation files: write tables (CSV / TSV / Parquet, atomically) and read them back.

Spreadsheet formulas: a CSV or TSV cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is a formula to Excel and LibreOffice (CSV injection, OWASP). Text files we
write get a single quote before such a cell (``=1+1`` is written ``'=1+1``), and before a cell
of quotes followed by such a character (``'=x`` is written ``''=x``), so that reading the file
back removes exactly one leading quote from those cells and gives back the original text.
Parquet keeps values as they are. :func:`read_table` undoes the escaping of text files.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["escape_cell", "read_table", "unescape_cell", "write_table"]

_TEXT_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
_PARQUET_SUFFIXES = (".parquet", ".pq")
# a cell a spreadsheet would take as a formula, or one that looks like an escaped one
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'(?='*[=+\-@\t\r])")


def escape_cell(value: Any) -> Any:
    """``'`` + the text when a spreadsheet would read it as a formula; other values unchanged."""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def unescape_cell(value: Any) -> Any:
    """The inverse of :func:`escape_cell`."""
    if isinstance(value, str) and _ESCAPED.match(value):
        return value[1:]
    return value


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in _TEXT_SUFFIXES and suffix not in _PARQUET_SUFFIXES:
        raise ValueError(f"{path}: unknown file type {suffix or '(none)'!r}; use .csv, .tsv or .parquet")
    return suffix


def _need_pyarrow(path: Path) -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ValueError(f"{path}: Parquet files need pyarrow (pip install pyarrow); or use a .csv file") from None


def _text_table(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` as a text file holds it: times in ISO 8601 UTC, formula-like cells escaped."""
    from pandas.api.types import is_string_dtype

    out = df.copy()
    for col in out.columns:
        if str(out[col].dtype).startswith("datetime64"):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif out[col].dtype == object or is_string_dtype(out[col].dtype):
            out[col] = out[col].map(escape_cell).astype(object)
    return out


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` by suffix; the file appears complete or not at all (temp file + rename)."""
    suffix = _suffix(path)
    path = path.expanduser()
    if not path.parent.is_dir():
        raise ValueError(f"{path}: the folder {path.parent} does not exist")
    if suffix in _PARQUET_SUFFIXES:
        _need_pyarrow(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        if suffix in _PARQUET_SUFFIXES:
            df.to_parquet(tmp, index=False)
        else:
            # CRLF (RFC 4180): Python's csv quotes a cell holding a lone \r only when \r ends lines
            _text_table(df).to_csv(tmp, index=False, sep=_TEXT_SUFFIXES[suffix], lineterminator="\r\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_table(path: Path) -> pd.DataFrame:
    """A CSV / TSV (every cell as text, blanks as "", our formula escaping undone) or Parquet file."""
    import pandas as pd

    suffix = _suffix(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    if suffix in _PARQUET_SUFFIXES:
        _need_pyarrow(path)
        try:
            return pd.read_parquet(path)
        except Exception as e:  # noqa: BLE001 - any reader failure means a bad file
            raise ValueError(f"{path}: not a readable Parquet file ({e})") from e
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, sep=_TEXT_SUFFIXES[suffix], encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise ValueError(f"{path}: not a readable table ({e})") from e
    for col in df.columns:  # vectorised unescape_cell: most columns hold no quote at all
        quoted = df[col].str.match(_ESCAPED.pattern)
        if quoted.any():
            df.loc[quoted, col] = df.loc[quoted, col].str[1:]
    return df
