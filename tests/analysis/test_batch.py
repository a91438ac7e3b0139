"""Batch analysis on dask: resume after an interruption, one failing field costs only itself, the
same tables from local threads, local processes and a dask cluster, the plate left untouched."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pandas as pd
import pytest

import imaging_explorer as ie
from imaging_explorer.analysis import field_task
from imaging_explorer.analysis.batch import analyze_plate, plate_fields
from imaging_explorer.analysis.results_store import open_results

TABLES = ("objects", "fields", "wells", "problems")


@pytest.fixture(scope="module")
def clean(plate: ie.Plate, roles, tmp_path_factory: pytest.TempPathFactory):
    """A run from scratch on local threads: the reference tables."""
    run = analyze_plate(plate, roles, out=tmp_path_factory.mktemp("clean") / "results", workers=2)
    assert run.computed == 5 and not run.failed and not run.cancelled
    return run.results


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The fields analyse_field is called for (threads only: this process)."""
    calls: list[str] = []
    real = field_task.analyze_times

    def counting(field, *args, **kwargs):
        calls.append(field.path)
        return real(field, *args, **kwargs)

    monkeypatch.setattr(field_task, "analyze_times", counting)
    return calls


def assert_same_tables(results, reference) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(results, name), getattr(reference, name), check_exact=True, obj=name)


def test_plate_order(plate):
    assert [k.path for k in plate_fields(plate)] == ["A/1/0", "A/2/0", "A/3/0", "B/1/0", "B/3/0"]


def test_resume_after_an_interruption_computes_only_the_rest(plate, roles, clean, counted, tmp_path):
    stop = threading.Event()
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int, outcome) -> None:
        seen.append((done, total))
        if done == 2:
            stop.set()  # as a user pressing Cancel after two fields

    first = analyze_plate(plate, roles, out=tmp_path / "r", workers=1, progress=progress, cancel=stop)
    assert first.cancelled and first.results is None
    assert seen == [(1, 5), (2, 5)]
    done_first = sorted(p.relative_to(tmp_path / "r" / "parts").as_posix() for p in (tmp_path / "r" / "parts").rglob("*.parquet"))
    assert len(done_first) == len(counted) == 2  # one worker: nothing else was in flight
    counted.clear()
    second = analyze_plate(plate, roles, out=tmp_path / "r", workers=2)
    assert second.skipped == 2 and second.computed == 3 and not second.cancelled
    assert sorted(counted) == sorted({"A/1/0", "A/2/0", "A/3/0", "B/1/0", "B/3/0"} - {p[:-8] for p in done_first})
    assert_same_tables(second.results, clean)
    counted.clear()
    third = analyze_plate(plate, roles, out=tmp_path / "r")
    assert (third.skipped, third.computed, counted) == (5, 0, [])
    assert_same_tables(third.results, clean)


def test_a_failing_field_costs_only_itself(plate, roles, clean, monkeypatch, tmp_path):
    real = field_task.analyze_times

    def flaky(field, *args, **kwargs):
        if field.path == "A/2/0":
            raise RuntimeError("disk on fire\nsecond line")
        return real(field, *args, **kwargs)

    monkeypatch.setattr(field_task, "analyze_times", flaky)
    reported = []
    run = analyze_plate(plate, roles, out=tmp_path / "r", workers=2, progress=lambda d, n, o: reported.append(o))
    assert [o.path for o in run.failed] == ["A/2/0"] and run.computed == 4
    assert run.failed[0].error == "RuntimeError: disk on fire second line"
    assert sorted(o.path for o in reported if not o.ok) == ["A/2/0"]
    problems = run.results.problems
    assert problems[["well", "path", "error"]].values.tolist()[0] == ["A/2", "A/2/0", "RuntimeError: disk on fire second line"]
    assert problems["field"].tolist()[0] == 0
    assert "A/2/0" not in set(run.results.fields["path"]) and len(run.results.fields) == 4
    assert "A/2" not in set(run.results.objects["well"]) and "A/2" not in set(run.results.wells["well"])
    monkeypatch.setattr(field_task, "analyze_times", real)
    again = analyze_plate(plate, roles, out=tmp_path / "r", workers=2)  # the failed field is tried again
    assert (again.skipped, again.computed, again.failed) == (4, 1, [])
    assert_same_tables(again.results, clean)


def test_local_processes_give_the_same_tables(plate, roles, clean, tmp_path):
    run = analyze_plate(plate, roles, out=tmp_path / "r", workers=2, processes=True)
    assert run.computed == 5 and not run.failed
    assert_same_tables(run.results, clean)


def test_a_dask_cluster_gives_the_same_tables(plate, roles, clean, tmp_path):
    from distributed import LocalCluster

    # processes: the tasks are pickled and every worker reopens the plate by its location
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run = analyze_plate(plate, roles, out=tmp_path / "r", scheduler=cluster.scheduler_address)
    assert run.computed == 5 and not run.failed
    assert_same_tables(run.results, clean)
    assert_same_tables(open_results(tmp_path / "r"), clean)


def test_a_cluster_run_can_be_cancelled_and_resumed(plate, roles, clean, tmp_path):
    from distributed import Client, LocalCluster

    stop = threading.Event()
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster, set_as_default=False) as client:
        first = analyze_plate(plate, roles, out=tmp_path / "r", scheduler=client, cancel=stop,
                              progress=lambda done, total, outcome: stop.set())
        assert first.cancelled and first.results is None
        second = analyze_plate(plate, roles, out=tmp_path / "r", scheduler=client)
    assert second.skipped >= 1 and second.skipped + second.computed == 5
    assert_same_tables(second.results, clean)


def test_cluster_workers_read_their_fields_themselves(plate, roles, tmp_path):
    """A field's chunks are read by the task's own threads: the cluster sees one task per field
    (not the chunk reads of a nested compute, shipped between workers)."""
    from distributed import Client, LocalCluster, get_task_stream

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster, set_as_default=False) as client, get_task_stream(client) as stream:
        run = analyze_plate(plate, roles, out=tmp_path / "r", scheduler=client)
    assert run.computed == 5
    assert sorted(str(t["key"]).split("-")[0] for t in stream.data) == ["run_field"] * 5


def _tree_digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_plate_is_unchanged(plate, roles, tmp_path):
    root = plate.store_location.local_root
    before, beside = _tree_digest(root), sorted(p.name for p in root.parent.iterdir())
    run = analyze_plate(plate, roles, out=tmp_path / "r", workers=2)
    assert run.computed == 5
    assert _tree_digest(root) == before and len(before) > 20
    assert sorted(p.name for p in root.parent.iterdir()) == beside  # nothing beside it either (--out)


def test_options_are_checked(plate, roles):
    with pytest.raises(ValueError, match="workers must be a positive number"):
        analyze_plate(plate, roles, workers=0)
    with pytest.raises(ValueError, match="a dask cluster .* has its own workers"):
        analyze_plate(plate, roles, scheduler="tcp://127.0.0.1:1", workers=2)
    with pytest.raises(ValueError, match="not a dask scheduler address: 'nowhere'"):
        analyze_plate(plate, roles, scheduler="nowhere")
