"""The OME-NGFF spec's own conformance suites, read where they live (../shared/conformance)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from imaging_explorer import ngff

CONFORMANCE = Path(__file__).parents[3] / "shared" / "conformance"  # tests/ngff/ -> project -> ..


@pytest.fixture(autouse=True, scope="module")
def _suites_present(unavailable) -> None:
    """Skipped without the suites on a developer machine; failed under CI=true."""
    if not CONFORMANCE.is_dir():
        unavailable(f"conformance suites not found at {CONFORMANCE}")

KINDS = ("plate", "well", "image", "label")

# A field each invalid case is about; its problems must name it. Keyed by (suite kind,
# "formerly"); "#2" marks the second case of a suite that reuses a name.
EXPECTED_FIELD = {
    ("image", "invalid/duplicate_axes.json"): "axes",
    ("image", "invalid/missing_space_axes.json"): "axes",
    ("image", "invalid/invalid_transformation_type.json"): "coordinateTransformations",
    ("image", "invalid/missing_scale.json"): "scale",
    ("image", "invalid/too_many_axes.json"): "axes",
    ("image", "invalid/invalid_channels_color.json"): "color",
    ("image", "invalid/missing_axes_name.json"): "name",
    ("image", "invalid/invalid_axes_count.json"): "axes",
    ("image", "invalid/one_space_axes.json"): "axes",
    ("image", "invalid/invalid_path.json"): "path",
    ("image", "invalid/invalid_multiscales_transformations.json"): "coordinateTransformations",
    ("image", "invalid/missing_transformations.json"): "coordinateTransformations",
    ("image", "invalid/no_datasets.json"): "datasets",
    ("image", "invalid/missing_datasets.json"): "datasets",
    ("image", "invalid/missing_axes.json"): "axes",
    ("image", "invalid/invalid_version.json"): "version",
    ("image", "invalid/invalid_axis_type.json"): "axes",
    ("image", "invalid/duplicate_scale.json"): "scale",
    ("image", "invalid/no_axes.json"): "axes",
    ("image", "invalid/too_many_space_axes.json"): "axes",
    ("image", "invalid/no_multiscales.json"): "multiscales",
    ("image", "invalid/invalid_channels_window.json"): "window",
    ("image", "invalid/empty_transformations.json"): "coordinateTransformations",
    ("image", "invalid/missing_path.json"): "path",
    ("label", "image-label/empty_colors"): "colors",
    ("label", "image-label/empty_properties"): "properties",
    ("label", "image-label/colors_no_label_value"): "label-value",
    ("label", "image-label/properties_no_label_value"): "label-value",
    ("label", "image-label/colors_rgba_length"): "rgba",
    ("label", "image-label/colors_rgba_type"): "rgba",
    ("label", "image-label/colors_duplicate"): "colors",
    ("plate", "plate/missing_rows"): "rows",
    ("plate", "plate/empty_rows"): "rows",
    ("plate", "plate/duplicate_rows"): "rows",
    ("plate", "plate/duplicate_rows#2"): "columns",  # 0.4: duplicate columns and wells
    ("plate", "plate/missing_columns"): "columns",
    ("plate", "plate/empty_columns"): "columns",
    ("plate", "plate/duplicate_columns"): "columns",
    ("plate", "plate/missing_wells"): "wells",
    ("plate", "plate/empty_wells"): "wells",
    ("plate", "plate/duplicate_wells"): "wells",
    ("plate", "plate/missing_column_name"): "columns",
    ("plate", "plate/missing_row_name"): "rows",
    ("plate", "plate/missing_well_path"): "path",
    ("plate", "plate/missing_well_rowIndex"): "rowIndex",
    ("plate", "plate/missing_well_columnIndex"): "columnIndex",
    ("plate", "plate/well_1group"): "path",
    ("plate", "plate/well_3groups"): "path",
    ("plate", "plate/invalid_version"): "version",
    ("plate", "plate/non_alphanumeric_column"): "columns",
    ("plate", "plate/missing_acquisition_id"): "acquisitions",
    ("plate", "plate/non_integer_acquisition_id"): "acquisitions",
    ("plate", "plate/negative_acquisition_id"): "acquisitions",
    ("plate", "plate/non_integer_acquisition_maximumfieldcount"): "maximumfieldcount",
    ("plate", "plate/acquisition_zero_maximumfieldcount"): "maximumfieldcount",
    ("plate", "plate/acquisition_noninteger_starttime"): "starttime",
    ("plate", "plate/acquisition_negative_starttime"): "starttime",
    ("plate", "plate/acquisition_noninteger_endtime"): "endtime",
    ("plate", "plate/negative_endtime"): "endtime",
    ("plate", "plate/zero_field_count"): "field_count",
    ("plate", "plate/well_path_has_column_before_row"): "path",
    ("well", "well/empty_images"): "images",
    ("well", "well/duplicate_images"): "images",
    ("well", "well/invalid_version"): "version",
    ("well", "well/non_integer_acquisition_id"): "acquisition",
}


def _parse(kind: str, data: dict) -> list[str]:
    """Open a case with the lenient parser of its kind; return the warnings."""
    if kind == "plate":
        return ngff.parse_plate(data)[1]
    if kind == "well":
        return ngff.parse_well(data)[1]
    if kind == "label":
        label, warnings = ngff.parse_image_label(data)
        assert label is not None
        return warnings
    ms, warnings = ngff.parse_multiscales(data)
    assert ms.datasets and ms.axes
    _, doc = ngff.unwrap(data)
    n = len(doc.get("omero", {}).get("channels", [])) or 1
    channels, more = ngff.parse_omero(data, n)
    assert len(channels) == n
    return warnings + more


def _cases() -> list:
    params = []
    for version in ngff.SUPPORTED_VERSIONS:
        for kind in KINDS:
            for strict in (False, True):
                name = f"{'strict_' if strict else ''}{kind}_suite.json"
                path = CONFORMANCE / f"ngff-{version}" / name
                if not path.exists():
                    continue
                seen: set[str] = set()
                for case in json.loads(path.read_text())["tests"]:
                    key = case["formerly"]
                    key = f"{key}#2" if key in seen else key
                    seen.add(case["formerly"])
                    params.append(pytest.param(version, kind, strict, key, case,
                                               id=f"{version}-{name[:-11]}-{key}"))
    return params


CASES = _cases()


def test_all_suites_found() -> None:
    """Both versions' eight suites are there, so a missing file cannot pass silently."""
    for version in ngff.SUPPORTED_VERSIONS:
        assert len(list((CONFORMANCE / f"ngff-{version}").glob("*_suite.json"))) == 8
    assert len(CASES) > 150


