"""The app's name, its user folders and every ``IMAGING_EXPLORER_*`` variable, in one place.

The library, the CLI and the napari docks all ask here, so they agree on where the sample
plate and thumbnails are cached, where channel settings and reviewer choices are kept, and
which annotation store is the default.

===================================  =================================================================
``IMAGING_EXPLORER_CACHE``           cache folder (sample plate, overview thumbnails, remote metadata)
``IMAGING_EXPLORER_CONFIG``          config folder (channel settings per plate, review choices)
``IMAGING_EXPLORER_DATA``            data folder (the default annotation store)
``IMAGING_EXPLORER_DB``              the annotation store: a file path or a ``postgresql://`` URL
``IMAGING_EXPLORER_METADATA_CACHE``  ``off``: remote plates' metadata is read afresh every time
``IMAGING_EXPLORER_S3_ENDPOINT``     another S3 endpoint (else ``AWS_ENDPOINT_URL``; see io/remote.py)
``IMAGING_EXPLORER_MAX_*_MB``        read limits: ``DOCUMENT``, ``CHUNK``, ``DECODED`` (io/limits.py)
``IMAGING_EXPLORER_*_TIMEOUT``       remote ``CONNECT`` / ``READ`` timeouts in seconds, also
                                     ``_DEADLINE`` (s) and ``_RETRIES`` (io/limits.py)
===================================  =================================================================
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "imaging-explorer"
CACHE_ENV = "IMAGING_EXPLORER_CACHE"
CONFIG_ENV = "IMAGING_EXPLORER_CONFIG"
DATA_ENV = "IMAGING_EXPLORER_DATA"
DB_ENV = "IMAGING_EXPLORER_DB"
METADATA_CACHE_ENV = "IMAGING_EXPLORER_METADATA_CACHE"
ANNOTATIONS_FILE = "annotations.db"


def _folder(variable: str, default: str) -> Path:
    override = os.environ.get(variable)
    return Path(override).expanduser() if override else Path(default)


def cache_dir() -> Path:
    """The user cache folder (not created); ``IMAGING_EXPLORER_CACHE`` overrides it."""
    return _folder(CACHE_ENV, platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    """The user config folder (not created); ``IMAGING_EXPLORER_CONFIG`` overrides it."""
    return _folder(CONFIG_ENV, platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """The user data folder (not created); ``IMAGING_EXPLORER_DATA`` overrides it."""
    return _folder(DATA_ENV, platformdirs.user_data_dir(APP_NAME, appauthor=False))


def annotation_store_location() -> str:
    """The default annotation store: ``IMAGING_EXPLORER_DB`` (path or URL), else
    ``<data folder>/annotations.db``."""
    return os.environ.get(DB_ENV) or str(data_dir() / ANNOTATIONS_FILE)


def evict_oldest(folder: Path, pattern: str, keep: Path, max_files: int) -> None:
    """Remove the least recently used files matching ``pattern`` beyond ``max_files`` (``keep``
    stays); files removed meanwhile by another process are skipped."""
    stamps: dict[Path, float] = {}
    for p in folder.glob(pattern):
        try:
            stamps[p] = p.lstat().st_mtime
        except OSError:
            continue  # removed meanwhile
    files = sorted(stamps, key=stamps.__getitem__, reverse=True)
    for old in [f for f in files if f != keep][max(max_files - 1, 0) :]:
        try:
            old.unlink()
        except OSError:
            pass  # another process may be removing it too
