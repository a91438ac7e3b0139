"""A keep-alive HTTP server on loopback (aiohttp, its own thread and event loop) that serves a folder,
with the misbehaviours remote plates meet: latency, hanging, drip-feeding, endless responses,
failures of the first requests.

    with serve(folder) as url: ...                        # plain: files, HTTP ranges, 404s
    with serve(folder, latency=0.02) as url: ...          # 20 ms before each answer
    with serve(folder, mode="hang") as url: ...           # accepts, never answers
    with serve(folder, mode="drip") as url: ...           # headers, then a byte a second
    with serve(folder, mode="endless") as url: ...        # zeros, forever
    with serve(folder, fail_first_n=2) as url: ...        # 503 for the first 2 requests of each path
    with serve(folder, fail_first_n=2, fail_with="reset") as url: ...  # connection reset instead

``paths`` limits a mode (and ``fail_first_n``) to those URL paths (e.g. ``{"p.zarr/zarr.json"}``);
other paths are served normally. ``url`` is a ``str`` (no trailing slash) with a ``requests``
attribute: a live ``Counter`` of requests per path, ``url.requests.total()`` all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from aiohttp import web

Mode = Literal["serve", "hang", "drip", "endless"]


class ServedUrl(str):
    """The server's base URL, with its request counter."""

    requests: Counter[str]


class _Behaviour:
    def __init__(self, folder: Path, latency: float, mode: Mode, paths: set[str] | None, fail_first_n: int,
                 fail_with: Literal["503", "reset"], drip_interval: float, fake_length: int | None) -> None:
        self.folder = folder.resolve()
        self.latency, self.mode, self.paths = latency, mode, paths
        self.fail_first_n, self.fail_with = fail_first_n, fail_with
        self.drip_interval, self.fake_length = drip_interval, fake_length
        self.requests: Counter[str] = Counter()
        self.stopping = asyncio.Event()

    def applies(self, path: str) -> bool:
        return self.paths is None or path in self.paths

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        self.requests[path] += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.applies(path) and self.requests[path] <= self.fail_first_n:
            return self._fail(request)
        mode = self.mode if self.applies(path) else "serve"
        if mode == "hang":
            await self.stopping.wait()  # never answers (until the server stops)
            raise web.HTTPServiceUnavailable()
        if mode in ("drip", "endless"):
            return await self._stream(request, mode)
        return self._file(path)

    def _fail(self, request: web.Request) -> web.StreamResponse:
        if self.fail_with == "reset":
            sock = request.transport.get_extra_info("socket") if request.transport else None
            if sock is not None:  # linger 0: close() sends a TCP reset
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            if request.transport is not None:
                request.transport.close()
        raise web.HTTPServiceUnavailable()

    def _file(self, path: str) -> web.StreamResponse:
        target = (self.folder / path).resolve()
        if not target.is_relative_to(self.folder) or not target.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(target)

    async def _stream(self, request: web.Request, mode: Mode) -> web.StreamResponse:
        response = web.StreamResponse()
        if self.fake_length is not None:
            response.content_length = self.fake_length
        await response.prepare(request)
        block = b"\0" if mode == "drip" else b"\0" * 65536
        with contextlib.suppress(ConnectionError):  # the client gave up: the point of the test
            while not self.stopping.is_set():
                await response.write(block)
                if mode == "drip":
                    await asyncio.sleep(self.drip_interval)
        return response


@contextlib.contextmanager
def serve(
    folder: Path | str,
    latency: float = 0.0,
    mode: Mode = "serve",
    paths: set[str] | None = None,
    fail_first_n: int = 0,
    fail_with: Literal["503", "reset"] = "503",
    drip_interval: float = 1.0,
    fake_length: int | None = None,
) -> Iterator[ServedUrl]:
    """Serve ``folder`` on loopback until the block ends; yields the base URL.

    ``fake_length`` sets a Content-Length header on drip and endless responses (none by default).
    """
    behaviour = _Behaviour(Path(folder), latency, mode, paths, fail_first_n, fail_with, drip_interval, fake_length)
    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_route("GET", "/{path:.*}", behaviour.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)

    async def start() -> int:
        behaviour.stopping = asyncio.Event()  # bound to this loop
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=512)
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    thread = threading.Thread(target=loop.run_forever, daemon=True, name="test-http-server")
    thread.start()
    port = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    url = ServedUrl(f"http://127.0.0.1:{port}")
    url.requests = behaviour.requests
    try:
        yield url
    finally:
        loop.call_soon_threadsafe(behaviour.stopping.set)
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
