"""Thumbnails of plates seen before, in the user's cache folder (never inside the dataset).

One ``.npz`` per plate and read parameters, keyed by a hash of the plate's location and the
metadata documents of the levels read: rewritten metadata gives a new key, so a stale
file is simply never asked for again (old files are evicted by age). Pixels are stored
blosc-lz4 compressed, one blob per dtype, so that a reopen is one file read and one
decompression (a member per field would cost a zip lookup each). No pickle anywhere.
Only regular files are loaded (a FIFO or device in the folder is a miss, never a wait), and
a blob is unpacked only when its header agrees with the size the index gives.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import struct
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numcodecs
import numpy as np

from .. import _dirs
from ..plate.field_arrays import THUMBNAIL_MIN_SIZE
from .thumbnails import Thumbnails, axis_names, choose_level

if TYPE_CHECKING:
    from ..plate import Plate

_FORMAT = 1  # bump when the file layout or the thumbnail semantics change
_PART_BYTES = 256 * 2**20  # blosc handles < 2 GiB per buffer; stay far below


def default_folder() -> Path:
    """``<user cache>/thumbnails`` (see :func:`imaging_explorer._dirs.cache_dir`)."""
    return _dirs.cache_dir() / "thumbnails"


class ThumbnailCache:
    """Thumbnails stored per plate fingerprint, one ``.npz`` file each.

    Parameters
    ----------
    cache_dir
        Folder of the cache files; ``<user cache>/thumbnails`` by default.
    max_files
        Older files beyond this many are removed after each save.
    """

    def __init__(self, cache_dir: str | os.PathLike[str] | None = None, max_files: int = 64) -> None:
        self.folder = Path(cache_dir) if cache_dir is not None else default_folder()
        self.max_files = max_files

    def key(self, plate: Plate, min_size: int = THUMBNAIL_MIN_SIZE, z: str = "middle", t: int = 0) -> str:
        """Fingerprint of a plate's metadata and the read parameters (hex SHA-256)."""
        loc = plate.store_location
        where = loc.root if loc.is_local else str(loc)  # absolute: a relative path is ambiguous
        h = hashlib.sha256(json.dumps([_FORMAT, where, min_size, z, t]).encode())
        for well in plate.wells.values():
            for f in well.fields:
                try:
                    info = f.array(choose_level(f, min_size))
                    h.update(json.dumps([f.path, info.key, axis_names(f), info.doc], sort_keys=True).encode())
                except Exception as e:  # noqa: BLE001 - a damaged field is read (and fails) anew each time
                    h.update(json.dumps([f.path, "unreadable", repr(e)]).encode())
        return h.hexdigest()

    def path(self, key: str) -> Path:
        return self.folder / f"{key[:40]}.npz"

    def load(self, key: str, paths: list[str] | None = None) -> Thumbnails:
        """Cached thumbnails (only ``paths`` when given); empty on a miss or an unreadable file."""
        out = Thumbnails()
        file = self.path(key)
        try:
            with _open_regular(file) as handle, np.load(handle, allow_pickle=False) as npz:
                index = json.loads(npz["index"].tobytes())
                if index.get("key") != key:
                    return out
                wanted = None if paths is None else set(paths)
                parts: dict[int, np.ndarray] = {}
                for path, level, part, offset, shape in index["fields"]:
                    if wanted is not None and path not in wanted:
                        continue
                    if part not in parts:
                        parts[part] = _unpack(npz[f"part{part}"], index["parts"][part])
                    n = int(np.prod(shape))
                    out[path] = parts[part][offset : offset + n].reshape(shape)
                    out.levels[path] = level
            os.utime(file)  # recently used: evicted last
        except (FileNotFoundError, _NotRegular):
            pass
        except Exception:  # noqa: BLE001 - a broken cache file is a miss, never an error
            return Thumbnails()
        return out

    def save(self, key: str, thumbnails: Thumbnails) -> Path:
        """Store the successful thumbnails atomically (temporary file, then rename)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        entries: list[list[Any]] = []
        parts: list[list[np.ndarray]] = []
        part_info: list[dict[str, Any]] = []
        current: dict[str, int] = {}  # dtype -> open part
        for path, img in thumbnails.items():
            if img is None:
                continue  # failures are retried next time, not remembered
            dt = img.dtype.str
            p = current.get(dt)
            if p is None or part_info[p]["size"] + img.size > _PART_BYTES // img.itemsize:
                p = current[dt] = len(parts)
                parts.append([])
                part_info.append({"dtype": dt, "size": 0})
            entries.append([path, thumbnails.levels.get(path, 0), p, part_info[p]["size"], list(img.shape)])
            parts[p].append(img.ravel())
            part_info[p]["size"] += img.size
        index = {"key": key, "parts": part_info, "fields": entries}
        members = {"index": np.frombuffer(json.dumps(index).encode(), np.uint8)}
        for i, arrays in enumerate(parts):
            members[f"part{i}"] = np.frombuffer(_CODEC.encode(np.concatenate(arrays)), np.uint8)
        target = self.path(key)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, allow_pickle=False, **members)  # numeric blobs only: never write a pickle
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self._evict(keep=target)
        return target

    def _evict(self, keep: Path) -> None:
        _dirs.evict_oldest(self.folder, "*.npz", keep, self.max_files)


# shuffle makes multi-byte images compress; lz4 decompresses at GB/s
_CODEC = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)


class _NotRegular(OSError):
    """The cache path is a folder, FIFO, device...: treated as a miss."""


def _open_regular(file: Path) -> Any:
    """``file`` opened for reading, only when it is a regular file; never blocks on a FIFO."""
    fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _NotRegular(f"{file} is not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _unpack(blob: np.ndarray, info: dict[str, Any]) -> np.ndarray:
    dtype = np.dtype(info["dtype"])
    size = int(info["size"])
    # blosc header bytes 4..8: decoded size; check it before allocating what the index claims
    if dtype.kind not in "biuf" or blob.nbytes < 16 or struct.unpack_from("<I", bytes(blob[:16]), 4)[0] != size * dtype.itemsize:
        raise ValueError("cache blob does not match its index")
    out = np.empty(size, dtype)  # writable, unlike np.frombuffer over bytes
    _CODEC.decode(blob, out=out)
    return out
