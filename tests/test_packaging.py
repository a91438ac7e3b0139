"""Packaging: the manifest travels with the package (editable and wheel), napari finds the
plugin, and importing the core pulls in no Qt or napari."""

from __future__ import annotations

import importlib.resources
import json
import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "napari.yaml"
GUI_MODULES = ("qtpy", "napari", "magicgui", "superqt", "vispy", "PyQt5", "PyQt6", "PySide2", "PySide6")

# Run in the environment under test: the package's manifest, the plugin discovered by npe2,
# its reader and sample data resolved, napari listing the reader. Prints a JSON report.
CHECK_PLUGIN = textwrap.dedent(
    """
    import importlib.resources, json, sys
    import imaging_explorer
    res = importlib.resources.files("imaging_explorer").joinpath("napari.yaml")
    from npe2 import PluginManager
    pm = PluginManager()
    pm.discover(include_npe1=False)
    mf = pm.get_manifest("imaging-explorer")
    reader = mf.contributions.readers[0]
    sample = mf.contributions.sample_data[0]
    from npe2.manifest.utils import import_python_name
    get_reader = import_python_name(pm.get_command(reader.command).python_name)
    sample_fn = import_python_name(pm.get_command(sample.command).python_name)
    # widgets resolve to their classes (importing them needs Qt, which this environment has)
    widgets = {w.display_name: import_python_name(pm.get_command(w.command).python_name).__name__
               for w in mf.contributions.widgets or []}
    from napari.plugins import _initialize_plugins, _npe2
    _initialize_plugins()
    print(json.dumps({
        "package_file": imaging_explorer.__file__,
        "manifest_is_file": res.is_file(),
        "manifest_text": res.read_text(encoding="utf-8"),
        "plugin_name": mf.name,
        "reader": [reader.command, reader.accepts_directories, get_reader.__name__],
        "sample": [sample.key, sample.display_name, sample_fn.__name__],
        "napari_readers": sorted(_npe2.get_readers("plate.zarr")),
        "napari_samples": {k: sorted(v) for k, v in _npe2.sample_iterator()},
        "widgets": widgets,
    }))
    """
)


def _check_plugin(python: str | Path, env: dict[str, str] | None = None) -> dict:
    out = subprocess.run(
        [str(python), "-c", CHECK_PLUGIN], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _assert_plugin_ok(report: dict) -> None:
    assert report["manifest_is_file"]
    assert report["manifest_text"] == MANIFEST.read_text(encoding="utf-8")
    assert report["plugin_name"] == "imaging-explorer"
    assert report["reader"] == ["imaging-explorer.get_reader", True, "get_reader"]
    assert report["sample"] == ["sample_plate", "Sample screening plate", "sample_plate"]
    assert "imaging-explorer" in report["napari_readers"]
    assert report["napari_samples"].get("imaging-explorer") == ["sample_plate"]
    assert report["widgets"].get("Plate browser") == "BrowserDock"
    assert report["widgets"].get("Review") == "ReviewDock"


def test_manifest_symlink_is_committed_as_a_link() -> None:
    link = ROOT / "src" / "imaging_explorer" / "napari.yaml"
    assert link.is_symlink() and os.readlink(link) == "../../napari.yaml"
    res = importlib.resources.files("imaging_explorer").joinpath("napari.yaml")
    assert res.is_file() and res.read_text(encoding="utf-8") == MANIFEST.read_text(encoding="utf-8")


def test_import_pulls_in_no_gui_modules() -> None:
    code = (
        "import sys, imaging_explorer as ie\n"
        "ie.open_plate; ie.PlateError; ie.make_sample_plate\n"
        "import imaging_explorer.sample.cached, imaging_explorer._napari.plugin\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {GUI_MODULES!r})\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_npe2_validate_and_discovery_in_this_environment() -> None:
    npe2 = Path(sys.executable).with_name("npe2")
    out = subprocess.run([str(npe2), "validate", "imaging-explorer"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "valid" in out.stdout.lower()
    _assert_plugin_ok(_check_plugin(sys.executable))


def _view_of_site_packages(view: Path) -> Path:
    """A folder of links to this environment's installed packages, minus imaging-explorer.

    A new venv that sees it gets napari and npe2 without downloading anything, while the
    only imaging-explorer it sees is the wheel installed into it.
    """
    view.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        name = entry.name.lower()
        if "imaging_explorer" in name or "imaging-explorer" in name or name.endswith(".pth"):
            continue
        (view / entry.name).symlink_to(entry)
    return site


@pytest.mark.slow
def test_wheel_carries_manifest_and_napari_finds_plugin(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (wheel,) = dist.glob("imaging_explorer-*.whl")

    env_dir = tmp_path / "wheel-venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    new_site = Path(
        subprocess.check_output([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip()
    )
    site = _view_of_site_packages(tmp_path / "view")
    (new_site / "00_dependencies.pth").write_text(f"{tmp_path / 'view'}\n")
    for pth in site.glob("*.pth"):  # keep the helpers those .pth files set up (not the editable hook)
        if "imaging" not in pth.name.lower() and "editable" not in pth.name.lower():
            (new_site / pth.name).write_text(pth.read_text())
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    report = _check_plugin(python, env=env)

    assert Path(report["package_file"]).resolve().is_relative_to(new_site.resolve())
    _assert_plugin_ok(report)
    # the wheel holds the manifest's content, not a link
    validate = subprocess.run(
        [str(python), "-c", "import sys; from npe2.cli import main; sys.argv = ['npe2', 'validate', 'imaging-explorer']; main()"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
