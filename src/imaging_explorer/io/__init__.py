"""Reading a store, read-only and safely: where the bytes of a plate come from.

- :mod:`.location`: a local folder or an fsspec URL; every store key checked; batched reads
  that return a PlateError value for a key that cannot be read (one bad document costs its key).
- :mod:`.limits`: the bounds on one read (document and chunk sizes, timeouts, deadline, retries).
- :mod:`.remote`, :mod:`.remote_http`: remote reads bounded in size and time, retried when
  transient; S3 anonymous when no credentials are configured.
- :mod:`.documents`, :mod:`.array_doc`: zarr metadata documents (v2 and v3) in batches; array
  documents checked before anything decodes (numeric dtypes zarr reads, sane shapes and chunks,
  no pickle-like codecs, chunks within the decoded-size limit).
- :mod:`.chunks`: the lean chunk decoder (the array's own codecs, sharding included) used by
  the plate overview, where zarr-python's per-array cost is too high.
"""

from .chunks import ArrayChunks
from .documents import ArrayInfo, ZarrDocs
from .limits import ReadLimits, read_limits, set_read_limits
from .location import Location, check_key, is_url, join_key

__all__ = [
    "ArrayChunks", "ArrayInfo", "Location", "ReadLimits", "ZarrDocs", "check_key", "is_url", "join_key",
    "read_limits", "set_read_limits",
]
