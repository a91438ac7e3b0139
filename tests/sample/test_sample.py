"""The synthetic sample plate: layout, NGFF metadata, pixels vs ground truth, safety."""

from __future__ import annotations

import csv
import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import zarr

import imaging_explorer.sample.make as sample
from imaging_explorer.sample import meta, writer
from imaging_explorer.sample.layout import plan_plate, row_names
from imaging_explorer.sample import SamplePlate, make_sample_plate

VERSIONS = ["0.4", "0.5"]


def ome(attrs: dict, version: str) -> dict:
    """The NGFF block of a node's attributes, checking where the version lives."""
    if version == "0.5":
        assert set(attrs) == {"ome"}
        assert attrs["ome"]["version"] == "0.5"
        return attrs["ome"]
    assert "ome" not in attrs
    return attrs


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module", params=VERSIONS)
def plate(request, tmp_path_factory) -> tuple[SamplePlate, str]:
    out = tmp_path_factory.mktemp(f"sample-{request.param}") / "screen.zarr"
    return make_sample_plate(out, rows=2, columns=3, fields=2, size=256, version=request.param), request.param


# --- layout ------------------------------------------------------------------------------


@pytest.mark.parametrize(("rows", "columns"), [(1, 4), (2, 2), (2, 3), (8, 12), (16, 24), (32, 48)])
def test_layout_has_controls_and_samples(rows, columns):
    plans = plan_plate(rows, columns, seed=0)
    roles = [p.role for p in plans]
    assert len(plans) == rows * columns
    assert {"neg_control", "pos_control", "sample"} <= set(roles)
    assert sum(p.missing for p in plans) == 1
    for p in plans:
        if p.role.endswith("control"):
            assert p.column in ("1", "2", str(columns - 1), str(columns)) or columns < 3
    present = [p for p in plans if not p.missing]
    assert any(p.role == "sample" for p in present)


def test_layout_of_a_96_well_plate():
    plans = plan_plate(8, 12, seed=0)
    by_well = {p.name: p for p in plans}
    assert [by_well[f"{r}01"].role for r in "ABCDEFGH"] == ["neg_control"] * 8
    assert [by_well[f"{r}12"].role for r in "ABCDEFGH"] == ["pos_control"] * 8
    assert [p.name for p in plans if p.missing] == ["H11"]
    assert [p.name for p in plans if p.role == "empty"] == ["G11"]
    series = [by_well[f"{r}02"] for r in "ABCDEFGH"]  # the first dose series runs down column 2
    assert {p.compound_id for p in series} == {"CPD-001"}
    assert [p.concentration_um for p in series] == [30, 10, 3.333, 1.111, 0.3704, 0.1235, 0.04115, 0.01372]
    assert [p.is_hit for p in series] == [p.concentration_um > p.ic50_um for p in series]
    assert any(p.is_hit for p in series) and not all(p.is_hit for p in series)
    assert series[0].infection < series[-1].infection  # more compound, less infection
    toxic = [p for p in plans if p.compound_id == "CPD-002"]
    assert all(p.cc50_um for p in toxic) and toxic[0].cytotoxic and toxic[0].density < 0.2
    active = {p.compound_id for p in plans if p.ic50_um}
    inactive = {p.compound_id for p in plans if p.role == "sample" and not p.ic50_um and not p.cc50_um}
    assert len(inactive) > len(active) >= 2


def test_names_of_big_plates(tmp_path):
    assert row_names(32)[-7:] == ["Z", "AA", "AB", "AC", "AD", "AE", "AF"]
    plans = plan_plate(32, 48, seed=0)
    assert plans[-1].path == "AF/48" and plans[-1].name == "AF48" and plans[0].name == "A01"
    tall = make_sample_plate(tmp_path / "tall.zarr", rows=28, columns=1, fields=1, size=32)
    assert (tall.plate / "AB" / "1" / "0" / "0" / "zarr.json").is_file()
    wide = make_sample_plate(tmp_path / "wide.zarr", rows=1, columns=48, fields=1, size=32)
    wells = ome(zarr.open_group(wide.plate, mode="r").attrs.asdict(), "0.5")["plate"]["wells"]
    assert wells[-1] == {"path": "A/48", "rowIndex": 0, "columnIndex": 47}
    assert [r["well"] for r in read_csv(wide.platemap)][-2:] == ["A47", "A48"]


