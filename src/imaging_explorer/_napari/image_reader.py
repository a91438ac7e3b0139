"""A single OME-Zarr image (a multiscales group, NGFF 0.4 or 0.5) -> napari layer data.

The reader is for plates, but a user who drops one image on napari should see it rather than a
refusal. The image is opened by the core (:func:`imaging_explorer.plate.open_image`, as a plate
field) and its layers come out of the same field -> layers pipeline as a well view
(:mod:`.browser.well_loading`): one multiscale layer per channel with the file's names, colours,
windows and scale, plus its label images, all lazy (dask over zarr).

Importing this module pulls in neither napari nor Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from napari.types import LayerDataTuple

    from imaging_explorer.plate import ZarrImage


def image_layer_data(image: ZarrImage) -> list[LayerDataTuple]:
    """Lazy layers of the image: one per channel (the file's look), then its label images."""
    from imaging_explorer.channel_settings import setting_from_file
    from imaging_explorer.plate import Well

    from .browser.layer_data import spec_layer_data
    from .browser.well_loading import load_well, run_to_end

    well = Well("", "", "", 0, 0, [image.field])
    view = run_to_end(load_well(_OneWell({"": well}), "", 0, budget=None))
    settings = {ch.name: setting_from_file(ch.name, ch) for ch in image.field.channels}
    out = []
    for spec in view.layers:
        data, kwargs, kind = spec_layer_data(spec, spec.name, settings.get(spec.name))
        # not a layer of the plate browser: no tag, so its hotkeys and well view leave it alone
        kwargs["metadata"] = {"source": image.location}
        out.append((data, kwargs, kind))
    return out


@dataclass
class _OneWell:
    """What :func:`load_well` needs of a plate: its wells, and their levels' documents (read at open)."""

    wells: dict[str, Any]

    def load_arrays(self, fields: list[Any]) -> None:
        pass
