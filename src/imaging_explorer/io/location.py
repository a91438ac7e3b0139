"""Open a plate location read-only and read its metadata documents in batches.

A location is a local path, a ``file://`` URL, or any URL fsspec knows
(``http(s)://``, ``s3://``, ...). Every key this module reads is checked to
stay inside the root: zarr-python's LocalStore would happily return a file
outside it for a raw key such as ``../outside/zarr.json``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from ..errors import PlateError
from .limits import read_limits
from .local_files import range_length, read_local, read_local_range

if TYPE_CHECKING:
    from zarr.abc.store import Store

    from .metadata_cache import PlateDocs

Range = tuple[str, int, int | None]  # (key, start, end) of Location.read_ranges


def is_url(location: str) -> bool:
    scheme = urlparse(location).scheme
    return len(scheme) > 1 and "://" in location  # "C:\\x" is a path, not a URL


def check_key(key: str) -> str:
    """Refuse a store key that could leave the root."""
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or "\\" in key
        or any(ch in key for ch in "\x00?#%")  # URL syntax could smuggle "..%2f" past the checks
        or any(p in ("", ".", "..") for p in parts)
        or ":" in parts[0]
    ):
        raise ValueError(f"unsafe key {key!r}: it would leave the plate")
    return key


def join_key(*parts: str) -> str:
    return "/".join(p.strip("/") for p in parts if p not in ("", None))


def parse_json_object(raw: bytes) -> dict[str, Any] | str:
    """The JSON object in ``raw``, or the reason it is not one (never raises)."""
    try:
        text = raw.decode("utf-8-sig")  # zarr documents are UTF-8 (a byte-order mark is tolerated)
    except UnicodeDecodeError as e:
        return f"not UTF-8 text ({e.reason} at byte {e.start})"
    try:
        doc = json.loads(text)
    except RecursionError:
        return "JSON nested too deeply"
    except ValueError as e:
        return f"not valid JSON ({e})"
    if not isinstance(doc, dict):
        return f"metadata document is not a JSON object (a JSON {type(doc).__name__})"
    return doc


class Location:
    """A read-only plate root; reads documents and chunks by store key, bounded in size and time."""

    def __init__(self, location: str | os.PathLike[str]) -> None:
        text = os.fspath(location)
        self.display = text
        if is_url(text) and not text.startswith("file://"):
            import fsspec  # only remote locations need it

            from .remote import configure, storage_options

            self.storage_options = storage_options(urlparse(text).scheme.lower())
            self.fs, self.root = fsspec.core.url_to_fs(text.rstrip("/"), **self.storage_options)
            configure(self.fs)
            self.local_root: Path | None = None
            self._kept: PlateDocs | None = None  # documents kept from before (io/metadata_cache.py)
            self._kept_checked = False
            self._root_name: str | None = None  # the root document the server answered with
        else:
            path = Path(urlparse(text).path if text.startswith("file://") else text)
            path = path.expanduser().resolve()
            if not path.exists():
                raise PlateError(text, "no such file or folder")
            if not path.is_dir():
                raise PlateError(text, "not a folder: an OME-Zarr plate is a folder (zarr group)")
            self.fs, self.root, self.local_root = None, str(path), path
            self.storage_options = {}
            self._kept, self._kept_checked = None, True  # a local plate is read from disk as fast as from a cache
            self._root_name = None

    @property
    def is_local(self) -> bool:
        return self.local_root is not None

    def __str__(self) -> str:
        return self.display

    # -- raw reads -----------------------------------------------------------
    def read_bytes_many(self, keys: list[str], max_bytes: int | None = None) -> dict[str, bytes | PlateError | None]:
        """Bytes of each key: None where the key does not exist, a PlateError value where it
        cannot be read (unsafe key, larger than ``max_bytes``, not a regular file, timeout, ...).

        ``max_bytes`` defaults to ``read_limits().max_chunk_bytes``; never more is read or kept.
        Raises PlateError only when the whole location is gone or cannot be reached.
        """
        limit = read_limits().max_chunk_bytes if max_bytes is None else max_bytes
        out: dict[str, bytes | PlateError | None] = {}
        safe: list[str] = []
        for key in keys:
            try:
                safe.append(check_key(key))
            except ValueError as e:
                out[key] = PlateError(f"{self.display}/{key if key.isprintable() else repr(key)}", str(e))
        if self.local_root is not None:
            # one thread: many small files from a local disk read fastest so (threads add GIL hand-offs)
            out.update((key, read_local(self.root, key, limit, f"{self.display}/{key}")) for key in safe)
            if any(out[k] is None for k in safe) and not os.path.isdir(self.root):
                raise PlateError(self.display, "the plate folder is gone (moved or deleted while open)")
        else:
            from .remote import read_many

            out.update(read_many(self.fs, self.root, self.display, safe, limit))
        return {key: out[key] for key in keys}

    def read_ranges(self, requests: list[Range], max_bytes: int | None = None) -> dict[Range, bytes | PlateError | None]:
        """Bytes of each ``(key, start, end)`` range: ``[start, end)``; a negative ``start`` asks
        for the last ``-start`` bytes (``end`` None), ``end`` None for the rest of the file.

        Per range: None where the key does not exist, a PlateError value where it cannot be read
        (unsafe key, a range longer than ``max_bytes``, not a regular file, timeout, ...). Past the
        end of a file the bytes come back shorter than asked (empty when the range starts after it).
        ``max_bytes`` (default ``read_limits().max_chunk_bytes``) bounds each range, not the file.
        Raises PlateError only when the whole location is gone or cannot be reached.
        """
        limit = read_limits().max_chunk_bytes if max_bytes is None else max_bytes
        out: dict[Range, bytes | PlateError | None] = {}
        safe: list[Range] = []
        for req in dict.fromkeys(requests):
            key, start, end = req
            try:
                check_key(key)
                n = range_length(start, end)
            except ValueError as e:
                out[req] = PlateError(f"{self.display}/{key if key.isprintable() else repr(key)}", str(e))
                continue
            if n is not None and n > limit:
                out[req] = PlateError(f"{self.display}/{key}", f"a read of {n:,} bytes, larger than the limit of {limit:,} bytes")
            else:
                safe.append(req)
        if self.local_root is not None:
            out.update((r, read_local_range(self.root, r[0], r[1], r[2], limit, f"{self.display}/{r[0]}")) for r in safe)
            if any(out[r] is None for r in safe) and not os.path.isdir(self.root):
                raise PlateError(self.display, "the plate folder is gone (moved or deleted while open)")
        else:
            from .remote import read_ranges

            out.update(read_ranges(self.fs, self.root, self.display, safe, limit))
        return {req: out[req] for req in requests}

    def read_json_many(self, keys: list[str]) -> dict[str, dict[str, Any] | PlateError | None]:
        """Parsed JSON object of each key: None where the key does not exist, a PlateError value
        where it cannot be read or is not a JSON object (see :meth:`read_bytes_many`)."""
        out: dict[str, dict[str, Any] | PlateError | None] = {}
        # Plates repeat the same documents thousands of times (every field alike):
        # parse each distinct one once and hand out the same (read-only) dict.
        parsed: dict[bytes, dict[str, Any] | str] = {}
        def fetch(todo: list[str]) -> dict[str, bytes | PlateError | None]:
            return self.read_bytes_many(todo, max_bytes=read_limits().max_document_bytes)

        kept = self._kept_documents()
        raw_of = fetch(keys) if kept is None else kept.read(keys, fetch)
        if self._root_name is None:
            self._root_name = next((k for k in ("zarr.json", ".zattrs") if isinstance(raw_of.get(k), bytes)), None)
        for key, raw in raw_of.items():
            if raw is None or isinstance(raw, PlateError):
                out[key] = raw
                continue
            if raw not in parsed:
                parsed[raw] = parse_json_object(raw)
            doc = parsed[raw]
            out[key] = PlateError(f"{self.display}/{key}", doc) if isinstance(doc, str) else doc
        return out

    def _kept_documents(self) -> PlateDocs | None:
        """The metadata cache of a remote plate seen before (io/metadata_cache.py): checked once,
        after the server has answered with the root document (a hung server costs no extra
        request); None for local plates or when the server cannot tell versions apart."""
        if not self._kept_checked and self._root_name is not None:
            from . import metadata_cache

            self._kept_checked = True
            validator = self._root_validator(self._root_name) if metadata_cache.enabled() else None
            if validator is not None:
                self._kept = metadata_cache.PlateDocs(metadata_cache.MetadataCache(), self.display, validator)
        return self._kept

    def _root_validator(self, name: str) -> str | None:
        from .metadata_cache import root_validator

        path = f"{self.root}/{name}"
        try:
            self.fs.invalidate_cache(path)  # s3fs may answer from its listing cache
            return root_validator(self.fs.info(path))
        except Exception:  # noqa: BLE001 - no version to compare: read without the cache
            return None

    def list_dirs(self, key: str) -> list[str] | None:
        """Names of the sub-folders of a key, or None where the store cannot list.

        Raises PlateError (naming the location) for an unsafe key.
        """
        try:
            check_key(key)
        except ValueError as e:
            raise PlateError(f"{self.display}/{key if key.isprintable() else repr(key)}", str(e)) from None
        try:
            if self.local_root is not None:
                folder = self.local_root / key
                return sorted(p.name for p in folder.iterdir() if p.is_dir())
            entries = self.fs.ls(f"{self.root}/{key}", detail=True)
        except (OSError, NotImplementedError, ValueError):
            return None
        return sorted(e["name"].rstrip("/").rsplit("/", 1)[-1] for e in entries if e.get("type") == "directory")

    def zarr_store(self) -> Store:
        """A read-only zarr-python store on the same root."""
        from zarr.storage import FsspecStore, LocalStore

        if self.local_root is not None:
            return LocalStore(self.root, read_only=True)
        # the same timeouts and bounded responses as this module's own reads (io/remote.py)
        return FsspecStore.from_url(self.display.rstrip("/"), storage_options=dict(self.storage_options), read_only=True)
