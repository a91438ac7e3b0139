"""The screen report read back as a partner's browser would: one HTML file whose every image is
an embedded PNG that decodes, that names every plate and every hit compound, that fetches
nothing, marks the failing plate and the broken one, and shows the reviewers' kappa."""

from __future__ import annotations

import argparse
import base64
import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image
from screen_plates import write_screen

from imaging_explorer import cli_report
from imaging_explorer.annotations import AnnotationStore
from imaging_explorer.errors import AnnotationStoreError
from imaging_explorer.report import build as report_build
from imaging_explorer.report import write_report
from imaging_explorer.screen import open_screen

PNG_PREFIX = "data:image/png;base64,"


class _Page(HTMLParser):
    """Every tag with its attributes, the text of each table row, and all text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.rows: list[tuple[str, str]] = []  # (the <tr>'s class, its text)
        self.text: list[str] = []
        self._row: list[str] | None = None
        self._row_class = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag == "tr":
            self._row, self._row_class = [], dict(attrs).get("class") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._row is not None:
            self.rows.append((self._row_class, " ".join(self._row)))
            self._row = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._row is not None:
            self._row.append(data)

    @property
    def all_text(self) -> str:
        return " ".join(self.text)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def screen_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """p1, p2 good, p3 failing Z′, and 'broken': a folder that is no plate."""
    folder = tmp_path_factory.mktemp("report-screen")
    index = write_screen(folder)
    (folder / "broken.zarr").mkdir()
    (folder / "broken.zarr" / "zarr.json").write_text("{not json", encoding="utf-8")
    table = pd.read_csv(index)
    table = pd.concat([table, pd.DataFrame([{"plate": "broken.zarr", "batch": "B2", "date": "2026-11-04"}])])
    table.to_csv(index, index=False)
    return index


@pytest.fixture(scope="module")
def screen(screen_index: Path):
    """The screen opened once (the tests only read it)."""
    return open_screen(screen_index)


@pytest.fixture(scope="module")
def store_path(screen, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two reviewers' calls on p1 (they disagree on one well) and compound calls; a third
    reviewer's on another plate named p1."""
    path = tmp_path_factory.mktemp("report-store") / "team.db"
    plate = screen.plate("p1").open()
    with AnnotationStore(path) as store:
        for well, ana, ben in (("A/2", "hit", "hit"), ("A/6", "hit", "hit"), ("B/6", "hit", "candidate"),
                               ("A/3", "reject", "reject"), ("A/4", "reject", "reject")):
            store.annotate(plate, well, call=ana, reviewer="ana")
            store.annotate(plate, well, call=ben, reviewer="ben")
        store.annotate_compound(plate, "CPD-005", call="hit", reviewer="ana")
        store.annotate_compound(plate, "CPD-005", call="hit", reviewer="ben")
        other = ("p1", "0" * 16)  # another plate of the same name: told apart by the fingerprint
        for well in ("A/2", "A/3", "C/1"):
            store.annotate(other, well, call="unsure", reviewer="cleo")
    return path


@pytest.fixture(scope="module")
def report(screen_index: Path, store_path: Path, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("report-out") / "screen.html"
    stages: list[str] = []
    summary = write_report(screen_index, out, annotations=store_path, max_hits=2,
                           progress=lambda stage, done, total: stages.append(stage))
    return summary, _parse(out), stages


def test_every_image_is_an_embedded_png_that_decodes(report):
    summary, page, _ = report
    images = [attrs for tag, attrs in page.tags if tag == "img"]
    assert len(images) == summary.images > 10  # trend, colour bar, 4 heatmaps, 2 montages, 2 curves
    for attrs in images:
        assert attrs["src"].startswith(PNG_PREFIX), attrs["src"][:40]
        decoded = Image.open(io.BytesIO(base64.b64decode(attrs["src"][len(PNG_PREFIX):], validate=True)))
        decoded.load()
        assert decoded.format == "PNG" and min(decoded.size) > 0
        assert attrs.get("alt")


def test_nothing_is_fetched(report):
    summary, page, _ = report
    text = summary.path.read_text(encoding="utf-8")
    assert not any(tag in ("script", "link", "iframe", "object", "embed") for tag, _ in page.tags)
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "action"):
            value = attrs.get(name, "")
            assert not value.startswith(("http:", "https:", "//", "file:")), (tag, value[:60])
            if name == "href" and name in attrs:
                assert value.startswith("#"), value  # links only within the page
    assert "http://" not in text and "https://" not in text and "@import" not in text and "url(" not in text
    ids = {attrs["id"] for _, attrs in page.tags if "id" in attrs}
    links = {attrs["href"][1:] for tag, attrs in page.tags if tag == "a"}
    assert links <= ids and {"qc", "hits", "reviewers", "panel-CPD-005"} <= links  # every link lands


