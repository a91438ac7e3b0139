"""One place for the user folders and IMAGING_EXPLORER_* variables: library, CLI and docks agree."""

from __future__ import annotations

from pathlib import Path

import pytest

import imaging_explorer as ie
from imaging_explorer import _dirs
from imaging_explorer.cli import main


def test_variables_move_every_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, folder in ((_dirs.CACHE_ENV, "c"), (_dirs.CONFIG_ENV, "k"), (_dirs.DATA_ENV, "d")):
        monkeypatch.setenv(variable, str(tmp_path / folder))
    monkeypatch.delenv(_dirs.DB_ENV, raising=False)
    assert (_dirs.cache_dir(), _dirs.config_dir(), _dirs.data_dir()) == (tmp_path / "c", tmp_path / "k", tmp_path / "d")
    assert _dirs.annotation_store_location() == str(tmp_path / "d" / "annotations.db")


def test_default_store_is_the_same_for_library_and_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(_dirs.DATA_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(_dirs.DB_ENV, raising=False)
    with ie.AnnotationStore() as store:
        assert store.url == str((tmp_path / "data" / "annotations.db").resolve())

    chosen = tmp_path / "team.db"
    monkeypatch.setenv(_dirs.DB_ENV, str(chosen))
    with ie.AnnotationStore() as store:  # IMAGING_EXPLORER_DB wins, for the library too
        assert store.url == str(chosen.resolve())
    assert main(["annotations", "summary"]) == 0  # no --db: the same default store
    assert chosen.is_file()
    capsys.readouterr()
