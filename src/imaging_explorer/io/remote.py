"""Remote locations (fsspec URLs): their storage options, and batched reads bounded in size and time.

Each key of a batch is read on its own: a key that stays unreadable (too big, a timeout, a server
error after ``retries`` tries) comes back as a :class:`PlateError` value and costs its well only;
only a location that cannot be reached at all raises. The batch as a whole has a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import os
import random
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Any

from ..errors import PlateError
from .limits import ReadLimits, read_limits

S3_ENDPOINT_ENV = "IMAGING_EXPLORER_S3_ENDPOINT"
_CONCURRENCY = 64  # requests in flight per batch (aiohttp's default pool has 100 connections)
_BACKOFF = 0.1  # seconds before the first retry; doubled for each further one

Value = bytes | None | PlateError


def storage_options(protocol: str, limits: ReadLimits | None = None) -> dict[str, Any]:
    """fsspec options for a location of this protocol: timeouts everywhere, S3 credentials and endpoint."""
    limits = limits or read_limits()
    if protocol in ("http", "https"):
        from .remote_http import http_options

        return http_options(limits)
    if protocol in ("s3", "s3a"):
        return s3_options(limits)
    return {}


def s3_options(limits: ReadLimits) -> dict[str, Any]:
    """s3fs options: anonymous when no credentials are configured; another endpoint by variable.

    The endpoint is ``IMAGING_EXPLORER_S3_ENDPOINT``, else the standard ``AWS_ENDPOINT_URL`` (which
    botocore reads itself); credentials come from botocore's usual chain (variables, files, roles).
    """
    options: dict[str, Any] = {
        "config_kwargs": {
            "connect_timeout": limits.connect_timeout,
            "read_timeout": limits.read_timeout,
            # botocore retries 5xx, throttling and dropped connections (and timeouts: a hanging
            # endpoint costs up to retries + 1 timeouts); see configure() for s3fs's own loop
            "retries": {"max_attempts": limits.retries + 1, "mode": "standard"},
        },
    }
    endpoint = os.environ.get(S3_ENDPOINT_ENV, "").strip()
    if endpoint:
        options["endpoint_url"] = endpoint
    if not aws_credentials_configured():
        options["anon"] = True  # a public bucket: unsigned requests
    return options


def configure(fs: Any) -> None:
    """Settings fsspec cannot pass as options: s3fs retries on top of botocore's retries (5 more
    tries of every timeout); botocore's are enough."""
    if type(fs).__name__ == "S3FileSystem":
        fs.retries = 1  # one call of s3fs's retry loop: botocore does the retrying


@functools.lru_cache(maxsize=1)
def aws_credentials_configured() -> bool:
    """Whether botocore's credential chain finds any credentials (looked up once per process)."""
    try:
        import botocore.session  # type: ignore[import-untyped]

        return botocore.session.get_session().get_credentials() is not None
    except Exception:  # noqa: BLE001 - a broken AWS config file: go anonymous, as with none
        return False


def read_many(fs: Any, root: str, display: str, keys: list[str], max_bytes: int) -> dict[str, Value]:
    """Bytes of each key (at most ``max_bytes``), None where absent, or a PlateError value."""
    return _read_jobs(fs, display, {key: (key, None, None) for key in keys}, root, max_bytes)


def read_ranges(fs: Any, root: str, display: str, requests: list[tuple[str, int, int | None]],
                max_bytes: int) -> dict[tuple[str, int, int | None], Value]:
    """Bytes of each ``(key, start, end)`` range (as ``Location.read_ranges``), None where the key is
    absent, or a PlateError value; the same retries, timeouts and deadline as :func:`read_many`.

    fsspec sends a negative ``start`` as an HTTP suffix range (``bytes=-n``, S3 accepts it too):
    no request for the file's size first. A server that ignores ``Range`` and answers with the
    whole file (bounded by ``max_bytes``) is cut to the range asked for.
    """
    return _read_jobs(fs, display, {r: r for r in requests}, root, max_bytes)