# --- metadata --------------------------------------------------------------------------------


def test_plate_metadata(plate):
    out, version = plate
    root = zarr.open_group(out.plate, mode="r")
    assert root.metadata.zarr_format == (3 if version == "0.5" else 2)
    meta_plate = ome(root.attrs.asdict(), version)["plate"]
    assert meta_plate["name"] == "screen"
    assert [r["name"] for r in meta_plate["rows"]] == ["A", "B"]
    assert [c["name"] for c in meta_plate["columns"]] == ["1", "2", "3"]
    assert meta_plate["wells"][4] == {"path": "B/2", "rowIndex": 1, "columnIndex": 1}
    assert meta_plate["field_count"] == 2
    assert meta_plate["acquisitions"] == [{"id": 0, "name": "synthetic infection assay", "maximumfieldcount": 2}]
    assert ("version" in meta_plate) == (version == "0.4")
    well = ome(root["A/1"].attrs.asdict(), version)["well"]
    assert well["images"] == [{"path": "0", "acquisition": 0}, {"path": "1", "acquisition": 0}]
    assert ("version" in well) == (version == "0.4")


def test_field_metadata(plate):
    out, version = plate
    field = zarr.open_group(out.plate / "A" / "1" / "0", mode="r")
    attrs = ome(field.attrs.asdict(), version)
    (ms,) = attrs["multiscales"]
    assert ("version" in ms) == (version == "0.4")
    assert ms["axes"] == [{"name": "c", "type": "channel"}, {"name": "y", "type": "space", "unit": "micrometer"},
                          {"name": "x", "type": "space", "unit": "micrometer"}]
    assert [d["path"] for d in ms["datasets"]] == ["0", "1", "2"]  # 256 -> 128 -> 64
    assert [d["coordinateTransformations"][0]["scale"] for d in ms["datasets"]] == [
        [1.0, 0.65, 0.65], [1.0, 1.3, 1.3], [1.0, 2.6, 2.6]]
    channels = attrs["omero"]["channels"]
    assert [(c["label"], c["color"]) for c in channels] == [("DAPI", "0000FF"), ("Cell", "FF00FF"),
                                                           ("Pathogen", "00FF00")]
    assert all(c["active"] and set(c["window"]) == {"start", "end", "min", "max"} for c in channels)
    assert attrs["omero"]["rdefs"]["model"] == "color"
    for k, side in enumerate([256, 128, 64]):
        a = field[str(k)]
        assert a.shape == (3, side, side) and a.dtype == np.uint16 and a.chunks == (1, side, side)
        (codec,) = a.compressors
        config = codec.to_dict()["configuration"] if version == "0.5" else codec.get_config()
        assert config["cname"] == "lz4" and config["shuffle"] in ("shuffle", 1)
    assert ome(field["labels"].attrs.asdict(), version)["labels"] == ["nuclei"]
    nuclei = field["labels/nuclei"]
    label = ome(nuclei.attrs.asdict(), version)
    assert label["image-label"]["source"] == {"image": "../../"}
    assert ("version" in label["image-label"]) == (version == "0.4")
    assert [d["coordinateTransformations"][0]["scale"] for d in label["multiscales"][0]["datasets"]] == [
        [0.65, 0.65], [1.3, 1.3], [2.6, 2.6]]
    assert [nuclei[str(k)].shape for k in range(3)] == [(256, 256), (128, 128), (64, 64)]
    assert nuclei["0"].dtype == np.uint32


@pytest.mark.filterwarnings("ignore:'version' field not specified")  # ome_zarr_models on 0.5 plates
def test_other_readers_accept_it(plate):
    out, version = plate
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Plate, Reader

    nodes = list(Reader(parse_url(str(out.plate)))())
    assert any(isinstance(spec, Plate) for spec in nodes[0].specs)
    models = pytest.importorskip("ome_zarr_models")
    mod = "v05" if version == "0.5" else "v04"
    image = importlib.import_module(f"ome_zarr_models.{mod}.image").Image
    image_label = importlib.import_module(f"ome_zarr_models.{mod}.image_label").ImageLabel
    hcs = importlib.import_module(f"ome_zarr_models.{mod}.hcs").HCS
    image.from_zarr(zarr.open_group(out.plate / "A/1/1", mode="r"))
    image_label.from_zarr(zarr.open_group(out.plate / "A/1/1/labels/nuclei", mode="r"))
    assert isinstance(models.open_ome_zarr(zarr.open_group(out.plate, mode="r")), hcs)


