"""The plate model: open a plate from its metadata; wells, fields, labels and channels; well names.

- :mod:`.model`: ``Plate`` / ``Well`` / ``Field`` / ``Labels`` / ``Channel`` (metadata only;
  pixel data as lazy dask arrays).
- :mod:`.open`: :func:`open_plate`, the metadata reads in a few batches, lenient with real writers.
- :mod:`.open_image`: :func:`open_image`, a single OME-Zarr image as one field.
- :mod:`.source`: where a plate's arrays and lazily read label metadata come from.
- :mod:`.names`: well names typed by people ("C07"), row-major order and stepping.
- :mod:`.view_address`: :class:`ViewAddress`, a shareable "plate.zarr#C07/2" (plate, well, field).
"""

from .model import Channel, Field, Labels, Plate, Well
from .names import parse_well_name, step_well, well_name, well_order
from .open import open_plate
from .open_image import ZarrImage, open_image
from .view_address import ViewAddress, parse_view_address

__all__ = ["Channel", "Field", "Labels", "Plate", "ViewAddress", "Well", "ZarrImage", "open_image", "open_plate",
           "parse_view_address", "parse_well_name", "step_well", "well_name", "well_order"]