_Job = tuple[str, int | None, int | None]  # key, start, end (None, None: the whole file)


def _read_jobs(fs: Any, display: str, jobs: dict[Any, _Job], root: str, max_bytes: int) -> dict[Any, Value]:
    if not jobs:
        return {}
    limits = read_limits()
    errors: dict[Any, BaseException] = {}
    if getattr(fs, "async_impl", False):
        from fsspec.asyn import sync

        got = sync(fs.loop, _gather, fs, root, jobs, max_bytes, limits, errors)
    else:
        got = _threaded(fs, root, jobs, max_bytes, limits, errors)
    if len(errors) == len(jobs) and all(_unreachable(fs, e) for e in errors.values()):
        first = next(iter(errors.values()))
        raise PlateError(display, f"cannot connect: {_describe(fs, first)}") from first
    out: dict[Any, Value] = {}
    for label, (key, _, _) in jobs.items():
        error = errors.get(label)
        out[label] = got[label] if error is None else _error(display, key, fs, error)
    return out


class _DeadlinePassed(TimeoutError):
    def __init__(self, deadline: float) -> None:
        super().__init__(f"no answer within the deadline of {deadline:g} s for one batch of reads (IMAGING_EXPLORER_DEADLINE)")


def _error(display: str, key: str, fs: Any, error: BaseException) -> PlateError:
    if isinstance(error, PlateError):
        return error
    reason = str(error) if isinstance(error, _DeadlinePassed) else _describe(fs, error)
    return PlateError(f"{display}/{key}", f"cannot read: {reason}")


async def _gather(fs: Any, root: str, jobs: dict[Any, _Job], max_bytes: int, limits: ReadLimits,
                  errors: dict[Any, BaseException]) -> dict[Any, bytes | None]:
    gate = asyncio.Semaphore(_CONCURRENCY)
    got: dict[Any, bytes | None] = {}

    async def one(label: Any, key: str, start: int | None, end: int | None) -> None:
        async with gate:
            try:
                got[label] = await _with_retries(lambda: _read_async(fs, f"{root}/{key}", max_bytes, start, end), fs, limits)
            except Exception as e:  # noqa: BLE001 - reported for this key only
                errors[label] = e

    tasks = [asyncio.ensure_future(one(label, *job)) for label, job in jobs.items()]
    _, late = await asyncio.wait(tasks, timeout=limits.deadline)
    for task in late:
        task.cancel()
    for label in jobs:
        if label not in got and label not in errors:
            errors[label] = _DeadlinePassed(limits.deadline)
    return got


async def _read_async(fs: Any, path: str, max_bytes: int, start: int | None = None, end: int | None = None) -> bytes | None:
    """The file, or bytes ``[start, end)`` of it (a negative start: its last ``-start`` bytes)."""
    ranged = start is not None
    try:
        if _is_http(fs):
            from .remote_http import max_body_bytes

            max_body_bytes.set(max_bytes)  # this task's context only
            # the session's BoundedResponse stops at max_bytes (also when a server ignores Range)
            data = await (fs._cat_file(path, start=start, end=end) if ranged else fs._cat_file(path))
        elif ranged:
            data = await fs._cat_file(path, start=start, end=_bounded_end(start, end, max_bytes))
        else:
            data = await fs._cat_file(path, start=0, end=max_bytes + 1)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except Exception as e:
        if ranged and _range_not_satisfiable(e):
            return b""  # the range starts past the end of the file
        raise
    if ranged:
        data = _cut(bytes(data), start, end, fs)
    return _checked(path, data, max_bytes)


def _bounded_end(start: int | None, end: int | None, max_bytes: int) -> int | None:
    """An end for fsspec that reads at most ``max_bytes + 1`` bytes."""
    if end is None and start is not None and start >= 0:
        return start + max_bytes + 1
    return end