def test_missing_well_is_listed_but_absent(plate):
    out, version = plate
    root = zarr.open_group(out.plate, mode="r")
    assert "B/2" in [w["path"] for w in ome(root.attrs.asdict(), version)["plate"]["wells"]]
    assert not (out.plate / "B" / "2").exists()
    assert "B02" in [r["well"] for r in read_csv(out.platemap)]
    truth = [r for r in read_csv(out.truth) if r["well"] == "B02"]
    assert [r["missing_from_store"] for r in truth] == ["true", "true"]
    assert all(r["nuclei_count"] == "" for r in truth)


# --- chunks: our lean writer against zarr-python ------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_chunk_bytes_match_zarr_python(version):
    rng = np.random.default_rng(1)
    image = rng.integers(0, 3000, (3, 300, 300), dtype=np.uint16)  # 300: edge chunks are partial
    labels = np.zeros((300, 300), np.uint32)
    labels[10:20, 10:20] = 7  # only chunk (0, 0) is not empty
    ours = writer.ChunkWriter(version)
    for data, chunks, skip, dims in [(image, (1, 256, 256), False, "cyx"), (labels, (256, 256), True, "yx")]:
        store: dict = {}
        a = zarr.create_array(zarr.storage.MemoryStore(store), shape=data.shape, chunks=chunks, dtype=data.dtype,
                              fill_value=0, zarr_format=3 if version == "0.5" else 2,
                              **meta._array_kwargs(version, dims))
        a[...] = data
        theirs = {k: v.to_bytes() for k, v in store.items() if not k.endswith(("json", ".zarray", ".zattrs"))}
        assert dict(ours.encode(data, chunks, skip)) == theirs


@pytest.mark.parametrize("version", VERSIONS)
def test_pixels_read_back_through_zarr(tmp_path, version):
    out = make_sample_plate(tmp_path / "p.zarr", rows=1, columns=3, fields=1, size=200, version=version)
    plan = plan_plate(1, 3, 0)[0]
    from imaging_explorer.sample.synth import Stamps, downsample_mean, render_field

    field = render_field(Stamps.make(0, 200), plan, 0, 200, 0)
    group = zarr.open_group(out.plate / "A/1/0", mode="r")
    np.testing.assert_array_equal(group["0"][...], field.image)
    np.testing.assert_array_equal(group["1"][...], downsample_mean(field.image))
    np.testing.assert_array_equal(group["labels/nuclei/0"][...], field.labels)
    np.testing.assert_array_equal(group["labels/nuclei/1"][...], field.labels[::2, ::2])


# --- pixels against the ground truth ------------------------------------------------------------


def test_labels_match_truth_and_dapi(plate):
    out, _ = plate
    truth = {(r["well"], int(r["field"])): r for r in read_csv(out.truth)}
    for (well, f), row in truth.items():
        if row["missing_from_store"] == "true":
            continue
        group = zarr.open_group(out.plate / well[0] / str(int(well[1:])) / str(f), mode="r")
        labels = group["labels/nuclei/0"][...]
        dapi = group["0"][0].astype(np.int64)
        ids = np.unique(labels[labels > 0])
        n = int(row["nuclei_count"])
        assert ids.tolist() == list(range(1, n + 1))
        # The nuclei are the bright DAPI blobs: a plain threshold finds (nearly) the same pixels.
        found = dapi > 110 + 600
        overlap = (found & (labels > 0)).sum() / (found | (labels > 0)).sum()
        assert overlap > 0.8, (well, f, overlap)


def _infection_from_pixels(out: SamplePlate, well: str, fields: int) -> float:
    infected = cells = 0
    for f in range(fields):
        group = zarr.open_group(out.plate / well[0] / str(int(well[1:])) / str(f), mode="r")
        labels = group["labels/nuclei/0"][...].ravel()
        pathogen = group["0"][2].astype(np.float64).ravel()
        n = int(labels.max())
        mean = np.bincount(labels, pathogen, n + 1)[1:] / np.maximum(np.bincount(labels, minlength=n + 1)[1:], 1)
        infected += int((mean > 100 + 60).sum())  # background 100 + noise ~6; reporter adds > 90
        cells += n
    return infected / cells


