"""What the Analysis form offers for a plate and the roles and parameters it asks for (Qt-free),
and the run as a worker's generator: steps as fields finish, the BatchRun at the end."""

from __future__ import annotations

import threading

import pytest

from imaging_explorer._napari.analysis.request import (
    FormValues,
    build_request,
    plate_choices,
)
from imaging_explorer._napari.analysis.run_steps import run_steps


@pytest.fixture(scope="module")
def plate(tmp_path_factory):
    import imaging_explorer as ie
    from imaging_explorer.plate import open_plate

    sample = ie.make_sample_plate(tmp_path_factory.mktemp("req") / "r.zarr", rows=1, columns=3, fields=1, size=96)
    return open_plate(str(sample.plate))


def test_choices_come_from_the_first_field_with_guessed_roles(plate) -> None:
    choices = plate_choices(plate)
    assert choices.channels == ["DAPI", "Cell", "Pathogen"]
    assert choices.defaults == {"nuclei": 0, "cell": 1, "pathogen": 2}
    assert (choices.z_planes, choices.t_points) == (1, 1)


def test_none_means_none_and_the_parameters_are_passed_on(plate) -> None:
    roles, params = build_request(plate, FormValues(nuclei=0, cell=None, pathogen=2, infection_threshold=500.0,
                                                    nucleus_diameter=(6, 20), z="max", t=0))
    assert (roles.nuclei, roles.cell, roles.pathogen) == (0, None, 2)  # no cell channel guessed behind the user
    assert params.readout.infection_threshold == 500.0
    assert params.segmentation.nucleus_diameter == (6.0, 20.0)
    _, every = build_request(plate, FormValues(nuclei=0, t="all"))
    assert every.t == "all"  # every time point (one here; a time series gets one row per time point)


@pytest.mark.parametrize(("values", "message"), [
    (FormValues(nuclei=0, cell=0), "both nuclei and cell"),
    (FormValues(nuclei=1, nucleus_diameter=(30, 8)), "nucleus_diameter"),
    (FormValues(nuclei=0, t=3), "t = 3 is out of range"),
    (FormValues(nuclei=0, z=2), "z = 2 is out of range"),
])
def test_bad_values_are_errors_for_people(plate, values, message) -> None:
    with pytest.raises(ValueError, match=message):
        build_request(plate, values)


def test_run_steps_yield_as_fields_finish_and_return_the_run(plate) -> None:
    roles, params = build_request(plate, FormValues(nuclei=0, cell=1, pathogen=2))
    gen = run_steps(plate, roles, params, False, threading.Event())
    steps = []
    try:
        while True:
            steps.append(next(gen))
    except StopIteration as stop:
        run = stop.value
    assert steps[0].total == 0 and steps[-1].done == steps[-1].total == 3
    assert steps[-1].wells is not None and sorted(steps[-1].wells["well"]) == ["A/1", "A/2", "A/3"]
    assert run.results is not None and not run.failed
    assert "wells" in vars(run.results) and "fields" in vars(run.results)  # read in the worker, not later on the GUI thread
    assert len(run.results.wells) == 3


def test_run_steps_cancelled_before_any_field(tmp_path) -> None:
    import imaging_explorer as ie
    from imaging_explorer.plate import open_plate

    plate = open_plate(str(ie.make_sample_plate(tmp_path / "c.zarr", rows=1, columns=2, fields=1, size=64).plate))
    cancel = threading.Event()
    cancel.set()
    roles, params = build_request(plate, FormValues(nuclei=0))
    gen = run_steps(plate, roles, params, False, cancel)
    with pytest.raises(StopIteration) as stop:
        while True:
            next(gen)
    assert stop.value.value.cancelled and stop.value.value.results is None
