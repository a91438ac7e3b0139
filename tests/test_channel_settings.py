"""Channel settings per plate: defaults from omero, saved in the user's config, never in the plate."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

import imaging_explorer as ie
from imaging_explorer.channel_settings import (
    ChannelSetting,
    ChannelSettings,
    ChannelSettingsWarning,
)
from imaging_explorer.plate import Channel, Well


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("IMAGING_EXPLORER_CONFIG", str(folder))
    return folder


@pytest.fixture
def plate(tiny_plate: Path) -> ie.Plate:
    return ie.open_plate(tiny_plate)


def listen(settings: ChannelSettings) -> list[str]:
    heard: list[str] = []
    settings.changed.connect(heard.append)
    return heard


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def test_defaults_come_from_the_omero_channels(plate, config):
    s = ChannelSettings.for_plate(plate)
    assert s.names == ["DAPI", "Cell", "Pathogen"]
    assert s.get("DAPI") == ChannelSetting("DAPI", "0000FF", (100.0, 2500.0), 1.0, True)
    assert [c.color for c in s.channels] == ["0000FF", "FF00FF", "00FF00"]
    assert s.path == config / "channels" / f"{plate.fingerprint}.json"
    assert not s.path.exists()  # nothing is written until the user changes something


def test_settings_round_trip_between_instances(plate, config):
    first = ChannelSettings.for_plate(plate)
    new = first.update("Cell", color="#ff8800", contrast_limits=(10, 2000), gamma=0.8, visible=False)
    assert new == ChannelSetting("Cell", "FF8800", (10.0, 2000.0), 0.8, False)
    assert json.loads(first.path.read_text())["fingerprint"] == plate.fingerprint
    second = ChannelSettings.for_plate(ie.open_plate(plate.location))
    assert second.get("Cell") == new
    assert second.get("DAPI") == first.get("DAPI")
    assert second.channels == first.channels
    assert [p.name for p in first.path.parent.iterdir()] == [first.path.name]  # no temp files left


def test_explicit_config_dir(plate, tmp_path):
    s = ChannelSettings.for_plate(plate, config_dir=tmp_path / "elsewhere")
    s.update("DAPI", gamma=2)
    assert (tmp_path / "elsewhere" / "channels" / f"{plate.fingerprint}.json").is_file()


def test_changes_emit_the_channel_name(plate):
    s = ChannelSettings.for_plate(plate)
    heard = listen(s)
    s.update("DAPI", visible=False)
    s.update("Pathogen", contrast_limits=None)
    s.update("DAPI", visible=False)  # no change: no signal, no write
    assert heard == ["DAPI", "Pathogen"]


def test_reset_goes_back_to_the_file_values_and_saves(plate):
    s = ChannelSettings.for_plate(plate)
    defaults = s.channels
    s.update("DAPI", color="FFFFFF", gamma=0.5)
    s.update("Cell", visible=False)
    heard = listen(s)
    s.reset()
    assert s.channels == defaults
    assert sorted(heard) == sorted(s.names)
    assert ChannelSettings.for_plate(plate).channels == defaults


@pytest.mark.parametrize("changes", [
    {"color": "blue"}, {"color": "#12345"}, {"color": 0xFF0000}, {"contrast_limits": (5, 5)},
    {"contrast_limits": (10, 1)}, {"contrast_limits": (math.nan, 1)}, {"contrast_limits": "ab"},
    {"contrast_limits": (1, 2, 3)}, {"gamma": 0}, {"gamma": -1}, {"gamma": "x"}, {"gamma": math.inf},
    {"visible": "yes"}, {"opacity": 0.5}, {"gamma": 2, "color": "nope"},
])
def test_invalid_changes_are_refused_and_change_nothing(plate, changes):
    s = ChannelSettings.for_plate(plate)
    before = s.get("DAPI")
    heard = listen(s)
    with pytest.raises(ValueError, match="'DAPI'"):
        s.update("DAPI", **changes)
    assert s.get("DAPI") == before
    assert heard == []
    assert not s.path.exists()


@pytest.mark.parametrize("content", ["{not json", '["a list"]', '{"channels": []}',
                                     '{"channels": {"DAPI": {"gamma": -3}}}', '{"channels": {"DAPI": 5}}', ""])
def test_damaged_file_gives_defaults_with_a_warning_and_is_kept(plate, content):
    path = ChannelSettings.for_plate(plate).path
    path.parent.mkdir(parents=True)
    path.write_text(content)
    with pytest.warns(ChannelSettingsWarning, match="damaged"):
        s = ChannelSettings.for_plate(plate)
    assert s.get("DAPI") == ChannelSetting("DAPI", "0000FF", (100.0, 2500.0))
    assert path.read_text() == content  # not overwritten by merely looking
    s.update("DAPI", gamma=1.5)
    assert json.loads(path.read_text())["channels"]["DAPI"]["gamma"] == 1.5
    assert path.with_suffix(".json.damaged").read_text() == content


def test_saved_entries_for_other_names_are_kept(plate):
    s = ChannelSettings.for_plate(plate)
    s.path.parent.mkdir(parents=True)
    s.path.write_text(json.dumps({"channels": {"GFP": {"color": "00FF00", "gamma": 2}, "Cell": {"visible": False}}}))
    s = ChannelSettings.for_plate(plate)
    assert s.names == ["DAPI", "Cell", "Pathogen", "GFP"]
    assert s.get("GFP") == ChannelSetting("GFP", "00FF00", None, 2.0, True)
    assert s.get("Cell").visible is False and s.get("Cell").color == "FF00FF"  # unsaved parts from the file


def test_unwritable_config_warns_and_keeps_the_change(plate, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.warns(ChannelSettingsWarning, match="cannot read"):
        s = ChannelSettings.for_plate(plate, config_dir=blocker)
    heard = listen(s)
    with pytest.warns(ChannelSettingsWarning, match="cannot save"):
        s.update("DAPI", gamma=3)
    assert s.get("DAPI").gamma == 3.0
    assert heard == ["DAPI"]


def test_nothing_is_written_inside_the_plate(tiny_plate, config):
    before = snapshot(tiny_plate)
    plate = ie.open_plate(tiny_plate)
    s = ChannelSettings.for_plate(plate)
    s.update("DAPI", color="00FFFF", contrast_limits=(0, 100))
    s.get("Unknown")
    s.reset()
    assert snapshot(tiny_plate) == before
    assert s.path.is_relative_to(config)


def fake_plate(fields_channels: dict[str, list[list[Channel]]]) -> SimpleNamespace:
    wells = {}
    for key, fields in fields_channels.items():
        r, c = key.split("/")
        wells[key] = Well(key, r, c, 0, int(c) - 1, [SimpleNamespace(channels=chs) for chs in fields])
    return SimpleNamespace(name="fake", fingerprint="fake0001", wells=wells)


def test_channels_of_other_fields_get_their_own_defaults_on_demand():
    dapi, gfp = Channel("DAPI", "0000FF", (0, 10)), Channel("GFP", "00FF00", (5, 50), visible=False)
    dapi_other = Channel("DAPI", "FFFFFF", (1, 2))
    plate = fake_plate({"A/2": [[dapi_other, gfp]], "A/1": [[dapi], [dapi, gfp]]})
    s = ChannelSettings.for_plate(plate)
    assert s.names == ["DAPI"]  # the first field in row-major order decides
    assert s.get("DAPI").color == "0000FF"
    assert s.get("GFP") == ChannelSetting("GFP", "00FF00", (5.0, 50.0), 1.0, False)
    assert s.get("Brightfield") == ChannelSetting("Brightfield", "FFFFFF", None)
    assert s.names == ["DAPI", "GFP", "Brightfield"]
    s.update("GFP", visible=True)
    assert ChannelSettings.for_plate(plate).get("GFP").visible is True


def test_a_window_that_cannot_be_limits_means_automatic():
    plate = fake_plate({"A/1": [[Channel("X", "ABCDEF", (5, 5)), Channel("Y", "bad", None)]]})
    s = ChannelSettings.for_plate(plate)
    assert s.get("X").contrast_limits is None
    assert s.get("Y") == ChannelSetting("Y", "FFFFFF", None)
    assert "IMAGING_EXPLORER_CONFIG" in os.environ


def test_distinct_colors_replace_only_repeats():
    from imaging_explorer.channel_colors import distinct_colors

    four = distinct_colors(["73FF00"] * 4)
    assert four[0] == "73FF00" and len(set(four)) == 4
    assert distinct_colors(["0000ff", "FF00FF", "00FF00"]) == ["0000FF", "FF00FF", "00FF00"]
    # a replacement never takes a colour another channel has
    assert distinct_colors(["FF00FF", "FF00FF", "00FFFF"])[1] not in ("FF00FF", "00FFFF")
    many = distinct_colors(["FFFFFF"] * 12)  # more repeats than palette colours
    assert len(set(many)) == 12


def faim_like(window=(0, 65535)):
    """Four channels coloured alike with a 0-65535 window, as faim-ipa writes them."""
    chs = [Channel(f"DAPI{i}", "73FF00", window) for i in range(4)]
    return fake_plate({"A/1": [chs]})


def estimate(window=(80.0, 3969.0), low=80.0, high=3969.0):
    import numpy as np

    from imaging_explorer.overview import ChannelEstimate

    return ChannelEstimate(window, low, high, np.dtype("uint16"))


def test_repeated_file_colours_are_shown_distinct_and_saved_as_the_files():
    s = ChannelSettings.for_plate(faim_like())
    shown = [c.color for c in s.channels]
    assert shown[0] == "73FF00" and len(set(shown)) == 4
    assert s.get("DAPI1").note == "colour: the file gives 4 channels #73FF00"
    s.update("DAPI0", gamma=2)
    saved = json.loads(s.path.read_text())["channels"]
    assert {c["color"] for c in saved.values()} == {"73FF00"}  # the file's colour stays the setting
    s.update("DAPI1", color="FFFF00")  # a colour the user chose is shown as chosen
    assert s.get("DAPI1").color == "FFFF00" and s.get("DAPI1").note == ""
    s.reset()
    assert [c.color for c in s.channels] == shown


def test_estimates_replace_a_useless_window_and_give_the_slider_range():
    s = ChannelSettings.for_plate(faim_like())
    heard = listen(s)
    s.set_estimates({name: estimate() for name in s.names})
    assert sorted(heard) == sorted(s.names)
    got = s.get("DAPI0")
    assert got.contrast_limits == (80.0, 3969.0)
    assert got.note == "auto contrast: the file's window 0–65535 spans the whole uint16 range"
    lo, hi = got.data_range
    assert 0 <= lo <= 80 and 3969 <= hi < 4400
    assert not s.path.exists()  # derived from the data: nothing saved
    s.update("DAPI0", contrast_limits=(100, 200))  # the user's window wins
    assert s.get("DAPI0").contrast_limits == (100.0, 200.0) and s.get("DAPI0").note == ""
    s.update("DAPI0", contrast_limits=None)  # automatic: the estimate again
    assert s.get("DAPI0").contrast_limits == (80.0, 3969.0) and s.get("DAPI0").note == "auto contrast"
    s.reset()
    assert s.get("DAPI0").contrast_limits == (80.0, 3969.0)
    assert ChannelSettings.for_plate(faim_like()).get("DAPI0").contrast_limits == (0.0, 65535.0)  # saved: the file's


def test_estimates_keep_a_meaningful_file_window_and_fill_a_missing_one():
    plate = fake_plate({"A/1": [[Channel("A", "FF0000", (100, 900)), Channel("B", "00FF00", None)]]})
    s = ChannelSettings.for_plate(plate)
    s.set_estimates({"A": estimate(), "B": estimate()})
    assert s.get("A").contrast_limits == (100.0, 900.0) and s.get("A").data_range is not None
    assert s.get("B").contrast_limits == (80.0, 3969.0)
    assert s.get("B").note == "auto contrast: the file gives no window"
    heard = listen(s)
    s.set_estimates({"A": estimate(), "B": estimate()})  # nothing new: no signal
    assert heard == []