def test_negative_controls_are_more_infected_than_positive(plate):
    out, _ = plate
    roles = {r["well"]: r["role"] for r in read_csv(out.platemap)}
    truth = read_csv(out.truth)
    neg = [_infection_from_pixels(out, w, 2) for w, role in roles.items() if role == "neg_control"]
    pos = [_infection_from_pixels(out, w, 2) for w, role in roles.items() if role == "pos_control"]
    assert min(neg) > 0.45 and max(pos) < 0.15
    # and the pixel call agrees with the ground truth, cell by cell in aggregate
    a01 = [r for r in truth if r["well"] == "A01"]
    expected = sum(int(r["infected_count"]) for r in a01) / sum(int(r["nuclei_count"]) for r in a01)
    assert abs(_infection_from_pixels(out, "A01", 2) - expected) < 0.1


def test_empty_and_cytotoxic_wells(tmp_path):
    out = make_sample_plate(tmp_path / "p.zarr", rows=4, columns=5, fields=1, size=256)
    platemap = {r["well"]: r for r in read_csv(out.platemap)}
    truth = {r["well"]: r for r in read_csv(out.truth)}
    (empty,) = [w for w, r in platemap.items() if r["role"] == "empty"]
    assert truth[empty]["nuclei_count"] == "0" and platemap[empty]["compound_id"] == ""
    group = zarr.open_group(out.plate / empty[0] / str(int(empty[1:])) / "0", mode="r")
    assert group["labels/nuclei/0"][...].max() == 0 and group["0"][0].max() < 110 + 64
    neg = np.mean([int(truth[w]["nuclei_count"]) for w, r in platemap.items() if r["role"] == "neg_control"])
    toxic = [w for w, r in truth.items() if r["cytotoxic"] == "true"]
    assert toxic and all(int(truth[w]["nuclei_count"]) < 0.2 * neg for w in toxic)
    assert all(truth[w]["is_hit"] == "false" for w in toxic)


def test_csv_columns(plate):
    out, _ = plate
    platemap = read_csv(out.platemap)
    assert list(platemap[0]) == ["well", "row", "column", "compound_id", "concentration_uM", "role"]
    assert [r["well"] for r in platemap] == ["A01", "A02", "A03", "B01", "B02", "B03"]
    assert platemap[0] == {"well": "A01", "row": "A", "column": "1", "compound_id": "DMSO",
                                "concentration_uM": "", "role": "neg_control"}
    assert list(read_csv(out.truth)[0])[:8] == ["well", "field", "nuclei_count", "infected_count", "infection_rate",
                                                "is_hit", "cytotoxic", "missing_from_store"]
    assert len(read_csv(out.truth)) == 6 * 2


# --- determinism ---------------------------------------------------------------------------------


def test_same_seed_same_bytes(tmp_path):
    a = make_sample_plate(tmp_path / "a" / "p.zarr", rows=2, columns=3, fields=1, size=128, seed=3)
    b = make_sample_plate(tmp_path / "b" / "p.zarr", rows=2, columns=3, fields=1, size=128, seed=3)
    c = make_sample_plate(tmp_path / "c" / "p.zarr", rows=2, columns=3, fields=1, size=128, seed=4)
    assert files(a.plate) == files(b.plate)
    assert a.platemap.read_bytes() == b.platemap.read_bytes() and a.truth.read_bytes() == b.truth.read_bytes()
    assert files(a.plate)["A/1/0/0/c/0/0/0"] != files(c.plate)["A/1/0/0/c/0/0/0"]


def test_worker_processes_write_the_same_bytes(tmp_path, monkeypatch):
    serial = make_sample_plate(tmp_path / "s" / "p.zarr", rows=2, columns=3, fields=2, size=96, version="0.4")
    monkeypatch.setattr(sample, "PARALLEL_MIN_PIXELS", 0)
    monkeypatch.setattr(sample, "WORKERS", 2)
    monkeypatch.chdir(tmp_path)  # the workers must find this copy of the package on their own
    parallel = make_sample_plate(tmp_path / "p" / "p.zarr", rows=2, columns=3, fields=2, size=96, version="0.4")
    assert files(serial.plate) == files(parallel.plate)
    assert serial.truth.read_bytes() == parallel.truth.read_bytes()


