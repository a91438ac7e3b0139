"""How fast is the annotation store? One call's commit (p50/p99) and the import of 10,000 calls.

    python benchmarks/annotations.py                  # SQLite in a temporary folder
    python benchmarks/annotations.py --calls 5000 --import-calls 50000 --dir /data/tmp
    python benchmarks/annotations.py --db postgresql://user@localhost/bench   # an empty database

Goals (issue 4): p99 of one ``annotate()`` < 10 ms on SQLite with ``synchronous=FULL`` (plain
sqlite3 measured p50 0.55 ms, p99 9.6 ms here), import of 10,000 calls < 0.5 s (plain sqlite3
does ~140k rows/s). Each annotate() is a full transaction committed to disk (fsync) before it
returns, so the numbers depend on the disk: measure where the database will live (``--dir``).
Also printed: the same commit with plain sqlite3 (the floor), current() / consensus() /
agreement() on the imported plate, and the time to open the store (it runs a quick_check).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from imaging_explorer.annotations import CALLS, AnnotationStore  # noqa: E402

PLATE = ("bench-plate", "0123456789abcdef")


def _wells(n_rows: int = 16, n_cols: int = 24) -> list[str]:
    return [f"{chr(65 + r)}/{c + 1}" for r in range(n_rows) for c in range(n_cols)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def bench_annotate(store: AnnotationStore, n: int) -> list[float]:
    wells = _wells()
    times = []
    for i in range(n):
        start = time.perf_counter()
        store.annotate(PLATE, wells[i % len(wells)], call=CALLS[i % 4], reviewer=f"rev{i % 3}",
                       confidence=i % 5 + 1, tags=["artifact"] if i % 7 == 0 else (), note="")
        times.append((time.perf_counter() - start) * 1000)
    return times


def bench_plain_sqlite(folder: Path, n: int) -> list[float]:
    """The floor: one INSERT + COMMIT with the same pragmas, no SQLAlchemy, no checks."""
    con = sqlite3.connect(folder / "plain.db", isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    con.execute("CREATE TABLE e (id INTEGER PRIMARY KEY, uuid TEXT UNIQUE, well TEXT, call TEXT, t TEXT)")
    times = []
    for i in range(n):
        start = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        con.execute("INSERT INTO e (uuid, well, call, t) VALUES (?, ?, ?, datetime('now'))",
                    (str(uuid.uuid4()), f"A/{i % 24 + 1}", "hit"))
        con.execute("COMMIT")
        times.append((time.perf_counter() - start) * 1000)
    con.close()
    return times


def make_export(folder: Path, n: int) -> Path:
    """An event export of n calls by 3 reviewers on a 384-well plate (written by a scratch store)."""
    with AnnotationStore(folder / "source.db") as src:
        rows = []
        wells = _wells()
        import pandas as pd

        now = pd.Timestamp.now(tz="UTC")
        for i in range(n):
            rows.append({"uuid": str(uuid.uuid4()), "plate": "import-plate", "fingerprint": "fedcba9876543210",
                         "well": wells[i % len(wells)], "reviewer": f"reviewer{i % 3}", "kind": "call",
                         "call": CALLS[i % 4], "confidence": i % 5 + 1, "tags": "cytotoxic" if i % 11 == 0 else "",
                         "note": "", "time": now + pd.Timedelta(microseconds=i), "undo_of": None})
        path = folder / "calls.csv"
        pd.DataFrame(rows).to_csv(path, index=False)
        del src
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000, help="annotate() calls to time (default 1000)")
    parser.add_argument("--import-calls", type=int, default=10_000, help="calls in the imported file (default 10000)")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the SQLite files (default: a temp folder)")
    parser.add_argument("--db", default=None, help="a database URL instead of SQLite files (e.g. postgresql://…)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="ie-annotations-bench-") as tmp:
        folder = Path(tmp)
        target = args.db or folder / "bench.db"
        store = AnnotationStore(target)
        print(f"store: {store.url} ({store.backend}); {args.calls} annotate() calls, each its own committed transaction")
        bench_annotate(store, 20)  # warm-up: plate, reviewers, pool
        times = bench_annotate(store, args.calls)
        p50, p99 = percentile(times, 50), percentile(times, 99)
        print(f"annotate():  p50 {p50:.2f} ms   p99 {p99:.2f} ms   max {max(times):.2f} ms   "
              f"mean {statistics.fmean(times):.2f} ms   (goal p99 < 10 ms: {'ok' if p99 < 10 else 'MISSED'})")
        if args.db is None:
            plain = bench_plain_sqlite(folder, args.calls)
            print(f"plain sqlite3 floor: p50 {percentile(plain, 50):.2f} ms   p99 {percentile(plain, 99):.2f} ms")

        export = make_export(folder, args.import_calls)
        start = time.perf_counter()
        added = store.import_(export)
        took = time.perf_counter() - start
        print(f"import_() of {added} calls: {took:.3f} s ({added / took:,.0f} calls/s; goal < 0.5 s: "
              f"{'ok' if took < 0.5 else 'MISSED'})")
        start = time.perf_counter()
        again = store.import_(export)
        print(f"re-import of the same file: {time.perf_counter() - start:.3f} s, {again} added")

        plate = ("import-plate", "fedcba9876543210")
        for name in ("current", "consensus", "agreement"):
            start = time.perf_counter()
            getattr(store, name)(plate)
            print(f"{name}() on {args.import_calls} events: {(time.perf_counter() - start) * 1000:.0f} ms")
        store.close()
        if args.db is None:
            start = time.perf_counter()
            AnnotationStore(target).close()
            print(f"open (with quick_check) of a {Path(target).stat().st_size / 1e6:.1f} MB store: "
                  f"{(time.perf_counter() - start) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
