"""OME-NGFF 0.4 / 0.5 metadata: strict validators and lenient parsers (stdlib only)."""

from .axes import AxisRoles, axis_roles, canonical_names
from .common import SUPPORTED_VERSIONS, MetadataError, check_relative_path, detect_kind, unwrap
from .models import (Acquisition, Axis, Channel, Dataset, ImageLabel, ImageRef, Multiscale,
                     PlateMeta, WellMeta, WellRef)
from .parse import (parse_image_label, parse_labels_group, parse_multiscales, parse_omero,
                    parse_plate, parse_well)
from .parse_image import DEFAULT_COLORS
from .validate import validate_metadata

__all__ = [
    "AxisRoles", "axis_roles", "canonical_names",
    "SUPPORTED_VERSIONS", "DEFAULT_COLORS", "MetadataError", "check_relative_path",
    "detect_kind", "unwrap", "validate_metadata",
    "parse_plate", "parse_well", "parse_multiscales", "parse_omero", "parse_image_label",
    "parse_labels_group",
    "Acquisition", "Axis", "Channel", "Dataset", "ImageLabel", "ImageRef", "Multiscale",
    "PlateMeta", "WellMeta", "WellRef",
]
