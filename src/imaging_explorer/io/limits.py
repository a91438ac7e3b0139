"""How much and how long one read may take: bounds against damaged plates and slow or hostile servers.

The limits are process-wide. Each can be set by an environment variable (read once, at the
first use) or by :func:`set_read_limits`:

=========================================  =====================================================
``IMAGING_EXPLORER_MAX_DOCUMENT_MB``       one metadata JSON document (default 64)
``IMAGING_EXPLORER_MAX_CHUNK_MB``          one stored chunk or shard file (default 1024)
``IMAGING_EXPLORER_MAX_DECODED_MB``        one decoded chunk, one thumbnail read (default 1024)
``IMAGING_EXPLORER_CONNECT_TIMEOUT``       seconds to connect to a server (default 5)
``IMAGING_EXPLORER_READ_TIMEOUT``          seconds a response may stall (default 10)
``IMAGING_EXPLORER_DEADLINE``              seconds for one batch of remote reads (default 300)
``IMAGING_EXPLORER_RETRIES``               retries of a transient failure (default 3)
=========================================  =====================================================
"""

from __future__ import annotations

import dataclasses
import math
import os
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_MB = 2**20


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on one read; sizes in bytes, times in seconds."""

    max_document_bytes: int = 64 * _MB  # one metadata JSON document
    max_chunk_bytes: int = 1 * 2**30  # one stored chunk/shard file (compressed bytes read)
    max_decoded_bytes: int = 1 * 2**30  # one decoded chunk; also bounds one thumbnail read
    connect_timeout: float = 5.0  # remote: seconds to connect
    read_timeout: float = 10.0  # remote: seconds a response may stall (see io/remote.py): a hung server is an error within seconds
    deadline: float = 300.0  # remote: seconds for one batch of reads
    retries: int = 3  # transient 5xx / connection resets

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value, whole = getattr(self, f.name), isinstance(f.default, int)
            kinds = (int,) if whole else (int, float)
            if isinstance(value, bool) or not isinstance(value, kinds) or not 0 <= value < float("inf"):
                raise ValueError(f"read limit {f.name} must be a {'whole' if whole else 'finite'} number >= 0, not {value!r}")
            if not whole and value == 0:
                raise ValueError(f"read limit {f.name} must be more than 0 seconds")


# variable -> (field, factor from the variable's unit to the field's)
_ENV = {
    "IMAGING_EXPLORER_MAX_DOCUMENT_MB": ("max_document_bytes", _MB),
    "IMAGING_EXPLORER_MAX_CHUNK_MB": ("max_chunk_bytes", _MB),
    "IMAGING_EXPLORER_MAX_DECODED_MB": ("max_decoded_bytes", _MB),
    "IMAGING_EXPLORER_CONNECT_TIMEOUT": ("connect_timeout", 1),
    "IMAGING_EXPLORER_READ_TIMEOUT": ("read_timeout", 1),
    "IMAGING_EXPLORER_DEADLINE": ("deadline", 1),
    "IMAGING_EXPLORER_RETRIES": ("retries", 1),
}
_lock = threading.Lock()
_current: ReadLimits | None = None


def limits_from_env(environ: Mapping[str, str] | None = None) -> ReadLimits:
    """The defaults, changed by any ``IMAGING_EXPLORER_*`` limit variable that is set.

    A variable that is not a sensible number is ignored with a warning (every read would
    fail otherwise).
    """
    env = os.environ if environ is None else environ
    limits = ReadLimits()
    for variable, (name, factor) in _ENV.items():
        text = env.get(variable, "").strip()
        if not text:
            continue
        try:
            value = float(text) * factor
            whole = isinstance(getattr(ReadLimits, name), int)
            change: dict[str, Any] = {name: int(value) if whole and math.isfinite(value) else value}
            limits = dataclasses.replace(limits, **change)
        except (ValueError, OverflowError) as e:
            warnings.warn(f"{variable}={text!r} ignored: {e}", RuntimeWarning, stacklevel=2)
    return limits


def read_limits() -> ReadLimits:
    """The current process-wide limits (from the environment at the first call)."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = limits_from_env()
    return _current


def set_read_limits(**changes: Any) -> ReadLimits:
    """Change some limits (e.g. ``read_timeout=5``) for the whole process; return the previous ones.

    ``set_read_limits(**dataclasses.asdict(previous))`` restores them.
    """
    global _current
    previous = read_limits()
    with _lock:
        _current = dataclasses.replace(previous, **changes)
    return previous