def _cut(data: bytes, start: int | None, end: int | None, fs: Any = None) -> bytes:
    """The range asked for, when the server sent more: it ignored ``Range`` and sent the whole
    file (Python's ``http.server`` does); the file system is then marked (:func:`ignores_ranges`)."""
    if start is None:
        return data
    n = -start if start < 0 else None if end is None else end - start
    if n is None or len(data) <= n:
        return data
    if fs is not None:
        with contextlib.suppress(AttributeError, TypeError):
            fs._imaging_explorer_ignores_ranges = True
    return data[start:] if start < 0 else data[start:end]


def ignores_ranges(fs: Any) -> bool:
    """Whether this file system's server answered a range with the whole file (then shards are
    better read whole: io/ranges.py)."""
    return bool(getattr(fs, "_imaging_explorer_ignores_ranges", False))


def _range_not_satisfiable(error: BaseException) -> bool:
    """HTTP 416 (aiohttp), or s3fs's translation of S3's InvalidRange (an OSError EINVAL)."""
    if getattr(error, "status", None) == 416:
        return True
    cause = error.__cause__ or error.__context__
    return isinstance(error, OSError) and error.errno == errno.EINVAL and "InvalidRange" in repr(cause)


def _checked(path: str, data: bytes, max_bytes: int) -> bytes:
    if len(data) > max_bytes:
        raise PlateError(path, f"larger than the limit of {max_bytes:,} bytes")
    return bytes(data)


async def _with_retries(read: Callable[[], Coroutine[Any, Any, bytes | None]], fs: Any, limits: ReadLimits) -> bytes | None:
    for attempt in range(limits.retries + 1):
        try:
            return await read()
        except Exception as e:
            if attempt == limits.retries or not _transient(fs, e):
                raise
        await asyncio.sleep(_BACKOFF * 2**attempt * (0.5 + random.random()))
    raise AssertionError("unreachable")


def _threaded(fs: Any, root: str, jobs: dict[Any, _Job], max_bytes: int, limits: ReadLimits,
              errors: dict[Any, BaseException]) -> dict[Any, bytes | None]:
    """A file system without asyncio (sftp, ...): threads, the same deadline."""

    def one(key: str, start: int | None, end: int | None) -> bytes | None:
        path = f"{root}/{key}"
        try:
            if start is None:
                return _checked(path, fs.cat_file(path, start=0, end=max_bytes + 1), max_bytes)
            data = fs.cat_file(path, start=start, end=_bounded_end(start, end, max_bytes))
            return _checked(path, _cut(bytes(data), start, end, fs), max_bytes)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    pool = ThreadPoolExecutor(max_workers=8)
    futures = {pool.submit(one, *job): label for label, job in jobs.items()}
    wait_futures(futures, timeout=limits.deadline)
    pool.shutdown(wait=False, cancel_futures=True)  # a hung read is left behind, not waited for
    got: dict[Any, bytes | None] = {}
    for future, label in futures.items():
        if not future.done():
            errors[label] = _DeadlinePassed(limits.deadline)
        elif (e := future.exception()) is not None:
            errors[label] = e
        else:
            got[label] = future.result()
    return got


def _is_http(fs: Any) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, (tuple, list)) else (fs.protocol,)
    return any(p in ("http", "https") for p in protocol)


def _transient(fs: Any, error: BaseException) -> bool:
    if _is_http(fs):
        from .remote_http import is_transient

        return is_transient(error)
    return False  # s3fs and botocore retry their own transient failures (``retries`` above)


def _unreachable(fs: Any, error: BaseException) -> bool:
    if _is_http(fs):
        from .remote_http import is_unreachable

        return is_unreachable(error)
    return type(error).__name__ == "EndpointConnectionError"


def _describe(fs: Any, error: BaseException) -> str:
    if _is_http(fs):
        from .remote_http import describe

        return describe(error)
    if isinstance(error, TimeoutError):
        return str(error) or "no answer in time (timeout)"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
