"""Run per-field tasks on dask: local threads or processes, or a dask distributed cluster.

Each task is one ``dask.delayed`` call of :func:`.field_task.run_field`; it writes its own field
to the store and returns only a small outcome, so memory is bounded by the fields in flight.
``on_outcome`` is called in the calling thread as each field finishes (progress bars), and
``cancel`` (anything with ``is_set()``) is checked between fields: no new field starts after it
is set. Locally the fields already running are waited for; on a cluster they finish there on
their own (each writes whole files only, so a later run resumes cleanly). No Qt, no napari.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol

from .field_task import FieldOutcome, FieldTask, run_field

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["Cancel", "default_workers", "run_distributed", "run_local"]

OnOutcome = Callable[[FieldOutcome], None]
POLL_S = 0.2  # how often a cluster run looks at the cancel flag while fields run
CONNECT_TIMEOUT_S = 10


class Cancel(Protocol):
    """A cancel flag, e.g. ``threading.Event``."""

    def is_set(self) -> bool: ...


class _Stopped(Exception):
    """Raised from dask's pre-task hook to start no more fields."""


def default_workers() -> int:
    """The CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _executor(workers: int, processes: bool) -> Executor:
    if not processes:
        return ThreadPoolExecutor(workers, thread_name_prefix="imaging-explorer-field")
    import multiprocessing

    # spawn, not fork: a forked copy of a process with threads (zarr's event loop) can hang
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_ignore_interrupts)


def _ignore_interrupts() -> None:
    """Worker processes leave Ctrl-C (sent to the whole process group) to the process that
    started them, which stops between fields; a worker killed mid-field would break the pool."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_local(tasks: Sequence[FieldTask], workers: int, processes: bool, on_outcome: OnOutcome,
              cancel: Cancel | None) -> bool:
    """Run the tasks with dask's local scheduler on ``workers`` threads (or processes).

    Returns
    -------
    bool
        True when cancelled before every task ran.
    """
    import dask
    from dask.callbacks import Callback, normalize_callback

    def pretask(key: Any, dsk: Any, state: Any) -> None:
        if cancel is not None and cancel.is_set():
            raise _Stopped

    def posttask(key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
        if isinstance(result, FieldOutcome):
            on_outcome(result)

    if not tasks:
        return False
    # passed to this compute only: global callbacks would reach other dask work in the process
    hooks = normalize_callback(Callback(pretask=pretask, posttask=posttask))
    pool = _executor(workers, processes)
    try:
        delayed = [dask.delayed(run_field, pure=False)(task, dask_key_name=f"field-{task.path}") for task in tasks]
        dask.compute(*delayed, scheduler=pool, callbacks=[hooks])
    except _Stopped:
        return True
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # fields in flight finish whole
    return False


def connect(scheduler: str | Client) -> tuple[Client, bool]:
    """A client of the cluster at ``scheduler`` (an address or a Client); True when made here.

    Raises
    ------
    ImportError
        Without the ``distributed`` package (the message says how to install it).
    OSError
        When no scheduler answers at the address.
    """
    try:
        from distributed import Client
    except ImportError as e:
        raise ImportError("a dask cluster (--scheduler) needs the 'distributed' package: "
                          "pip install distributed") from e
    if isinstance(scheduler, Client):
        return scheduler, False
    _check_address(scheduler)  # before Client: a half-made one hangs for 20 s when collected
    try:
        # not the default client: dask calls elsewhere in this process stay local
        return Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False), True
    except (OSError, TimeoutError) as e:
        raise OSError(f"no dask scheduler answers at {scheduler} ({e})") from e


def _check_address(address: str) -> None:
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, where = parse_address(address)
        if scheme in ("tcp", "tls", "ws", "wss"):
            parse_host_port(where)
    except (ValueError, TypeError) as e:
        raise ValueError(f"not a dask scheduler address: {address!r} ({e}); e.g. tcp://host:8786") from e


def _outcome(future: Any, task: FieldTask) -> FieldOutcome:
    """The task's outcome; a task the cluster lost (a worker killed) is that field's error."""
    try:
        result = future.result()
    except Exception as e:  # noqa: BLE001 - e.g. KilledWorker: costs only this field
        return FieldOutcome(task.path, task.well, task.index, [], f"{type(e).__name__}: {e}", 0.0)
    return result if isinstance(result, FieldOutcome) else FieldOutcome(
        task.path, task.well, task.index, [], f"unexpected task result {type(result).__name__}", 0.0)


def run_distributed(tasks: Sequence[FieldTask], client: Client, on_outcome: OnOutcome,
                    cancel: Cancel | None) -> bool:
    """Run the tasks on a dask distributed cluster; True when cancelled before all finished."""
    import queue

    if not tasks:
        return False
    futures = client.map(run_field, list(tasks), pure=False)
    task_of = dict(zip(futures, tasks))
    finished: queue.Queue[Any] = queue.Queue()
    for future in futures:  # callbacks, not distributed.wait: that needs a default client
        future.add_done_callback(finished.put)
    pending = set(futures)
    while pending:
        if cancel is not None and cancel.is_set():
            client.cancel(list(pending))
            return True
        try:
            future = finished.get(timeout=POLL_S)
        except queue.Empty:
            continue
        pending.discard(future)
        on_outcome(_outcome(future, task_of[future]))
    return False
