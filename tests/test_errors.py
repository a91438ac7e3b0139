"""Errors survive the trips a library's errors make (dask's process schedulers pickle them)."""

from __future__ import annotations

import pickle

from imaging_explorer.errors import PlateError


def test_plate_error_keeps_its_location_and_reason_through_pickle():
    again = pickle.loads(pickle.dumps(PlateError("http://h/p.zarr/A/1/0/0/c/0/0", "chunk inflates past 8 MiB")))
    assert isinstance(again, PlateError)
    assert (again.location, again.reason) == ("http://h/p.zarr/A/1/0/0/c/0/0", "chunk inflates past 8 MiB")
    assert str(again) == "http://h/p.zarr/A/1/0/0/c/0/0: chunk inflates past 8 MiB"