def test_every_plate_and_every_hit_is_there(report, screen):
    summary, page, _ = report
    text = page.all_text
    for plate in screen.plates:
        assert plate.name in text
    compounds = screen.compounds()
    hits = list(compounds.loc[compounds["is_hit"], "compound_id"])
    assert hits and summary.hit_compounds == len(hits)
    ids = {attrs.get("id") for _, attrs in page.tags}
    for cid in hits:
        assert f"hit-{cid}" in ids  # in the ranked list
    assert {f"panel-{cid}" for cid in hits[:2]} <= ids and f"panel-{hits[2]}" not in ids  # --max-hits 2
    assert summary.panels == 2
    # the panels are numbered in the hit list's order; each names its plate's own rank
    assert f"1. {hits[0]} on " in text and f"2. {hits[1]} on " in text
    assert len(re.findall(r"hit rank \d+ on p\d", text)) == 2


def test_the_failing_plate_is_marked_failed_and_the_broken_one_has_its_error(report):
    summary, page, _ = report
    rows = {text.split()[0]: (cls, text) for cls, text in page.rows if text.strip()}
    assert rows["p1"][0] == "" and "ok" in rows["p1"][1]
    assert rows["p3"][0] == "failed" and "FAILED QC" in rows["p3"][1] and "-0.18" in rows["p3"][1]
    assert rows["broken"][0] == "error" and "ERROR:" in rows["broken"][1]
    assert "json" in rows["broken"][1].lower() or "metadata" in rows["broken"][1].lower()
    assert set(summary.failed) == {"p3", "broken"}


def test_reviewers_calls_consensus_and_kappa(report):
    summary, page, _ = report
    text = page.all_text
    assert summary.reviewed_plates == ["p1"]
    assert re.search(r"Cohen's kappa 0\.\d\d over 5 wells \(ana, ben\)", text), text[-2000:]
    assert "4 well(s) agreed, 1 in conflict (B/6)" in text and "cleo:" not in text  # not the other p1's
    hit_row = next(t for _, t in page.rows if t.startswith("1 CPD-005"))
    assert "hit (p1)" in hit_row  # the reviewers' compound consensus beside the ranked hit


def test_progress_is_told_each_stage(report):
    _, _, stages = report
    assert stages[0] == "plates" and {"heatmaps", "hits", "reviewers", "writing"} <= set(stages)


def test_a_failure_leaves_no_half_file_and_the_old_report_in_place(screen, tmp_path, monkeypatch):
    out = tmp_path / "report.html"
    out.write_text("old report", encoding="utf-8")

    def broken_render(self, subtitle=""):
        raise OSError("disk full")

    monkeypatch.setattr(report_build.HtmlDocument, "render", broken_render)
    with pytest.raises(OSError, match="disk full"):
        write_report(screen, out, max_hits=0)
    assert out.read_text(encoding="utf-8") == "old report"
    assert sorted(os.listdir(tmp_path)) == ["report.html"]


def test_the_default_store_is_used_when_it_has_the_plates(screen, screen_index, store_path, tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGING_EXPLORER_DB", str(store_path))
    summary = write_report(screen, tmp_path / "r.html", max_hits=0)
    assert summary.reviewed_plates == ["p1"] and summary.annotations == str(store_path.resolve())
    monkeypatch.setenv("IMAGING_EXPLORER_DB", str(tmp_path / "none.db"))  # no default store: no section
    summary = write_report(screen, tmp_path / "r.html", max_hits=0)
    assert summary.annotations == "" and "Reviewers" not in (tmp_path / "r.html").read_text(encoding="utf-8")
    told: list[str] = []
    with pytest.raises(AnnotationStoreError, match="none.db: no annotation database here"):  # asked for: must exist
        write_report(screen_index, tmp_path / "r.html", annotations=tmp_path / "none.db",
                     progress=lambda stage, done, total: told.append(stage))
    assert told == []  # refused before any plate was read


def test_a_single_plate_without_results_is_a_report_of_one(screen_index, tmp_path):
    summary = write_report(screen_index.parent / "p1.zarr", tmp_path / "one.html")
    page = _parse(summary.path)
    assert summary.plates == 1 and "Plate report: p1" in page.all_text and "not analysed" in page.all_text
    assert summary.hit_compounds == 0 and summary.panels == 0


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="imaging-explorer")
    cli_report.add_parser(parser.add_subparsers(dest="command"))
    return cli_report.run(parser.parse_args(argv))


def test_cli_writes_the_report_and_says_where(screen_index, tmp_path, capsys):
    out = tmp_path / "sub" / "cli.html"
    assert _cli(["report", str(screen_index), "--out", str(out), "--max-hits", "1", "--min-activity", "40"]) == 0
    printed = capsys.readouterr()
    assert out.is_file() and f"wrote {out}" in printed.out and " MB, " in printed.out
    assert "p3" in printed.out and "plates: 4/4" in printed.err
    assert "activity (infected_fraction) ≥ 40 %" in _parse(out).all_text


