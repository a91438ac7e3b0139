"""The napari face of imaging-explorer, in layers (each imports only those below it):

- ``_qt/``: widgets only (Plate browser dock, well grid, channel panel, Review dock, call form);
- ``review/``: the review model (calls, consensus, conflicts, queue), the store job queue, the
  calls layer, the review keys;
- ``browser/``: the plate browser's state and controller, loading (overview thumbnails, well
  views, read-ahead, plate map), layers, hover and keys;
- beside them: ``plugin`` (npe2 reader and sample data), ``session`` (the per-viewer registry),
  ``docks`` (the only place that opens docks and notifies), ``keys`` (the key-binding table type),
  ``launch`` (napari on a plate, or a screenshot).

Nothing here is imported by ``imaging_explorer`` itself; napari loads these modules through
the commands of ``napari.yaml``.
"""
