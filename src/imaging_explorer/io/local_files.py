"""Bounded reads of local files: regular files only (symlinks followed), never more than a limit.

A FIFO, device or socket put in a plate (or a cache folder) is refused without blocking: the
path is stat'ed first, opened with O_NONBLOCK (a FIFO swapped in after the stat cannot block
the open), and checked again with fstat. A file growing past its limit while read is caught.
Every failure comes back as a :class:`PlateError` value naming the file, never raised.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable

from ..errors import PlateError

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in after the stat cannot block open()
_OPEN_FLAGS = os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_KINDS = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}


def read_local(root: str, key: str, max_bytes: int, where: str | None = None) -> bytes | PlateError | None:
    """A regular file's bytes (symlinks followed), None if absent, else why it cannot be read
    (a PlateError whose location is ``where``, by default the file's path)."""
    path = os.path.join(root, key)
    return _local(path if where is None else where, lambda: _read_regular(path, max_bytes))


def read_local_range(root: str, key: str, start: int, end: int | None, max_bytes: int,
                     where: str | None = None) -> bytes | PlateError | None:
    """Bytes ``[start, end)`` of a regular file (a negative ``start``: its last ``-start`` bytes;
    ``end`` None: to its end), checked as :func:`read_local` checks; shorter past the end."""
    path = os.path.join(root, key)
    return _local(path if where is None else where, lambda: _read_regular_range(path, start, end, max_bytes))


def _local(where: str, read: Callable[[], bytes]) -> bytes | PlateError | None:
    try:
        return read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except PermissionError:
        return PlateError(where, "permission denied")
    except OSError as e:
        if e.errno == errno.ELOOP:
            return PlateError(where, "a loop of symbolic links")
        if isinstance(e, IsADirectoryError):
            return PlateError(where, "a folder, not a file")
        return PlateError(where, f"cannot read: {e.strerror or e}")
    except _Refused as e:
        return PlateError(where, str(e))


class _Refused(Exception):
    pass


def _refuse_irregular(mode: int, size: int, max_bytes: int) -> None:
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
        raise _Refused(f"{kind}, not a regular file: refused")
    if size > max_bytes:
        raise _Refused(f"{size:,} bytes, larger than the limit of {max_bytes:,} (IMAGING_EXPLORER_MAX_*_MB)")


def _read_regular(path: str, max_bytes: int) -> bytes:
    """Stat first (a FIFO or device is never opened), then open without blocking, check again, read."""
    st = os.stat(path)
    _refuse_irregular(st.st_mode, st.st_size, max_bytes)
    fd = os.open(path, _OPEN_FLAGS)
    with open(fd, "rb", closefd=True) as f:
        st = os.fstat(fd)
        _refuse_irregular(st.st_mode, st.st_size, max_bytes)
        # read what the file holds plus one byte: a file growing past the limit is caught too
        data = f.read(st.st_size + 1)
        if len(data) > st.st_size:
            data += f.read(max_bytes + 1 - len(data))
    if len(data) > max_bytes:
        raise _Refused(f"larger than the limit of {max_bytes:,} bytes (it grew while read)")
    return data


def range_length(start: int, end: int | None) -> int | None:
    """Bytes a range asks for (None: to the end of the file); ValueError for a malformed range."""
    if start < 0:
        if end is not None:
            raise ValueError(f"a suffix range ({start}) has no end, got {end}")
        return -start
    if end is None:
        return None
    if end < start:
        raise ValueError(f"range [{start}, {end}) ends before it starts")
    return end - start


def _read_regular_range(path: str, start: int, end: int | None, max_bytes: int) -> bytes:
    """Stat first, open without blocking, check again, then read the range with one pread."""
    n = range_length(start, end)
    if n is not None and n > max_bytes:
        raise _Refused(f"a read of {n:,} bytes, larger than the limit of {max_bytes:,} (IMAGING_EXPLORER_MAX_*_MB)")
    st = os.stat(path)
    _refuse_irregular(st.st_mode, 0, max_bytes)  # only the range is read: the file may be larger
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        _refuse_irregular(st.st_mode, 0, max_bytes)
        if start < 0:
            start = max(st.st_size + start, 0)
        if n is None:  # to the end, at most the limit plus one byte (a file growing past it is caught)
            n = min(max(st.st_size - start, 0) + 1, max_bytes + 1)
        data = os.pread(fd, n, start) if n else b""
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise _Refused(f"larger than the limit of {max_bytes:,} bytes")
    return data