def test_cli_refuses_a_bad_output_name_before_reading(screen_index, tmp_path):
    with pytest.raises(ValueError, match=r"report\.pdf: a report is one HTML file; give a name ending in \.html"):
        _cli(["report", str(screen_index), "--out", str(tmp_path / "report.pdf")])
    with pytest.raises(ValueError, match="is a folder"):
        _cli(["report", str(screen_index), "--out", str(tmp_path)])
    assert not list(tmp_path.iterdir())
    with pytest.raises(SystemExit):
        _cli(["report", str(screen_index), "--max-hits", "-1"])


def test_a_hit_whose_plate_cannot_be_opened_still_gets_its_curve(screen, tmp_path, monkeypatch):
    from imaging_explorer.errors import PlateError
    from imaging_explorer.screen import ScreenPlate

    def unreadable(self):
        raise PlateError(self.location, "the images are gone")

    monkeypatch.setattr(ScreenPlate, "open", unreadable)
    summary = write_report(screen, tmp_path / "r.html", max_hits=1)
    page = _parse(summary.path)
    assert summary.panels == 1 and "could not be opened" in page.all_text and "the images are gone" in page.all_text
    assert any(attrs.get("alt", "").startswith("dose-response of") for tag, attrs in page.tags if tag == "img")
    assert not any(attrs.get("alt", "").startswith("CPD-") for tag, attrs in page.tags if tag == "img")


def test_text_is_escaped_and_cannot_break_the_page():
    from imaging_explorer.report.html_document import Cell, HtmlDocument, Table

    doc = HtmlDocument("plate <script>alert(1)</script>")
    table = Table(["name"])
    table.add([Cell('"><img src=x onerror=alert(1)>')])
    doc.table(table)
    text = doc.render("made by <b>")
    assert "<script>" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;" in text and "&quot;&gt;&lt;img" in text


def test_heatmap_tile_marks_hits_and_flagged_wells():
    import numpy as np

    from imaging_explorer.report.plate_tiles import MISSING, activity_grid, tile_rgb

    calls = pd.DataFrame({"row": ["A", "A", "B"], "column": ["1", "2", "02"], "activity_pct": [100.0, 0.0, np.nan],
                          "hit": [True, False, False], "qc_flag": ["", "saturated", ""]})
    values, hit, flagged = activity_grid(calls, ("A", "B"), ("1", "2"))
    assert hit.tolist() == [[True, False], [False, False]] and flagged.tolist() == [[False, True], [False, False]]
    assert np.isnan(values[1, 1]) and np.isnan(values[1, 0])
    rgb = tile_rgb(values, hit, flagged, width=40)
    cell = 20
    assert rgb.shape == (2 * cell, 2 * cell, 3)
    assert (rgb[cell + 5, cell + 5] == MISSING).all()  # B2: no value
    assert (rgb[(cell - 2) // 2, (cell - 2) // 2] == 255).all()  # A1's white hit dot
    assert tuple(rgb[0, cell]) == (220, 30, 30)  # A2's red cross starts in its corner


def test_image_qc_is_summarised_and_listed_when_the_calls_carry_it(screen, tmp_path):
    import dataclasses

    from imaging_explorer.screen import Screen

    plates = []
    for p in screen.plates:
        if p.calls is not None:  # as analyse_plate writes them: the first well lost both fields, two lost one
            n = len(p.calls)
            flagged = [2 if i == 0 else 1 if i < 3 else 0 for i in range(n)]
            reasons = ["field 1: out of focus; field 2: saturated" if i == 0 else "field 2: too little signal"
                       if i < 3 else "" for i in range(n)]
            calls = p.calls.assign(field_count=2, fields_flagged=flagged, field_flags=reasons,
                                   excluded=[i == 0 for i in range(n)],
                                   qc_flag=["all 2 fields flagged: out of focus; saturated" if i == 0 else ""
                                            for i in range(n)])
            p = dataclasses.replace(p, calls=calls)
        plates.append(p)
    summary = write_report(Screen(screen.source, tuple(plates), screen.rule), tmp_path / "r.html", max_hits=0)
    page = _parse(summary.path)
    assert "image QC: 12 of 576 field(s) flagged" in page.all_text and "3 well(s) left out" in page.all_text
    p1_qc = [t for _, t in page.rows if t.startswith("p1 ") and "/ 192" in t]
    assert len(p1_qc) == 1 and "4 / 192" in p1_qc[0]  # the QC table's row: flagged / judged fields
    # which fields and why, by plate and well
    listed = [t for _, t in page.rows if "out of focus; field 2: saturated" in t or "too little signal" in t]
    assert len(listed) == 9 and sum("yes" in t for t in listed) == 3
    assert "3 hit compound(s); none drawn here (--max-hits 0)" in page.all_text
