"""Metadata documents of remote plates seen before, kept in the user's cache folder.

A remote plate costs one request per metadata document (thousands for a 384-well plate); a
plate seen before opens from the documents kept here after one cheap check that its root
document is unchanged (ETag, Last-Modified and size from one HEAD request). Writers of
OME-Zarr rewrite the root document when they add or change wells; a plate changed without
that is read afresh after deleting its file here, or always with
``IMAGING_EXPLORER_METADATA_CACHE=off``. Documents are stored as their bytes (never a pickle),
blosc-compressed, one file per plate location; old files are evicted by age.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numcodecs

from .._dirs import METADATA_CACHE_ENV, cache_dir, evict_oldest
from .bounded_codecs import bounded_decode
from .local_files import (
    read_local,  # regular files only: a FIFO in the cache folder must not hang
)

_E = TypeVar("_E", bound=BaseException)
_FORMAT = 2  # bump when the file layout changes
_SUFFIX = ".docs"
_MAX_FILE_BYTES = 256 * 2**20  # our own file, but a damaged cache must not eat memory either
_VALIDATOR_FIELDS = ("ETag", "etag", "Last-Modified", "LastModified", "last_modified", "size")


def default_folder() -> Path:
    """``<user cache>/metadata`` (see `imaging_explorer._dirs.cache_dir`)."""
    return cache_dir() / "metadata"


def enabled() -> bool:
    """False when ``IMAGING_EXPLORER_METADATA_CACHE`` is ``off`` (or ``0``, ``no``, ``false``)."""
    return os.environ.get(METADATA_CACHE_ENV, "").strip().lower() not in ("off", "0", "no", "false")


def root_validator(info: Mapping[str, Any]) -> str | None:
    """What identifies one version of a root document, from fsspec's ``info``; None when the
    server gives nothing to compare (then the cache is not used: it could not be revalidated)."""
    found = {k: str(info[k]) for k in _VALIDATOR_FIELDS if info.get(k) not in (None, "")}
    if set(found) <= {"size"}:  # a size alone would miss same-length rewrites
        return None
    return json.dumps(found, sort_keys=True)


class MetadataCache:
    """Store key -> document bytes (None: known absent) of each remote plate seen before.

    Parameters
    ----------
    folder
        Folder of the cache files; ``<user cache>/metadata`` by default.
    max_plates
        Older files beyond this many are removed after each save.
    """

    def __init__(self, folder: str | os.PathLike[str] | None = None, max_plates: int = 64) -> None:
        self.folder = Path(folder) if folder is not None else default_folder()
        self.max_plates = max_plates

    def path(self, location: str) -> Path:
        return self.folder / f"{hashlib.sha256(location.encode()).hexdigest()[:40]}{_SUFFIX}"

    def load(self, location: str, validator: str) -> dict[str, bytes | None] | None:
        """The documents kept for this location and root version; None on a miss or a bad file."""
        try:
            raw = read_local(str(self.folder), self.path(location).name, _MAX_FILE_BYTES)
            if not isinstance(raw, bytes):
                return None
            docs = _unpack(raw, location, validator)
        except Exception:  # noqa: BLE001 - a broken cache file is a miss, never an error
            return None
        if docs is not None:
            with contextlib.suppress(OSError):
                os.utime(self.path(location))  # recently used: evicted last
        return docs

    def save(self, location: str, validator: str, docs: Mapping[str, bytes | None]) -> bool:
        """Keep the documents (atomically: temporary file, then rename); False when it could not."""
        tmp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=_SUFFIX, dir=self.folder)
            with os.fdopen(fd, "wb") as f:
                f.write(_pack(docs, location, validator))
            os.replace(tmp, self.path(location))
            tmp = None
        except OSError:
            return False  # a full disk or a read-only cache costs only the next reopen's speed
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        self._evict(keep=self.path(location))
        return True

    def _evict(self, keep: Path) -> None:
        evict_oldest(self.folder, f"*{_SUFFIX}", keep, self.max_plates)


class PlateDocs:
    """The cache as one remote location sees it: documents kept from before are served, the
    others are read from the store, added, and the file is written again.

    ``fetch(keys)`` reads from the store (key -> bytes, None when absent, or an error value,
    which is never kept: it is tried again next time).
    """

    def __init__(self, cache: MetadataCache, location: str, validator: str) -> None:
        self._cache, self._location, self._validator = cache, location, validator
        self._docs = cache.load(location, validator) or {}
        self._lock = threading.Lock()  # the overview's and the well view's workers read at once

    def __len__(self) -> int:
        return len(self._docs)

    def read(self, keys: list[str], fetch: Callable[[list[str]], Mapping[str, bytes | _E | None]]) -> dict[str, bytes | _E | None]:
        with self._lock:
            out: dict[str, bytes | _E | None] = {k: self._docs[k] for k in keys if k in self._docs}
        todo = [k for k in keys if k not in out]
        if not todo:
            return out
        got = fetch(todo)
        kept = {k: v for k, v in got.items() if not isinstance(v, BaseException)}
        with self._lock:
            self._docs.update(kept)
            if kept:
                self._cache.save(self._location, self._validator, self._docs)
        out.update(got)
        return out


def _pack(docs: Mapping[str, bytes | None], location: str, validator: str) -> bytes:
    """Header (JSON: keys and sizes, -1 for absent) then every document's bytes, blosc-lz4
    compressed as one blob: a reopen is one file read and one fast decompression."""
    keys = list(docs)
    blob = b"".join(docs[k] or b"" for k in keys)
    sizes = [-1 if docs[k] is None else len(docs[k] or b"") for k in keys]
    header = json.dumps({"format": _FORMAT, "location": location, "validator": validator,
                         "keys": keys, "sizes": sizes}).encode()
    return len(header).to_bytes(8, "little") + header + _CODEC.encode(blob)


def _unpack(raw: bytes, location: str, validator: str) -> dict[str, bytes | None] | None:
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    if header.get("format") != _FORMAT or header.get("location") != location or header.get("validator") != validator:
        return None
    packed = raw[8 + n :]
    blob = bytes(bounded_decode(_CODEC, packed, 4 * _MAX_FILE_BYTES))  # header checked before allocating
    docs: dict[str, bytes | None] = {}
    at = 0
    for key, size in zip(header["keys"], header["sizes"], strict=True):
        docs[str(key)] = None if size < 0 else bytes(blob[at : at + size])
        at += max(size, 0)
    return docs if at == len(blob) else None


_CODEC = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.NOSHUFFLE)
