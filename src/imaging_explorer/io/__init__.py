"""Reading a store, read-only and safely: where the bytes of a plate come from.

- :mod:`.location`: a local folder or an fsspec URL; every store key checked; batched reads.
- :mod:`.documents`: zarr metadata documents (v2 and v3) in batches; array documents checked
  before anything decodes (numeric dtypes only, no pickle-like codecs).
- :mod:`.chunks`: the lean chunk decoder (the array's own codecs, sharding included) used by
  the plate overview, where zarr-python's per-array cost is too high.
"""

from .chunks import ArrayChunks
from .documents import ArrayInfo, ZarrDocs
from .location import Location, check_key, is_url, join_key

__all__ = ["ArrayChunks", "ArrayInfo", "Location", "ZarrDocs", "check_key", "is_url", "join_key"]
