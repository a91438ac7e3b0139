"""npe2 sample data: a synthetic screening plate, made once in the user cache folder."""

from __future__ import annotations

from .reader import LayerData, read_plate


def sample_plate() -> list[LayerData]:
    """The "Sample screening plate": 8 x 12 wells, 2 fields, 512 px, NGFF 0.5.

    The first call writes it into the user cache folder (a few seconds); later calls, and
    ``imaging-explorer demo``, reuse that copy.
    """
    from imaging_explorer.sample.cached import ensure_sample_plate

    return read_plate(str(ensure_sample_plate()))
