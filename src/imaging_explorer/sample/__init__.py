"""The synthetic infection-screen sample plate (with plate map and ground truth), and its cached copy.

- :mod:`.make`: :func:`make_sample_plate`, deterministic and atomic.
- :mod:`.layout`, :mod:`.synth`, :mod:`.meta`, :mod:`.writer`: plate design, pixels, metadata, the
  lean writer (one worker process per core for big plates).
- :mod:`.cached`: the one copy in the user cache that the demo and napari's sample data share.
"""

from .make import SUPPORTED_VERSIONS, SamplePlate, make_sample_plate

__all__ = ["SUPPORTED_VERSIONS", "SamplePlate", "make_sample_plate"]
