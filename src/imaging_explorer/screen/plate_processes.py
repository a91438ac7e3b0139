"""A screen's plates read in worker processes of their own (``python -m ...plate_worker``).

Reading a local plate (its readouts, plate map, QC and calls) is pandas work that holds the GIL:
in threads, a GUI's thread and the readers slow each other down (the napari screen view took
9-12 s for 50 plates of 384 wells, 4 s when the readers ran in processes:
benchmarks/screen_view.py). multiprocessing would re-run the caller's ``__main__`` in every
worker (napari scripts seldom have the ``if __name__ == "__main__"`` guard), so each worker is a
fresh interpreter started here: it gets the rule and its share of the plates on stdin and
writes each plate back, pickled and length-prefixed, on stdout. No Qt, no napari.
"""

from __future__ import annotations

import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from ..hits import HitRule
from .index import ScreenEntry
from .screen_plate import ScreenPlate, load_screen_plate

__all__ = ["iter_plates_in_processes", "prestart_readers"]

HEADER = struct.Struct("!Q")  # the length of each pickled plate that follows
_DONE = object()
_waiting: list[subprocess.Popen[bytes]] = []  # started ahead, importing or waiting for their job on stdin
_waiting_lock = threading.Lock()


def _worker_command() -> tuple[list[str], dict[str, str]]:
    """The worker's command line, with this package importable whatever the caller's sys.path."""
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([package_root, *filter(None, [env.get("PYTHONPATH")])])
    return [sys.executable, "-m", "imaging_explorer.screen.plate_worker"], env


def _start() -> subprocess.Popen[bytes]:
    command, env = _worker_command()
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)


def prestart_readers(workers: int) -> None:
    """Start ``workers`` reader processes now (less those already waiting), so that their imports
    (about 1.5 s) are done by the time a screen is opened, e.g. while napari starts. An unused
    one ends with this process (its stdin closes)."""
    with _waiting_lock:
        _waiting[:] = [p for p in _waiting if p.poll() is None]
        _waiting.extend(_start() for _ in range(workers - len(_waiting)))


def _take_readers(n: int) -> list[subprocess.Popen[bytes]]:
    """``n`` reader processes: the ones started ahead first, then new ones."""
    with _waiting_lock:
        alive = [p for p in _waiting if p.poll() is None]  # poll() also reaps the ones that ended
        ready, _waiting[:] = alive[:n], alive[n:]
    return ready + [_start() for _ in range(n - len(ready))]


def _read_plates(stream: IO[bytes], out: queue.Queue[Any]) -> None:
    """Put each plate a worker writes on ``out``, then ``_DONE`` (also when the worker dies)."""
    try:
        while True:
            header = stream.read(HEADER.size)
            if len(header) < HEADER.size:
                break
            body = stream.read(HEADER.unpack(header)[0])
            out.put(pickle.loads(body))
    except (OSError, EOFError, pickle.UnpicklingError):
        pass  # a worker that died: its plates not yet returned are read by the caller
    finally:
        out.put(_DONE)


def iter_plates_in_processes(entries: Sequence[ScreenEntry], rule: HitRule, workers: int) -> Iterator[ScreenPlate]:
    """Each plate of ``entries`` read by one of ``workers`` processes, yielded as it is ready.
    Plates a worker could not return (it died, it could not start) are read in this thread at the
    end. Closing the iterator early stops the workers."""
    shares = [[(i, e) for i, e in enumerate(entries) if i % workers == w] for w in range(workers)]
    shares = [share for share in shares if share]
    out: queue.Queue[Any] = queue.Queue()
    procs = []
    for proc, share in zip(_take_readers(len(shares)), shares):
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(pickle.dumps((rule, share)))
            proc.stdin.close()
        except OSError:  # it died while waiting: its share is read here at the end
            pass
        threading.Thread(target=_read_plates, args=(proc.stdout, out), daemon=True, name="screen-plate-reader").start()
        procs.append(proc)
    returned: set[int] = set()
    try:
        running = len(procs)
        while running:
            item = out.get()
            if item is _DONE:
                running -= 1
                continue
            returned.add(item.index)
            yield item
        for i, entry in enumerate(entries):  # what a dead worker left
            if i not in returned:
                yield load_screen_plate(entry, i, rule)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