def test_a_failed_worker_fails_the_call_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(sample, "PARALLEL_MIN_PIXELS", 0)
    monkeypatch.setattr(sample, "WORKERS", 2)
    monkeypatch.setattr(sample, "_WORKER", "import sys; print('worker broke', file=sys.stderr); sys.exit(7)")
    with pytest.raises(RuntimeError, match="(?s)exit 7.*worker broke"):
        make_sample_plate(tmp_path / "p.zarr", rows=2, columns=3, fields=1, size=64)
    assert list(tmp_path.iterdir()) == []


# --- safety --------------------------------------------------------------------------------------


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"0\.4.*0\.5"):
        make_sample_plate("never.zarr", version="0.6")
    with pytest.raises(ValueError, match="rows"):
        make_sample_plate("never.zarr", rows=33)
    with pytest.raises(ValueError, match="columns"):
        make_sample_plate("never.zarr", columns=49)
    assert not Path("never.zarr").exists()


def test_refuses_to_overwrite_unless_asked(tmp_path):
    path = tmp_path / "p.zarr"
    first = make_sample_plate(path, rows=1, columns=3, fields=1, size=64, seed=1)
    before = files(path)
    with pytest.raises(FileExistsError, match=str(path)):
        make_sample_plate(path, rows=1, columns=3, fields=1, size=64)
    assert files(path) == before
    second = make_sample_plate(path, rows=1, columns=3, fields=1, size=64, seed=2, overwrite=True)
    assert second == first and files(path) != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.zarr", "p_platemap.csv", "p_truth.csv"]


def test_never_replaces_a_folder_that_is_not_a_plate(tmp_path):
    precious = tmp_path / "data.zarr"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    with pytest.raises(FileExistsError, match="not a zarr group"):
        make_sample_plate(precious, rows=1, columns=3, fields=1, size=64, overwrite=True)
    assert (precious / "thesis.txt").read_text() == "years of work"


def test_a_failure_leaves_no_half_written_plate(tmp_path, monkeypatch):
    path = tmp_path / "p.zarr"
    old = make_sample_plate(path, rows=2, columns=3, fields=1, size=64)
    before = files(path)
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full (simulated)")
        return real(*args, **kwargs)

    real = writer.render_field
    monkeypatch.setattr(writer, "render_field", failing)
    with pytest.raises(OSError, match="simulated"):
        make_sample_plate(tmp_path / "new.zarr", rows=2, columns=3, fields=1, size=64)
    calls.clear()
    with pytest.raises(OSError, match="simulated"):
        make_sample_plate(path, rows=2, columns=3, fields=1, size=64, seed=9, overwrite=True)
    assert files(path) == before and old.truth.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.zarr", "p_platemap.csv", "p_truth.csv"]


def test_a_killed_process_leaves_no_plate_at_the_target(tmp_path):
    script = textwrap.dedent(f"""
        import os
        from imaging_explorer.sample import writer
        from imaging_explorer.sample import make_sample_plate
        real, calls = writer.render_field, []
        def dying(*args, **kwargs):
            calls.append(1)
            if len(calls) == 3:
                os._exit(3)  # no cleanup, no finally: like a kill -9 or a power cut
            return real(*args, **kwargs)
        writer.render_field = dying
        make_sample_plate({str(tmp_path / "p.zarr")!r}, rows=2, columns=3, fields=1, size=64)
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(sample.__file__).parents[2]),
                                                        os.environ.get("PYTHONPATH", "")]))
    assert subprocess.run([sys.executable, "-c", script], env=env, timeout=60).returncode == 3
    assert not (tmp_path / "p.zarr").exists() and not (tmp_path / "p_truth.csv").exists()
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert len(leftovers) == 1 and leftovers[0].startswith(".p.zarr.") and leftovers[0].endswith(".partial")


def test_public_api():
    import imaging_explorer as ie

    assert ie.make_sample_plate is make_sample_plate and ie.SamplePlate is SamplePlate
    assert SamplePlate._fields == ("plate", "platemap", "truth")
    assert json.loads(json.dumps(sample.SUPPORTED_VERSIONS)) == ["0.4", "0.5"]
