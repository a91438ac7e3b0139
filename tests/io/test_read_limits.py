"""The read limits: defaults, environment variables, changed and restored for the whole process."""

from __future__ import annotations

import dataclasses

import pytest

from imaging_explorer.io.limits import (
    ReadLimits,
    limits_from_env,
    read_limits,
    set_read_limits,
)


def test_defaults_are_in_bytes_and_seconds():
    limits = limits_from_env({})
    assert limits == ReadLimits()
    assert (limits.max_document_bytes, limits.connect_timeout, limits.retries) == (64 * 2**20, 5.0, 3)


def test_environment_variables():
    limits = limits_from_env({"IMAGING_EXPLORER_MAX_DOCUMENT_MB": "0.5", "IMAGING_EXPLORER_READ_TIMEOUT": "2.5",
                              "IMAGING_EXPLORER_RETRIES": "0", "IMAGING_EXPLORER_MAX_DECODED_MB": "16"})
    assert limits.max_document_bytes == 2**19 and limits.read_timeout == 2.5
    assert limits.retries == 0 and limits.max_decoded_bytes == 16 * 2**20


@pytest.mark.parametrize("value", ["ten", "-1", "inf", "nan", "0"])
def test_a_bad_variable_is_ignored_with_a_warning(value):
    with pytest.warns(RuntimeWarning, match="IMAGING_EXPLORER_CONNECT_TIMEOUT"):
        limits = limits_from_env({"IMAGING_EXPLORER_CONNECT_TIMEOUT": value})
    assert limits.connect_timeout == ReadLimits().connect_timeout


@pytest.mark.parametrize("changes", [{"retries": 1.5}, {"retries": True}, {"deadline": 0}, {"max_chunk_bytes": -1},
                                     {"read_timeout": float("inf")}, {"connect_timeout": "10"}])
def test_nonsense_limits_are_refused(changes):
    with pytest.raises(ValueError, match="read limit"):
        ReadLimits(**changes)


def test_set_and_restore():
    previous = set_read_limits(read_timeout=1.5, retries=0)
    try:
        assert read_limits().read_timeout == 1.5 and read_limits().retries == 0
        assert read_limits().max_document_bytes == previous.max_document_bytes
    finally:
        set_read_limits(**dataclasses.asdict(previous))
    assert read_limits() == previous
