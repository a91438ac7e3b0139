"""HTTP(S) reads through fsspec and aiohttp, bounded in size and time.

fsspec's HTTP file system reads a whole response into memory (``await response.read()``), and
aiohttp's read timeout is per socket read: an endless response or a server sending a byte a
second is never stopped. The session fsspec opens therefore uses :class:`BoundedResponse`,
whose ``read`` stops at a size limit and at a stall; zarr-python's stores get the same session
options (:func:`http_options`), so pixel reads are bounded as the overview's are.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Any

import aiohttp

from ..errors import PlateError
from .limits import ReadLimits, read_limits

# Progress a response must make within each ``read_timeout`` window (or end): a drip-feeding
# server (a byte a second) never trips aiohttp's per-read timeout, but trips this.
MIN_PROGRESS = 64 * 1024
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})

# Largest body one read accepts; set per task by the batch reader (a document limit, a chunk
# limit); zarr-python's own reads fall back to the chunk limit.
max_body_bytes: ContextVar[int | None] = ContextVar("max_body_bytes", default=None)


def _too_big(url: object, limit: int) -> PlateError:
    return PlateError(url, f"larger than the limit of {limit:,} bytes (IMAGING_EXPLORER_MAX_DOCUMENT_MB / _MAX_CHUNK_MB set the limits)")


class BoundedResponse(aiohttp.ClientResponse):
    """A response whose body is read up to a size limit, and only while it keeps arriving."""

    async def read(self) -> bytes:
        if self._body is None:
            limits = read_limits()
            limit = max_body_bytes.get()
            limit = limits.max_chunk_bytes if limit is None else limit
            try:
                self._body = await _read_body(self, limit, limits.read_timeout)
            except BaseException:
                self.close()
                raise
        return await super().read()  # the body is set: this releases the connection


async def _read_body(response: aiohttp.ClientResponse, limit: int, stall: float) -> bytes:
    if response.content_length is not None and response.content_length > limit:
        raise _too_big(response.url, limit)
    loop = asyncio.get_running_loop()
    buf = bytearray()
    progress = 0
    try:
        async with asyncio.timeout(stall) as window:
            while chunk := await response.content.readany():
                buf += chunk
                if len(buf) > limit:
                    raise _too_big(response.url, limit)
                progress += len(chunk)
                if progress >= MIN_PROGRESS:  # still arriving at a useful pace: a new window
                    progress = 0
                    window.reschedule(loop.time() + stall)
    except TimeoutError:
        raise PlateError(response.url, f"the server sent too little for {stall:g} s (a stalled or drip-fed response)") from None
    return bytes(buf)


def http_options(limits: ReadLimits) -> dict[str, Any]:
    """fsspec storage options of an HTTP(S) location: timeouts and the bounded response."""
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=limits.connect_timeout, sock_read=limits.read_timeout)
    return {"client_kwargs": {"timeout": timeout, "response_class": BoundedResponse}}


def is_transient(error: BaseException) -> bool:
    """Worth another try: the server was busy or the connection dropped."""
    if isinstance(error, aiohttp.ClientResponseError):
        return error.status in TRANSIENT_STATUS
    # a timeout is not retried: a hanging server would cost (retries + 1) timeouts
    return isinstance(error, (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError)) and not isinstance(error, TimeoutError)


def is_unreachable(error: BaseException) -> bool:
    """No connection could be made at all (refused, unknown host)."""
    return isinstance(error, aiohttp.ClientConnectorError) and not isinstance(error, TimeoutError)


def describe(error: BaseException) -> str:
    if isinstance(error, aiohttp.ClientResponseError):
        return f"the server answered {error.status} {error.message}".rstrip()
    if isinstance(error, TimeoutError):
        return "no answer from the server in time (read timeout)"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
