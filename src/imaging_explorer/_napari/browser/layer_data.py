"""Layer specs of a well view -> napari layer data (``LayerDataTuple``), one way for every caller.

The well view adds its layers from these tuples, and the reader returns them when no viewer is
there (a script calling ``read_plate``). Colours, contrast and gamma come from the channel
settings (:mod:`.layer_style`), so both look the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .layer_style import layer_kwargs
from .layer_tags import META_KEY

if TYPE_CHECKING:
    from napari.types import LayerDataTuple

    from imaging_explorer.channel_settings import ChannelSetting

    from .well_loading import LayerSpec, WellView

LABELS_OPACITY = 0.6


def well_tag(spec: LayerSpec) -> dict[str, Any]:
    """The metadata tag of a well-view layer."""
    return {"role": "well", "kind": spec.kind, "name": spec.name}


def spec_layer_data(spec: LayerSpec, name: str, setting: ChannelSetting | None = None,
                    labels_opacity: float = LABELS_OPACITY) -> LayerDataTuple:
    """One well-view layer: an image with the channel's look, or labels."""
    multiscale = len(spec.levels) > 1
    kwargs: dict[str, Any] = {
        "multiscale": multiscale,
        "name": name,
        "scale": spec.scale,
        "translate": spec.translate,
        "axis_labels": spec.axis_labels,
        "metadata": {META_KEY: well_tag(spec)},
    }
    if spec.kind == "image":
        kwargs["rgb"] = False
        if setting is not None:
            kwargs.update(layer_kwargs(setting))
    else:
        kwargs["opacity"] = labels_opacity
    return (spec.levels if multiscale else spec.levels[0], kwargs, spec.kind)


def view_layer_data(view: WellView, settings: dict[str, ChannelSetting]) -> list[LayerDataTuple]:
    """Every layer of a well view, named "C7 DAPI", "C7 nuclei"."""
    return [spec_layer_data(spec, f"{view.name} {spec.name}", settings.get(spec.name)) for spec in view.layers]