@pytest.mark.parametrize(("version", "kind", "strict", "key", "case"), CASES)
def test_case(version: str, kind: str, strict: bool, key: str, case: dict) -> None:
    data = case["data"]
    problems = ngff.validate_metadata(data, version=version, strict=strict)
    if case["valid"]:
        assert problems == []
        _parse(kind, data)  # a valid document always opens
    elif not strict:
        assert problems, "invalid case reported valid"
        field = EXPECTED_FIELD[(kind, key)]
        assert any(field in p for p in problems), (field, problems)
    else:
        # Legal data missing recommended fields: strict reports it, the rest accept it and
        # the opener warns.
        assert problems
        assert ngff.validate_metadata(data, version=version, strict=False) == []
        assert _parse(kind, data), "the lenient parser should warn"


def test_every_invalid_case_has_an_expected_field() -> None:
    missing = [(kind, key) for _, kind, strict, key, case in (p.values for p in CASES)
               if not strict and not case["valid"] and (kind, key) not in EXPECTED_FIELD]
    assert missing == []


def test_valid_cases_also_pass_without_version_hint() -> None:
    """With version=None the version comes from the document (or its layout)."""
    for version, kind, strict, key, case in (p.values for p in CASES):
        if case["valid"]:
            assert ngff.validate_metadata(case["data"], strict=strict) == [], (version, key)


def test_detect_kind_on_suites() -> None:
    expected = {"plate": {"plate"}, "well": {"well"}, "image": {"image"},
                "label": {"image-label"}}
    for _, kind, _, key, case in (p.values for p in CASES):
        assert ngff.detect_kind(case["data"]) in expected[kind], key


YX_IMAGE = {"multiscales": [{"version": "0.4", "axes": [
    {"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
    "datasets": [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1, 1]}]}]}]}


def test_unwrap_and_detect_kind():
    image = dict(YX_IMAGE)
    assert ngff.unwrap(image) == ("0.4", image)
    assert ngff.unwrap({"ome": {"version": "0.5", "well": {}}}) == ("0.5", {"version": "0.5", "well": {}})
    assert ngff.unwrap({"labels": ["a"]}) == (None, {"labels": ["a"]})
    assert ngff.detect_kind({"ome": {"plate": {}}}) == "plate"
    assert ngff.detect_kind({**image, "image-label": {}}) == "image-label"
    assert ngff.detect_kind(image) == "image"
    assert ngff.detect_kind({"foo": 1}) is None


def test_validate_layout_and_kind_problems():
    image = dict(YX_IMAGE)
    assert any(p.startswith("ome:") for p in ngff.validate_metadata(image, version="0.5"))
    wrapped = {"ome": {"version": "0.5", "multiscales": image["multiscales"]}}
    problems = ngff.validate_metadata(wrapped, version="0.4")
    assert any("ome.version" in p for p in problems)
    assert ngff.validate_metadata({"foo": 1}) == [
        "attributes: no OME-NGFF metadata recognised (expected one of plate, well, "
        "multiscales, image-label, labels)"]
    assert ngff.validate_metadata([]) != []  # type: ignore[arg-type]
